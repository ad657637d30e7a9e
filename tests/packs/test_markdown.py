"""parse_note: the cited blocks of a Markdown note, each quote verbatim on its line."""

from __future__ import annotations

from draft_notes import MICROVM_NOTE
from hypothesis import given, settings
from hypothesis import strategies as st

from service.packs.documents import Document
from service.packs.markdown import Quote, parse_note


def test_table_cells_are_quoted_from_the_raw_row_not_the_parsed_text() -> None:
    (table,) = parse_note("n.md", MICROVM_NOTE).tables
    assert [(c.quote, c.text) for c in table.header] == [
        (Quote(5, "Aspect"), "Aspect"),
        (Quote(5, "MicroVMs"), "MicroVMs"),
        (Quote(5, "Containers"), "Containers"),
    ]
    assert [[(c.quote and c.quote.text, c.text) for c in row] for row in table.rows] == [
        # the parser unescapes \| in its text; the quote keeps what the line says
        [("Boot Time", "Boot Time"), ("~125 ms \\| cold", "~125 ms | cold"), ("Sub-second",) * 2],
        [
            ("Isolation", "Isolation"),
            ("Hardware virtualization (`KVM`)", "Hardware virtualization (KVM)"),
            ("Kernel namespaces and cgroups",) * 2,
        ],
        [("Density",) * 2, ("Thousands per host",) * 2, ("Highest per host",) * 2],
    ]
    assert [row[0].quote and row[0].quote.line for row in table.rows] == [7, 8, 9]


def test_list_items_cite_each_of_their_lines_and_no_blank_line_after_the_last() -> None:
    choose, win, combine = parse_note("n.md", MICROVM_NOTE).lists
    assert [(i.quotes, i.text) for i in choose.items] == [
        (
            (Quote(15, "You run untrusted code"), Quote(16, "from many tenants.")),
            "You run untrusted code from many tenants.",
        ),
        (
            (Quote(17, "A kernel exploit must not cross tenants."),),
            "A kernel exploit must not cross tenants.",
        ),
    ]
    # the parser's map of a list's last item runs over the blank line after it (18)
    assert [i.quotes for i in win.items] == [
        (Quote(21, "Density matters most."),),
        (Quote(22, "You already run Kubernetes."),),
    ]
    assert [(li.quote, li.heading) for li in choose.lead_ins] == [
        (Quote(13, "Choose a MicroVM when:"), False),
        (Quote(11, "Choosing"), True),
    ]
    # the heading introduces only the first list under it
    assert [li.quote for li in win.lead_ins] == [Quote(19, "Where containers win:")]
    assert [li.quote for li in combine.lead_ins] == [Quote(24, "You combine both when:")]


def test_a_nested_list_is_led_in_by_its_parent_item() -> None:
    note = parse_note("n.md", "Notes:\n\n1. Pick **containers** when:\n   - fast\n   - dense\n")
    outer, inner = note.lists
    assert (outer.ordered, [li.quote for li in outer.lead_ins]) == (True, [Quote(1, "Notes:")])
    assert [(li.quote, li.text) for li in inner.lead_ins] == [
        (Quote(3, "Pick **containers** when:"), "Pick containers when:")
    ]
    assert [i.quotes for i in inner.items] == [(Quote(4, "fast"),), (Quote(5, "dense"),)]


def test_arrow_chains_give_each_part_and_each_link_as_written() -> None:
    (chain,) = parse_note("n.md", MICROVM_NOTE).chains
    assert chain.names == ("Bare Metal", "Firecracker", "MicroVMs", "Containers")
    assert [q.text for q in chain.links] == [
        "Bare Metal → Firecracker",
        "Firecracker → MicroVMs",
        "MicroVMs → Containers",
    ]
    assert {q.line for q in (*chain.parts, *chain.links)} == {30}


def test_ascii_arrows_and_code_blocks_hold_chains_too_but_sentences_do_not() -> None:
    note = parse_note(
        "n.md",
        "```\nrack -> server -> `app`\n```\n\nThe request goes a -> b, then it fails.\n",
    )
    assert [(c.names, c.links[1].text) for c in note.chains] == [
        (("rack", "server", "app"), "server -> `app`")
    ]
    assert note.sentences == (Quote(5, "The request goes a -> b, then it fails."),)


def test_paragraphs_are_split_into_sentences_per_line() -> None:
    note = parse_note("n.md", MICROVM_NOTE)
    assert note.sentences[-2:] == (
        Quote(32, "If the host kernel panics, every container on it fails."),
        Quote(33, "If Firecracker crashes, its MicroVMs go down."),
    )


def test_lines_are_numbered_as_the_loader_numbers_them() -> None:
    # str.splitlines also breaks at U+2028 and form feeds, where markdown-it would not
    text = "Intro\u2028text\n\n| K | A | B |\n|-|-|-|\n| x | 1 | 2 |\n"
    (table,) = parse_note("n.md", text).tables
    document = Document.from_text("n.md", text)
    assert [(c.quote and c.quote.line) for c in table.rows[0]] == [6, 6, 6]
    assert document.line(6) == "| x | 1 | 2 |"


_LINES = st.lists(
    st.sampled_from(
        [
            "# Title",
            "## When to use containers",
            "Choose a VM when:",
            "- item one",
            "  continued",
            "* other",
            "1. first",
            "> - quoted item",
            "| a | b \\| c | `d|e` |",
            "|---|---|---|",
            "| x | y |",
            "A → B -> C",
            "```",
            "",
            "text. More text!",
            "\tindented → code",
        ]
    ),
    max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(_LINES)
def test_every_quote_is_verbatim_on_its_line(lines: list[str]) -> None:
    text = "\n".join(lines)
    note = parse_note("n.md", text)
    document = Document.from_text("n.md", text)
    quotes = [
        *(c.quote for t in note.tables for row in (t.header, *t.rows) for c in row if c.quote),
        *(q for b in note.lists for i in b.items for q in i.quotes),
        *(li.quote for b in note.lists for li in b.lead_ins),
        *(q for c in note.chains for q in (*c.parts, *c.links)),
        *note.sentences,
    ]
    for quote in quotes:
        assert document.check_quote(quote.line, quote.text) is None, quote

"""Re-anchoring one citation: the line diff, the exact quote, the fuzzy match, in order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.packs.anchor import Anchoring, DocumentAnchor, LineMap, Verdict, row_label
from service.packs.documents import Document

OLD = """\
# Notes

## Table

| Topic | Cloud | Rack |
|---|---|---|
| Cost | Low | High |
| Speed | High | Low |

## Prose

Pods run on nodes.
A Deployment keeps its replicas running.
"""


def doc(text: str) -> Document:
    return Document.from_text("notes.md", text)


@pytest.mark.parametrize(
    ("new", "line", "mapped"),
    [
        # two lines inserted on top: everything two lines down, exactly
        ("x\ny\n" + OLD, 12, (14, True)),
        # the line itself reworded: the same offset of the block that replaced it
        (OLD.replace("Pods run on nodes.", "Pods run on worker nodes."), 12, (12, False)),
        # the line before it deleted
        (OLD.replace("## Prose\n", ""), 12, (11, True)),
        # the line itself deleted: the line that now follows the gap
        (OLD.replace("Pods run on nodes.\n", ""), 12, (12, False)),
    ],
)
def test_line_map(new: str, line: int, mapped: tuple[int, bool]) -> None:
    assert LineMap(doc(OLD), doc(new)).map(line) == mapped


def test_row_label_is_the_first_cell() -> None:
    assert row_label("| Cost | Low | High |") == "Cost"
    assert row_label("Pods run on nodes.") is None


@pytest.mark.parametrize(
    ("new", "line", "quote", "section", "expected"),
    [
        # still there
        (OLD, 7, "Low", None, Anchoring(Verdict.KEPT, 7, "Low")),
        # lines inserted: "Low" is on two lines now, the diff knows which one it was
        ("x\n" + OLD, 8, "Low", None, Anchoring(Verdict.MOVED, 9, "Low")),
        ("x\n" + OLD, 7, "Low", None, Anchoring(Verdict.MOVED, 8, "Low")),
        # its row was edited (another cell): the row with the same label
        (
            "x\n" + OLD.replace("| Cost | Low | High |", "| Cost | Low | Very high |"),
            7,
            "Low",
            None,
            Anchoring(Verdict.MOVED, 8, "Low"),
        ),
        # the sentence moved to another paragraph position, unique: moved there
        (
            OLD.replace("Pods run on nodes.\n", "") + "Pods run on nodes.\n",
            12,
            "Pods run on nodes.",
            None,
            Anchoring(Verdict.MOVED, 13, "Pods run on nodes."),
        ),
        # reworded: proposed, with the new text
        (
            OLD.replace("keeps its replicas running", "keeps its replicas up and running"),
            13,
            "A Deployment keeps its replicas running.",
            None,
            Anchoring(
                Verdict.REWORDED,
                13,
                "A Deployment keeps its replicas up and running.",
                score=pytest.approx(91.95, abs=0.01),
            ),
        ),
        # a short quote is never fuzzy-matched
        (OLD.replace("| Cloud |", "| Public |"), 5, "Cloud", None, None),
        # a cell reworded while another row has its old text: not moved to that row
        (
            OLD.replace("| Cost | Low | High |", "| Cost | Cheap | High |"),
            7,
            "Low",
            None,
            Anchoring(
                Verdict.AMBIGUOUS,
                8,
                "Low",
                candidates=(8,),
                note="verbatim on line 8, but not in the row 'Cost' it was cited in",
            ),
        ),
        # the section the citation names is not where the quote went
        (
            OLD.replace("## Prose", "## Words"),
            12,
            "Pods run on nodes.",
            "Prose",
            Anchoring(
                Verdict.AMBIGUOUS,
                12,
                "Pods run on nodes.",
                candidates=(12,),
                note="verbatim on line 12, but under 'Words', not the section 'Prose' the citation names",
            ),
        ),
        # nothing like it any more
        (
            OLD.replace("A Deployment keeps its replicas running.", "Done."),
            13,
            "A Deployment keeps its replicas running.",
            None,
            Anchoring(Verdict.ORPHANED, 13, "A Deployment keeps its replicas running.", note=""),
        ),
    ],
)
def test_anchor_with_a_record(
    new: str, line: int, quote: str, section: str | None, expected: Anchoring | None
) -> None:
    found = DocumentAnchor(doc(new), doc(OLD)).anchor(line, quote, section)
    if expected is None:  # the short quote
        assert found.verdict is Verdict.ORPHANED
        assert found.note == (
            "not found verbatim, and under 12 characters is too short to match fuzzily"
        )
    elif expected.verdict is Verdict.ORPHANED:
        assert (found.verdict, found.line, found.quote) == (Verdict.ORPHANED, line, quote)
        assert found.note.startswith("no text close enough")
    else:
        assert found == expected


def test_without_a_record_a_quote_on_its_line_is_kept_and_a_repeated_one_is_ambiguous() -> None:
    anchor = DocumentAnchor(doc("x\n" + OLD), None)
    assert anchor.anchor(8, "Low", None) == Anchoring(Verdict.KEPT, 8, "Low")
    assert anchor.anchor(5, "Low", None) == Anchoring(
        Verdict.AMBIGUOUS,
        8,
        "Low",
        candidates=(8, 9),
        note="verbatim on lines 8, 9; none is clearly the one cited",
    )
    # the section the citation names settles it
    two = DocumentAnchor(doc("# N\n\n## A\n\nHigh hopes.\n\n## B\n\nHigh tide.\n"), None)
    assert two.anchor(2, "High", "B") == Anchoring(Verdict.MOVED, 9, "High")
    assert two.anchor(2, "High", None).verdict is Verdict.AMBIGUOUS


def test_two_equally_close_rewordings_are_ambiguous_not_guessed() -> None:
    old = "# N\n\nThe scheduler places every pod.\n"
    new = "# N\n\nIntro.\n\nThe scheduler places each pod.\n\nThe scheduler places any pod.\n"
    found = DocumentAnchor(doc(new), doc(old)).anchor(3, "The scheduler places every pod.", None)
    assert found == Anchoring(
        Verdict.AMBIGUOUS,
        7,
        "The scheduler places any pod.",
        score=90.0,
        candidates=(7, 5),  # best first
        note="reworded? lines 7 (90), 5 (88) match about as well",
    )


@given(
    st.lists(st.text(alphabet="ab |\n", max_size=8), max_size=6),
    st.text(alphabet="ab |\n", min_size=1, max_size=3),
)
def test_the_fast_quote_search_finds_what_the_line_by_line_one_finds(
    lines: list[str], quote: str
) -> None:
    document = doc("\n".join(lines))
    assert DocumentAnchor(document, None).lines_containing(quote) == document.lines_containing(
        quote
    )


def test_a_cell_reworded_more_is_still_proposed_in_its_own_row_but_not_elsewhere() -> None:
    old = "# T\n\n| Dim | A | B |\n|---|---|---|\n| Isolation | Kernel namespaces and cgroups | VM |\n"
    new = old.replace("Kernel namespaces and cgroups", "Kernel namespaces, cgroups and seccomp")
    quote = "Kernel namespaces and cgroups"
    # In its row: a lower bar (60), and the whole cell, as the quote was a whole cell.
    assert DocumentAnchor(doc("x\n" + new), doc(old)).anchor(5, quote, None) == Anchoring(
        Verdict.REWORDED,
        6,
        "Kernel namespaces, cgroups and seccomp",
        score=pytest.approx(74.6, abs=0.1),
    )
    # The same text in another row: the ordinary bar (75), so an orphan.
    moved = new.replace("| Isolation |", "| Sandboxing |")
    found = DocumentAnchor(doc(moved), doc(old)).anchor(5, quote, None)
    assert (found.verdict, found.note) == (
        Verdict.ORPHANED,
        "no text close enough; the closest text scores 74 on line 5",
    )

"""Where a pack writes each citation's line number, and rewriting only those digits."""

from __future__ import annotations

import pytest

from service.packs.citation_sites import SiteError, citation_sites, rewrite

YAML = """\
# The hosting layers.
document: tiny.md
entities:
  - id: app
    kind: platform
    name: App
    sources:
      - document: other.md   # a second note
        line: 5
        quote: "Apps"
      - {line: 5, quote: "line: 9 is not a key here"}
relations:
  # two citations on one line, flow style
  - {source: app, type: runs_on, target: rack, sources: [{line: 6, quote: "racks"}, {"line": 7, quote: "rooms", section: Hosting}]}
  - {source: app, type: runs_on, target: web, sources: [{url: "https://example.org", section: Web, quote: "web"}]}
"""


def test_every_local_citation_is_found_with_where_its_number_is_written() -> None:
    sites = citation_sites("pack.yaml", YAML)
    rows = YAML.splitlines()
    assert [(s.at, s.document, s.line, s.quote, s.section) for s in sites] == [
        (10, "other.md", 5, "Apps", None),
        (11, "tiny.md", 5, "line: 9 is not a key here", None),
        (14, "tiny.md", 6, "racks", None),
        (14, "tiny.md", 7, "rooms", "Hosting"),
    ]
    assert [rows[s.number_line - 1][s.start : s.end] for s in sites] == ["5", "5", "6", "7"]


def test_rewrite_changes_only_the_digits_of_the_citations_given() -> None:
    sites = citation_sites("pack.yaml", YAML)
    new = rewrite(YAML, sites, {0: 15, 2: 16, 3: 117})
    assert new == (
        YAML.replace("        line: 5\n", "        line: 15\n")
        .replace('{line: 6, quote: "racks"}', '{line: 16, quote: "racks"}')
        .replace('{"line": 7, quote: "rooms"', '{"line": 117, quote: "rooms"')
    )


def test_rewrite_keeps_windows_line_endings() -> None:
    text = YAML.replace("\n", "\r\n")
    new = rewrite(text, citation_sites("pack.yaml", text), {1: 25})
    assert new == text.replace('{line: 5, quote: "line: 9', '{line: 25, quote: "line: 9')


def test_a_number_that_cannot_be_located_is_not_rewritten() -> None:
    # Two ``line`` keys on one row but only one citation there: which digits are its
    # own is not certain, so the site says it cannot be rewritten.
    text = (
        "document: tiny.md\nentities:\n"
        '  - {id: a, kind: layer, name: A, attributes: {line: "1"}, sources: [{line: 5, quote: "Apps"}]}\n'
    )
    (site,) = citation_sites("pack.yaml", text)
    assert not site.rewritable
    with pytest.raises(ValueError, match="the line number at line 3 cannot be located"):
        rewrite(text, [site], {0: 6})


TABLE = (
    "source,type,target,document,line,quote\n"
    'app,runs_on,rack,tiny.md,6,"racks, rooms"\n'
    'app,runs_on,web,tiny.md,"7","a ""web"" tier"\n'
)


def test_a_relations_table_row_has_its_line_cell_rewritten() -> None:
    sites = citation_sites("big.relations.csv", TABLE)
    assert [(s.at, s.line, s.quote) for s in sites] == [
        (2, 6, "racks, rooms"),
        (3, 7, 'a "web" tier'),
    ]
    assert rewrite(TABLE, sites, {0: 10, 1: 11}) == (
        "source,type,target,document,line,quote\n"
        'app,runs_on,rack,tiny.md,10,"racks, rooms"\n'
        'app,runs_on,web,tiny.md,"11","a ""web"" tier"\n'
    )


def test_a_file_that_is_not_yaml_is_an_error_with_its_line() -> None:
    with pytest.raises(SiteError) as caught:
        citation_sites("pack.yaml", "entities:\n  - {id: a\n")
    assert caught.value.line == 3

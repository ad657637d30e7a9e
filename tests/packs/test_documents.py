from __future__ import annotations

import pytest

from service.packs.documents import Document

NOTES = "# Title\n\n## Part A\n\nalpha beta\n\n## Part B\ngamma\n"


@pytest.fixture
def doc() -> Document:
    return Document.from_text("notes.md", NOTES)


def test_lines_are_numbered_from_one(doc: Document) -> None:
    assert doc.line(5) == "alpha beta"
    assert doc.line(99) == ""


def test_each_line_knows_the_heading_it_sits_under(doc: Document) -> None:
    assert [doc.section(n) for n in (2, 5, 8)] == ["Title", "Part A", "Part B"]


@pytest.mark.parametrize(
    ("line", "quote", "why"),
    [
        # verbatim on the named line
        (5, "beta", None),
        # present, but on another line
        (8, "beta", "quote 'beta' is not on line 8 of notes.md; it is on line 5"),
        # nowhere in the document
        (5, "delta", "quote 'delta' is not found verbatim in notes.md"),
        # past the end
        (40, "beta", "line 40 is outside notes.md (it has 8 lines)"),
        # case matters: a quote is exact
        (5, "Alpha", "quote 'Alpha' is not found verbatim in notes.md"),
    ],
)
def test_check_quote_explains_what_is_wrong(
    doc: Document, line: int, quote: str, why: str | None
) -> None:
    assert doc.check_quote(line, quote) == why

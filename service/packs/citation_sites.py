"""Where a pack writes each citation's line number, and rewriting those numbers in place.

``reanchor`` must change the line numbers of moved citations and nothing else: comments,
quoting, flow or block style, key order and blank lines stay as the author wrote them.
So the files are never re-dumped. :mod:`service.packs.yamlmarks` gives the line of every
key; on that line the ``line:`` keys are found by a pattern, the k-th one belonging to the
k-th mapping with a ``line`` key there (in document order), and only its digits are
replaced. In a relations table (``*.relations.csv``) the ``line`` cell of the row is
replaced. Every rewrite is checked by parsing the new text again: each citation must
read back with exactly its new number, or the file is left alone.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from service.packs.relation_tables import TABLE_SUFFIX
from service.packs.yamlmarks import MarkedDict, YamlSyntaxError, load_marked

# A ``line`` key and its plain decimal value: `line: 7`, `"line": 7`, `'line':7`.
_LINE_KEY = re.compile(r"""(?:^|(?<=[\s{,\[]))(["']?)line\1\s*:\s*(\d+)(?=\s*(?:[,}\]#]|$))""")
_NEWLINE = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class CitationSite:
    """One citation of a document line, and where its line number is written.

    ``at`` is the line of the file a person would look at (the quote's); the number is
    the digits ``start:end`` of line ``number_line`` of the file (``start`` is -1 when
    they could not be located, so the citation cannot be rewritten).
    """

    file: str
    at: int
    document: str
    line: int
    quote: str
    section: str | None
    number_line: int
    start: int
    end: int

    @property
    def rewritable(self) -> bool:
        return self.start >= 0


class SiteError(Exception):
    """A pack file cannot be read for its citations; ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        super().__init__(message)


def citation_sites(file: str, text: str) -> list[CitationSite]:
    """Every local citation (a document line, not a URL) in one pack file's ``text``,
    in file order. ``file`` names the file in the sites; a ``*.relations.csv`` name makes
    ``text`` read as a relations table.

    Raises
    ------
    SiteError : the text is not valid YAML (or CSV).
    """
    if file.endswith(TABLE_SUFFIX):
        return _table_sites(file, text)
    return _yaml_sites(file, text)


def rewrite(text: str, sites: list[CitationSite], new_lines: Mapping[int, int]) -> str:
    """``text`` with the line number of ``sites[i]`` replaced by ``new_lines[i]`` for every
    ``i`` given; everything else byte for byte (line endings included).

    Raises
    ------
    ValueError : a site cannot be rewritten, or the result does not read back with exactly
        the new numbers (the text is then not to be written).
    """
    pieces = _NEWLINE.split(text)
    endings = _NEWLINE.findall(text)
    edits = sorted(
        (
            (sites[i].number_line, sites[i].start, sites[i].end, str(n))
            for i, n in new_lines.items()
        ),
        reverse=True,
    )
    for number_line, start, end, digits in edits:
        if start < 0:
            raise ValueError(f"the line number at line {number_line} cannot be located")
        row = pieces[number_line - 1]
        pieces[number_line - 1] = row[:start] + digits + row[end:]
    endings.append("")
    result = "".join(piece + ending for piece, ending in zip(pieces, endings, strict=True))
    expected = [(s.document, new_lines.get(i, s.line), s.quote) for i, s in enumerate(sites)]
    try:
        again = citation_sites(sites[0].file, result) if sites else []
    except SiteError as exc:  # pragma: no cover - only digits changed
        raise ValueError(f"the rewritten text no longer parses: {exc}") from exc
    if [(s.document, s.line, s.quote) for s in again] != expected:
        raise ValueError("the rewritten text does not read back with the new line numbers")
    return result


# -- YAML ----------------------------------------------------------------------------
def _yaml_sites(file: str, text: str) -> list[CitationSite]:
    try:
        data = load_marked(text.replace("\r\n", "\n").replace("\r", "\n"))
    except YamlSyntaxError as exc:
        raise SiteError(exc.line, str(exc)) from exc
    if not isinstance(data, MarkedDict):
        return []
    rows = _NEWLINE.split(text)
    positions = _number_positions(data, rows)
    default = data.get("document")
    sites = []
    for key in ("entities", "relations"):
        items = data.get(key)
        for item in items if isinstance(items, list) else ():
            sources = item.get("sources") if isinstance(item, MarkedDict) else None
            for entry in sources if isinstance(sources, list) else ():
                site = _yaml_site(file, entry, default, positions)
                if site is not None:
                    sites.append(site)
    return sites


def _yaml_site(
    file: str, entry: Any, default: Any, positions: Mapping[int, tuple[int, int]]
) -> CitationSite | None:
    if not isinstance(entry, MarkedDict) or "url" in entry:
        return None
    document, line, quote = entry.get("document", default), entry.get("line"), entry.get("quote")
    section = entry.get("section")
    if not (
        isinstance(document, str)
        and line.__class__ is int
        and isinstance(quote, str)
        and (section is None or isinstance(section, str))
    ):
        return None  # not a citation reanchor can act on; validate says why
    number_line = entry.line_of("line")
    start, end = positions.get(id(entry), (-1, -1))
    return CitationSite(
        file, entry.line_of("quote"), document, line, quote, section, number_line, start, end
    )


def _number_positions(data: Any, rows: list[str]) -> dict[int, tuple[int, int]]:
    """``id(mapping)`` → the span of its ``line`` value's digits on its key's line, for
    every mapping whose ``line`` key could be matched one to one with the pattern."""
    on_line: dict[int, list[MarkedDict]] = {}
    for mapping in _mappings(data):
        if "line" in mapping:
            on_line.setdefault(mapping.line_of("line"), []).append(mapping)
    positions = {}
    for number, mappings in on_line.items():
        row = rows[number - 1] if 0 < number <= len(rows) else ""
        found = list(_LINE_KEY.finditer(row))
        if len(found) != len(mappings):
            continue
        for mapping, match in zip(mappings, found, strict=True):
            if mapping["line"].__class__ is int and int(match.group(2)) == mapping["line"]:
                positions[id(mapping)] = match.span(2)
    return positions


def _mappings(value: Any) -> Iterator[MarkedDict]:
    """Every mapping in ``value``, in document order."""
    if isinstance(value, MarkedDict):
        yield value
        for inner in value.values():
            yield from _mappings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _mappings(inner)


# -- relations tables -----------------------------------------------------------------
def _table_sites(file: str, text: str) -> list[CitationSite]:
    rows = csv.reader(io.StringIO(text, newline=""), strict=True)
    lines = _NEWLINE.split(text)
    sites = []
    try:
        header = next(rows, None)
        if header is None or not {"document", "line", "quote"} <= set(header):
            return []
        at = {name: header.index(name) for name in ("document", "line", "quote")}
        section_at = header.index("section") if "section" in header else None
        end = rows.line_num
        for row in rows:
            first, end = end + 1, rows.line_num
            if len(row) != len(header) or not row[at["line"]].isdigit():
                continue
            start_col, end_col = -1, -1
            if first == end:  # a row on one line: its cells can be located
                spans = _cell_spans(lines[first - 1])
                if spans is not None and len(spans) == len(header):
                    start_col, end_col = spans[at["line"]]
                    digits = re.search(r"\d+", lines[first - 1][start_col:end_col])
                    if digits is None:  # pragma: no cover - the cell is digits
                        start_col = end_col = -1
                    else:
                        start_col, end_col = start_col + digits.start(), start_col + digits.end()
            section = (row[section_at] or None) if section_at is not None else None
            sites.append(
                CitationSite(
                    file,
                    first,
                    row[at["document"]],
                    int(row[at["line"]]),
                    row[at["quote"]],
                    section,
                    first,
                    start_col,
                    end_col,
                )
            )
    except csv.Error as exc:
        raise SiteError(rows.line_num, f"CSV syntax error: {exc}") from exc
    return sites


def _cell_spans(row: str) -> list[tuple[int, int]] | None:
    """The span of each cell of one physical CSV row (quotes included), or None when the
    row does not scan as RFC 4180 cells."""
    spans = []
    i, n = 0, len(row)
    while True:
        if i < n and row[i] == '"':
            j = i + 1
            while True:
                j = row.find('"', j)
                if j < 0:
                    return None
                if j + 1 < n and row[j + 1] == '"':
                    j += 2
                    continue
                break
            spans.append((i, j + 1))
            i = j + 1
        else:
            j = row.find(",", i)
            j = n if j < 0 else j
            spans.append((i, j))
            i = j
        if i >= n:
            return spans
        if row[i] != ",":
            return None
        i += 1
        if i == n:
            spans.append((n, n))
            return spans

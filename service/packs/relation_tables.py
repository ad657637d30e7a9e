"""Relations tables (``*.relations.csv``): relations as rows of CSV, for packs too large
for YAML to load quickly.

The first row names the columns: ``source,type,target,document,line,quote`` in any
order, optionally ``section``. Each further row is one relation citing one line of a
document, validated exactly like the same relation written in YAML (an empty cell is a
missing field) and reported at its row's line. Relations with attributes, several
sources or a URL source belong in YAML.

libyaml needs about 20 µs per relation just to produce its parser events; csv reads a
row in well under one, so the row loop below is the hot loop of a big pack's load.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from service.domain import Relation
from service.packs.pack_items import NO_ATTRIBUTES, TYPES, PackItems
from service.packs.pack_sources import LOCAL_SOURCE_KEYS
from service.packs.yamlmarks import MarkedDict

TABLE_SUFFIX = ".relations.csv"
TABLE_COLUMNS = ("source", "type", "target", "document", "line", "quote")
TABLE_OPTIONAL = ("section",)


def read_table(file: str, text: str, items: PackItems) -> None:
    """Add the relations of the table ``text`` (read from ``file``) to ``items``; report
    its mistakes to ``items.problems``."""
    problems = items.problems
    rows = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(rows, None)
        if header is None:
            columns = ",".join(TABLE_COLUMNS)
            problems.add(file, 1, f"a relations table starts with its header: {columns}")
            return
        found_before = len(problems)
        for name in header:
            if name not in TABLE_COLUMNS and name not in TABLE_OPTIONAL:
                problems.add(file, 1, f"unknown relation field {name!r}")
        for name in TABLE_COLUMNS:
            if name not in header:
                problems.add(file, 1, f"missing required field {name!r}")
        for name in sorted({n for n in header if header.count(n) > 1}):
            problems.add(file, 1, f"column {name!r} is named twice")
        if len(problems) == found_before:
            _read_rows(file, header, rows, items)
    except csv.Error as exc:
        problems.add(file, rows.line_num, f"CSV syntax error: {exc}")


def _read_rows(file: str, header: list[str], rows: Any, items: PackItems) -> None:
    """Each row whose citation is valid and already checked, with a known type and both
    ends, becomes a relation right here; any other goes to :func:`_read_row`."""
    width = len(header)
    at = [header.index(name) for name in TABLE_COLUMNS]
    in_order = at == list(range(len(TABLE_COLUMNS))) and width == len(TABLE_COLUMNS)
    section_at = header.index("section") if "section" in header else None
    # Bound once: a method or attribute lookup per row is a measurable share of the loop.
    citations = items.citations
    checked, cite = citations.checked, citations.cite
    names, lines, relations = items.names, items.lines, items.relations
    end = rows.line_num
    for row in rows:
        line, end = end + 1, rows.line_num
        if len(row) != width:
            if row:
                items.problems.add(file, line, f"a row must have {width} cells, not {len(row)}")
            continue
        if in_order:
            source, type_name, target, document, number, quote = row
        else:
            source, type_name, target, document, number, quote = (row[i] for i in at)
        section = (row[section_at] or None) if section_at is not None else None
        cited = None
        if number.isdigit() and number.isascii():
            key = (document, int(number), quote, section)
            cited = checked.get(key) or cite(key)
        relation_type = TYPES.get(type_name)
        if cited is None or relation_type is None or not source.strip() or not target.strip():
            _read_row(file, line, dict(zip(header, row, strict=True)), items)
            continue
        source, target = names.setdefault(source, source), names.setdefault(target, target)
        line = lines.setdefault(line, line)
        relation = Relation(source, relation_type, target, cited, NO_ATTRIBUTES, file, line)
        found = relations.get(source)
        if found is None:
            relations[source] = [relation]
        else:
            found.append(relation)


def _read_row(file: str, line: int, cells: dict[str, str], items: PackItems) -> None:
    """One row the fast path did not take: validated as the YAML relation it stands for."""
    entry = _marked({k: v for k, v in cells.items() if k in LOCAL_SOURCE_KEYS and v}, line)
    number = entry.get("line")
    if isinstance(number, str) and number.isascii() and number.isdigit():
        entry["line"] = int(number)
    item = _marked({k: v for k, v in cells.items() if k in TABLE_COLUMNS[:3] and v}, line)
    item["sources"] = [entry]
    item.key_lines["sources"] = line
    items.read_relation(file, item, None)


def _marked(values: dict[str, Any], line: int) -> MarkedDict:
    """``values`` as if written in YAML, every key on ``line``."""
    result = MarkedDict(values)
    result.line = line
    result.key_lines = dict.fromkeys(values, line)
    return result

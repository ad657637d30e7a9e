"""A drafted pack written as YAML a person reviews: one item per block, grouped and commented.

The layout is the one of ``graph_data/*.yaml`` (see ``graph_data/README.md``): a default
``document``, then ``entities`` and ``relations``, each source a one-line flow mapping
``{line, section, quote}``. Every string is written double-quoted with JSON's escapes,
which YAML reads the same way; characters YAML does not accept raw (C1 controls, lone
surrogates, U+FEFF …) are written as ``\\uXXXX`` so that any quote of any note round-trips.
"""

from __future__ import annotations

import json
import re

from service.packs.draft_items import Draft, DraftEntity, DraftRelation, DraftSource

# What YAML 1.1 (PyYAML, libyaml) refuses in a stream, and U+2028/2029, which it reads as
# line breaks (U+0085 too); JSON leaves them raw with ensure_ascii=False.
_NOT_YAML = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


def quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar."""
    dumped = json.dumps(text, ensure_ascii=False)
    return _NOT_YAML.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)


def render(draft: Draft, note_path: str) -> str:
    """The pack file of ``draft`` (drafted from the note at ``note_path``)."""
    lines = [
        f"# Drafted by `archgraph draft` from {note_path}. Review before serving it:",
        "# each `review:` is a question only a person can answer (`archgraph validate` lists",
        "# them); delete the marker once it is answered.",
    ]
    if draft.references:
        lines.append("# Entities of other packs this pack refers to (declared there, not here):")
        width = max(len(i) for i in draft.references)
        lines += [
            f"#   {entity_id:<{width}}  named {phrase!r} on line {line}"
            for entity_id, (phrase, line) in sorted(draft.references.items())
        ]
    lines += [f"document: {quoted(draft.document)}", ""]
    lines += _section("entities", draft.entities)
    lines.append("")
    lines += _section("relations", draft.relations)
    if draft.outside:
        lines += [
            "",
            "# Failure statements about entities of other packs: a pack cannot add sources",
            "# to another pack's entities, so they are listed here for a person to place.",
        ]
        lines += [
            f"#   line {s.line} ({', '.join(ids)}): {quoted(s.quote)}" for ids, s in draft.outside
        ]
    return "\n".join(lines) + "\n"


def _section(key: str, items: list[DraftEntity] | list[DraftRelation]) -> list[str]:
    if not items:
        return [f"{key}: []"]
    lines = [f"{key}:"]
    group = None
    for item in items:
        if item.group != group:
            group = item.group
            lines.append(f"  # {group}")
        lines += _entity(item) if isinstance(item, DraftEntity) else _relation(item)
    return lines


def _entity(entity: DraftEntity) -> list[str]:
    lines = [
        f"  - id: {entity.id}",
        f"    kind: {entity.kind.value}",
        f"    name: {quoted(entity.name)}",
    ]
    if entity.aliases:
        lines.append(f"    aliases: [{', '.join(quoted(a) for a in entity.aliases)}]")
    lines.append(f"    summary: {quoted(entity.summary)}")
    if entity.review:
        lines.append(f"    review: {quoted(entity.review)}")
    return lines + _sources(entity.sources)


def _relation(relation: DraftRelation) -> list[str]:
    lines = [
        f"  - source: {relation.source}",
        f"    type: {relation.type.value}",
        f"    target: {relation.target}",
    ]
    if relation.attributes:
        pairs = ", ".join(f"{k}: {v}" for k, v in relation.attributes.items())
        lines.append(f"    attributes: {{{pairs}}}")
    if relation.review:
        lines.append(f"    review: {quoted(relation.review)}")
    return lines + _sources(relation.sources)


def _sources(sources: list[DraftSource]) -> list[str]:
    return ["    sources:"] + [
        f"      - {{line: {s.line}, section: {quoted(s.section)}, quote: {quoted(s.quote)}}}"
        for s in sources
    ]

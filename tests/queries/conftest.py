"""Fixtures for the query tests: small graphs built from one-line relation specs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from service.knowledge import KnowledgeGraph
from service.packs.loader import load_graph

GraphOf = Callable[..., KnowledgeGraph]


@pytest.fixture
def graph_of(make_pack: Callable[..., Path]) -> GraphOf:
    """A pack of entities joined by ``"a runs_on b"`` relations, each citing the tiny notes.

    Entities are ``layer``s unless ``kinds`` says otherwise; ``attributes`` gives some of
    them a YAML flow mapping of attributes.
    """

    def build(
        relations: Sequence[str],
        kinds: dict[str, str] | None = None,
        attributes: dict[str, str] | None = None,
    ) -> KnowledgeGraph:
        triples = [r.split() for r in relations]
        cite = '[{line: 5, quote: "run"}]'
        lines = ["document: tiny.md", "entities:"]
        for i in sorted({end for s, _, t in triples for end in (s, t)}):
            kind, attrs = (kinds or {}).get(i, "layer"), (attributes or {}).get(i, "{}")
            lines.append(
                f"  - {{id: {i}, kind: {kind}, name: {i.title()}, attributes: {attrs}, sources: {cite}}}"
            )
        lines.append("relations:")
        for source, type_, target in triples:
            lines.append(
                f"  - {{source: {source}, type: {type_}, target: {target}, sources: {cite}}}"
            )
        pack = make_pack({"pack.yaml": "\n".join(lines) + "\n"})
        return load_graph([pack], include_builtin=False)

    return build

"""EntityIndex: which entity a phrase of a note names, by name, alias or id, singular or plural."""

from __future__ import annotations

import pytest

from service.knowledge import KnowledgeGraph
from service.packs.resolve import EntityIndex, singular_slug


@pytest.mark.parametrize(
    ("phrase", "found"),
    [
        # plural of a name
        ("Containers", ["container"]),
        # the name outside the parentheses, or the alias inside them
        ("Virtual Machines (VMs)", ["virtual-machine"]),
        ("VMs", ["virtual-machine"]),
        # an article, an alias, a name that ends in s without being plural
        ("the K8s", ["kubernetes"]),
        ("Kubernetes", ["kubernetes"]),
        # a near miss is not a match: a person merges it, the draft does not guess
        ("Containerd", []),
        # qualities (dimensions, requirements) are never subjects or layers
        ("Portability", []),
    ],
)
def test_phrases_find_the_entities_they_name(
    kg: KnowledgeGraph, phrase: str, found: list[str]
) -> None:
    assert [n.id for n in EntityIndex(kg.entities()).find(phrase)] == found


def test_free_text_mentions_longest_names_first(kg: KnowledgeGraph) -> None:
    index = EntityIndex(kg.entities())
    text = "If the host kernel panics, every container on it fails."
    assert [n.id for n in index.mentions(text)] == ["host-kernel", "container"]


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Containers", "container"),
        ("MicroVMs", "microvm"),
        ("Virtual Machines (VMs)", "virtual-machine"),
        ("Processes", "process"),
        ("Kubernetes", "kubernetes"),
        ("Redis", "redis"),
        ("Größe", "grosse"),
        ("数据库", "layer"),
    ],
)
def test_ids_are_singular_ascii_slugs(text: str, slug: str) -> None:
    assert singular_slug(text, "layer") == slug

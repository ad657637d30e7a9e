"""GraphVersions: the last N graphs by version, newest first, swapped atomically."""

from __future__ import annotations

import networkx as nx
import pytest

from service.knowledge import KnowledgeGraph
from service.packs.versions import GraphVersions, VersionNotKept


def graph(version: str) -> KnowledgeGraph:
    return KnowledgeGraph(nx.MultiDiGraph(), version, {}, ())


def test_the_newest_is_current_and_the_oldest_beyond_keep_is_let_go() -> None:
    versions = GraphVersions(keep=3)
    for v in ("v1", "v2", "v3", "v4"):
        assert versions.publish(graph(v)) is True
    assert versions.versions() == ("v4", "v3", "v2")
    assert versions.current.version == "v4"
    assert versions.get("v1") is None
    assert versions.get("v2") is not None


def test_publishing_the_current_version_again_changes_nothing() -> None:
    versions = GraphVersions.of(graph("v1"))
    first = versions.current
    assert versions.publish(graph("v1")) is False
    assert versions.current is first


def test_an_undone_edit_makes_the_kept_graph_current_again_without_a_second_copy() -> None:
    versions = GraphVersions(keep=3)
    v1 = graph("v1")
    versions.publish(v1)
    versions.publish(graph("v2"))
    assert versions.publish(graph("v1")) is True
    assert versions.versions() == ("v1", "v2")
    assert versions.current is v1  # the one kept, its derived indexes warm


def test_a_version_not_kept_names_the_current_one_and_the_field() -> None:
    versions = GraphVersions(keep=2)
    for v in ("v1", "v2", "v3"):
        versions.publish(graph(v))
    with pytest.raises(VersionNotKept) as caught:
        versions.graph("v1", field="from")
    assert str(caught.value) == (
        "from: graph version 'v1' is not kept (replaced too long ago, or never served); "
        "the current version is 'v3' (kept, newest first: v3, v2)"
    )
    assert (caught.value.current, caught.value.kept) == ("v3", ("v3", "v2"))


def test_keeping_no_version_is_refused() -> None:
    with pytest.raises(ValueError, match="keep at least one version, not 0"):
        GraphVersions(keep=0)

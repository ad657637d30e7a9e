"""LiveGraph.reload(): load, validate, swap, or keep the last good graph with its problems."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from service.errors import Problem
from service.knowledge import KnowledgeGraph
from service.packs.loader import load_graph
from service.packs.reload import LiveGraph, ReloadOutcome, watch_packs

PACK = """\
document: tiny.md
entities:
  - {id: app, kind: platform, name: App, sources: [{line: 5, quote: "Apps"}]}
"""


@pytest.fixture
def pack(make_pack: Callable[..., Path]) -> Path:
    return make_pack({"pack.yaml": PACK})


@pytest.fixture
def live(pack: Path) -> LiveGraph:
    live = LiveGraph(keep=2)
    live.start(load_graph([pack], include_builtin=False))
    return live


def test_a_valid_edit_is_loaded_and_becomes_current(pack: Path, live: LiveGraph) -> None:
    first = live.current.version
    (pack / "pack.yaml").write_text(PACK.replace("name: App", "name: Application"))
    outcome = live.reload()
    assert (outcome.status, outcome.previous, outcome.problems) == ("loaded", first, ())
    assert outcome.version == live.current.version != first
    assert live.current.entity("app").name == "Application"
    assert live.versions.versions() == (outcome.version, first)


def test_reloading_the_same_files_is_unchanged(live: LiveGraph) -> None:
    before = live.current
    outcome = live.reload()
    assert (outcome.status, outcome.version) == ("unchanged", before.version)
    assert live.current is before


def test_an_invalid_edit_is_refused_with_its_problems_and_the_last_good_graph_kept(
    pack: Path, live: LiveGraph
) -> None:
    before = live.current
    (pack / "pack.yaml").write_text(PACK.replace('quote: "Apps"', 'quote: "Apes"'))
    outcome = live.reload()
    assert outcome.status == "refused"
    assert outcome.version == before.version
    [problem] = outcome.problems
    assert (Path(problem.file).name, problem.line) == ("pack.yaml", 3)
    assert "quote 'Apes' is not found verbatim in tiny.md" in problem.message
    assert live.current is before
    assert live.last == outcome
    assert live.counts == {"loaded": 0, "unchanged": 0, "refused": 1}


def test_a_pack_directory_that_went_away_is_refused_not_raised(pack: Path, live: LiveGraph) -> None:
    (pack / "pack.yaml").unlink()
    (pack / "sources" / "tiny.md").unlink()
    (pack / "sources").rmdir()
    pack.rmdir()
    outcome = live.reload()
    assert (outcome.status, outcome.problems) == (
        "refused",
        (Problem(str(pack), 0, "knowledge pack directory does not exist"),),
    )


def test_an_unexpected_failure_of_the_loader_is_a_refused_reload(pack: Path) -> None:
    def broken(_: object) -> KnowledgeGraph:
        raise OSError("disk on fire")

    live = LiveGraph(load=broken)
    live.start(load_graph([pack], include_builtin=False))
    outcome = live.reload()
    assert outcome.status == "refused"
    assert outcome.problems == (Problem(str(pack), 0, "cannot load the packs: disk on fire"),)


def test_the_outcome_says_what_happened(pack: Path, live: LiveGraph) -> None:
    (pack / "pack.yaml").write_text("entities: [")
    assert live.reload().describe() == (
        f"graph reload refused, 1 problem; still serving {live.current.version}"
    )


async def test_watching_reloads_after_an_edit_and_stops_when_told(
    pack: Path, live: LiveGraph
) -> None:
    outcomes: list[ReloadOutcome] = []
    reloaded = asyncio.Event()
    stop = anyio.Event()

    def record(outcome: ReloadOutcome) -> None:
        outcomes.append(outcome)
        reloaded.set()

    watching = asyncio.create_task(watch_packs(live, record, stop))
    await asyncio.sleep(0.3)  # the watch is set up
    (pack / "pack.yaml").write_text(PACK.replace("name: App", "name: Application"))
    await asyncio.wait_for(reloaded.wait(), 10)
    stop.set()
    await asyncio.wait_for(watching, 5)
    assert [o.status for o in outcomes] == ["loaded"]
    assert live.current.entity("app").name == "Application"

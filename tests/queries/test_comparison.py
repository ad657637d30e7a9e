"""compare(): the notes' comparison table, row by row, with a verdict per row."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from service.errors import EntityNotFound, InvalidArgument
from service.knowledge import KnowledgeGraph
from service.packs.loader import load_graph
from service.queries.comparison import Side, compare

VM, CONTAINER = "virtual-machine", "container"
TABLE_ORDER = [
    "kernel-sharing",
    "startup-time",
    "resource-overhead",
    "security-isolation",
    "operational-complexity",
    "portability",
    "performance",
]
VALID_DIMENSIONS = ", ".join(TABLE_ORDER)


def test_vm_against_container_gives_the_seven_rows_in_the_notes_order(kg: KnowledgeGraph) -> None:
    result = compare(kg, VM, CONTAINER)
    assert (result.left.id, result.right.id) == (VM, CONTAINER)
    assert [(r.dimension.id, r.favours) for r in result.rows] == [
        ("kernel-sharing", Side.NEITHER),
        ("startup-time", Side.RIGHT),
        ("resource-overhead", Side.RIGHT),
        ("security-isolation", Side.LEFT),
        ("operational-complexity", Side.RIGHT),
        ("portability", Side.RIGHT),
        ("performance", Side.RIGHT),
    ]


def test_each_side_is_in_the_notes_words_with_the_cells_and_dimension_cited(
    kg: KnowledgeGraph,
) -> None:
    (row,) = compare(kg, VM, CONTAINER, ["startup-time"]).rows
    assert (row.left.summary, row.right.summary) == (
        "Slow (minutes) – full OS boot",
        "Fast (seconds or less)",
    )
    assert row.rationale == (
        "Container (seconds) beats Virtual Machine (minutes): faster startup is favourable."
    )
    assert [(s.line, s.quote) for s in row.sources] == [
        (8, "Slow (minutes) – full OS boot"),
        (8, "Fast (seconds or less)"),
        (5, "Topic"),
        (8, "Startup Time"),
    ]


@pytest.mark.parametrize(
    ("dimension", "favours", "rationale"),
    [
        # higher is better: stronger isolation beats weaker
        (
            "security-isolation",
            Side.LEFT,
            "Virtual Machine (strong) beats Container (weaker): stronger isolation is favourable.",
        ),
        # higher is better, won by the other side
        (
            "portability",
            Side.RIGHT,
            "Container (highly portable) beats Virtual Machine (portable): "
            "higher portability is favourable.",
        ),
        # a trade-off the notes do not rank
        (
            "kernel-sharing",
            Side.NEITHER,
            "Virtual Machine (own kernel per VM) vs Container (shared host kernel): a trade-off, "
            "not a ranking: an own kernel isolates more (see Security Isolation), a shared kernel "
            "is lighter (see Resource Overhead).",
        ),
    ],
)
def test_the_verdict_follows_prefer_and_ordinal(
    kg: KnowledgeGraph, dimension: str, favours: Side, rationale: str
) -> None:
    (row,) = compare(kg, VM, CONTAINER, [dimension]).rows
    assert (row.favours, row.rationale) == (favours, rationale)


def test_swapping_the_sides_swaps_the_verdicts(kg: KnowledgeGraph) -> None:
    forward = [r.favours for r in compare(kg, VM, CONTAINER).rows]
    backward = [r.favours for r in compare(kg, CONTAINER, VM).rows]
    swap = {Side.LEFT: Side.RIGHT, Side.RIGHT: Side.LEFT, Side.NEITHER: Side.NEITHER}
    assert backward == [swap[f] for f in forward]


def test_an_entity_compared_with_itself_ties_everywhere(kg: KnowledgeGraph) -> None:
    rows = compare(kg, VM, VM, ["startup-time"]).rows
    assert [(r.favours, r.rationale) for r in rows] == [
        (
            Side.NEITHER,
            "Virtual Machine (minutes) and Virtual Machine (minutes) rank the same on time to "
            "start: faster startup is favourable.",
        )
    ]


def test_requested_dimensions_come_in_the_order_asked_once_each(kg: KnowledgeGraph) -> None:
    rows = compare(kg, VM, CONTAINER, ["performance", "startup-time", "performance"]).rows
    assert [r.dimension.id for r in rows] == ["performance", "startup-time"]


@pytest.mark.parametrize(
    ("left", "right", "dimensions", "error", "message"),
    [
        # an unknown left side is named by its field
        ("mainframe", CONTAINER, None, EntityNotFound, "left: no entity with id 'mainframe'"),
        # an unknown right side, likewise
        (VM, "unikernel", None, EntityNotFound, "right: no entity with id 'unikernel'"),
        # an entity without comparison values
        (
            "kubernetes",
            CONTAINER,
            None,
            InvalidArgument,
            "left: 'kubernetes' has no comparison values; entities that have: container, virtual-machine",
        ),
        # an unknown dimension lists the valid ones
        (
            VM,
            CONTAINER,
            ["startup-time", "cost"],
            EntityNotFound,
            f"dimensions: no entity with id 'cost'; valid ids: {VALID_DIMENSIONS}",
        ),
        # an entity that is not a dimension
        (
            VM,
            CONTAINER,
            ["pod"],
            InvalidArgument,
            f"dimensions: 'pod' is not a dimension; valid ids: {VALID_DIMENSIONS}",
        ),
        # an empty list is a mistake, not "all"
        (VM, CONTAINER, [], InvalidArgument, "dimensions: name at least one dimension"),
    ],
)
def test_bad_arguments_name_the_field(
    kg: KnowledgeGraph,
    left: str,
    right: str,
    dimensions: list[str] | None,
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}"):
        compare(kg, left, right, dimensions)


ONE_DIMENSION_PACK = """\
document: tiny.md
entities:
  - {id: app, kind: platform, name: App, sources: [{line: 5, quote: "Apps"}]}
  - {id: server, kind: platform, name: Server, sources: [{line: 5, quote: "servers"}]}
  - id: speed
    kind: dimension
    name: Speed
    attributes: {prefer: higher, measure: "requests per second", criterion: "faster is favourable"}
    sources: [{line: 5, quote: "run"}]
  - id: depth
    kind: dimension
    name: Depth
    attributes: {prefer: lower}
    sources: [{line: 6, quote: "racks"}]
  - {id: app-speed, kind: dimension-value, name: App speed, summary: "Quick", attributes: {level: quick, ordinal: 3}, sources: [{line: 5, quote: "Apps"}]}
  - {id: server-speed, kind: dimension-value, name: Server speed, summary: "Slow", attributes: {level: slow, ordinal: 1}, sources: [{line: 5, quote: "servers"}]}
  - {id: app-depth, kind: dimension-value, name: App depth, summary: "Deep", sources: [{line: 5, quote: "Apps"}]}
relations:
  - {source: app, type: has_value, target: app-speed, sources: [{line: 5, quote: "Apps"}]}
  - {source: app-speed, type: value_of, target: speed, sources: [{line: 5, quote: "Apps"}]}
  - {source: server, type: has_value, target: server-speed, sources: [{line: 5, quote: "servers"}]}
  - {source: server-speed, type: value_of, target: speed, sources: [{line: 5, quote: "servers"}]}
  - {source: app, type: has_value, target: app-depth, sources: [{line: 5, quote: "Apps"}]}
  - {source: app-depth, type: value_of, target: depth, sources: [{line: 5, quote: "Apps"}]}
"""


@pytest.fixture
def tiny_graph(make_pack: Callable[..., Path]) -> KnowledgeGraph:
    """Two platforms rated on one shared dimension; only one of them on a second."""
    return load_graph([make_pack({"pack.yaml": ONE_DIMENSION_PACK})], include_builtin=False)


def test_a_pack_of_its_own_is_compared_on_the_dimensions_both_rate(
    tiny_graph: KnowledgeGraph,
) -> None:
    result = compare(tiny_graph, "app", "server")
    assert [
        (r.dimension.id, r.left.summary, r.right.summary, r.favours, r.rationale)
        for r in result.rows
    ] == [
        (
            "speed",
            "Quick",
            "Slow",
            Side.LEFT,
            "App (quick) beats Server (slow): faster is favourable.",
        )
    ]


def test_a_dimension_only_one_side_rates_is_refused(tiny_graph: KnowledgeGraph) -> None:
    with pytest.raises(
        InvalidArgument, match=r"^dimensions: 'depth' is not rated on both sides; valid ids: speed$"
    ):
        compare(tiny_graph, "app", "server", ["depth"])

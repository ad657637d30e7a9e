"""requirements() and recommend(): VM, containers or both, with the rules that fired."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from service.errors import EntityNotFound, InvalidArgument
from service.knowledge import KnowledgeGraph
from service.packs.loader import load_graph
from service.queries.recommendation import Choice, recommend, requirements

VALID = [
    "different-operating-systems",
    "fast-startup",
    "hardware-isolation-with-container-flexibility",
    "high-portability",
    "kernel-customization",
    "kubernetes-on-cloud",
    "legacy-full-os",
    "low-overhead",
    "near-native-performance",
    "regulatory-isolation",
    "secure-separation-with-fast-deployment",
    "simple-operations",
    "split-infrastructure-and-application-teams",
    "strong-security-isolation",
]


def test_requirements_are_the_notes_five_four_and_the_needs_the_table_implies(
    kg: KnowledgeGraph,
) -> None:
    found = requirements(kg)
    assert [e.id for e in found] == VALID
    assert [e.kind.value for e in found].count("situation") == 4


def test_multi_tenant_isolation_recommends_a_vm(kg: KnowledgeGraph) -> None:
    result = recommend(kg, ["strong-security-isolation"])
    assert (result.choice, result.favoured and result.favoured.id) == (
        Choice.VIRTUAL_MACHINE,
        "virtual-machine",
    )
    assert result.rationale == (
        "Choose Virtual Machine because Strong security isolation (multi-tenant) favours "
        "Virtual Machine."
    )
    (reason,) = result.reasons
    assert (reason.requirement.id, reason.favours) == (
        "strong-security-isolation",
        Choice.VIRTUAL_MACHINE,
    )
    assert reason.explanation == (
        "Strong security isolation (multi-tenant) favours Virtual Machine; it concerns Security "
        'Isolation, where Virtual Machine has "Strong isolation (hardware-level virtualization)".'
    )
    assert [(s.line, s.quote) for s in reason.sources] == [
        (19, "You would prefer a VM when:"),
        (21, "You need strong security isolation (multi-tenant environments)."),
    ]
    assert result.situations == ()


def test_isolation_with_fast_startup_combines_both_citing_the_notes_situation(
    kg: KnowledgeGraph,
) -> None:
    result = recommend(kg, ["strong-security-isolation", "fast-startup"])
    assert result.choice is Choice.COMBINED
    assert result.favoured is not None and result.favoured.id == "vm-container-architecture"
    assert [(r.requirement.id, r.favours) for r in result.reasons] == [
        ("strong-security-isolation", Choice.VIRTUAL_MACHINE),
        ("fast-startup", Choice.CONTAINER),
    ]
    (situation,) = result.situations
    assert situation.requirement.id == "secure-separation-with-fast-deployment"
    assert [s.line for s in situation.sources] == [31, 35]
    assert result.rationale == (
        "Choose VMs and containers combined because Strong security isolation (multi-tenant) "
        "favours Virtual Machine and Fast startup favours Container; the notes combine both for: "
        "Secure workload separation with fast application deployment."
    )
    assert [s.line for s in result.sources] == [19, 21, 8, 31, 35]


@pytest.mark.parametrize(
    ("given", "choice", "situations"),
    [
        # a need the comparison implies favours containers
        (["fast-startup"], Choice.CONTAINER, []),
        # several VM requirements agree
        (["regulatory-isolation", "legacy-full-os"], Choice.VIRTUAL_MACHINE, []),
        # any "combine both when" situation asks for the combination
        (["kubernetes-on-cloud"], Choice.COMBINED, []),
        # a situation with a VM requirement still combines
        (
            ["strong-security-isolation", "split-infrastructure-and-application-teams"],
            Choice.COMBINED,
            [],
        ),
        # both sides wanted but no situation concerns both: combined, without a citation
        (["regulatory-isolation", "low-overhead"], Choice.COMBINED, []),
        # compliance (isolation) with fast startup meets the same situation as multi-tenancy does
        (
            ["regulatory-isolation", "fast-startup"],
            Choice.COMBINED,
            ["secure-separation-with-fast-deployment"],
        ),
    ],
)
def test_the_choice_is_computed_from_what_each_requirement_favours(
    kg: KnowledgeGraph, given: list[str], choice: Choice, situations: list[str]
) -> None:
    result = recommend(kg, given)
    assert result.choice is choice
    assert [s.requirement.id for s in result.situations] == situations
    assert [r.requirement.id for r in result.reasons] == given


def test_combining_without_a_matching_situation_says_so(kg: KnowledgeGraph) -> None:
    result = recommend(kg, ["regulatory-isolation", "low-overhead"])
    assert result.rationale == (
        "Choose VMs and containers combined because Strict compliance or regulatory isolation "
        "favours Virtual Machine and Low resource overhead favours Container; no single platform "
        "serves them all."
    )


def test_requirements_favouring_the_same_platform_are_grouped_in_the_rationale(
    kg: KnowledgeGraph,
) -> None:
    result = recommend(kg, ["fast-startup", "low-overhead", "high-portability"])
    assert result.rationale == (
        "Choose Container because Fast startup, Low resource overhead and High portability "
        "favour Container."
    )


def test_duplicates_are_ignored(kg: KnowledgeGraph) -> None:
    result = recommend(kg, ["fast-startup", "fast-startup"])
    assert [r.requirement.id for r in result.reasons] == ["fast-startup"]


@pytest.mark.parametrize(
    ("given", "error", "message"),
    [
        # nothing asked
        (
            [],
            InvalidArgument,
            f"requirements: name at least one requirement; valid ids: {', '.join(VALID)}",
        ),
        # an id nobody declared, with every valid one listed
        (
            ["fast-startup", "cheap"],
            EntityNotFound,
            f"requirements: no entity with id 'cheap'; valid ids: {', '.join(VALID)}",
        ),
        # an entity that is not a requirement
        (
            ["container"],
            InvalidArgument,
            "requirements: 'container' is not a requirement or situation that favours a choice; "
            f"valid ids: {', '.join(VALID)}",
        ),
    ],
)
def test_bad_requirements_are_clear_errors(
    kg: KnowledgeGraph, given: list[str], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        recommend(kg, given)


TWO_PLATFORM_PACK = """\
document: tiny.md
entities:
  - {id: app, kind: platform, name: App, attributes: {choice: CONTAINER}, sources: [{line: 5, quote: "Apps"}]}
  - {id: server, kind: platform, name: Server, attributes: {choice: VIRTUAL_MACHINE}, sources: [{line: 5, quote: "servers"}]}
  - {id: speed, kind: dimension, name: Speed, sources: [{line: 5, quote: "run"}]}
  - {id: safety, kind: dimension, name: Safety, sources: [{line: 6, quote: "racks"}]}
  - {id: quick, kind: requirement, name: Quick, sources: [{line: 5, quote: "Apps"}]}
  - {id: safe, kind: requirement, name: Safe, sources: [{line: 6, quote: "Servers"}]}
  - {id: unanswered, kind: requirement, name: Unanswered, sources: [{line: 6, quote: "Servers"}]}
relations:
  - {source: quick, type: favours, target: app, sources: [{line: 5, quote: "Apps run on servers."}]}
  - {source: quick, type: concerns, target: speed, sources: [{line: 5, quote: "run"}]}
  - {source: safe, type: favours, target: server, sources: [{line: 6, quote: "Servers run on racks."}]}
  - {source: safe, type: concerns, target: safety, sources: [{line: 6, quote: "racks"}]}
"""


@pytest.fixture
def tiny_graph(make_pack: Callable[..., Path]) -> KnowledgeGraph:
    """Two platforms, a requirement for each, one requirement favouring nothing; no architecture."""
    return load_graph([make_pack({"pack.yaml": TWO_PLATFORM_PACK})], include_builtin=False)


def test_a_requirement_favouring_nothing_is_not_offered(tiny_graph: KnowledgeGraph) -> None:
    assert [e.id for e in requirements(tiny_graph)] == ["quick", "safe"]


def test_combining_in_a_pack_without_an_architecture_still_answers(
    tiny_graph: KnowledgeGraph,
) -> None:
    result = recommend(tiny_graph, ["quick", "safe"])
    assert (result.choice, result.favoured, result.situations) == (Choice.COMBINED, None, ())
    assert result.rationale == (
        "Choose combined because Quick favours App and Safe favours Server; "
        "no single platform serves them all."
    )
    assert [r.explanation for r in result.reasons] == [
        "Quick favours App; it concerns Speed.",
        "Safe favours Server; it concerns Safety.",
    ]


# Three platforms of a pack of one's own: none carries a `choice`; `app-on-server` has both
# App and Server as layers; `dense` favours two of them; `both` favours the combination.
THREE_PLATFORM_PACK = """\
document: tiny.md
entities:
  - {id: app, kind: platform, name: App, sources: [{line: 5, quote: "Apps"}]}
  - {id: server, kind: platform, name: Server, sources: [{line: 5, quote: "servers"}]}
  - {id: rack, kind: platform, name: Rack, sources: [{line: 6, quote: "racks"}]}
  - {id: app-on-server, kind: architecture, name: Apps on servers, sources: [{line: 5, quote: "Apps run on servers."}]}
  - {id: quick, kind: requirement, name: Quick, sources: [{line: 5, quote: "Apps"}]}
  - {id: sturdy, kind: requirement, name: Sturdy, sources: [{line: 6, quote: "Servers"}]}
  - {id: dense, kind: requirement, name: Dense, sources: [{line: 6, quote: "racks"}]}
  - {id: both, kind: situation, name: Both, sources: [{line: 5, quote: "Apps run on servers."}]}
relations:
  - {source: quick, type: favours, target: app, sources: [{line: 5, quote: "Apps"}]}
  - {source: sturdy, type: favours, target: server, sources: [{line: 6, quote: "Servers"}]}
  - {source: dense, type: favours, target: app, sources: [{line: 5, quote: "Apps"}]}
  - {source: dense, type: favours, target: rack, sources: [{line: 6, quote: "racks"}]}
  - {source: both, type: favours, target: app-on-server, sources: [{line: 5, quote: "run on"}]}
  - {source: app, type: layer_of, target: app-on-server, attributes: {position: 2}, sources: [{line: 5, quote: "Apps"}]}
  - {source: server, type: layer_of, target: app-on-server, attributes: {position: 1}, sources: [{line: 5, quote: "servers"}]}
"""


@pytest.fixture
def three_platforms(make_pack: Callable[..., Path]) -> KnowledgeGraph:
    return load_graph([make_pack({"pack.yaml": THREE_PLATFORM_PACK})], include_builtin=False)


@pytest.mark.parametrize(
    ("given", "among", "favoured", "favoured_entities", "rationale"),
    [
        # one requirement, one platform: that platform, without a Choice
        (["quick"], None, "app", ["app"], "Choose App because Quick favours App."),
        # split between two platforms: the architecture layering both combines them
        (
            ["quick", "sturdy"],
            None,
            "app-on-server",
            ["app", "server"],
            "Choose Apps on servers because Quick favours App and Sturdy favours Server; "
            "no single platform serves them all.",
        ),
        # a requirement asking for what already combines the other's platform
        (
            ["quick", "both"],
            None,
            "app-on-server",
            ["app", "app-on-server"],
            "Choose Apps on servers because Quick favours App and Both favours Apps on servers.",
        ),
        # split with nothing that layers both sides: no answer, and the split said plainly
        (
            ["dense"],
            None,
            None,
            ["app", "rack"],
            "No one entity serves them all: Dense favours App and Dense favours Rack.",
        ),
        # among narrows what counts: Dense is then for Rack alone
        (["dense"], ["rack"], "rack", ["rack"], "Choose Rack because Dense favours Rack."),
        # among keeps both of a split, and the combination may still be the answer
        (["quick", "sturdy"], ["app", "server"], "app-on-server", ["app", "server"], None),
    ],
)
def test_recommendation_answers_with_the_favoured_entity_for_any_set(
    three_platforms: KnowledgeGraph,
    given: list[str],
    among: list[str] | None,
    favoured: str | None,
    favoured_entities: list[str],
    rationale: str | None,
) -> None:
    result = recommend(three_platforms, given, among)
    assert (result.favoured and result.favoured.id) == favoured
    assert [e.id for e in result.favoured_entities] == favoured_entities
    assert result.choice is None
    assert {r.favours for r in result.reasons} == {None}
    if rationale is not None:
        assert result.rationale == rationale


def test_requirements_are_those_favouring_anything(three_platforms: KnowledgeGraph) -> None:
    assert [e.id for e in requirements(three_platforms)] == ["both", "dense", "quick", "sturdy"]


def test_the_choice_stays_for_the_vm_and_container_pair(kg: KnowledgeGraph) -> None:
    result = recommend(kg, ["fast-startup"], among=["container", "virtual-machine"])
    assert (result.choice, [e.id for e in result.favoured_entities]) == (
        Choice.CONTAINER,
        ["container"],
    )
    split = recommend(kg, ["strong-security-isolation", "fast-startup"])
    assert [e.id for e in split.favoured_entities] == ["virtual-machine", "container"]
    assert (split.choice, split.favoured and split.favoured.id) == (
        Choice.COMBINED,
        "vm-container-architecture",
    )


@pytest.mark.parametrize(
    ("given", "among", "error", "message"),
    [
        # an empty among is a mistake, not "everything"
        (
            ["quick"],
            [],
            InvalidArgument,
            "among: name at least one entity, or omit the argument; "
            "valid ids: app, app-on-server, rack, server",
        ),
        # an id nobody declared
        (
            ["quick"],
            ["app", "cloud"],
            EntityNotFound,
            "among: no entity with id 'cloud'; valid ids: app, app-on-server, rack, server",
        ),
        # an entity no requirement favours
        (
            ["quick"],
            ["quick"],
            InvalidArgument,
            "among: no requirement favours 'quick'; valid ids: app, app-on-server, rack, server",
        ),
        # a requirement left with nothing to favour
        (
            ["quick", "sturdy"],
            ["app"],
            InvalidArgument,
            "among: 'sturdy' favours none of app (it favours server)",
        ),
    ],
)
def test_bad_among_is_a_clear_error(
    three_platforms: KnowledgeGraph,
    given: list[str],
    among: list[str],
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        recommend(three_platforms, given, among)

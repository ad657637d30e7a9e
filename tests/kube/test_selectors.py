"""The shared matching rules, with cases from k8s.io/api and apimachinery's own tests."""

from __future__ import annotations

import msgspec
import pytest

from service.kube.model import (
    ClusterSnapshot,
    LabelSelector,
    Node,
    NodeAffinity,
    NodeSelectorTerm,
    PodSpec,
    Requirement,
    Taint,
    Toleration,
)
from service.kube.selectors import (
    first_untolerated,
    node_affinity_matches,
    selector_matches,
    tolerates,
)

NOT_READY = Taint(key="node.kubernetes.io/not-ready", effect="NoExecute")


@pytest.mark.parametrize(
    ("toleration", "expected"),
    [
        # k8s.io/api/core/v1 toleration_test.go: empty key with Exists tolerates every taint
        (Toleration(operator="Exists"), True),
        # the same key, Exists, no effect: every effect
        (Toleration(key="node.kubernetes.io/not-ready", operator="Exists"), True),
        # a different effect does not match
        (
            Toleration(key="node.kubernetes.io/not-ready", operator="Exists", effect="NoSchedule"),
            False,
        ),
        # Equal compares values: the taint's is empty
        (Toleration(key="node.kubernetes.io/not-ready", value="x", effect="NoExecute"), False),
        (Toleration(key="node.kubernetes.io/not-ready", effect="NoExecute", seconds=300), True),
    ],
)
def test_tolerates_follows_tolerates_taint(toleration: Toleration, expected: bool) -> None:
    assert tolerates(toleration, NOT_READY) is expected


def test_the_first_untolerated_taint_in_spec_order_is_reported_and_prefer_is_ignored() -> None:
    taints = [
        Taint(key="soft", effect="PreferNoSchedule"),
        Taint(key="a", value="1", effect="NoSchedule"),
        Taint(key="b", effect="NoExecute"),
    ]
    assert first_untolerated(taints, []) == taints[1]
    assert first_untolerated(taints, [Toleration(key="a", value="1")]) == taints[2]


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        (None, False),  # a nil selector matches nothing
        (LabelSelector(), True),  # an empty one, everything
        (LabelSelector(match_labels={"app": "web"}), True),
        (LabelSelector(match_labels={"app": "db"}), False),
        (
            LabelSelector(match_expressions=(Requirement(key="tier", operator="DoesNotExist"),)),
            True,
        ),
        (
            LabelSelector(
                match_expressions=(Requirement(key="app", operator="NotIn", values=("web",)),)
            ),
            False,
        ),
    ],
)
def test_label_selectors(selector: LabelSelector | None, expected: bool) -> None:
    assert selector_matches(selector, {"app": "web"}) is expected


def test_node_affinity_needs_the_node_selector_and_one_required_term() -> None:
    spec = PodSpec(
        node_selector={"disk": "ssd"},
        node_affinity=NodeAffinity(
            required=(
                NodeSelectorTerm(),  # matches nothing
                NodeSelectorTerm(
                    match_expressions=(Requirement(key="cpu", operator="Gt", values=("4",)),)
                ),
            )
        ),
    )
    assert node_affinity_matches(spec, "n1", {"disk": "ssd", "cpu": "8"})
    assert not node_affinity_matches(spec, "n1", {"disk": "ssd", "cpu": "4"})
    assert not node_affinity_matches(spec, "n1", {"cpu": "8"})
    pinned = PodSpec(
        node_affinity=NodeAffinity(
            required=(
                NodeSelectorTerm(
                    match_fields=(Requirement(key="metadata.name", operator="In", values=("n2",)),)
                ),
            )
        )
    )
    assert node_affinity_matches(pinned, "n2", {}) and not node_affinity_matches(pinned, "n1", {})


def test_a_snapshot_round_trips_through_json_without_its_defaults() -> None:
    snapshot = ClusterSnapshot(name="tiny", nodes=(Node(name="n1", allocatable={"cpu": 2000}),))
    data = msgspec.json.encode(snapshot)
    assert msgspec.json.decode(data) == {
        "format": "archgraph.io/cluster-scenario/v1",
        "name": "tiny",
        "nodes": [{"name": "n1", "allocatable": {"cpu": 2000}}],
    }
    assert msgspec.json.decode(data, type=ClusterSnapshot) == snapshot

"""The resilience report: every node and zone lost in turn, on one shared state."""

from __future__ import annotations

from cluster_snapshots import Cluster, node, spec
from hypothesis import given, settings
from hypothesis import strategies as st

from service.simulation.resilience import (
    DegradedWorkload,
    Loss,
    SinglePointOfFailure,
    WorkloadName,
    loss_alone,
    resilience,
)
from service.simulation.simulate import simulate_cluster

FULL = (
    "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, "
    "2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for "
    "scheduling, 2 No preemption victims found for incoming pod."
)


def cluster() -> Cluster:
    c = Cluster(nodes=[node("n1", "a"), node("n2", "b"), node("n3", "c", cpu=2000)])
    c.workload("Deployment", "web", spec("web"), ["n1", "n1", "n2"])
    c.workload("Deployment", "solo", spec("solo"), ["n3"])
    c.workload("StatefulSet", "db", spec("db"), ["n1", "n2"])
    c.workload("DaemonSet", "agent", spec("agent", 100, 1 << 20), ["n1", "n2", "n3"])
    c.workload("Pod", "bare", spec("bare"), ["n2"])
    return c


SOLO = WorkloadName("Deployment", "default", "solo")
BARE = WorkloadName("Pod", "default", "bare")


def test_losses_worst_first_and_single_points_of_failure() -> None:
    report = resilience(cluster().snapshot())
    assert [(x.scope, x.target) for x in report.losses] == [
        ("ZONE", "b"),
        ("NODE", "n2"),
        ("ZONE", "c"),
        ("NODE", "n3"),
        ("ZONE", "a"),
        ("NODE", "n1"),
    ]
    lose_n2 = report.losses[1]
    assert lose_n2 == Loss(
        scope="NODE",
        target="n2",
        unavailable=(BARE,),
        degraded=(
            DegradedWorkload("Deployment", "default", "web", 3, 2),
            DegradedWorkload("Pod", "default", "bare", 1, 0),
            DegradedWorkload("StatefulSet", "default", "db", 2, 1),
        ),
        pending_pods=1,
        pending=(lose_n2.pending[0],),
    )
    assert (lose_n2.pending[0].pod, lose_n2.pending[0].reason) == ("default/web-0", FULL)
    # solo's one replica: down until its replacement runs, and it never does (no room)
    assert report.losses[3].unavailable == (SOLO,)
    assert report.single_points_of_failure == (
        SinglePointOfFailure("ZONE", "b", (BARE,)),
        SinglePointOfFailure("NODE", "n2", (BARE,)),
        SinglePointOfFailure("ZONE", "c", (SOLO,)),
        SinglePointOfFailure("NODE", "n3", (SOLO,)),
    )


def test_a_workload_that_recovers_is_still_a_single_point_of_failure_while_down() -> None:
    c = Cluster(nodes=[node("n1", "a"), node("n2", "b")])
    c.workload("Deployment", "solo", spec("solo"), ["n1"])
    report = resilience(c.snapshot())
    lose_n1 = next(x for x in report.losses if x.target == "n1")
    assert (lose_n1.unavailable, lose_n1.degraded, lose_n1.pending_pods) == (
        (WorkloadName("Deployment", "default", "solo"),),
        (),  # its replacement runs on n2 in the end
        0,
    )


def test_each_loss_matches_its_own_simulation() -> None:
    snapshot = cluster().snapshot()
    report = resilience(snapshot)
    for loss in report.losses:
        assert loss == loss_alone(snapshot, loss.scope, loss.target)
        event = "ZONE_DOWN" if loss.scope == "ZONE" else "NODE_DOWN"
        alone = simulate_cluster(snapshot, event, loss.target)
        available = {(w.kind, w.name): w.available for w in alone.outcome.workloads}
        for degraded in loss.degraded:
            assert available[(degraded.kind, degraded.name)] == degraded.running
        pending = [p for p in alone.outcome.pods if p.phase == "Pending"]
        assert len(pending) == loss.pending_pods


@st.composite
def clusters(draw: st.DrawFn) -> Cluster:
    zones = draw(st.integers(1, 3))
    count = draw(st.integers(1, 5))
    c = Cluster(
        nodes=[
            node(f"n{i}", f"z{i % zones}", cpu=draw(st.sampled_from([1000, 2000, 4000])))
            for i in range(count)
        ]
    )
    names = [f"n{i}" for i in range(count)]
    for w in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["Deployment", "StatefulSet", "Pod"]))
        on = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3))
        if kind == "Pod":
            on = on[:1]
        c.workload(kind, f"w{w}", spec(f"w{w}", draw(st.sampled_from([500, 1000]))), on)
    return c


@settings(max_examples=25, deadline=None)
@given(clusters())
def test_the_shared_state_gives_what_each_loss_alone_gives(c: Cluster) -> None:
    snapshot = c.snapshot()
    for loss in resilience(snapshot).losses:
        assert loss == loss_alone(snapshot, loss.scope, loss.target)


def test_the_fast_and_the_reference_scheduler_give_the_same_report() -> None:
    snapshot = cluster().snapshot()
    assert resilience(snapshot, fast=True) == resilience(snapshot, fast=False)
    for event, target in (("NODE_DOWN", "n1"), ("ZONE_DOWN", "b"), ("NODE_DRAIN", "n2")):
        fast = simulate_cluster(snapshot, event, target, fast=True)
        assert fast == simulate_cluster(snapshot, event, target, fast=False)

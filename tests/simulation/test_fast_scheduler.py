"""The fast scheduler decides exactly as the reference, on random small clusters with constraints.

Issue 10, target 5: same placements, same victims, same messages, same per-node reasons.
"""

from __future__ import annotations

import math
import random
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kernel_tables import assert_tables_alike
from kube_cluster import MI, P, cluster, node, spec

from service.kube.model import (
    ClusterSnapshot,
    LabelSelector,
    NodeAffinity,
    NodeSelectorTerm,
    PodAffinity,
    PodAffinityTerm,
    PreferredSchedulingTerm,
    Requirement,
    Taint,
    Toleration,
    TopologySpreadConstraint,
    Workload,
    WorkloadRef,
)
from service.simulation import fast_batch, fast_scheduler
from service.simulation.fast_scheduler import FastScheduler
from service.simulation.run_kernel import BLOCK
from service.simulation.scheduler import schedule_one
from service.simulation.scheduling import apply, queue_order
from service.simulation.state import ClusterState

ZONES = ("z1", "z2", "z3")
KEYS = ("kubernetes.io/hostname", "topology.kubernetes.io/zone")


@st.composite
def clusters(draw: st.DrawFn) -> ClusterSnapshot:
    version = draw(st.sampled_from(("1.31", "1.32", "1.33", "1.34")))
    nodes = []
    for i in range(draw(st.integers(1, 7))):
        taints = draw(st.lists(st.sampled_from((
            Taint(key="dedicated", value="gpu", effect="NoSchedule"),
            Taint(key="spot", effect="PreferNoSchedule"),
            Taint(key="node.kubernetes.io/unreachable", effect="NoExecute"),
            Taint(key="slow", effect="PreferNoSchedule"),
        )), max_size=2, unique=True)) if draw(st.booleans()) else []  # fmt: skip
        zone = draw(st.sampled_from((*ZONES, None)))
        labels = {"disk": "ssd"} if draw(st.booleans()) else {}
        nodes.append(node(
            f"n{i}", draw(st.sampled_from((500, 1000, 2000, 4000, 8000))), draw(st.sampled_from((1, 2, 4, 8))) << 30,
            draw(st.integers(1, 12)), labels=labels, taints=taints, zone=zone,
            unschedulable=draw(st.integers(0, 9)) == 0,
        ))  # fmt: skip
    workloads, pods = [], []
    for w in range(draw(st.integers(1, 4))):
        labels = {"app": f"w{w}"}
        selector = LabelSelector(match_labels=labels)
        fields: dict[str, object] = {
            "labels": labels,
            "priority": draw(st.sampled_from((0, 0, 10, 100))),
        }
        if draw(st.booleans()):
            fields["tolerations"] = (Toleration(key="dedicated", operator="Exists"),)
        if draw(st.integers(0, 3)) == 0:
            fields["node_selector"] = {"disk": "ssd"}
        if draw(st.integers(0, 3)) == 0:
            term = NodeSelectorTerm(match_expressions=(Requirement(key="disk", operator="Exists"),))
            fields["node_affinity"] = NodeAffinity(
                preferred=(
                    PreferredSchedulingTerm(weight=draw(st.integers(1, 50)), preference=term),
                )
            )
        spread = []
        for _ in range(draw(st.integers(0, 2))):
            spread.append(TopologySpreadConstraint(
                max_skew=draw(st.integers(1, 2)), topology_key=draw(st.sampled_from(KEYS)),
                when_unsatisfiable=draw(st.sampled_from(("DoNotSchedule", "ScheduleAnyway"))),
                selector=selector, min_domains=draw(st.sampled_from((None, None, 2, 4))),
                node_taints_policy=draw(st.sampled_from(("Ignore", "Ignore", "Honor"))),
            ))  # fmt: skip
        if len({(c.topology_key, c.when_unsatisfiable) for c in spread}) == len(spread):
            fields["topology_spread"] = tuple(spread)
        if draw(st.integers(0, 3)) == 0:
            term = PodAffinityTerm(selector=selector, topology_key=draw(st.sampled_from(KEYS)))
            fields["pod_anti_affinity"] = PodAffinity(required=(term,))
        cpu = draw(st.sampled_from((0, 100, 250, 300, 700, 1500)))
        memory = draw(st.sampled_from((0, 256 << 20, 1 << 30)))
        s = spec(cpu, memory, **fields)  # type: ignore[arg-type]
        owner = WorkloadRef(
            kind=draw(st.sampled_from(("Deployment", "StatefulSet", "Pod"))),
            namespace="default",
            name=f"w{w}",
        )
        workloads.append(Workload(kind="Deployment" if owner.kind == "Pod" else owner.kind, namespace="default",
                                  name=f"w{w}", template=0, selector=selector, replicas=3))  # fmt: skip
        for r in range(draw(st.integers(0, 3))):
            where = draw(st.sampled_from([n.name for n in nodes]))
            pods.append(
                P(f"w{w}-old{r}", s, node=where, owner=owner, deleting=draw(st.integers(0, 5)) == 0)
            )
        for r in range(draw(st.integers(1, 8))):
            pods.append(P(f"w{w}-{r}", s, owner=owner, created=f"2024-01-0{1 + w}T00:00:0{r}Z"))
    for d in range(draw(st.integers(0, 3))):  # DaemonSet-like pods pinned by metadata.name
        names = draw(
            st.lists(st.sampled_from([n.name for n in nodes] + ["gone"]), min_size=1, max_size=2)
        )
        pin = NodeSelectorTerm(
            match_fields=(Requirement(key="metadata.name", operator="In", values=tuple(names)),)
        )
        fields = {
            "node_affinity": NodeAffinity(required=(pin,)),
            "priority": draw(st.sampled_from((0, 1000))),
        }
        if draw(st.booleans()):
            fields["tolerations"] = (Toleration(operator="Exists"),)
        owner = WorkloadRef(kind="DaemonSet", namespace="kube-system", name=f"ds{d}")
        s = spec(draw(st.sampled_from((0, 100, 900))), labels={"ds": str(d)}, **fields)  # type: ignore[arg-type]
        pods.append(
            P(f"ds{d}", s, namespace="kube-system", owner=owner, created="2024-01-01T00:00:00Z")
        )
    return cluster(nodes, pods, version=version, workloads=workloads)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters())
def test_the_fast_scheduler_decides_as_the_reference(snapshot: ClusterSnapshot) -> None:
    reference, fast = ClusterState(snapshot), ClusterState(snapshot)
    scheduler = FastScheduler(fast)
    for pod in queue_order(reference):
        _decides_alike(reference, fast, scheduler, pod)


def _decides_alike(
    reference: ClusterState, fast: ClusterState, scheduler: FastScheduler, pod: int
) -> None:
    """The fast scheduler's decision for ``pod`` is the reference's, its node statuses in the
    same order; each state then applies its own."""
    expected = schedule_one(reference, pod)
    got = scheduler.decide(pod)
    assert got == expected, reference.pod_name[pod]
    assert list(got.statuses) == list(expected.statuses), reference.pod_name[pod]
    apply(reference, expected)
    apply(fast, got)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters())
def test_compiled_runs_place_as_the_reference(snapshot: ClusterSnapshot) -> None:
    """``place_run`` (runs of one kind of pod in one compiled call, bound with
    ``bind_run``) gives every pod the reference's node and leaves the state the same."""
    _runs_place_as_the_reference(snapshot)


@st.composite
def wide_clusters(draw: st.DrawFn) -> ClusterSnapshot:
    """Hundreds of nodes, so that the compiled run reads them in more than one block
    (``run_kernel.BLOCK``): of mixed sizes, some nearly full of pods, some cordoned, tainted
    or with GPUs; Deployments with pods already bound (nodes the per-node rules track),
    some spread over zones, some with anti-affinity, some asking for a GPU, some preferring
    the nodes with an SSD."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    nodes = []
    for i in range(draw(st.integers(BLOCK + 1, 3 * BLOCK))):
        nodes.append(node(
            f"n{i:03}", rng.choice((1000, 2000, 4000)) + rng.randrange(0, 400, 50),
            (rng.choice((2, 4, 8)) << 30) + rng.randrange(0, 512) * MI,
            rng.choice((3, 5, 110, 110)), zone=rng.choice(ZONES),
            unschedulable=rng.random() < 0.05, labels={"disk": "ssd"} if rng.random() < 0.3 else {},
            taints=[Taint(key="dedicated", value="gpu", effect="NoSchedule")] if rng.random() < 0.1 else [],
            extended={"example.com/gpu": rng.randint(1, 2)} if rng.random() < 0.15 else None,
        ))  # fmt: skip
    workloads, pods = [], []
    for w in range(rng.randint(2, 5)):
        labels = {"app": f"w{w}"}
        selector = LabelSelector(match_labels=labels)
        fields: dict[str, object] = {"labels": labels}
        if rng.random() < 0.3:
            fields["tolerations"] = (Toleration(key="dedicated", operator="Exists"),)
        if rng.random() < 0.3:
            fields["topology_spread"] = (TopologySpreadConstraint(
                max_skew=rng.randint(1, 3), topology_key=KEYS[1], selector=selector,
                when_unsatisfiable=rng.choice(("DoNotSchedule", "ScheduleAnyway")),
            ),)  # fmt: skip
        if rng.random() < 0.4:  # most pods on a third of the nodes: their lists are used up
            term = NodeSelectorTerm(match_expressions=(Requirement(key="disk", operator="Exists"),))
            fields["node_affinity"] = NodeAffinity(
                preferred=(PreferredSchedulingTerm(weight=100, preference=term),)
            )
        if rng.random() < 0.2:
            term = PodAffinityTerm(selector=selector, topology_key=KEYS[0])
            fields["pod_anti_affinity"] = PodAffinity(required=(term,))
        gpu = {"example.com/gpu": 1} if rng.random() < 0.25 else {}
        s = spec(rng.choice((0, 100, 500, 1000)), rng.choice((0, 256 * MI, 1 << 30)), requests=gpu,
                 **fields)  # type: ignore[arg-type]  # fmt: skip
        owner = WorkloadRef(kind="Deployment", namespace="default", name=f"w{w}")
        workloads.append(Workload(kind="Deployment", namespace="default", name=f"w{w}",
                                  template=0, selector=selector, replicas=3))  # fmt: skip
        for r in range(rng.randint(0, 6)):
            pods.append(P(f"w{w}-old{r}", s, node=rng.choice(nodes).name, owner=owner))
        for r in range(rng.randint(5, 40)):
            pods.append(P(f"w{w}-{r:02}", s, owner=owner, created=f"2024-01-0{1 + w}T00:00:00Z"))
    return cluster(nodes, pods, workloads=workloads)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wide_clusters())
def test_compiled_runs_over_hundreds_of_nodes_place_as_the_reference(
    snapshot: ClusterSnapshot,
) -> None:
    _runs_place_as_the_reference(snapshot)


def _run_alike(
    reference: ClusterState, fast: ClusterState, scheduler: FastScheduler, order: list[int], at: int
) -> int:
    """One compiled run from ``order[at]``, each pod on the reference's node, bound with
    ``bind_run``; when the run places none, that pod decided alone as the reference decides
    it. Where the next run starts."""
    nodes = scheduler.place_run(order, at)
    for pod, where in zip(order[at : at + len(nodes)], nodes, strict=True):
        expected = schedule_one(reference, pod)
        assert (expected.node, expected.victims) == (where, ()), reference.pod_name[pod]
        apply(reference, expected)
    fast.bind_run(order[at : at + len(nodes)], nodes)
    if not nodes:
        _decides_alike(reference, fast, scheduler, order[at])
        return at + 1
    return at + len(nodes)


def _runs_place_as_the_reference(snapshot: ClusterSnapshot) -> None:
    reference, fast = ClusterState(snapshot), ClusterState(snapshot)
    scheduler = FastScheduler(fast)
    order = queue_order(reference)
    at = 0
    while at < len(order):
        at = _run_alike(reference, fast, scheduler, order, at)
    assert fast.pod_node == reference.pod_node
    assert (fast.requested == reference.requested).all()
    assert (fast.nonzero_requested == reference.nonzero_requested).all()
    assert (fast.pod_count == reference.pod_count).all()
    for key, counter in fast._counters.items():
        again = reference.counter(counter.query)
        assert (counter.live == again.live).all(), key
        if counter.every is not None:
            assert (counter.every == reference.every_counts(counter.query)).all(), key


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters(), st.data())
def test_the_fast_scheduler_decides_as_the_reference_in_any_order_after_removals(
    snapshot: ClusterSnapshot, data: st.DataObject
) -> None:
    """Pending pods asked again in any order while bound pods go away: a pod that fitted
    nowhere before is diagnosed from the nodes that changed since, not from scratch."""
    reference, fast = ClusterState(snapshot), ClusterState(snapshot)
    scheduler = FastScheduler(fast)
    with patch.object(fast_scheduler, "REDIAGNOSE", data.draw(st.sampled_from((0.25, math.inf)))):
        _decide_all_twice(reference, fast, scheduler, data)


def _decide_all_twice(
    reference: ClusterState, fast: ClusterState, scheduler: FastScheduler, data: st.DataObject
) -> None:
    for _ in range(2):
        pending = [p for p in queue_order(reference) if reference.pod_node[p] < 0]
        for pod in data.draw(st.permutations(pending)):
            _decides_alike(reference, fast, scheduler, pod)
            bound = [q for q, n in enumerate(reference.pod_node) if n >= 0]
            if bound and data.draw(st.integers(0, 3)) == 0:
                gone = data.draw(st.sampled_from(bound))
                reference.remove_pod(gone)
                fast.remove_pod(gone)


TOPOLOGY_TAINTS = (
    Taint(key="dedicated", value="gpu", effect="NoSchedule"),
    Taint(key="spot", effect="PreferNoSchedule"),
    Taint(key="node.kubernetes.io/unreachable", effect="NoExecute"),
    Taint(key="node.kubernetes.io/unreachable", effect="NoSchedule"),
)


def _change_topology(states: tuple[ClusterState, ...], data: st.DataObject) -> None:
    """One taint added or removed, one cordon or uncordon, or one node removed, on each state."""
    nodes = range(len(states[0].node_names))
    node = data.draw(st.sampled_from(nodes))
    what = data.draw(st.sampled_from(("taint", "untaint", "cordon", "uncordon", "remove")))
    taint = data.draw(st.sampled_from(TOPOLOGY_TAINTS))
    for state in states:
        if what == "taint":
            state.add_taint(node, taint)
        elif what == "untaint":
            state.remove_taint(node, taint.key, taint.effect)
        elif what in ("cordon", "uncordon"):
            state.set_unschedulable(node, what == "cordon")
        else:
            state.remove_node(node)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters(), st.data())
def test_compiled_runs_place_as_the_reference_while_nodes_are_tainted_and_removed(
    snapshot: ClusterSnapshot, data: st.DataObject
) -> None:
    """Taints, cordons and removals between compiled runs, sometimes rolled back: the
    kernel's tables kept per profile catch up with the changed nodes (``catch_up`` of 1000),
    or are made again (0), and every pod still lands where the reference puts it."""
    reference, fast = ClusterState(snapshot), ClusterState(snapshot)
    scheduler = FastScheduler(fast)
    catch_up = data.draw(st.sampled_from((0, 1000)))
    with patch.object(fast_scheduler, "topology_catch_up", lambda count: catch_up):
        for _ in range(2):
            checkpoints = None
            if data.draw(st.booleans()):
                checkpoints = (reference.checkpoint(), fast.checkpoint())
            order = [p for p in queue_order(reference) if reference.pod_node[p] < 0]
            at = 0
            while at < len(order):
                for _ in range(data.draw(st.integers(0, 2))):
                    _change_topology((reference, fast), data)
                at = _run_alike(reference, fast, scheduler, order, at)
                _kept_tables_are_made_again(scheduler)
            if checkpoints is not None:
                reference.rollback(checkpoints[0])
                fast.rollback(checkpoints[1])
    assert fast.pod_node == reference.pod_node


def _kept_tables_are_made_again(scheduler: FastScheduler) -> None:
    """Every up-to-date profile's kernel tables, as kept (caught up or made), are what
    making them again now gives (:func:`kernel_tables.assert_tables_alike`)."""
    n = scheduler.index.count
    for profile in scheduler._profiles.values():
        kept = None if profile is None else profile.topology_inputs
        if profile is None or kept is None or kept.pos != len(scheduler.topology_log):
            continue  # none yet, or to catch up when next used
        assert profile.kernel_inputs is not None
        rules = profile.kernel_inputs[2]
        profile.topology_inputs = None
        again = fast_batch._topology_inputs(
            profile, scheduler.index.present, n, (rules[0], rules[1], rules[7], profile.kernel_inputs[4]),
            scheduler.topology_log,
        )  # fmt: skip
        profile.topology_inputs = kept
        assert_tables_alike(kept.made, again)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters(), st.data())
def test_the_fast_scheduler_decides_as_the_reference_while_nodes_are_tainted_and_removed(
    snapshot: ClusterSnapshot, data: st.DataObject
) -> None:
    """Taints, cordons and node removals between decisions (and rolled back, as resilience
    does, which the state's topology log does not account for): the kept profiles and runs
    catch up node by node, or are rebuilt when too far behind."""
    reference, fast = ClusterState(snapshot), ClusterState(snapshot)
    scheduler = FastScheduler(fast)
    catch_up = data.draw(st.sampled_from((0, 8, 1000)))
    rows = data.draw(st.sampled_from((1, 20, fast_scheduler.RUN_ROWS)))
    with (
        patch.object(fast_scheduler, "topology_catch_up", lambda count: catch_up),
        patch.object(fast_scheduler, "RUN_ROWS", rows),
    ):
        for _ in range(3):
            checkpoints = None
            if data.draw(st.booleans()):
                checkpoints = (reference.checkpoint(), fast.checkpoint())
            pending = [p for p in queue_order(reference) if reference.pod_node[p] < 0]
            for pod in data.draw(st.permutations(pending)):
                for _ in range(data.draw(st.integers(0, 2))):
                    _change_topology((reference, fast), data)
                _decides_alike(reference, fast, scheduler, pod)
            if checkpoints is not None:
                reference.rollback(checkpoints[0])
                fast.rollback(checkpoints[1])


def test_a_deployment_is_placed_in_one_compiled_run_spread_over_zones_and_nodes() -> None:
    """Six replicas of a Deployment on six nodes in three zones: the default spread
    constraints put one on each node, zones first, in one ``place_run`` call."""
    nodes = [node(f"n{i}", 4000, 8 << 30, zone=ZONES[i % 3]) for i in range(6)]
    owner = WorkloadRef(kind="Deployment", namespace="default", name="web")
    s = spec(500, 1 << 30, labels={"app": "web"})
    pods = [P(f"web-{r}", s, owner=owner) for r in range(6)]
    state = ClusterState(cluster(nodes, pods))
    order = queue_order(state)
    nodes_chosen = FastScheduler(state).place_run(order, 0)
    assert [state.node_names[n] for n in nodes_chosen] == ["n0", "n1", "n2", "n3", "n4", "n5"]
    reference = ClusterState(cluster(nodes, pods))
    for pod in order:
        apply(reference, schedule_one(reference, pod))
    assert reference.pod_node == [int(n) for n in nodes_chosen]

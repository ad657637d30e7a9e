"""ClusterState: what the scheduler's cache counts per node, and the counters it keeps."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from service.kube.model import (
    ClusterSnapshot,
    LabelSelector,
    Node,
    Pod,
    PodSpec,
    Taint,
    WorkloadRef,
)
from service.simulation.state import ClusterState, PodQuery

OWNER = WorkloadRef(kind="Pod", namespace="default", name="x")
WEB = PodSpec(
    labels={"app": "web"},
    requests={"cpu": 500, "memory": 1 << 30, "nvidia.com/gpu": 1},
    nonzero_cpu=500,
    nonzero_memory=1 << 30,
)
BARE = PodSpec(nonzero_cpu=100, nonzero_memory=200 << 20)


def snapshot() -> ClusterSnapshot:
    return ClusterSnapshot(
        name="t",
        version="1.33",
        nodes=(
            Node(
                name="a",
                labels={"topology.kubernetes.io/zone": "z1"},
                allocatable={"cpu": 4000, "memory": 8 << 30, "pods": 10},
            ),
            Node(name="b", allocatable={"cpu": 2000, "memory": 4 << 30}),
        ),
        specs=(WEB, BARE),
        pods=(
            Pod(namespace="default", name="w1", spec=0, node="a", owner=OWNER),
            Pod(namespace="default", name="w2", spec=0, node="a", owner=OWNER, deleting=True),
            Pod(namespace="default", name="done", spec=0, node="a", owner=OWNER, phase="Succeeded"),
            Pod(namespace="default", name="lost", spec=1, node="gone", owner=OWNER),
            Pod(namespace="other", name="b1", spec=1, node="b", owner=OWNER),
            Pod(namespace="default", name="p", spec=1, owner=OWNER, phase="Pending"),
        ),
    )


def test_terminating_pods_count_finished_and_orphaned_ones_do_not() -> None:
    state = ClusterState(snapshot())
    assert state.version == (1, 33)
    assert state.resources == ["cpu", "memory", "ephemeral-storage", "nvidia.com/gpu"]
    assert state.requested[0].tolist() == [1000, 2 << 30, 0, 2]
    assert state.nonzero_requested[1].tolist() == [100, 200 << 20]
    assert state.pod_count.tolist() == [2, 1]
    assert state.max_pods.tolist() == [10, 110]  # b does not say: the kubelet default
    assert state.pod_alive == [True, True, False, False, True, True]
    assert state.pending_pods() == [5]
    assert state.node_zone == ["z1", ""]


WEB_QUERY = PodQuery(LabelSelector(match_labels={"app": "web"}), frozenset({"default"}))
# another counter of the same pods: its Terminating-inclusive counts made late
LATE_QUERY = PodQuery(LabelSelector(match_labels={"app": "web"}), frozenset({"default", "other"}))


def recount(state: ClusterState, query: PodQuery) -> list[int]:
    """``every_counts`` the plain way: each bound pod matching ``query``, per node."""
    counts = [0] * len(state.node_names)
    for p, node in enumerate(state.pod_node):
        labels = state.specs[state.pod_spec[p]].labels
        if (
            node >= 0
            and query.matches_namespace(state.pod_namespace[p])
            and all(labels.get(k) == v for k, v in (query.selector.match_labels or {}).items())
        ):
            counts[node] += 1
    return counts


def test_counters_follow_binds_deletions_and_removals() -> None:
    state = ClusterState(snapshot())
    web = state.counter(WEB_QUERY)
    assert web.every is None  # until asked for
    every = state.every_counts(WEB_QUERY)
    assert web.every is every
    assert (web.live.tolist(), every.tolist()) == ([1, 0], [2, 0])
    late = state.counter(LATE_QUERY)
    p = state.add_pod("default", "w3", 0, OWNER)
    state.bind(p, 1)
    state.mark_deleting(0)
    assert (web.live.tolist(), every.tolist()) == ([0, 1], [2, 1])
    assert late.every is None
    assert state.every_counts(LATE_QUERY).tolist() == [2, 1] == recount(state, LATE_QUERY)
    state.remove_pod(1)
    state.remove_pod(p)
    assert (web.live.tolist(), every.tolist()) == ([0, 0], [1, 0])
    assert state.every_counts(LATE_QUERY).tolist() == [1, 0]
    assert state.requested[1].tolist() == [100 * 0, 0, 0, 0]  # b1 requests nothing
    assert state.pod_count.tolist() == [1, 1]


API = PodSpec(labels={"app": "api"}, nonzero_cpu=100, nonzero_memory=200 << 20)
API_QUERY = PodQuery(LabelSelector(match_labels={"app": "api"}), frozenset({"default"}))


def test_pods_added_at_once_are_pending_counted_and_tell_when_none_is_bound() -> None:
    state = ClusterState(snapshot())
    api = state.add_spec(API)
    assert state.counts_none(API_QUERY, 64)  # no pod of it yet
    pods = state.add_pods("default", ["api-0", "api-1", "api-2"], api, OWNER)
    assert list(pods) == [6, 7, 8]
    assert state.pod_name[6:] == ["api-0", "api-1", "api-2"]
    assert state.pending_pods() == [5, 6, 7, 8]
    assert state.counts_none(API_QUERY, 64)
    assert not state.counts_none(API_QUERY, 2)  # more pods than it may look at
    state.bind_run([6, 7], [0, 1])
    assert not state.counts_none(API_QUERY, 64)
    assert state.counter(API_QUERY).live.tolist() == [1, 1]  # each one added is counted
    state.mark_deleting(6)
    state.mark_deleting(7)
    assert state.counts_none(API_QUERY, 64)  # Terminating pods: spread does not count them
    late = state.add_pod("default", "api-3", api, OWNER, created="2024-01-01T00:00:00Z", node=0)
    assert state.pod_created[late] == "2024-01-01T00:00:00Z"
    assert state.counter(API_QUERY).live.tolist() == [1, 0]
    assert not state.counts_none(API_QUERY, 64)


def test_taints_cordon_and_new_nodes_move_the_topology_epoch() -> None:
    state = ClusterState(snapshot())
    unreachable = Taint(key="node.kubernetes.io/unreachable", effect="NoSchedule")
    state.add_taint(0, unreachable)
    state.add_taint(0, unreachable)
    assert state.node_taints[0] == (unreachable,)
    state.remove_taint(0, "node.kubernetes.io/unreachable")
    state.set_unschedulable(1)
    i = state.add_node(Node(name="c", allocatable={"cpu": 1000, "example.com/fpga": 2}))
    assert (i, state.topology_epoch) == (2, 4)
    assert state.node_taints[0] == ()
    assert state.unschedulable.tolist() == [False, True, False]
    assert state.resources[-1] == "example.com/fpga"
    assert state.allocatable[2].tolist() == [1000, 0, 0, 0, 2]


def observable(state: ClusterState) -> tuple[object, ...]:
    web = state.counter(WEB_QUERY)
    state.every_counts(WEB_QUERY)
    return (
        state.requested.tolist(),
        state.nonzero_requested.tolist(),
        state.pod_count.tolist(),
        state.node_pods,
        state.pod_node,
        state.pod_alive,
        state.pod_deleting,
        state.pod_name,
        state.node_taints,
        state.unschedulable.tolist(),
        web.live.tolist(),
        state.every_counts(WEB_QUERY).tolist(),
        state.counter(LATE_QUERY).live.tolist(),
        state.spec_counter(0, "default").tolist(),
        len(state.specs),
        state.node_names,
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ("bind", "remove", "delete", "add", "spec", "node", "taint", "count", "every")
        ),
        max_size=12,
    )
)
def test_rollback_puts_everything_back(steps: list[str]) -> None:
    state = ClusterState(snapshot())
    before = observable(state)
    checkpoint = state.checkpoint()
    for i, step in enumerate(steps):
        alive = [p for p in range(len(state.pod_name)) if state.pod_alive[p]]
        if step == "bind" and state.pending_pods():
            state.bind(state.pending_pods()[0], i % len(state.node_names))
        elif step == "remove" and alive:
            state.remove_pod(alive[i % len(alive)])
        elif step == "delete" and alive:
            state.mark_deleting(alive[-1])
        elif step == "add":
            state.add_pod("default", f"new-{i}", 0, OWNER, node=0)
        elif step == "spec":
            state.add_pod("default", f"s-{i}", state.add_spec(BARE), OWNER, node=1)
        elif step == "node":
            state.add_node(Node(name=f"extra-{i}", allocatable={"cpu": 1000}))
        elif step == "taint":
            state.add_taint(0, Taint(key=f"t{i}", effect="NoSchedule"))
        elif step == "count":
            state.counter(PodQuery(LabelSelector(), frozenset({"other"})))
        elif step == "every":  # a counter made before the checkpoint, its every after
            state.every_counts(LATE_QUERY)
    state.rollback(checkpoint)
    assert observable(state) == before
    if state.counter(LATE_QUERY).every is not None:
        assert state.every_counts(LATE_QUERY).tolist() == recount(state, LATE_QUERY)


def test_specs_added_one_at_a_time_keep_their_rows_through_a_rollback() -> None:
    """The spec table grows in place (a Deployment's admitted template each); a row once
    handed out never changes, even when a rollback shortens the table and specs follow."""
    state = ClusterState(snapshot())
    first = [
        state.add_spec(PodSpec(requests={"cpu": 100 * i}, nonzero_cpu=100 * i)) for i in range(40)
    ]
    assert state.spec_request[first, 0].tolist() == [100 * i for i in range(40)]
    checkpoint = state.checkpoint()
    web = state.add_spec(WEB)
    seen = state.spec_request[web]  # a view of the row
    assert dict(zip(state.resources, seen.tolist(), strict=True)) == {
        "cpu": 500, "memory": 1 << 30, "ephemeral-storage": 0, "nvidia.com/gpu": 1,
    }  # fmt: skip
    written = seen.tolist()
    state.rollback(checkpoint)
    again = state.add_spec(BARE)
    assert (again, seen.tolist()) == (web, written)
    assert state.spec_request[again].tolist() == [0] * len(state.resources)
    assert state.spec_nonzero[again].tolist() == [100, 200 << 20]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(("bind", "run", "unbind", "read")),
            st.integers(min_value=0, max_value=200),
            st.lists(st.integers(min_value=0, max_value=7), min_size=4, max_size=90),
        ),
        max_size=10,
    )
)
@example([("run", 0, [i * 5 % 8 for i in range(70)]), ("bind", 0, [3]), ("read", 0, [0])])
@example([("bind", 0, [1]), ("run", 0, [i % 3 for i in range(64)]), ("unbind", 7, [0])])
def test_node_pods_keep_bind_order_however_binds_come(
    steps: list[tuple[str, int, list[int]]],
) -> None:
    """``node_pods`` lists each node's pods in bind order, whether pods were bound one at a time
    or in runs (noted, then sorted in by node when read: in one go from 64 binds on), with
    reads and unbinds in between."""
    nodes = tuple(Node(name=f"n{i}", allocatable={"cpu": 10**6, "pods": 10**4}) for i in range(8))
    pods = tuple(
        Pod(namespace="default", name=f"p{i:03}", spec=1, owner=OWNER, phase="Pending")
        for i in range(400)
    )
    state = ClusterState(
        ClusterSnapshot(name="t", version="1.34", nodes=nodes, specs=(WEB, BARE), pods=pods)
    )
    model: list[list[int]] = [[] for _ in nodes]
    for step, at, targets in steps:
        pending = state.pending_pods()
        if step == "bind" and pending:
            pod = pending[at % len(pending)]
            state.bind(pod, targets[0])
            model[targets[0]].append(pod)
        elif step == "run" and len(pending) >= len(targets):
            run = pending[: len(targets)]
            state.bind_run(run, targets)
            for pod, node in zip(run, targets, strict=True):
                model[node].append(pod)
        elif step == "unbind":
            bound = [p for p in range(len(pods)) if state.pod_node[p] >= 0]
            if bound:
                pod = bound[at % len(bound)]
                model[state.pod_node[pod]].remove(pod)
                state.unbind(pod)
        else:
            assert state.node_pods == model
    assert state.node_pods == model
    assert [sorted(p for p in range(len(pods)) if state.pod_node[p] == n) for n in range(8)] == [
        sorted(listed) for listed in model
    ]

"""failure_consequences(): the causal chains of the graph, generic and told for a scenario."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from service.errors import InvalidArgument
from service.knowledge import KnowledgeGraph
from service.packs.loader import load_graph
from service.queries.causal_chain import causal_chain
from service.queries.failures import failure_consequences
from service.queries.scenario import named_scenario
from service.queries.simulation import FailureEvent

NOTES_47 = ("vms-vs-containers.md", 47)
NOTES_49 = ("vms-vs-containers.md", 49)
GRACE = "https://github.com/kubernetes/kubernetes/issues/127352"
TOLERATION = "https://pkg.go.dev/k8s.io/kubernetes/plugin/pkg/admission/defaulttolerationseconds"
STUCK = "https://kubernetes.io/docs/tasks/run-application/force-delete-stateful-set-pod/"
RESTART = "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#restart-policy"
FULL_NODE_DOWN = (
    "0/3 nodes are available: 1 node(s) had untolerated taint "
    "{node.kubernetes.io/unreachable: }, 2 Insufficient cpu."
)


def summary(
    kg: KnowledgeGraph, event: str, target: str | None = None, scenario: str | None = None
) -> list[tuple[object, ...]]:
    """(order, at, actor, description, [(document, line)], external) per step."""
    analysis = failure_consequences(
        kg, event, target, named_scenario(kg, scenario) if scenario else None
    )
    return [
        (
            s.order,
            s.at_seconds,
            s.actor,
            s.description,
            [(src.document, src.line) for src in s.sources],
            s.external,
        )
        for s in analysis.steps
    ]


def test_node_down_chain_from_the_graph(kg: KnowledgeGraph) -> None:
    assert summary(kg, "NODE_DOWN") == [
        (1, 50.0, "Node controller", "Node NotReady: The node controller marks a node that stopped reporting NotReady and taints it.", [(GRACE, None)], True),
        (2, 350.0, "Node controller", "Pods evicted: Pods on a NotReady node are evicted once their default 300 s toleration runs out.", [(TOLERATION, None)], True),
        (3, 350.0, "ReplicaSet", "Pod recreated: The Deployment's ReplicaSet creates a replacement pod at once.", [NOTES_47], False),
        (4, 350.0, "Node controller", "Pod stuck Terminating: A StatefulSet pod on an unreachable node is marked for deletion but stays Terminating; its ordinal is not recreated until the node is deleted or the pod force-deleted. Condition: the pod belongs to a StatefulSet and its node is unreachable.", [(STUCK, None)], True),
        (5, 350.0, "Scheduler", "Pod scheduled: The scheduler binds the pod to a healthy node with sufficient CPU and memory. Condition: a node has enough free CPU and memory.", [NOTES_49], False),
        (6, 350.0, "Scheduler", "Pending: A pod no node has room for; it waits, unscheduled, until one does. Condition: no node has enough free CPU and memory.", [NOTES_49], False),
        (7, 350.0, "Cluster autoscaler", "Node added by the autoscaler: In cloud environments with autoscaling, a new node is created for the pending pods. Condition: in cloud environments with autoscaling.", [NOTES_49], False),
        (8, 350.0, "Scheduler", "Pod scheduled: The scheduler binds the pod to a healthy node with sufficient CPU and memory.", [NOTES_49], False),
        (9, 350.0, "ReplicaSet", "Replicas restored: The number of running pods matches the replicas defined in the YAML file again.", [NOTES_47], False),
    ]  # fmt: skip


def test_pod_crashed_chain_is_the_kubelets_restart_in_place(kg: KnowledgeGraph) -> None:
    assert summary(kg, "POD_CRASHED") == [
        (
            1,
            10.0,
            "Kubelet",
            "Container restarted in place: The kubelet restarts the crashed container on the same "
            "node, waiting 10 s, then doubling the wait after each crash up to 300 s "
            "(CrashLoopBackOff). Condition: restartPolicy Always, as in every Deployment's pods; "
            "the pod keeps its node.",
            [(RESTART, None)],
            True,
        )
    ]


@pytest.mark.parametrize(
    ("event", "effects"),
    [
        # the ReplicaSet replaces the pod at once
        (
            FailureEvent.POD_DELETED,
            [
                "pod-recreated",
                "pod-scheduled",
                "pod-pending",
                "node-added",
                "pod-scheduled",
                "replicas-restored",
            ],
        ),
        # the application is down from the start; the eviction chain follows
        (
            FailureEvent.ALL_NODES_DOWN,
            [
                "application-unavailable",
                "node-not-ready",
                "pods-evicted",
                "pod-recreated",
                "pod-stuck-terminating",
                "pod-scheduled",
                "pod-pending",
                "node-added",
                "pod-scheduled",
                "replicas-restored",
            ],
        ),
        # pending first, then the autoscaler
        (
            FailureEvent.INSUFFICIENT_RESOURCES,
            ["pod-pending", "node-added", "pod-scheduled", "replicas-restored"],
        ),
    ],
)
def test_every_event_has_a_chain(
    kg: KnowledgeGraph, event: FailureEvent, effects: list[str]
) -> None:
    assert [step.effect for step in failure_consequences(kg, event).steps] == effects


def test_the_all_nodes_down_chain_starts_with_the_application_unavailable(
    kg: KnowledgeGraph,
) -> None:
    first = failure_consequences(kg, "ALL_NODES_DOWN").steps[0]
    assert (first.at_seconds, first.actor, first.condition) == (
        0.0, "Kubernetes", "no pod of the application can run anywhere",
    )  # fmt: skip


def test_a_chain_without_a_scenario_has_no_outcome_and_ignores_the_target(
    kg: KnowledgeGraph,
) -> None:
    assert failure_consequences(kg, "NODE_DOWN", "node-b") == failure_consequences(kg, "NODE_DOWN")
    assert failure_consequences(kg, "NODE_DOWN").outcome is None


# -- told for a scenario -----------------------------------------------------------------------------
def test_node_down_on_a_full_cluster_without_autoscaling(kg: KnowledgeGraph) -> None:
    steps = summary(kg, "NODE_DOWN", "node-b", "three-nodes-full")
    assert [(s[0], s[1], s[2], s[3]) for s in steps] == [
        (1, 50.0, "Node controller", "node-b marked NotReady after the 50 s grace period and tainted node.kubernetes.io/unreachable (NoSchedule, NoExecute)"),
        (2, 350.0, "Node controller", "4 pods evicted from node-b once their 300 s toleration of the taint ran out: web-1, web-4, api-1, worker-1"),
        (3, 350.0, "ReplicaSet", "4 replacement pods created at once: web-6 for web-1, web-7 for web-4, api-3 for api-1, worker-3 for worker-1"),
        (4, 350.0, "Scheduler", f"4 pods (web-6, web-7, api-3, worker-3) Pending: {FULL_NODE_DOWN}"),
        (5, 350.0, "ReplicaSet", "replicas not restored (web 4/6, api 2/3, worker 2/3 running); the application stays available: every Deployment has a running pod"),
    ]  # fmt: skip
    outcome = failure_consequences(
        kg, "NODE_DOWN", "node-b", named_scenario(kg, "three-nodes-full")
    ).outcome
    assert outcome is not None
    assert (outcome.available, outcome.nodes_added) == (True, 0)


def test_node_down_on_a_full_cluster_with_autoscaling(kg: KnowledgeGraph) -> None:
    steps = summary(kg, "NODE_DOWN", "node-b", "three-nodes-full-autoscaling")
    assert [(s[0], s[1], s[2], s[3]) for s in steps][3:] == [
        (4, 350.0, "Scheduler", f"4 pods (web-6, web-7, api-3, worker-3) Pending: {FULL_NODE_DOWN}"),
        (5, 350.0, "Cluster autoscaler", "cluster autoscaler adds 1 node (4 CPU, 16Gi each): autoscaled-1"),
        (6, 350.0, "Scheduler", "scheduler binds 4 pods: web-6 to autoscaled-1, web-7 to autoscaled-1, api-3 to autoscaled-1, worker-3 to autoscaled-1"),
        (7, 350.0, "ReplicaSet", "every Deployment runs its desired replicas: web 6/6, api 3/3, worker 3/3"),
    ]  # fmt: skip
    assert steps[4][4] == [NOTES_49]


def test_a_crash_is_told_with_the_back_off_from_the_graph(kg: KnowledgeGraph) -> None:
    steps = summary(kg, "POD_CRASHED", "api", "three-nodes-full")
    assert [s[3] for s in steps] == [
        "kubelet restarts the containers of api-0 on node-a, api-1 on node-b, api-2 on node-c "
        "in place after a 10 s back-off (CrashLoopBackOff: if it keeps crashing, the kubelet "
        "waits 20 s, 40 s, 80 s, 160 s, then 300 s between restarts); each pod keeps its node; "
        "until then api has no running container, so the application is unavailable for 10 s"
    ]


def test_a_pod_too_big_for_the_template_is_told(kg: KnowledgeGraph) -> None:
    steps = summary(kg, "INSUFFICIENT_RESOURCES", None, "memory-bound-autoscaling")
    assert [s[3] for s in steps] == [
        "pod batch-0 Pending: 0/2 nodes are available: 2 Insufficient memory.",
        "cluster autoscaler adds no node for batch-0: it wouldn't fit if a new node is added "
        "(8 CPU, 16Gi)",
        "replicas not restored (batch 0/1 running); the application is unavailable: no pod of "
        "batch runs",
    ]


def test_all_nodes_down_is_told_from_the_start(kg: KnowledgeGraph) -> None:
    steps = summary(kg, "ALL_NODES_DOWN", None, "three-nodes-full")
    assert [(s[1], s[3]) for s in steps][:2] == [
        (0.0, "all 3 nodes are down: no pod of web, api, worker can run, so the application is unavailable"),
        (50.0, "3 nodes (node-a, node-b, node-c) marked NotReady after the 50 s grace period and tainted node.kubernetes.io/unreachable (NoSchedule, NoExecute)"),
    ]  # fmt: skip


# -- the chain machinery on a small pack --------------------------------------------------------------
NOTES = """\
# Tiny notes

## Hosting

Apps run on servers.
Servers run on racks.
"""


@pytest.fixture
def chain_pack(make_pack: Callable[..., Path]) -> Callable[[str], KnowledgeGraph]:
    """A pack whose event ``boom`` stands for NODE_DOWN; ``relations`` are YAML lines."""

    def build(relations: str) -> KnowledgeGraph:
        cite = '[{line: 5, quote: "run"}]'
        entities = "\n".join(
            f"  - {{id: {i}, kind: event, name: {i.title()}, summary: {i.title()} happens., "
            f"attributes: {attrs}, sources: {cite}}}"
            for i, attrs in [("boom", "{failure_event: NODE_DOWN}"), ("a", "{}"), ("b", "{}"),
                             ("c", "{}"), ("d", "{}"), ("fixer", "{}")]
        )  # fmt: skip
        text = f"document: tiny.md\nentities:\n{entities}\nrelations:\n{textwrap.dedent(relations)}"
        root = make_pack({"pack.yaml": text}, notes=NOTES)
        return load_graph([root], include_builtin=False)

    return build


def link(source: str, target: str, attributes: str) -> str:
    return (
        f"  - {{source: {source}, type: causes, target: {target}, "
        f'attributes: {attributes}, sources: [{{line: 6, quote: "racks"}}]}}\n'
    )


def test_times_add_up_along_the_chain_and_order_the_steps(
    chain_pack: Callable[[str], KnowledgeGraph],
) -> None:
    kg = chain_pack(
        link("boom", "a", "{actor: fixer, after_seconds: 7}")
        + link("a", "b", "{actor: fixer, after_seconds: 5}")
        + link("boom", "c", "{actor: fixer, after_seconds: 1, condition: it rains}")
        + link("c", "d", "{actor: nobody}")
    )
    chain = causal_chain(kg, "NODE_DOWN")
    assert [(c.relation.source, c.relation.target, c.at_seconds) for c in chain] == [
        ("boom", "c", 1.0), ("boom", "a", 7.0), ("a", "b", 12.0), ("c", "d", None),
    ]  # fmt: skip
    steps = failure_consequences(kg, "NODE_DOWN").steps
    assert next((s.actor, s.description) for s in steps) == (
        "Fixer",
        "C: C happens. Condition: it rains.",
    )
    # an actor that names no entity is shown by its id
    assert steps[-1].actor == "nobody"


def test_a_cycle_of_causes_ends(chain_pack: Callable[[str], KnowledgeGraph]) -> None:
    kg = chain_pack(
        link("boom", "a", "{actor: fixer, after_seconds: 0}")
        + link("a", "b", "{actor: fixer, after_seconds: 0}")
        + link("b", "a", "{actor: fixer, after_seconds: 0}")
    )
    assert [(c.relation.source, c.relation.target) for c in causal_chain(kg, "NODE_DOWN")] == [
        ("boom", "a"), ("a", "b"), ("b", "a"),
    ]  # fmt: skip


def test_a_graph_without_the_event_says_which_is_missing(
    chain_pack: Callable[[str], KnowledgeGraph],
) -> None:
    kg = chain_pack(link("boom", "a", "{actor: fixer, after_seconds: 0}"))
    with pytest.raises(
        InvalidArgument,
        match=r"^event: no event entity of the graph has failure_event 'POD_CRASHED'$",
    ):
        failure_consequences(kg, "POD_CRASHED")


def test_steps_the_simulation_does_not_model_keep_their_generic_text(
    chain_pack: Callable[[str], KnowledgeGraph],
) -> None:
    kg = chain_pack(link("boom", "a", "{actor: fixer, after_seconds: 3}"))
    scenario = named_scenario(load_graph(), "three-nodes-full")
    steps = failure_consequences(kg, "NODE_DOWN", "node-a", scenario).steps
    assert [(s.at_seconds, s.description) for s in steps] == [(3.0, "A: A happens.")]

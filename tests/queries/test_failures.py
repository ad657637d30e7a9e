"""failure_consequences(): the causal chains of the graph, generic and simulated on a scenario."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from service.errors import InvalidArgument
from service.knowledge import KnowledgeGraph
from service.kube.model import AutoscalerConfig, ClusterSnapshot
from service.packs.loader import load_graph
from service.queries.causal_chain import causal_chain
from service.queries.cluster_request import ClusterRequest
from service.queries.failures import failure_consequences
from service.simulation.events import ClusterEvent as FailureEvent

NOTES_47 = ("vms-vs-containers.md", 47)
NOTES_49 = ("vms-vs-containers.md", 49)
GRACE = "https://github.com/kubernetes/kubernetes/issues/127352"
TOLERATION = "https://pkg.go.dev/k8s.io/kubernetes/plugin/pkg/admission/defaulttolerationseconds"
STUCK = "https://kubernetes.io/docs/tasks/run-application/force-delete-stateful-set-pod/"
RESTART = "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#restart-policy"
FULL_NODE_DOWN = (
    "0/3 nodes are available: 1 node(s) had untolerated taint "
    "{node.kubernetes.io/unreachable: }, 2 Insufficient cpu. no new claims to deallocate, "
    "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
    "2 No preemption victims found for incoming pod."
)


def named(
    kg: KnowledgeGraph, scenario: str | None
) -> tuple[ClusterSnapshot | None, AutoscalerConfig | None]:
    """A pack's scenario by name, as failureConsequences(scenarioName:) reads it."""
    if scenario is None:
        return None, None
    return ClusterRequest(None, scenario, None, None).resolve(kg, {})


def summary(
    kg: KnowledgeGraph, event: str, target: str | None = None, scenario: str | None = None
) -> list[tuple[object, ...]]:
    """(order, at, actor, description, [(document, line)], external) per step."""
    analysis = failure_consequences(kg, event, target, *named(kg, scenario))
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
    assert failure_consequences(kg, "NODE_DOWN").cluster is None


# -- simulated on a pack's scenario ------------------------------------------------------------------
def test_node_down_on_a_full_cluster_without_autoscaling(kg: KnowledgeGraph) -> None:
    steps = summary(kg, "NODE_DOWN", "node-b", "three-nodes-full")
    assert [(s[0], s[1], s[2], s[3]) for s in steps] == [
        (1, 50.0, "Node lifecycle controller", "node-b NotReady after the 50 s node-monitor-grace-period (Ready=Unknown: Kubelet stopped posting node status.), tainted node.kubernetes.io/unreachable:NoSchedule; 4 pods marked not Ready"),
        (2, 55.0, "Node lifecycle controller", "node-b tainted node.kubernetes.io/unreachable:NoExecute; the taint-eviction controller schedules deletions: 4 pods in 300 s"),
        (3, 355.0, "Taint-eviction controller", "4 pods deleted (DisruptionTarget: DeletionByTaintManager; Marking for deletion Pod default/web-1 and 3 more)"),
        (4, 355.0, "ReplicaSet controller", "4 replacement pods created at once: default/web-6 for default/web-1, default/web-7 for default/web-4, default/api-3 for default/api-1, default/worker-3 for default/worker-1"),
        (5, 355.0, "Scheduler", f"4 pods Pending: {FULL_NODE_DOWN}"),
        (6, 355.0, "Workload controllers", "replicas not restored (Deployment/default/web 4/6, Deployment/default/api 2/3, Deployment/default/worker 2/3 available); every workload still has an available pod"),
    ]  # fmt: skip
    # each step cites the graph's relation to the same effect: the notes, or a public source
    assert [s[4] for s in steps] == [[(GRACE, None)], [(GRACE, None)], [(TOLERATION, None)], [NOTES_47], [NOTES_49], [NOTES_47]]  # fmt: skip
    cluster = failure_consequences(
        kg, "NODE_DOWN", "node-b", *named(kg, "three-nodes-full")
    ).cluster
    assert cluster is not None
    assert (cluster.outcome.available, cluster.outcome.nodes_added) == (True, 0)


def test_node_down_on_a_full_cluster_with_autoscaling(kg: KnowledgeGraph) -> None:
    steps = summary(kg, "NODE_DOWN", "node-b", "three-nodes-full-autoscaling")
    assert [(s[0], s[1], s[2], s[3]) for s in steps][4:] == [
        (5, 355.0, "Scheduler", f"4 pods Pending: {FULL_NODE_DOWN}"),
        (6, 360.0, "Cluster autoscaler", "cluster autoscaler adds 1 node to node group default (least-waste; 4 CPU, 16Gi allocatable each, like node-a) for 4 Pending pods: default-autoscaled-1"),
        (7, 360.0, "Scheduler", "scheduler binds 4 pods: default/web-6 to default-autoscaled-1, default/web-7 to default-autoscaled-1, default/api-3 to default-autoscaled-1, default/worker-3 to default-autoscaled-1"),
        (8, 360.0, "Workload controllers", "every workload has its desired pods available (3 workloads)"),
    ]  # fmt: skip
    assert steps[5][4] == [NOTES_49]


def test_a_crash_of_a_deployment_named_plainly_restarts_its_pods_in_place(
    kg: KnowledgeGraph,
) -> None:
    steps = summary(kg, "POD_CRASHED", "api", "three-nodes-full")
    assert [s[3] for s in steps] == [
        "the crashed containers' pods are not Ready until the kubelet restarts them: 1 workload "
        "with no available pod for the 10 s back-off: Deployment/default/api",
        "kubelet restarts the containers of default/api-0 on node-a, default/api-1 on node-b, "
        "default/api-2 on node-c in place after the 10 s back-off (CrashLoopBackOff doubles it "
        "to 300 s if it keeps crashing); each pod keeps its node",
        "every workload has its desired pods available (3 workloads)",
    ]


def test_a_pod_too_big_for_the_autoscalers_template_does_not_trigger_a_scale_up(
    kg: KnowledgeGraph,
) -> None:
    steps = summary(kg, "INSUFFICIENT_RESOURCES", None, "memory-bound-autoscaling")
    assert [(s[1], s[3]) for s in steps] == [
        (0.0, "scheduler binds 4 pods: default/cache-0 to node-a, default/cache-1 to node-b, "
              "default/cache-2 to node-a, default/cache-3 to node-b"),
        (0.0, "default/batch-0 Pending: 0/2 nodes are available: 2 Insufficient memory. no new "
              "claims to deallocate, preemption: 0/2 nodes are available: 2 Preemption is not "
              "helpful for scheduling."),
        (10.0, "default/batch-0: pod didn't trigger scale-up: 1 Insufficient memory (event "
               "NotTriggerScaleUp); 1 pod stays Pending"),
        (10.0, "1 workload with no available pod: Deployment/default/batch"),
    ]  # fmt: skip


def test_all_nodes_down_evicts_nothing(kg: KnowledgeGraph) -> None:
    steps = summary(kg, "ALL_NODES_DOWN", None, "three-nodes-full")
    assert [(s[1], s[3]) for s in steps] == [
        (50.0, "3 nodes (node-a, node-b, node-c) NotReady after the 50 s node-monitor-grace-period (Ready=Unknown: Kubelet stopped posting node status.), tainted node.kubernetes.io/unreachable:NoSchedule; 12 pods marked not Ready"),
        (50.0, "Controller detected that all Nodes are not-Ready. Entering master disruption mode: every zone is fully disrupted, so no node is tainted NoExecute and no pod is evicted; the pods stay on their nodes, not Ready"),
        (50.0, "3 workloads with no available pod: Deployment/default/web, Deployment/default/api, Deployment/default/worker"),
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


def test_a_simulated_step_without_a_relation_to_its_effect_cites_the_effect(
    chain_pack: Callable[[str], KnowledgeGraph],
) -> None:
    # the tiny pack's chain has no relation leading to what the simulation does: each step
    # cites its effect's own sources, or the event's when the pack lacks the effect
    kg = chain_pack(link("boom", "a", "{actor: fixer, after_seconds: 3}"))
    steps = failure_consequences(
        kg, "NODE_DOWN", "node-a", *named(load_graph(), "three-nodes-full")
    ).steps
    assert [(s.effect, [(x.document, x.line) for x in s.sources]) for s in steps][:2] == [
        ("boom", [("tiny.md", 5)]),
        ("boom", [("tiny.md", 5)]),
    ]

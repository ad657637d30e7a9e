"""Failure embeds: the simple simulation's tables as before; a real cluster's steps with the
pods they act on, and the workloads it leaves short."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import msgspec
import pytest

from service.errors import InvalidArgument
from service.knowledge import KnowledgeGraph
from service.queries.scenarios import pack_scenario
from service.render import cluster_failure
from service.render import failure as failure_render
from service.render.formats import Embed
from service.simulation.report import ClusterOutcome, WorkloadOutcome

SVG = "{http://www.w3.org/2000/svg}"
EMBED = Embed("https://archgraph.example/embed/failure", "v1")

ZONE_DOWN_MD = """\
**Failure: Zone down on zone-a (scenario three-zones)**

Every node of one topology.kubernetes.io/zone stops reporting at once; the node controller taints them at a per-zone rate and stops when most of a small zone is down. [1][2]

Scenario three-zones: Six 4-CPU nodes, two in each of zone-a, zone-b and zone-c. web (6 pods) spreads evenly over the zones; api keeps one pod per zone (required anti-affinity on the zone); the db StatefulSet keeps one pod per node, guarded by a PodDisruptionBudget of minAvailable 2; cache is a single pod; log-agent runs on every node.

| # | At | Actor | What happens | Pods | Sources |
|---|---|---|---|---|---|
| 1 | 50 s | Node lifecycle controller | 2 nodes (node-a1, node-a2) NotReady after the 50 s node-monitor-grace-period (Ready=Unknown: Kubelet stopped posting node status.), tainted node.kubernetes.io/unreachable:NoSchedule; 7 pods marked not Ready (beyond the notes) | default/web-0, default/api-0, default/log-agent-node-a1 and 4 more | [3] |
| 2 | 55 s | Node lifecycle controller | node-a1 tainted node.kubernetes.io/unreachable:NoExecute; the taint-eviction controller schedules deletions: 3 pods in 300 s; 1 pod tolerates the taint for ever (beyond the notes) | default/web-0, default/api-0, default/db-2 | [3] |
| 3 | 1 min 5 s | Node lifecycle controller | node-a2 tainted node.kubernetes.io/unreachable:NoExecute; the taint-eviction controller schedules deletions: 2 pods in 300 s; 1 pod tolerates the taint for ever (beyond the notes) | default/web-3, default/cache-0 | [3] |
| 4 | 5 min 55 s | Taint-eviction controller | 3 pods deleted (DisruptionTarget: DeletionByTaintManager; Marking for deletion Pod default/web-0 and 2 more) (beyond the notes) | default/web-0, default/api-0, default/db-2 | [4] |
| 5 | 5 min 55 s | ReplicaSet controller | 2 replacement pods created at once: default/web-6 for default/web-0, default/api-3 for default/api-0 | default/web-6, default/api-3 | [5] |
| 6 | 5 min 55 s | StatefulSet controller | StatefulSet is waiting for Pod to Terminate: default/db-2 stays Terminating on an unreachable node and is not recreated until the node is deleted or the pod force-deleted (beyond the notes) | default/db-2 | [6] |
| 7 | 5 min 55 s | Scheduler | default/web-6 Pending: 0/6 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 4 node(s) didn't match pod topology spread constraints. no new claims to deallocate, preemption: 0/6 nodes are available: 2 Preemption is not helpful for scheduling, 4 No preemption victims found for incoming pod. | default/web-6 | [1] |
| 8 | 5 min 55 s | Scheduler | default/api-3 Pending: 0/6 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 4 node(s) didn't match pod anti-affinity rules. no new claims to deallocate, preemption: 0/6 nodes are available: 2 Preemption is not helpful for scheduling, 4 No preemption victims found for incoming pod. | default/api-3 | [1] |
| 9 | 6 min 5 s | Taint-eviction controller | 2 pods deleted (DisruptionTarget: DeletionByTaintManager; Marking for deletion Pod default/web-3 and 1 more) (beyond the notes) | default/web-3, default/cache-0 | [4] |
| 10 | 6 min 5 s | ReplicaSet controller | 2 replacement pods created at once: default/web-7 for default/web-3, default/cache-1 for default/cache-0 | default/web-7, default/cache-1 | [5] |
| 11 | 6 min 5 s | Scheduler | scheduler binds 1 pod: default/cache-1 to node-b1 | default/cache-1 | [1] |
| 12 | 6 min 5 s | Scheduler | default/web-7 Pending: 0/6 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 4 node(s) didn't match pod topology spread constraints. no new claims to deallocate, preemption: 0/6 nodes are available: 2 Preemption is not helpful for scheduling, 4 No preemption victims found for incoming pod. | default/web-7 | [1] |
| 13 | 6 min 5 s | Workload controllers | replicas not restored (Deployment/default/web 4/6, Deployment/default/api 2/3, StatefulSet/default/db 2/3, DaemonSet/default/log-agent 4/6 available); every workload still has an available pod | — | [5] |

Outcome: every workload keeps an available pod; 4 run short of desired pods; the autoscaler added 0 nodes.

| Kind | Namespace | Name | Desired | Running | Pending | Terminating | Available | Pending reason |
|---|---|---|---|---|---|---|---|---|
| Deployment | default | web | 6 | 4 | 2 | 2 | 4 | 0/6 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 4 node(s) didn't match pod topology spread constraints. no new claims to deallocate, preemption: 0/6 nodes are available: 2 Preemption is not helpful for scheduling, 4 No preemption victims found for incoming pod. |
| DaemonSet | default | log-agent | 6 | 6 | 0 | 0 | 4 | — |
| Deployment | default | api | 3 | 2 | 1 | 1 | 2 | 0/6 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 4 node(s) didn't match pod anti-affinity rules. no new claims to deallocate, preemption: 0/6 nodes are available: 2 Preemption is not helpful for scheduling, 4 No preemption victims found for incoming pod. |
| StatefulSet | default | db | 3 | 2 | 0 | 1 | 2 | — |
| Deployment | default | cache | 1 | 1 | 0 | 1 | 1 | — |

Sources:

1. vms-vs-containers.md, line 49 (Step 5): “Kubernetes cannot schedule them until a healthy node with sufficient CPU and memory becomes available.”, “If no nodes are available with enough resources, the pods remain in the "Pending" state.”
2. <https://godocs.io/k8s.io/kubernetes/pkg/controller/nodelifecycle/config> (type NodeLifecycleControllerConfiguration; beyond the notes): “nodeEvictionRate is the number of nodes per second on which pods are deleted in case of node failure when a zone is healthy”
3. <https://github.com/kubernetes/kubernetes/issues/127352> (What happened?; beyond the notes): “a 50 second default node-monitor-grace-period”
4. <https://pkg.go.dev/k8s.io/kubernetes/plugin/pkg/admission/defaulttolerationseconds> (type Plugin; beyond the notes): “with tolerationSeconds of 300s”
5. vms-vs-containers.md, line 47 (Step 5): “it ensures that the number of running pods matches the number of replicas defined in the YAML file”
6. <https://kubernetes.io/docs/tasks/run-application/force-delete-stateful-set-pod/> (StatefulSet considerations; beyond the notes): “Kubernetes (versions 1.5 or newer) will not delete Pods just because a Node is unreachable.”

[Permalink](https://archgraph.example/embed/failure) · graph version `v1`
"""

NODE_DELETED_MMD = """\
%% Failure: Node deleted on node-c2 (scenario three-zones)
%% archgraph graph version v1 · https://archgraph.example/embed/failure
flowchart TB
  n_event["Failure: Node deleted on node-c2 (scenario three-zones) [1][2]<br/><i>The node's VM is gone and its Node object is deleted; its pods are garbage-collected and replaced.</i>"]
  n_step_1["1. 0 s · Cloud provider [1][2]<br/><i>node node-c2 and its VM are gone: the scheduler no longer counts it; 3 pods bound to it wait for the pod garbage collector. Pods: default/web-5, default/log-agent-node-c2, default/db-1.</i>"]
  n_event --> n_step_1
  n_step_2["2. 40 s · Pod garbage collector [2]<br/><i>3 pods force-deleted after the 40 s quarantine (DisruptionTarget: DeletionByPodGC, PodGC: node no longer exists) (beyond the notes). Pods: default/web-5, default/log-agent-node-c2, default/db-1.</i>"]
  n_step_1 --> n_step_2
  n_step_3["3. 40 s · ReplicaSet controller [3]<br/><i>1 replacement pod created at once: default/web-6 for default/web-5. Pods: default/web-6.</i>"]
  n_step_2 --> n_step_3
  n_step_4["4. 40 s · StatefulSet controller [3]<br/><i>1 pod recreated once the old object was gone: default/db-1. Pods: default/db-1.</i>"]
  n_step_3 --> n_step_4
  n_step_5["5. 40 s · Scheduler [4]<br/><i>scheduler binds 2 pods: default/web-6 to node-c1, default/db-1 to node-c1. Pods: default/web-6, default/db-1.</i>"]
  n_step_4 --> n_step_5
  n_step_6["6. 40 s · Workload controllers [3]<br/><i>every workload has its desired pods available (5 workloads)</i>"]
  n_step_5 --> n_step_6
  n_outcome["Outcome: every workload keeps its desired pods available; the autoscaler added 0 nodes."]
  n_step_6 --> n_outcome
  classDef outcome fill:#d9f2dd,stroke:#2f7d3a
  class n_outcome outcome
  classDef event fill:#f8d7da,stroke:#b02a37
  class n_event event
%% Sources:
%% [1] vms-vs-containers.md, line 33 (When would you combine both?): “(K8s nodes are VMs)”
%% [2] https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/ (Pod Lifecycle; beyond the notes): “If a Node dies, the Pods running on (or scheduled to run on) that node are marked for deletion.”
%% [3] vms-vs-containers.md, line 47 (Step 5): “it ensures that the number of running pods matches the number of replicas defined in the YAML file”
%% [4] vms-vs-containers.md, line 49 (Step 5): “Kubernetes cannot schedule them until a healthy node with sufficient CPU and memory becomes available.”
"""


def test_a_scenario_of_plain_nodes_and_deployments_renders_the_simulation(
    kg: KnowledgeGraph,
) -> None:
    answer = failure_render.failure_answer(kg, "NODE_DOWN", "node-a", "three-nodes-full")
    assert answer.analysis.cluster is not None
    lines = failure_render.to_markdown(answer, EMBED).splitlines()
    pending = (
        "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/"
        "unreachable: }, 2 Insufficient cpu. no new claims to deallocate, preemption: 0/3 nodes "
        "are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims "
        "found for incoming pod."
    )
    assert lines[4:8] == [
        "Scenario three-nodes-full: Three 4-CPU nodes whose CPU is fully requested: web (6 × 1 "
        "CPU), api (3 × 1 CPU) and worker (3 × 1 CPU), four pods per node. No autoscaler: when "
        "a node goes down, the replacements of the pods evicted from it stay Pending.",
        "",
        "| # | At | Actor | What happens | Pods | Sources |",
        "|---|---|---|---|---|---|",
    ]
    assert lines[12] == (
        f"| 5 | 5 min 55 s | Scheduler | 4 pods Pending: {pending} | default/web-6, default/web-7, "
        "default/api-3 and 1 more | [1] |"
    )
    assert lines[15:19] == [
        "Outcome: every workload keeps an available pod; 3 run short of desired pods; the "
        "autoscaler added 0 nodes.",
        "",
        "| Kind | Namespace | Name | Desired | Running | Pending | Terminating | Available | "
        "Pending reason |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    assert lines[19] == f"| Deployment | default | web | 6 | 4 | 2 | 2 | 4 | {pending} |"


def test_a_zone_down_lists_each_steps_pods_and_the_workloads_left_short(
    kg: KnowledgeGraph,
) -> None:
    # web's spread and api's anti-affinity keep their replacements Pending; db-2 stays
    # Terminating on the unreachable node; cache moves to zone-b.
    answer = failure_render.failure_answer(kg, "ZONE_DOWN", "zone-a", "three-zones")
    assert failure_render.to_markdown(answer, EMBED) == ZONE_DOWN_MD


def test_a_node_deleted_is_a_flowchart_whose_steps_name_their_pods(kg: KnowledgeGraph) -> None:
    answer = failure_render.failure_answer(kg, "NODE_DELETED", "node-c2", "three-zones")
    assert failure_render.to_mermaid(answer, EMBED) == NODE_DELETED_MMD


def test_the_html_of_a_cluster_has_the_pods_column_and_the_workloads_table(
    kg: KnowledgeGraph,
) -> None:
    answer = failure_render.failure_answer(kg, "ZONE_DOWN", "zone-a", "three-zones")
    rendered = failure_render.to_html(answer, EMBED)
    cells = re.findall(r"<td style=\"[^\"]*\">(.*?)</td>", rendered)
    heads = re.findall(r"<th style=\"[^\"]*\">(.*?)</th>", rendered)
    assert heads == [
        *["#", "At", "Actor", "What happens", "Pods", "Sources"],
        *["Kind", "Namespace", "Name", "Desired", "Running", "Pending", "Terminating",
          "Available", "Pending reason"],
    ]  # fmt: skip
    # worst first: web and log-agent are two pods short, api and db one, cache none
    assert cells[-9:] == ["Deployment", "default", "cache", "1", "1", "0", "1", "1", "—"]
    assert cells[-45::9] == ["Deployment", "DaemonSet", "Deployment", "StatefulSet", "Deployment"]
    assert cells[4:6] == [
        "default/web-0, default/api-0, default/log-agent-node-a1 and 4 more",
        "[3]",
    ]
    assert (
        '<p style="margin:.4em 0">Outcome: every workload keeps an available pod; 4 run short '
        "of desired pods; the autoscaler added 0 nodes.</p>"
    ) in rendered


def test_the_svg_timeline_of_a_cluster_names_pods_and_the_workloads_left_short(
    kg: KnowledgeGraph,
) -> None:
    answer = failure_render.failure_answer(kg, "ZONE_DOWN", "zone-a", "three-zones")
    root = ET.fromstring(failure_render.to_svg(answer, EMBED))
    text = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert "Pods: default/web-3, default/cache-0. [4]" in text
    assert (
        "Left short: Deployment/default/web 4/6 available, 2 Pending, 2 Terminating; "
        "DaemonSet/default/log-agent 4/6 available; Deployment/default/api 2/3 available, "
        "1 Pending, 1 Terminating;"
    ) in text


def test_a_pack_scenario_runs_as_a_real_cluster_for_an_event_only_a_cluster_has(
    kg: KnowledgeGraph,
) -> None:
    answer = failure_render.failure_answer(kg, "NODE_DRAIN", "node-a", "three-nodes-full")
    assert answer.analysis.cluster is not None
    rendered = failure_render.to_markdown(answer, EMBED)
    assert "| 1 | 0 s | kubectl drain | node/node-a cordoned (beyond the notes) | — | [2] |" in (
        rendered
    )
    assert "| Deployment | default | web | 6 | 4 | 2 | 0 | 4 | 0/3 nodes are available: " in (
        rendered
    )


def test_a_served_scenario_wins_over_a_packs_of_the_same_name(kg: KnowledgeGraph) -> None:
    zones = pack_scenario(kg, "three-zones")
    assert zones is not None
    served = {"three-nodes-full": msgspec.structs.replace(zones, description="imported")}
    answer = failure_render.failure_answer(kg, "NODE_DOWN", "node-a1", "three-nodes-full", served)
    assert answer.scenario_description == "imported"
    assert answer.analysis.cluster is not None
    assert answer.analysis.steps[0].description.startswith("node-a1 NotReady")


def test_an_unknown_scenario_names_the_served_ones_too(kg: KnowledgeGraph) -> None:
    zones = pack_scenario(kg, "three-zones")
    assert zones is not None
    with pytest.raises(
        InvalidArgument,
        match=r"^scenario: no scenario named 'prod'; scenarios: memory-bound-autoscaling, "
        r"prod-eu, three-nodes-full, three-nodes-full-autoscaling, three-zones$",
    ):
        failure_render.failure_answer(kg, "ZONE_DOWN", "zone-a", "prod", {"prod-eu": zones})


def test_a_target_the_cluster_does_not_have_is_refused_naming_it(kg: KnowledgeGraph) -> None:
    with pytest.raises(InvalidArgument, match=r"^target: no node in zone 'zone-x'"):
        failure_render.failure_answer(kg, "ZONE_DOWN", "zone-x", "three-zones")


# -- the pieces --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pods", "count", "shown"),
    [
        # a step that acts on no pod
        ((), 0, "—"),
        # fewer than three: all of them
        (("a/p", "a/q"), 2, "a/p, a/q"),
        # three: all of them
        (("a/p", "a/q", "a/r"), 3, "a/p, a/q, a/r"),
        # more: three, then a count
        (("a/p", "a/q", "a/r", "a/s"), 4, "a/p, a/q, a/r and 1 more"),
        # the step kept 20 names of 150 pods: the count is of them all
        (tuple(f"a/p{i}" for i in range(20)), 150, "a/p0, a/p1, a/p2 and 147 more"),
    ],
)
def test_a_steps_pods_are_a_few_then_a_count(pods: tuple[str, ...], count: int, shown: str) -> None:
    assert cluster_failure.pods_text(pods, count) == shown


def _workload(name: str, desired: int, available: int, **counts: int) -> WorkloadOutcome:
    running = counts.pop("running", available)
    return WorkloadOutcome(
        kind="Deployment",
        namespace="shop",
        name=name,
        desired=desired,
        running=running,
        pending=counts.get("pending", 0),
        terminating=counts.get("terminating", 0),
        available=available,
    )


def _outcome(*workloads: WorkloadOutcome, added: int = 0) -> ClusterOutcome:
    available = all(w.available for w in workloads if w.desired)
    return ClusterOutcome(available, added, workloads, (), ())


@pytest.mark.parametrize(
    ("outcome", "summary", "others"),
    [
        # nothing touched: one sentence says it all
        (
            _outcome(_workload("web", 2, 2), _workload("api", 1, 1), added=1),
            "Outcome: every workload keeps its desired pods available; the autoscaler added "
            "1 node.",
            "",
        ),
        # a pod stuck Terminating touches a workload that is still whole
        (
            _outcome(_workload("web", 2, 2, terminating=1), _workload("api", 1, 1)),
            "Outcome: every workload keeps an available pod; the autoscaler added 0 nodes.",
            "1 other workload keeps its desired pods available.",
        ),
        # one down, two short, a workload that wants no pods is not counted
        (
            _outcome(
                _workload("web", 3, 1, pending=2),
                _workload("api", 1, 0, pending=1),
                _workload("idle", 0, 0),
                _workload("db", 1, 1),
                _workload("ui", 1, 1),
            ),
            "Outcome: 1 of 4 workloads has no available pod; 2 run short of desired pods; "
            "the autoscaler added 0 nodes.",
            "3 other workloads keep their desired pods available.",
        ),
    ],
)
def test_the_outcome_sentence_counts_what_the_table_shows(
    outcome: ClusterOutcome, summary: str, others: str
) -> None:
    assert cluster_failure.outcome_summary(outcome) == summary
    assert cluster_failure.others_line(outcome) == others
    assert len(cluster_failure.workload_rows(outcome)) == len(cluster_failure.touched(outcome))


def test_the_table_lists_the_worst_first_and_counts_what_it_leaves_out() -> None:
    short = [_workload(f"w{i:02}", 3, 2, pending=1) for i in range(58)]
    down = _workload("down", 2, 0, pending=2)
    worse = _workload("worse", 4, 1, pending=3)
    outcome = _outcome(*short, worse, down, _workload("fine", 1, 1), _workload("ok", 1, 1))
    rows = cluster_failure.workload_rows(outcome)
    assert len(rows) == cluster_failure.WORKLOAD_ROWS == 50
    assert [r[2] for r in rows[:4]] == ["down", "worse", "w00", "w01"]
    assert cluster_failure.others_line(outcome) == (
        "10 more workloads left short are not listed; 2 other workloads keep their desired "
        "pods available."
    )
    assert cluster_failure.short_counts(outcome) == (
        "Deployment/shop/down 0/2 available, 2 Pending; Deployment/shop/worse 1/4 available, "
        "3 Pending; Deployment/shop/w00 2/3 available, 1 Pending; Deployment/shop/w01 2/3 "
        "available, 1 Pending; Deployment/shop/w02 2/3 available, 1 Pending and 55 more"
    )

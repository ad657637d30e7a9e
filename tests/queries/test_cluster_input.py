"""The structured scenario input as a real cluster snapshot (service/queries/cluster_input.py)."""

from __future__ import annotations

import pytest

from service.errors import InvalidArgument
from service.kube.model import (
    DisruptionBudget,
    LabelSelector,
    PodAffinity,
    PodAffinityTerm,
    Taint,
    Toleration,
    TopologySpreadConstraint,
)
from service.queries.cluster_input import snapshot_from_input

SIMPLE = {
    "nodes": [{"name": "a", "cpu": "2", "memory": "4Gi", "ready": True}],
    "deployments": [{"name": "web", "replicas": 2, "cpu": "500m", "memory": "1Gi"}],
}
FULL = {
    "nodes": [
        {"name": "a", "cpu": "2", "memory": "4Gi", "zone": "z1", "nodeGroup": "pool"},
        {"name": "b", "cpu": "2", "memory": "4Gi", "ready": False, "unschedulable": True,
         "taints": [{"key": "gpu", "value": "yes", "effect": "NoSchedule"}]},
    ],
    "deployments": [
        {"name": "web", "replicas": 3, "cpu": "500m", "memory": "1Gi", "namespace": "shop",
         "antiAffinity": "kubernetes.io/hostname", "priority": 100,
         "tolerations": [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}],
         "topologySpread": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone"}]},
    ],
    "statefulSets": [{"name": "db", "replicas": 2, "cpu": "1", "memory": "2Gi"}],
    "daemonSets": [{"name": "agent", "cpu": "100m", "memory": "64Mi"}],
    "disruptionBudgets": [{"name": "db-pdb", "workload": "db", "minAvailable": "50%"}],
    "kubernetesVersion": "1.31",
}  # fmt: skip


def test_nodes_get_their_labels_and_the_taints_of_their_state() -> None:
    a, b = snapshot_from_input(FULL, name="by-hand").nodes
    assert a.labels == {
        "kubernetes.io/hostname": "a",
        "topology.kubernetes.io/zone": "z1",
        "agentpool": "pool",
    }
    assert a.allocatable == {"cpu": 2000, "memory": 4 * 2**30, "pods": 110}
    assert (b.ready, b.unschedulable) == ("False", True)
    assert b.taints == (
        Taint(key="gpu", value="yes", effect="NoSchedule"),
        Taint(key="node.kubernetes.io/unschedulable", effect="NoSchedule"),
        Taint(key="node.kubernetes.io/not-ready", effect="NoSchedule"),
        Taint(key="node.kubernetes.io/not-ready", effect="NoExecute"),
    )


def test_workloads_select_their_pods_by_app_and_carry_their_constraints() -> None:
    snapshot = snapshot_from_input(FULL, name="by-hand")
    assert (snapshot.name, snapshot.version) == ("by-hand", "1.31")
    kinds = [(w.kind, w.namespace, w.name, w.replicas, w.template) for w in snapshot.workloads]
    assert kinds == [
        ("Deployment", "shop", "web", 3, 0),
        ("StatefulSet", "default", "db", 2, 1),
        ("DaemonSet", "default", "agent", None, 2),
    ]
    web = snapshot.specs[0]
    own = LabelSelector(match_labels={"app": "web"})
    assert (web.labels, web.requests, web.priority) == (
        {"app": "web"}, {"cpu": 500, "memory": 2**30}, 100,
    )  # fmt: skip
    assert web.pod_anti_affinity == PodAffinity(
        required=(PodAffinityTerm(selector=own, topology_key="kubernetes.io/hostname"),)
    )
    assert web.tolerations == (Toleration(key="gpu", operator="Exists", effect="NoSchedule"),)
    assert web.topology_spread == (
        TopologySpreadConstraint(
            max_skew=1, topology_key="topology.kubernetes.io/zone", selector=own
        ),
    )
    assert snapshot.disruption_budgets == (
        DisruptionBudget(
            namespace="default",
            name="db-pdb",
            selector=LabelSelector(match_labels={"app": "db"}),
            min_available="50%",
        ),
    )


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        # a taint effect Kubernetes does not know
        ({"nodes": [{"name": "a", "cpu": "1", "memory": "1Gi",
                     "taints": [{"key": "k", "effect": "Sometimes"}]}]},
         "scenario.nodes[0].taints[0].effect", "'Sometimes' is not a taint effect"),
        # Equal with an empty key matches nothing: Kubernetes' validation refuses it
        ({"deployments": [{"name": "web", "replicas": 1, "cpu": "1", "memory": "1Gi",
                           "tolerations": [{"effect": "NoSchedule"}]}]},
         "scenario.deployments[0].tolerations[0].key", "an empty key needs the operator Exists"),
        # a budget for a workload the scenario does not have
        ({"disruptionBudgets": [{"name": "p", "workload": "api", "maxUnavailable": 1}]},
         "scenario.disruptionBudgets[0].workload", "no workload default/api; workloads: default/web"),
        ({"kubernetesVersion": "1.20"}, "scenario.kubernetesVersion", "'1.20' is not a supported version"),
        ({"deployments": [{"name": "web", "replicas": 1, "cpu": "1", "memory": "1Gi",
                           "topologySpread": [{"maxSkew": 0, "topologyKey": "zone"}]}]},
         "scenario.deployments[0].topologySpread[0].maxSkew", "must be at least 1"),
    ],
)  # fmt: skip
def test_bad_input_names_the_field(change: dict[str, object], field: str, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message) as caught:
        snapshot_from_input({**SIMPLE, **change})
    assert caught.value.field == field

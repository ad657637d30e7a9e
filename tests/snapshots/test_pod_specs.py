"""Pod specs counted as kube-scheduler counts them, and stored once.

Request cases follow ``component-helpers/resource/helpers_test.go TestPodRequests`` and
``pkg/scheduler/framework/plugins/noderesources/fit_test.go`` (init containers, sidecars,
overhead); admission follows ``plugin/pkg/admission/defaulttolerationseconds/admission_test.go``.
"""

from __future__ import annotations

from typing import Any

import pytest
from kubectl_objects import as_list, container, node, pod, pod_spec, text, workload

from service.kube.model import ClusterSnapshot, PodSpec, Requirement, Toleration
from service.snapshots.importer import snapshot_from_text
from service.snapshots.pod_specs import pod_requests

MI = 1 << 20
NOT_READY = Toleration(
    key="node.kubernetes.io/not-ready", operator="Exists", effect="NoExecute", seconds=300
)
UNREACHABLE = Toleration(
    key="node.kubernetes.io/unreachable", operator="Exists", effect="NoExecute", seconds=300
)


def imported(*objects: dict[str, Any], version: str | None = None) -> ClusterSnapshot:
    return snapshot_from_text(text(as_list(node("n1"), *objects)), version=version)


def spec_of(spec: dict[str, Any], version: str | None = None, **pod_args: Any) -> PodSpec:
    s = imported(pod("p", node="n1", spec=spec, **pod_args), version=version)
    return s.specs[s.pods[0].spec]


def init(cpu: str, memory: str | None = None, sidecar: bool = False) -> dict[str, Any]:
    c = container(cpu, memory)
    return {**c, "restartPolicy": "Always"} if sidecar else c


@pytest.mark.parametrize(
    ("containers", "inits", "overhead", "expected"),
    [
        # the larger of the containers' sum and the largest init container
        ([("1", None), ("2", None)], [("2500m", False)], None, {"cpu": 3000}),
        ([("1", None)], [("2", False)], None, {"cpu": 2000}),
        # a sidecar adds to the containers and to every init container after it
        ([("1", None)], [("500m", True), ("1", False)], None, {"cpu": 1500}),
        ([("100m", None)], [("1", False), ("500m", True)], None, {"cpu": 1000}),
        # overhead (RuntimeClass) on top
        (
            [("1", "1Gi")],
            [],
            {"cpu": "250m", "memory": "120Mi"},
            {"cpu": 1250, "memory": 1144 * MI},
        ),
    ],
)
def test_effective_requests(
    containers: list[tuple[str, str | None]],
    inits: list[tuple[str, bool]],
    overhead: dict[str, str] | None,
    expected: dict[str, int],
) -> None:
    spec = pod_spec(
        [container(cpu, memory) for cpu, memory in containers],
        initContainers=[init(cpu, sidecar=sidecar) for cpu, sidecar in inits],
    )
    if overhead:
        spec["overhead"] = overhead
    assert spec_of(spec).requests == expected


def test_pod_requests_examples() -> None:
    assert pod_requests([{"cpu": 100}, {"cpu": 200, "memory": 5}], []) == {"cpu": 300, "memory": 5}
    assert pod_requests([{"cpu": 100}], [({"cpu": 50}, True), ({"cpu": 400}, False)]) == {
        "cpu": 450
    }


def test_limits_stand_in_for_missing_requests_as_api_defaulting_does() -> None:
    c = {
        "name": "c",
        "resources": {
            "limits": {"cpu": "2", "memory": "1Gi", "nvidia.com/gpu": "1"},
            "requests": {"cpu": "500m"},
        },
    }
    assert spec_of(pod_spec([c])).requests == {"cpu": 500, "memory": 1024 * MI, "nvidia.com/gpu": 1}


def test_scoring_counts_100m_and_200mi_for_containers_without_requests() -> None:
    spec = spec_of(pod_spec([container(None, None), container("300m", None), container(None, "0")]))
    assert spec.requests == {"cpu": 300}  # zero requests are left out
    assert (spec.nonzero_cpu, spec.nonzero_memory) == (100 + 300 + 100, 200 * MI + 200 * MI + 0)
    assert spec.best_effort is False  # one container asks for cpu


def test_best_effort_has_no_cpu_or_memory_anywhere() -> None:
    no_resources = {"name": "c"}
    assert spec_of(pod_spec([no_resources])).best_effort is True
    limited = {"name": "c", "resources": {"limits": {"memory": "1Gi"}}}
    assert spec_of(pod_spec([no_resources, limited])).best_effort is False


@pytest.mark.parametrize(
    ("version", "requests", "unmodelled"),
    [
        ("1.34", {"cpu": 2000, "memory": 128 * MI}, []),  # PodLevelResources beta, on
        (
            "1.33",
            {"cpu": 100, "memory": 128 * MI},
            ["pod-level spec.resources (counted from Kubernetes 1.34 only)"],
        ),
    ],
)
def test_pod_level_resources_count_from_134(
    version: str, requests: dict[str, int], unmodelled: list[str]
) -> None:
    s = imported(
        workload("Deployment", "web", spec=pod_spec(resources={"requests": {"cpu": "2"}})),
        version=version,
    )
    assert s.specs[s.workloads[0].template].requests == requests
    assert [d.reason.removeprefix("not modelled: ") for d in s.dropped] == unmodelled


def test_priority_from_the_class_when_the_pod_does_not_say() -> None:
    classes = [
        {
            "kind": "PriorityClass",
            "metadata": {"name": "high"},
            "value": 1000,
            "preemptionPolicy": "Never",
        },
        {"kind": "PriorityClass", "metadata": {"name": "low"}, "value": -5, "globalDefault": True},
    ]
    s = imported(
        *classes,
        pod("a", node="n1", spec=pod_spec(priorityClassName="high")),
        pod("b", node="n1"),  # the global default applies
        pod("c", node="n1", spec=pod_spec(priorityClassName="system-node-critical")),
        pod("d", node="n1", spec=pod_spec(priorityClassName="missing")),
        pod("e", node="n1", spec=pod_spec(priorityClassName="high", priority=7)),  # admitted
    )
    got = [(s.specs[p.spec].priority, s.specs[p.spec].preemption_policy) for p in s.pods]
    assert got == [
        (1000, "Never"),
        (-5, "PreemptLowerPriority"),
        (2_000_001_000, "PreemptLowerPriority"),
        (0, "PreemptLowerPriority"),
        (7, "Never"),
    ]
    assert s.priority_classes["high"] == 1000
    assert [(d.object, d.reason) for d in s.dropped] == [
        ("PriorityClass/missing", "named by pods but not in the snapshot: priority 0 assumed")
    ]


@pytest.mark.parametrize(
    ("tolerations", "expected"),
    [
        # none: both defaults added (admission_test.go "pod has no tolerations")
        ([], [NOT_READY, UNREACHABLE]),
        # a not-ready NoExecute one of its own keeps its seconds; unreachable is added
        (
            [
                {
                    "key": "node.kubernetes.io/not-ready",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 60,
                }
            ],
            [
                Toleration(
                    key="node.kubernetes.io/not-ready",
                    operator="Exists",
                    effect="NoExecute",
                    seconds=60,
                ),
                UNREACHABLE,
            ],
        ),
        # an empty effect covers NoExecute
        (
            [{"key": "node.kubernetes.io/unreachable", "operator": "Exists"}],
            [Toleration(key="node.kubernetes.io/unreachable", operator="Exists"), NOT_READY],
        ),
        # tolerate everything: nothing added
        ([{"operator": "Exists"}], [Toleration(operator="Exists")]),
        # a NoSchedule toleration does not cover NoExecute
        (
            [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoSchedule"}],
            [
                Toleration(
                    key="node.kubernetes.io/not-ready", operator="Exists", effect="NoSchedule"
                ),
                NOT_READY,
                UNREACHABLE,
            ],
        ),
    ],
)
def test_default_toleration_seconds_admission(
    tolerations: list[dict[str, Any]], expected: list[Toleration]
) -> None:
    assert list(spec_of(pod_spec(tolerations=tolerations)).tolerations) == expected


def test_a_daemonset_template_is_not_admitted_its_controller_adds_its_own() -> None:
    s = imported(workload("DaemonSet", "agent"), workload("Deployment", "web"))
    tolerations = {w.kind: s.specs[w.template].tolerations for w in s.workloads}
    assert tolerations == {"DaemonSet": (), "Deployment": (NOT_READY, UNREACHABLE)}


def test_host_ports_of_containers_and_sidecars_and_host_network_defaults() -> None:
    ports = [
        {"containerPort": 8080, "hostPort": 80},
        {"containerPort": 53, "protocol": "UDP", "hostPort": 53, "hostIP": "10.0.0.1"},
    ]
    plain_init = {**container(), "ports": [{"containerPort": 9, "hostPort": 9}]}
    sidecar = {
        **container(),
        "restartPolicy": "Always",
        "ports": [{"containerPort": 7, "hostPort": 7}],
    }
    spec = spec_of(
        pod_spec([{**container(), "ports": ports}], initContainers=[plain_init, sidecar])
    )
    assert [(h.port, h.protocol, h.host_ip) for h in spec.host_ports] == [
        (80, "TCP", ""),
        (53, "UDP", "10.0.0.1"),
        (7, "TCP", ""),  # a sidecar's ports count, a plain init container's do not
    ]
    host_net = spec_of(
        pod_spec([{**container(), "ports": [{"containerPort": 9100}]}], hostNetwork=True)
    )
    assert ([h.port for h in host_net.host_ports], host_net.host_network) == ([9100], True)


def test_match_label_keys_merge_into_the_affinity_selector_with_the_pods_values() -> None:
    term = {
        "topologyKey": "kubernetes.io/hostname",
        "labelSelector": {"matchLabels": {"app": "web"}},
        "matchLabelKeys": ["pod-template-hash", "absent"],
        "mismatchLabelKeys": ["tenant"],
    }
    affinity = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}
    labels = {"app": "web", "pod-template-hash": "abc", "tenant": "t1"}
    spec = spec_of(pod_spec(affinity=affinity), labels=labels)
    assert spec.pod_anti_affinity is not None
    (merged,) = spec.pod_anti_affinity.required
    assert merged.selector is not None
    assert merged.selector.match_expressions == (
        Requirement(key="pod-template-hash", operator="In", values=("abc",)),
        Requirement(key="tenant", operator="NotIn", values=("t1",)),
    )


def test_identical_specs_are_stored_once_however_many_pods_share_them() -> None:
    owner = ("ReplicaSet", "web-5d4f")
    labels = {"app": "web", "pod-template-hash": "5d4f"}
    pods = [pod(f"web-5d4f-{i}", node="n1", labels=labels, owner=owner) for i in range(50)]
    rs = workload("ReplicaSet", "web-5d4f", replicas=50, labels=labels)
    s = imported(rs, *pods, pod("other", node="n1"))
    assert len(s.pods) == 51
    assert len(s.specs) == 2  # the ReplicaSet's template is its pods' spec; "other"
    assert {p.spec for p in s.pods[:50]} == {s.workloads[1].template}


def test_pvc_volumes_are_reported_once_per_workload() -> None:
    volumes = [
        {"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}},
        {"name": "tmp", "emptyDir": {}},
    ]
    s = imported(workload("StatefulSet", "db", replicas=1, spec=pod_spec(volumes=volumes)))
    assert [(d.object, d.reason) for d in s.dropped] == [
        (
            "StatefulSet/default/db",
            "not modelled: PersistentVolumeClaim volumes (volume binding and zone topology)",
        )
    ]

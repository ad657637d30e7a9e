"""The structured ``scenario`` input, written by hand in GraphiQL, as a real cluster snapshot.

A ``ClusterScenarioInput`` — nodes with CPU and memory, Deployments of identical pods, and
what it takes to try Kubernetes' constraints by hand — becomes, by :func:`snapshot_from_input`,
a :class:`~service.kube.model.ClusterSnapshot`, as ``archgraph import-cluster`` would make
of a kubectl dump of the same cluster; the full simulation runs on it. The field checks and
limits are :mod:`service.queries.scenario`'s.

- **nodes**: ``zone`` (the ``topology.kubernetes.io/zone`` label), ``labels``, ``taints``
  (``{key, value, effect}``), ``unschedulable`` (cordoned: also tainted
  ``node.kubernetes.io/unschedulable:NoSchedule``, as the node lifecycle controller does),
  ``maxPods`` (110), ``nodeGroup`` (the autoscaler group, label ``agentpool``). A node given
  ``ready: false`` is ``Ready=False`` and tainted ``node.kubernetes.io/not-ready``
  (NoSchedule and NoExecute). Every node is labelled ``kubernetes.io/hostname: <name>``.
- **deployments** and **statefulSets**: ``namespace`` (``default``), ``replicas``,
  ``cpu``/``memory`` per pod, ``tolerations``, ``nodeSelector``, ``antiAffinity`` (a topology
  key: required anti-affinity against the workload's own pods, as ``podAntiAffinity`` with
  ``requiredDuringSchedulingIgnoredDuringExecution``), ``topologySpread``
  (``{maxSkew, topologyKey, whenUnsatisfiable}`` over the workload's own pods), ``priority``.
  Pods carry the label ``app: <name>``; the workload selects them by it.
- **daemonSets**: the same pod fields, one pod per eligible node.
- **disruptionBudgets**: ``{name, namespace, workload, minAvailable | maxUnavailable}``
  (an integer or a percentage such as ``"50%"``), selecting the workload's pods.
- **kubernetesVersion**: ``1.31`` … ``1.34`` (default ``1.34``).
- **autoscaler**: ``{enabled, maxNodes, nodeCpu, nodeMemory}``, read by
  :mod:`~service.queries.cluster_request` (the node group it grows).

Pods are not listed: the workload controllers create them from the templates and the
scheduler places them, as for a Helm chart's manifests. Errors name the field
(``scenario.deployments[1].tolerations[0].effect``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, cast

from service.errors import InvalidArgument
from service.kube.model import (
    ClusterSnapshot,
    DisruptionBudget,
    HostPort,
    LabelSelector,
    Node,
    PodAffinity,
    PodAffinityTerm,
    PodSpec,
    Taint,
    TaintEffect,
    Toleration,
    TopologySpreadConstraint,
    Workload,
    WorkloadKind,
)
from service.kube.quantities import parse_cpu, parse_memory
from service.kube.wellknown import (
    DEFAULT_MAX_PODS,
    DEFAULT_MEMORY_REQUEST,
    DEFAULT_MILLI_CPU_REQUEST,
    HOSTNAME,
    TAINT_NOT_READY,
    TAINT_UNSCHEDULABLE,
    ZONE,
)
from service.queries.scenario import (
    MAX_DEPLOYMENTS,
    MAX_NODES,
    MAX_PODS,
    MAX_REPLICAS,
    boolean,
    bounded_int,
    check_keys,
    check_name,
    quantity,
    sequence,
    unique,
)

SUPPORTED_VERSIONS = ("1.31", "1.32", "1.33", "1.34")
DEFAULT_NAMESPACE = "default"
APP_LABEL = "app"
NODE_GROUP_LABEL = "agentpool"
MAX_PRIORITY = 1_000_000_000  # user priorities (system-* classes go up to 2,000,001,000)

NODE_FEATURES = ("zone", "labels", "taints", "unschedulable", "maxPods", "nodeGroup")
POD_FEATURES = ("namespace", "tolerations", "nodeSelector", "antiAffinity", "topologySpread",
                "priority", "hostPorts")  # fmt: skip
SCENARIO_FEATURES = ("statefulSets", "daemonSets", "disruptionBudgets", "kubernetesVersion")
_NODE_KEYS = ("name", "cpu", "memory", "ready", *NODE_FEATURES)
_WORKLOAD_KEYS = ("name", "replicas", "cpu", "memory", *POD_FEATURES)
_DAEMON_KEYS = ("name", "cpu", "memory", *POD_FEATURES)
_SCENARIO_KEYS = ("nodes", "deployments", "autoscaler", "description", *SCENARIO_FEATURES)
_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def snapshot_from_input(
    data: Mapping[str, object], name: str = "scenario", field: str = "scenario"
) -> ClusterSnapshot:
    """Validate a structured scenario into a :class:`ClusterSnapshot` named ``name``.

    Raises
    ------
    InvalidArgument : the first problem, naming its field path, value and any limit.

    Examples
    --------
    >>> s = snapshot_from_input({"nodes": [{"name": "a", "cpu": "2", "memory": "4Gi",
    ...                                     "zone": "z1"}],
    ...                          "deployments": [{"name": "web", "replicas": 2,
    ...                                           "cpu": "500m", "memory": "1Gi"}]})
    >>> s.nodes[0].labels["topology.kubernetes.io/zone"], s.workloads[0].replicas
    ('z1', 2)
    """
    check_keys(data, _SCENARIO_KEYS, field, required=("nodes", "deployments"))
    nodes = tuple(
        node_from_input(item, f"{field}.nodes[{i}]")
        for i, item in enumerate(sequence(data["nodes"], f"{field}.nodes", MAX_NODES, "nodes"))
    )
    unique([n.name for n in nodes], f"{field}.nodes", "node")
    specs: list[PodSpec] = []
    workloads: list[Workload] = []
    paths: list[str] = []
    for key, kind in (("deployments", "Deployment"), ("statefulSets", "StatefulSet"),
                      ("daemonSets", "DaemonSet")):  # fmt: skip
        items = sequence(data.get(key) or [], f"{field}.{key}", MAX_DEPLOYMENTS, key)
        for i, item in enumerate(items):
            workload, spec = _workload(
                item, f"{field}.{key}[{i}]", cast(WorkloadKind, kind), template=len(specs)
            )
            workloads.append(workload)
            specs.append(spec)
            paths.append(f"{field}.{key}[{i}]")
    total = sum(len(nodes) if w.replicas is None else w.replicas for w in workloads)
    if total > MAX_PODS:
        raise InvalidArgument(
            f"{field}.deployments",
            f"{total} pods in total (the sum of replicas, and a pod per node for each "
            f"DaemonSet) is more than the limit of {MAX_PODS}",
        )
    seen: dict[tuple[str, str], str] = {}  # (namespace, name) → its field path
    for w, path in zip(workloads, paths, strict=True):
        if (w.namespace, w.name) in seen:
            raise InvalidArgument(
                f"{path}.name",
                f"duplicate workload name {w.namespace}/{w.name} (also {seen[w.namespace, w.name]}"
                f".name): their pods would share the label app={w.name}",
            )
        seen[w.namespace, w.name] = path
    budgets = tuple(
        _budget(item, f"{field}.disruptionBudgets[{i}]", seen)
        for i, item in enumerate(
            sequence(
                data.get("disruptionBudgets") or [],
                f"{field}.disruptionBudgets",
                MAX_DEPLOYMENTS,
                "disruption budgets",
            )
        )
    )
    version = data.get("kubernetesVersion") or SUPPORTED_VERSIONS[-1]
    if version not in SUPPORTED_VERSIONS:
        raise InvalidArgument(
            f"{field}.kubernetesVersion",
            f"{version!r} is not a supported version; expected {', '.join(SUPPORTED_VERSIONS)}",
        )
    description = data.get("description") or ""
    return ClusterSnapshot(
        name=name,
        description=description.strip() if isinstance(description, str) else "",
        version=str(version),
        nodes=nodes,
        specs=tuple(specs),
        workloads=tuple(workloads),
        disruption_budgets=budgets,
    )


# -- pieces ---------------------------------------------------------------------------------
def _items(value: object) -> Sequence[object]:
    return value if isinstance(value, Sequence) and not isinstance(value, str) else ()


def node_from_input(item: object, field: str) -> Node:
    """One node of the input (``{name, cpu, memory, …}``), as a kubectl dump would have it."""
    data = check_keys(item, _NODE_KEYS, field, required=("name", "cpu", "memory"))
    name = check_name(data["name"], f"{field}.name")
    labels = {HOSTNAME: name, **_labels(data.get("labels"), f"{field}.labels")}
    zone = data.get("zone")
    if zone is not None:
        labels[ZONE] = _label_value(zone, f"{field}.zone")
    group = data.get("nodeGroup")
    if group is not None:
        labels[NODE_GROUP_LABEL] = _label_value(group, f"{field}.nodeGroup")
    taints = list(_taints(data.get("taints"), f"{field}.taints"))
    ready = boolean(data.get("ready", True), f"{field}.ready")
    unschedulable = boolean(data.get("unschedulable") or False, f"{field}.unschedulable")
    if unschedulable:
        taints.append(Taint(key=TAINT_UNSCHEDULABLE, effect="NoSchedule"))
    if not ready:
        taints += [
            Taint(key=TAINT_NOT_READY, effect="NoSchedule"),
            Taint(key=TAINT_NOT_READY, effect="NoExecute"),
        ]
    max_pods = data.get("maxPods")
    pods = (
        DEFAULT_MAX_PODS if max_pods is None else bounded_int(max_pods, f"{field}.maxPods", 10_000)
    )
    cpu_field, memory_field = f"{field}.cpu", f"{field}.memory"
    allocatable = {
        "cpu": parse_cpu(quantity(data["cpu"], cpu_field), cpu_field),
        "memory": parse_memory(quantity(data["memory"], memory_field), memory_field),
        "pods": pods,
    }
    return Node(
        name=name,
        labels=labels,
        taints=tuple(taints),
        allocatable=allocatable,
        capacity=dict(allocatable),
        unschedulable=unschedulable,
        ready="True" if ready else "False",
    )


def _workload(
    item: object, field: str, kind: WorkloadKind, template: int
) -> tuple[Workload, PodSpec]:
    daemon = kind == "DaemonSet"
    keys = _DAEMON_KEYS if daemon else _WORKLOAD_KEYS
    required = ("name", "cpu", "memory") if daemon else ("name", "replicas", "cpu", "memory")
    data = check_keys(item, keys, field, required=required)
    name = check_name(data["name"], f"{field}.name")
    namespace = check_name(data.get("namespace") or DEFAULT_NAMESPACE, f"{field}.namespace")
    own = LabelSelector(match_labels={APP_LABEL: name})
    cpu_field, memory_field = f"{field}.cpu", f"{field}.memory"
    cpu = parse_cpu(quantity(data["cpu"], cpu_field), cpu_field)
    memory = parse_memory(quantity(data["memory"], memory_field), memory_field)
    anti = data.get("antiAffinity")
    priority = data.get("priority")
    spec = PodSpec(
        labels={APP_LABEL: name},
        requests={k: v for k, v in (("cpu", cpu), ("memory", memory)) if v},
        nonzero_cpu=cpu or DEFAULT_MILLI_CPU_REQUEST,
        nonzero_memory=memory or DEFAULT_MEMORY_REQUEST,
        node_selector=_labels(data.get("nodeSelector"), f"{field}.nodeSelector"),
        pod_anti_affinity=None
        if anti is None
        else PodAffinity(
            required=(
                PodAffinityTerm(
                    selector=own, topology_key=_label_key(anti, f"{field}.antiAffinity")
                ),
            )
        ),
        tolerations=tuple(_tolerations(data.get("tolerations"), f"{field}.tolerations")),
        topology_spread=tuple(
            _spread(s, f"{field}.topologySpread[{i}]", own)
            for i, s in enumerate(_items(data.get("topologySpread")))
        ),
        host_ports=tuple(
            HostPort(port=bounded_int(p, f"{field}.hostPorts[{i}]", 65535))
            for i, p in enumerate(_items(data.get("hostPorts")))
        ),
        priority=0 if priority is None else _priority(priority, f"{field}.priority"),
        best_effort=not cpu and not memory,
    )
    replicas = None if daemon else bounded_int(data["replicas"], f"{field}.replicas", MAX_REPLICAS)
    workload = Workload(
        kind=kind,
        namespace=namespace,
        name=name,
        template=template,
        replicas=replicas,
        selector=own,
    )
    return workload, spec


def _priority(value: object, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or abs(value) > MAX_PRIORITY:
        raise InvalidArgument(
            field, f"{value!r} is not a priority from -{MAX_PRIORITY} to {MAX_PRIORITY}"
        )
    return value


def _labels(value: object, field: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    for i, item in enumerate(_items(value)):
        data = check_keys(item, ("key", "value"), f"{field}[{i}]", required=("key",))
        labels[_label_key(data["key"], f"{field}[{i}].key")] = _label_value(
            data.get("value") or "", f"{field}[{i}].value"
        )
    return labels


def _label_key(value: object, field: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 317 or value.count("/") > 1:
        raise InvalidArgument(field, f"{value!r} is not a label key such as {ZONE}")
    return value


def _label_value(value: object, field: str) -> str:
    if not isinstance(value, str) or len(value) > 63:
        raise InvalidArgument(field, f"{value!r} is not a label value (at most 63 characters)")
    return value


def _taints(value: object, field: str) -> list[Taint]:
    taints = []
    for i, item in enumerate(_items(value)):
        at = f"{field}[{i}]"
        data = check_keys(item, ("key", "value", "effect"), at, required=("key", "effect"))
        taints.append(
            Taint(
                key=_label_key(data["key"], f"{at}.key"),
                value=_label_value(data.get("value") or "", f"{at}.value"),
                effect=cast(TaintEffect, _effect(data["effect"], f"{at}.effect", empty=False)),
            )
        )
    return taints


def _effect(value: object, field: str, empty: bool) -> str:
    allowed = (*_EFFECTS, "") if empty else _EFFECTS
    if value not in allowed:
        raise InvalidArgument(
            field, f"{value!r} is not a taint effect; expected {', '.join(_EFFECTS)}"
        )
    return str(value)


def _tolerations(value: object, field: str) -> list[Toleration]:
    tolerations = []
    for i, item in enumerate(_items(value)):
        at = f"{field}[{i}]"
        data = check_keys(item, ("key", "operator", "value", "effect", "seconds"), at, required=())
        operator = data.get("operator") or "Equal"
        if operator not in ("Equal", "Exists"):
            raise InvalidArgument(f"{at}.operator", f"{operator!r} is not Equal or Exists")
        key = data.get("key") or ""
        if not key and operator != "Exists":
            raise InvalidArgument(f"{at}.key", "an empty key needs the operator Exists")
        seconds = data.get("seconds")
        tolerations.append(
            Toleration(
                key=_label_key(key, f"{at}.key") if key else "",
                operator=operator,
                value=_label_value(data.get("value") or "", f"{at}.value"),
                effect=cast(
                    Literal["", "NoSchedule", "PreferNoSchedule", "NoExecute"],
                    _effect(data.get("effect") or "", f"{at}.effect", empty=True),
                ),
                seconds=None if seconds is None else bounded_int(seconds, f"{at}.seconds", 10**9),
            )
        )
    return tolerations


def _spread(item: object, field: str, own: LabelSelector) -> TopologySpreadConstraint:
    data = check_keys(
        item, ("maxSkew", "topologyKey", "whenUnsatisfiable", "minDomains"), field,
        required=("maxSkew", "topologyKey"),
    )  # fmt: skip
    when = data.get("whenUnsatisfiable") or "DoNotSchedule"
    if when not in ("DoNotSchedule", "ScheduleAnyway"):
        raise InvalidArgument(
            f"{field}.whenUnsatisfiable", f"{when!r} is not DoNotSchedule or ScheduleAnyway"
        )
    skew = bounded_int(data["maxSkew"], f"{field}.maxSkew", 10_000)
    if skew < 1:
        raise InvalidArgument(f"{field}.maxSkew", "must be at least 1")
    min_domains = data.get("minDomains")
    return TopologySpreadConstraint(
        max_skew=skew,
        topology_key=_label_key(data["topologyKey"], f"{field}.topologyKey"),
        when_unsatisfiable=when,
        selector=own,
        min_domains=None
        if min_domains is None
        else bounded_int(min_domains, f"{field}.minDomains", 10_000),
    )


def _budget(item: object, field: str, workloads: Mapping[tuple[str, str], str]) -> DisruptionBudget:
    data = check_keys(
        item, ("name", "namespace", "workload", "minAvailable", "maxUnavailable"), field,
        required=("name", "workload"),
    )  # fmt: skip
    namespace = check_name(data.get("namespace") or DEFAULT_NAMESPACE, f"{field}.namespace")
    workload = check_name(data["workload"], f"{field}.workload")
    if (namespace, workload) not in workloads:
        known = ", ".join(f"{ns}/{n}" for ns, n in workloads) or "none"
        raise InvalidArgument(
            f"{field}.workload", f"no workload {namespace}/{workload}; workloads: {known}"
        )
    given = [k for k in ("minAvailable", "maxUnavailable") if data.get(k) is not None]
    if len(given) != 1:
        raise InvalidArgument(field, "give exactly one of minAvailable and maxUnavailable")
    amount = _int_or_percent(data[given[0]], f"{field}.{given[0]}")
    return DisruptionBudget(
        namespace=namespace,
        name=check_name(data["name"], f"{field}.name"),
        selector=LabelSelector(match_labels={APP_LABEL: workload}),
        min_available=amount if given[0] == "minAvailable" else None,
        max_unavailable=amount if given[0] == "maxUnavailable" else None,
    )


def _int_or_percent(value: object, field: str) -> int | str:
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        if int(value[:-1]) > 100:
            raise InvalidArgument(field, f"{value!r} is more than 100%")
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return bounded_int(value, field, MAX_REPLICAS * 1000)

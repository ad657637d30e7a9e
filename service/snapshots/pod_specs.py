"""Pod specs as the scheduler sees them, each distinct one converted and stored once.

**Requests** (``component-helpers/resource/helpers.go PodRequests``, with
``pkg/scheduler/framework/plugins/noderesources/fit.go computePodResourceRequest``)::

    containers = Σ regular containers' requests
    for each init container, in order:
        restartable (restartPolicy: Always, a sidecar): containers += its requests;
                    sidecars += its requests; use = sidecars
        otherwise:  use = its requests + sidecars
        init = max(init, use)                         # per resource
    request = max(containers, init) + spec.overhead   # per resource

A container's ``limits`` stand in for missing ``requests`` of the same resource, as API
defaulting does for a pod created from a manifest (``pkg/apis/core/v1/defaults.go
SetDefaults_Pod``). With Kubernetes 1.34 (``PodLevelResources`` beta, on),
``spec.resources.requests`` replace the containers' sum for cpu, memory and ``hugepages-*``;
before it the field is ignored (reported). For **scoring** a container without a cpu or
memory request counts 100m / 200 MiB (``pkg/scheduler/util/pod_resources.go
DefaultMilliCPURequest``, ``DefaultMemoryRequest``; ``NonMissingContainerRequests``): those
are ``nonzero_cpu`` / ``nonzero_memory``. ``best_effort``: no container has a non-zero cpu or
memory request or limit (``pkg/apis/core/v1/helper/qos GetPodQOS``).

**Priority** is ``spec.priority`` when the pod was admitted; else the ``priorityClassName``'s
value (the built-in ``system-cluster-critical`` 2000000000 and ``system-node-critical``
2000001000 always exist), else the ``globalDefault`` class's, else 0
(``plugin/pkg/admission/priority/admission.go``); ``preemptionPolicy`` likewise from the class.
Tolerations pass ``DefaultTolerationSeconds`` (:mod:`service.kube.admission`), except a
DaemonSet template's (its controller adds its own first, which cover them).

**Sharing**: 150,000 pods of 5,000 Deployments have about 5,000 distinct specs. A spec is
looked up by the msgspec encoding of its decoded input (``nodeName`` aside, the node
affinity apart: a DaemonSet's pods differ only there) and the pod's labels, converted on the
first sight only, and stored once by the encoding of the converted
:class:`~service.kube.model.PodSpec` (:class:`SpecTable`).

**Not modelled** — reported per workload: PersistentVolumeClaim and generic ephemeral
volumes (volume binding and zone topology), ``resourceClaims`` (DRA).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import msgspec

from service.kube.admission import with_default_tolerations as admitted
from service.kube.model import Labels, PodSpec, Resources
from service.kube.wellknown import DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST
from service.snapshots import scheduling_terms as terms
from service.snapshots.decode import ContainerIn, PodSpecIn, ResourcesIn
from service.snapshots.problems import At, Quantities

BUILTIN_PRIORITY_CLASSES = {
    "system-cluster-critical": 2_000_000_000,
    "system-node-critical": 2_000_001_000,
}
PREEMPTION_POLICIES = ("PreemptLowerPriority", "Never")
# the model's own default object: msgspec leaves a default out of files by identity
_DEFAULT_SCHEDULER = next(
    f.default for f in msgspec.structs.fields(PodSpec) if f.name == "scheduler_name"
)
POD_LEVEL_VERSION = "1.34"

PVC_VOLUMES = "PersistentVolumeClaim volumes (volume binding and zone topology)"
RESOURCE_CLAIMS = "resourceClaims (dynamic resource allocation)"
POD_LEVEL_RESOURCES = "pod-level spec.resources (counted from Kubernetes 1.34 only)"


_InputKey = tuple[bytes, bool, tuple[tuple[str, str], ...]]
"""A decoded spec (node name and node affinity aside), whether admitted, the pod's labels
(sorted: a ReplicaSet's template and its pods list them in different orders)."""


@dataclass(frozen=True, slots=True)
class PriorityClasses:
    """Priority classes by name: value and preemption policy; the global default if any."""

    values: Mapping[str, int]
    policies: Mapping[str, str]
    default: str | None = None


@dataclass(frozen=True, slots=True)
class Converted:
    """A stored spec: its index in the table and the features it uses we do not model."""

    index: int
    unmodelled: tuple[str, ...]


def _add(into: dict[str, int], more: Mapping[str, int]) -> None:
    for name, amount in more.items():
        into[name] = into.get(name, 0) + amount


def _max(into: dict[str, int], other: Mapping[str, int]) -> None:
    for name, amount in other.items():
        if amount > into.get(name, 0):
            into[name] = amount


def pod_requests(
    containers: Iterable[Mapping[str, int]],
    init_containers: Iterable[tuple[Mapping[str, int], bool]],
) -> dict[str, int]:
    """``PodRequests`` without overhead: ``init_containers`` as (requests, restartable).

    Examples
    --------
    >>> pod_requests([{"cpu": 100}], [({"cpu": 300}, False)])
    {'cpu': 300}
    >>> pod_requests([{"cpu": 100}], [({"cpu": 50}, True), ({"cpu": 200}, False)])
    {'cpu': 250}
    """
    total: dict[str, int] = {}
    for requests in containers:
        _add(total, requests)
    sidecars: dict[str, int] = {}
    init: dict[str, int] = {}
    for requests, restartable in init_containers:
        if restartable:
            _add(total, requests)
            _add(sidecars, requests)
            use = dict(sidecars)
        else:
            use = dict(requests)
            _add(use, sidecars)
        _max(init, use)
    _max(total, init)
    return total


def _with_defaults(requests: Mapping[str, int]) -> dict[str, int]:
    """cpu and memory as scoring counts them (``NonMissingContainerRequests``)."""
    return {
        "cpu": requests.get("cpu", DEFAULT_MILLI_CPU_REQUEST),
        "memory": requests.get("memory", DEFAULT_MEMORY_REQUEST),
    }


class SpecTable:
    """The distinct pod specs of one import (see the module docstring)."""

    def __init__(self, priorities: PriorityClasses, version: str, quantities: Quantities) -> None:
        self.specs: list[PodSpec] = []
        self._priorities = priorities
        self._version = version
        self._quantities = quantities
        self._by_input: dict[tuple[_InputKey, bytes | None], Converted] = {}
        self._bases: dict[_InputKey, tuple[PodSpec, tuple[str, ...]]] = {}
        self._by_model: dict[bytes, int] = {}
        self._encode = msgspec.json.Encoder().encode
        self.unknown_classes: dict[str, int] = {}  # priorityClassName → pods naming it

    def add(
        self, spec: PodSpecIn, labels: Labels, at: At, field: str = "spec", *, admit: bool = True
    ) -> Converted | None:
        """Store ``spec`` (``field`` of the object at ``at``: a pod's or a template's, with
        its pod labels); None after problems.

        ``admit``: add the ``DefaultTolerationSeconds`` tolerations, as for every pod the API
        server creates; not for a DaemonSet's template, whose controller first adds its own
        (which cover them). ``spec.node_name`` is cleared: the caller reads it first.

        The node affinity is looked up on its own: a DaemonSet's pods differ only in it (each
        is pinned to its node), so the rest of their spec is converted once.
        """
        spec.node_name = None
        affinity = spec.affinity
        node_affinity = affinity.node_affinity if affinity is not None else None
        if affinity is not None:
            affinity.node_affinity = None
        try:
            key = (self._encode(spec), admit, tuple(sorted(labels.items())))
            affinity_key = None if node_affinity is None else self._encode(node_affinity)
            known = self._by_input.get((key, affinity_key))
            if known is not None:
                return known
            errors = len(at.problems)
            spec_at = at.at(field)
            base = self._bases.get(key)
            if base is None:
                base = self._convert(spec, dict(key[2]), spec_at, admit)
                if len(at.problems) == errors:
                    self._bases[key] = base
        finally:
            if affinity is not None:
                affinity.node_affinity = node_affinity
        converted = base[0]
        if node_affinity is not None:
            converted = msgspec.structs.replace(
                converted,
                node_affinity=terms.node_affinity(
                    node_affinity, spec_at.at("affinity.nodeAffinity")
                ),
            )
        if len(at.problems) > errors:
            return None
        model_key = self._encode(converted)
        index = self._by_model.get(model_key)
        if index is None:
            index = self._by_model[model_key] = len(self.specs)
            self.specs.append(converted)
        result = Converted(index, base[1])
        self._by_input[key, affinity_key] = result
        return result

    def _container_requests(self, c: ContainerIn, at: At) -> dict[str, int]:
        resources = c.resources or ResourcesIn()
        limits = self._quantities.parse_map(resources.limits, at.at("resources.limits"))
        requests = self._quantities.parse_map(resources.requests, at.at("resources.requests"))
        return {**limits, **requests}

    def _convert(
        self, s: PodSpecIn, labels: Labels, at: At, admit: bool
    ) -> tuple[PodSpec, tuple[str, ...]]:
        containers = s.containers or []
        inits = s.init_containers or []
        if not containers:
            at.problem("a pod needs at least one container", "containers")
        main = [
            self._container_requests(c, at.at(f"containers[{i}]")) for i, c in enumerate(containers)
        ]
        init: list[tuple[dict[str, int], bool]] = []
        for i, c in enumerate(inits):
            policy = at.at(f"initContainers[{i}]").choice(
                c.restart_policy, ("Always",), "restartPolicy", ""
            )
            init.append(
                (self._container_requests(c, at.at(f"initContainers[{i}]")), policy == "Always")
            )
        requests = pod_requests(main, init)
        nonzero = pod_requests(map(_with_defaults, main), ((_with_defaults(r), a) for r, a in init))
        best_effort = not any(
            amount
            for r in (*main, *(r for r, _ in init))
            for name, amount in r.items()
            if name in ("cpu", "memory")
        )
        unmodelled: list[str] = []
        if s.resources is not None and (s.resources.requests or s.resources.limits):
            pod_level = self._container_requests(ContainerIn(resources=s.resources), at)
            if self._version >= POD_LEVEL_VERSION:
                for name, amount in pod_level.items():
                    if name in ("cpu", "memory") or name.startswith("hugepages-"):
                        requests[name] = amount
                        if name in nonzero:
                            nonzero[name] = amount
                best_effort = best_effort and not any(pod_level.get(r) for r in ("cpu", "memory"))
            else:
                unmodelled.append(POD_LEVEL_RESOURCES)
        overhead = self._quantities.parse_map(s.overhead, at.at("overhead"))
        _add(requests, overhead)
        _add(nonzero, {k: v for k, v in overhead.items() if k in nonzero})
        if any(v.persistent_volume_claim or v.ephemeral for v in s.volumes or ()):
            unmodelled.append(PVC_VOLUMES)
        if s.resource_claims:
            unmodelled.append(RESOURCE_CLAIMS)

        host_network = bool(s.host_network)
        sidecars = [c for c in inits if c.restart_policy == "Always"]
        ports = terms.host_ports(containers, host_network, at.at("containers"))
        ports += terms.host_ports(sidecars, host_network, at.at("initContainers"))
        affinity = s.affinity
        priority, policy = self._priority(s, at)
        tolerations = [
            terms.toleration(t, at.at(f"tolerations[{i}]"))
            for i, t in enumerate(s.tolerations or ())
        ]
        spec = PodSpec(
            labels=dict(labels),
            requests=_sorted_nonzero(requests),
            nonzero_cpu=nonzero.get("cpu", 0),
            nonzero_memory=nonzero.get("memory", 0),
            node_selector=dict(s.node_selector or {}),
            node_affinity=terms.node_affinity(
                affinity.node_affinity if affinity else None, at.at("affinity.nodeAffinity")
            ),
            pod_affinity=terms.pod_affinity(
                affinity.pod_affinity if affinity else None, labels, at.at("affinity.podAffinity")
            ),
            pod_anti_affinity=terms.pod_affinity(
                affinity.pod_anti_affinity if affinity else None,
                labels,
                at.at("affinity.podAntiAffinity"),
            ),
            tolerations=admitted(tolerations) if admit else tuple(tolerations),
            topology_spread=tuple(
                terms.spread_constraint(c, at.at(f"topologySpreadConstraints[{i}]"))
                for i, c in enumerate(s.topology_spread_constraints or ())
            ),
            host_ports=tuple(ports),
            priority=priority,
            preemption_policy=policy,  # type: ignore[arg-type]
            termination_grace_seconds=(
                30
                if s.termination_grace_period_seconds is None
                else s.termination_grace_period_seconds
            ),
            scheduler_name=_DEFAULT_SCHEDULER
            if s.scheduler_name in (None, "", _DEFAULT_SCHEDULER)
            else s.scheduler_name,
            best_effort=best_effort,
            host_network=host_network,
        )
        return spec, tuple(unmodelled)

    def _priority(self, s: PodSpecIn, at: At) -> tuple[int, str]:
        classes = self._priorities
        name = s.priority_class_name or classes.default
        policy = s.preemption_policy or (classes.policies.get(name) if name else None)
        policy = at.choice(policy, PREEMPTION_POLICIES, "preemptionPolicy", "PreemptLowerPriority")
        if s.priority is not None:
            return s.priority, policy
        if not name:
            return 0, policy
        value = classes.values.get(name, BUILTIN_PRIORITY_CLASSES.get(name))
        if value is None:
            self.unknown_classes[name] = self.unknown_classes.get(name, 0) + 1
            return 0, policy
        return value, policy


def _sorted_nonzero(requests: Mapping[str, int]) -> Resources:
    return {name: requests[name] for name in sorted(requests) if requests[name]}

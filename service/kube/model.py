"""A real cluster as the simulation sees it: nodes, pods, workloads, PDBs — and nothing more.

This is the domain model behind imported snapshots (``archgraph import-cluster``, the
``snapshot:`` argument) and scenario files: only the fields kube-scheduler, the node
lifecycle and taint-eviction controllers, the workload controllers, the eviction API and the
cluster autoscaler read, already normalised:

- quantities are integers in base units (:data:`Resources`): ``cpu`` in millicores,
  ``memory``/``ephemeral-storage``/``hugepages-*`` in bytes, ``pods`` and extended resources
  (``nvidia.com/gpu``) in units;
- a pod's requests are what NodeResourcesFit counts
  (``component-helpers/resource/helpers.go PodRequests``: max(sum of containers and
  sidecars, largest init container) + overhead), computed once by the importer;
- pod specs are shared: :attr:`ClusterSnapshot.specs` holds each distinct spec once and
  pods and workload templates point at it by index (150,000 pods of 5,000 Deployments
  have about 5,000 specs);
- labels, selectors and taints keep their order (spec order matters: the reported taint is
  the first untolerated one).

The types are ``msgspec.Struct`` (frozen, keyword-only, defaults left out of files): cheap to build by the hundred thousand, and a
scenario file is just their JSON (:mod:`service.snapshots.scenario_file`), tagged with
:data:`SCENARIO_FORMAT` so that a file of another format is refused.
"""

from __future__ import annotations

from typing import Literal

import msgspec

Resources = dict[str, int]
"""Resource name → amount in base units (``cpu`` millicores, memory bytes, others units)."""

Labels = dict[str, str]

TaintEffect = Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]
ReadyStatus = Literal["True", "False", "Unknown"]
WorkloadKind = Literal["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "Pod"]
"""``Pod``: a bare pod (no controller) is its own workload."""

SCENARIO_FORMAT = "archgraph.io/cluster-scenario/v1"


class Taint(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    key: str
    value: str = ""
    effect: TaintEffect


class Toleration(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """``k8s.io/api/core/v1`` Toleration; ``seconds`` is ``tolerationSeconds`` (None: forever)."""

    key: str = ""
    operator: Literal["Equal", "Exists"] = "Equal"
    value: str = ""
    effect: Literal["", "NoSchedule", "PreferNoSchedule", "NoExecute"] = ""
    seconds: int | None = None


class Requirement(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A label selector / node selector requirement (In, NotIn, Exists, DoesNotExist, Gt, Lt)."""

    key: str
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]
    values: tuple[str, ...] = ()


class LabelSelector(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """``metav1.LabelSelector``: labels AND expressions; an empty selector matches everything."""

    match_labels: Labels = msgspec.field(default_factory=dict)
    match_expressions: tuple[Requirement, ...] = ()


class NodeSelectorTerm(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Expressions ANDed; a term with neither expressions nor fields matches no node."""

    match_expressions: tuple[Requirement, ...] = ()
    match_fields: tuple[Requirement, ...] = ()  # only ``metadata.name`` is meaningful


class PreferredSchedulingTerm(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    weight: int
    preference: NodeSelectorTerm


class NodeAffinity(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """``required``: terms ORed (None: no requirement); ``preferred``: scored."""

    required: tuple[NodeSelectorTerm, ...] | None = None
    preferred: tuple[PreferredSchedulingTerm, ...] = ()


class PodAffinityTerm(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A pod (anti-)affinity term. ``selector`` None matches no pod.

    ``namespaces`` empty and ``namespace_selector`` None: the pod's own namespace;
    ``namespace_selector`` empty: every namespace.
    """

    selector: LabelSelector | None = None
    topology_key: str
    namespaces: tuple[str, ...] = ()
    namespace_selector: LabelSelector | None = None


class WeightedPodAffinityTerm(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    weight: int
    term: PodAffinityTerm


class PodAffinity(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Used for both ``podAffinity`` and ``podAntiAffinity``."""

    required: tuple[PodAffinityTerm, ...] = ()
    preferred: tuple[WeightedPodAffinityTerm, ...] = ()


class TopologySpreadConstraint(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    max_skew: int
    topology_key: str
    when_unsatisfiable: Literal["DoNotSchedule", "ScheduleAnyway"] = "DoNotSchedule"
    selector: LabelSelector | None = None
    min_domains: int | None = None
    node_affinity_policy: Literal["Honor", "Ignore"] = "Honor"
    node_taints_policy: Literal["Honor", "Ignore"] = "Ignore"
    match_label_keys: tuple[str, ...] = ()


class HostPort(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    port: int
    protocol: Literal["TCP", "UDP", "SCTP"] = "TCP"
    host_ip: str = ""


class PodSpec(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """What the controllers and the scheduler read of a pod (or a workload's template).

    ``requests`` is the effective request (init containers, sidecars and overhead applied);
    ``nonzero_cpu``/``nonzero_memory`` are what scoring counts (containers without a request
    count 100m / 200Mi, ``pkg/scheduler/util/pod_resources.go``). ``labels`` are the pod's.
    """

    labels: Labels = msgspec.field(default_factory=dict)
    requests: Resources = msgspec.field(default_factory=dict)
    nonzero_cpu: int = 0
    nonzero_memory: int = 0
    node_selector: Labels = msgspec.field(default_factory=dict)
    node_affinity: NodeAffinity | None = None
    pod_affinity: PodAffinity | None = None
    pod_anti_affinity: PodAffinity | None = None
    tolerations: tuple[Toleration, ...] = ()
    topology_spread: tuple[TopologySpreadConstraint, ...] = ()
    host_ports: tuple[HostPort, ...] = ()
    priority: int = 0
    preemption_policy: Literal["PreemptLowerPriority", "Never"] = "PreemptLowerPriority"
    termination_grace_seconds: int = 30
    scheduler_name: str = "default-scheduler"
    best_effort: bool = False  # no container requests or limits (BalancedAllocation, V5)
    host_network: bool = False  # DaemonSet pods then also tolerate network-unavailable


class WorkloadRef(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The controller a pod belongs to, resolved to the top (a Deployment's ReplicaSet → the
    Deployment); ``kind`` ``Pod`` for a bare pod."""

    kind: WorkloadKind
    namespace: str
    name: str


class Pod(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A pod: ``node`` None while unbound (Pending); ``spec`` indexes ClusterSnapshot.specs."""

    namespace: str
    name: str
    spec: int
    node: str | None = None
    phase: Literal["Pending", "Running", "Succeeded", "Failed", "Unknown"] = "Running"
    ready: bool = True
    owner: WorkloadRef
    deleting: bool = False  # metadata.deletionTimestamp is set (Terminating)
    ordinal: int | None = None  # StatefulSet pods: the ordinal of <set>-<ordinal>
    created: str = ""  # metadata.creationTimestamp (RFC 3339), for preemption's tie-breaks


class Workload(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A controller and the pods it wants. ``template`` indexes ClusterSnapshot.specs.

    ``replicas``: desired pods (Deployment, ReplicaSet, StatefulSet; Job: parallelism
    capped by the completions left; DaemonSet and bare pods: None, the controller decides).
    """

    kind: WorkloadKind
    namespace: str
    name: str
    template: int
    replicas: int | None = None
    selector: LabelSelector | None = None
    pod_management_policy: Literal["OrderedReady", "Parallel"] = "OrderedReady"
    max_unavailable: int | str | None = None  # rolling-update / DaemonSet update settings
    max_surge: int | str | None = None


class DisruptionBudget(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A PodDisruptionBudget; ``min_available``/``max_unavailable`` an int or ``"50%"``."""

    namespace: str
    name: str
    selector: LabelSelector | None = None
    min_available: int | str | None = None
    max_unavailable: int | str | None = None
    unhealthy_pod_eviction_policy: Literal["IfHealthyBudget", "AlwaysAllow"] = "IfHealthyBudget"


class Node(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A node. ``ready`` is its Ready condition; ``taints`` in spec order (including the
    condition taints the node lifecycle controller had set when the snapshot was taken)."""

    name: str
    labels: Labels = msgspec.field(default_factory=dict)
    taints: tuple[Taint, ...] = ()
    allocatable: Resources = msgspec.field(default_factory=dict)
    capacity: Resources = msgspec.field(default_factory=dict)
    unschedulable: bool = False
    ready: ReadyStatus = "True"
    kubelet_version: str = ""
    created: str = ""


class NodeGroup(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A cluster-autoscaler node group: the nodes sharing a group label, a template node."""

    name: str
    template: str  # the name of an existing node used as the template, or of template_node
    max_size: int
    min_size: int = 0
    # A group scaled from its instance template rather than a copy of one of its nodes (the
    # cloud provider's TemplateNodeInfo, as for a group scaled from zero).
    template_node: Node | None = None


class AutoscalerConfig(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The cluster autoscaler: ``max_nodes_total`` 0 means no limit (its default)."""

    groups: tuple[NodeGroup, ...] = ()
    max_nodes_total: int = 0
    expander: Literal["least-waste", "random", "most-pods", "priority"] = "least-waste"


class Dropped(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Something the import left out or cannot model, and why (``kind/namespace/name``)."""

    object: str
    reason: str


class ClusterSnapshot(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    omit_defaults=True,
    tag_field="format",
    tag=SCENARIO_FORMAT,
):
    """One cluster: what ``import-cluster`` writes and every simulation of it starts from.

    ``version`` is the Kubernetes minor version the semantics follow (``"1.31"`` … ``"1.34"``),
    taken from the nodes' kubelet versions (most common) or given.
    """

    name: str
    version: str = "1.34"
    description: str = ""
    nodes: tuple[Node, ...] = ()
    pods: tuple[Pod, ...] = ()
    specs: tuple[PodSpec, ...] = ()
    workloads: tuple[Workload, ...] = ()
    disruption_budgets: tuple[DisruptionBudget, ...] = ()
    priority_classes: dict[str, int] = msgspec.field(default_factory=dict)
    autoscaler: AutoscalerConfig | None = None
    dropped: tuple[Dropped, ...] = ()
    skipped: dict[str, int] = msgspec.field(default_factory=dict)  # kind → objects not used

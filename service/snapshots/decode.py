"""Typed decoding of the kubectl fields the simulation reads, and nothing else.

``kubectl get … -o json`` writes every field of every object — managed fields, annotations,
env, probes, images, container statuses — most of a dump's bytes. The structs below name only
the fields :mod:`~service.snapshots.convert` uses (field names as the API spells them,
``rename="camel"``); msgspec skips the rest in C without building a Python object for it.

Decoding happens in layers so that one bad object does not hide the others and the bulk is
scanned cheaply: a document is split into its objects (:class:`ObjectIn`, with ``metadata``,
``spec`` and ``status`` kept as :class:`msgspec.Raw` slices of the input), and only objects of
a kind the simulation uses have those parts decoded (:func:`decode_part`). Every field a
dump may write as ``null`` is optional. Enumerations (operators, effects, phases) are plain
strings here; :mod:`~service.snapshots.convert` checks them so that its messages can list
the valid values.

A type mismatch becomes a :class:`~service.errors.SnapshotProblem` naming the field as the
input spells it: ``items[3].spec.containers[0].resources`` → ``expected an object, got an
array``.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar, cast

import msgspec
from msgspec import Raw

from service.errors import SnapshotProblem

T = TypeVar("T")

Quantity = str | int | float
"""kubectl writes quantities as strings; hand-written YAML may give numbers (``cpu: 2``)."""

QuantityMap = dict[str, Quantity]
IntOrString = int | str


class _In(msgspec.Struct, rename="camel", forbid_unknown_fields=False):
    """Base of the input structs: API field names, unknown fields skipped."""


class Present(_In):
    """Any object: only whether the field is there matters (a PVC volume source)."""


NOTHING = Raw()
"""A part the object does not have (msgspec's ``Raw`` cannot be optional: empty instead)."""


class OwnerReferenceIn(_In):
    kind: str | None = None
    name: str | None = None
    controller: bool | None = None


class MetadataIn(_In):
    name: str | None = None
    namespace: str | None = None
    labels: dict[str, str] | None = None
    owner_references: list[OwnerReferenceIn] | None = None
    creation_timestamp: str | None = None
    deletion_timestamp: str | None = None


class TemplateMetadataIn(_In):
    labels: dict[str, str] | None = None


class ObjectIn(_In):
    """One object (or a List of them): metadata decoded, the other parts kept raw (empty:
    absent) until the kind is known to be used. A whole ``kubectl get`` dump decodes as one
    of these in one pass."""

    kind: Any = None
    api_version: Any = None
    metadata: MetadataIn | None = None
    spec: Raw = NOTHING
    status: Raw = NOTHING
    items: list[ObjectIn] | None = None  # a List (``kind: List``, ``NodeList``, ...)
    # PriorityClass keeps its fields at the top level
    value: Raw = NOTHING
    global_default: Raw = NOTHING
    preemption_policy: Raw = NOTHING


class LooseObjectIn(_In):
    """The same object with nothing decoded: the fallback when :class:`ObjectIn` does not
    fit (an odd file in a bundle, or a mistake to report at its own path)."""

    kind: Any = None
    api_version: Any = None
    metadata: Raw = NOTHING
    spec: Raw = NOTHING
    status: Raw = NOTHING
    items: Raw = NOTHING
    value: Raw = NOTHING
    global_default: Raw = NOTHING
    preemption_policy: Raw = NOTHING


# -- selectors, affinity, tolerations, spread ---------------------------------------------


class RequirementIn(_In):
    key: str
    operator: str
    values: list[str] | None = None


class LabelSelectorIn(_In):
    match_labels: dict[str, str] | None = None
    match_expressions: list[RequirementIn] | None = None


class NodeSelectorTermIn(_In):
    match_expressions: list[RequirementIn] | None = None
    match_fields: list[RequirementIn] | None = None


class NodeSelectorIn(_In):
    node_selector_terms: list[NodeSelectorTermIn] | None = None


class PreferredSchedulingTermIn(_In):
    weight: int
    preference: NodeSelectorTermIn


class NodeAffinityIn(_In):
    required_during_scheduling_ignored_during_execution: NodeSelectorIn | None = None
    preferred_during_scheduling_ignored_during_execution: list[PreferredSchedulingTermIn] | None = (
        None
    )


class PodAffinityTermIn(_In):
    topology_key: str
    label_selector: LabelSelectorIn | None = None
    namespaces: list[str] | None = None
    namespace_selector: LabelSelectorIn | None = None
    match_label_keys: list[str] | None = None
    mismatch_label_keys: list[str] | None = None


class WeightedPodAffinityTermIn(_In):
    weight: int
    pod_affinity_term: PodAffinityTermIn


class PodAffinityIn(_In):
    required_during_scheduling_ignored_during_execution: list[PodAffinityTermIn] | None = None
    preferred_during_scheduling_ignored_during_execution: list[WeightedPodAffinityTermIn] | None = (
        None
    )


class AffinityIn(_In):
    node_affinity: NodeAffinityIn | None = None
    pod_affinity: PodAffinityIn | None = None
    pod_anti_affinity: PodAffinityIn | None = None


class TolerationIn(_In):
    key: str | None = None
    operator: str | None = None
    value: str | None = None
    effect: str | None = None
    toleration_seconds: int | None = None


class TopologySpreadConstraintIn(_In):
    max_skew: int
    topology_key: str
    when_unsatisfiable: str
    label_selector: LabelSelectorIn | None = None
    min_domains: int | None = None
    node_affinity_policy: str | None = None
    node_taints_policy: str | None = None
    match_label_keys: list[str] | None = None


# -- pods ---------------------------------------------------------------------------------


class ResourcesIn(_In):
    requests: QuantityMap | None = None
    limits: QuantityMap | None = None


class PortIn(_In):
    container_port: int | None = None
    host_port: int | None = None
    protocol: str | None = None
    host_ip: str | None = msgspec.field(default=None, name="hostIP")


class ContainerIn(_In):
    resources: ResourcesIn | None = None
    ports: list[PortIn] | None = None
    restart_policy: str | None = None  # init containers: "Always" makes a sidecar


class VolumeIn(_In):
    persistent_volume_claim: Present | None = None
    ephemeral: Present | None = None  # a generic ephemeral volume is a PVC too


class PodSpecIn(_In):
    """``PodSpec``: a pod's or a template's. ``node_name`` is set aside before the rest is
    used as the key under which identical specs are converted once."""

    node_name: str | None = None
    containers: list[ContainerIn] | None = None
    init_containers: list[ContainerIn] | None = None
    overhead: QuantityMap | None = None
    resources: ResourcesIn | None = None  # pod-level resources (1.34)
    node_selector: dict[str, str] | None = None
    affinity: AffinityIn | None = None
    tolerations: list[TolerationIn] | None = None
    topology_spread_constraints: list[TopologySpreadConstraintIn] | None = None
    priority: int | None = None
    priority_class_name: str | None = None
    preemption_policy: str | None = None
    termination_grace_period_seconds: int | None = None
    scheduler_name: str | None = None
    host_network: bool | None = None
    volumes: list[VolumeIn] | None = None
    resource_claims: list[Present] | None = None


class ConditionIn(_In):
    type: str | None = None
    status: str | None = None


class PodStatusIn(_In):
    phase: str | None = None
    conditions: list[ConditionIn] | None = None


# -- nodes --------------------------------------------------------------------------------


class TaintIn(_In):
    key: str
    effect: str
    value: str | None = None


class NodeSpecIn(_In):
    taints: list[TaintIn] | None = None
    unschedulable: bool | None = None


class NodeInfoIn(_In):
    kubelet_version: str | None = None


class NodeStatusIn(_In):
    allocatable: QuantityMap | None = None
    capacity: QuantityMap | None = None
    conditions: list[ConditionIn] | None = None
    node_info: NodeInfoIn | None = None


# -- workloads and budgets ----------------------------------------------------------------


class TemplateIn(_In):
    metadata: TemplateMetadataIn | None = None
    spec: PodSpecIn | None = None


class RollingUpdateIn(_In):
    max_unavailable: IntOrString | None = None
    max_surge: IntOrString | None = None


class StrategyIn(_In):
    type: str | None = None
    rolling_update: RollingUpdateIn | None = None


class WorkloadSpecIn(_In):
    """The spec fields of Deployment, ReplicaSet, StatefulSet, DaemonSet and Job together:
    each kind reads its own (``strategy`` is a Deployment's, ``updateStrategy`` the others')."""

    replicas: int | None = None
    selector: LabelSelectorIn | None = None
    template: TemplateIn | None = None
    strategy: StrategyIn | None = None
    update_strategy: StrategyIn | None = None
    pod_management_policy: str | None = None
    parallelism: int | None = None
    completions: int | None = None
    suspend: bool | None = None


class JobStatusIn(_In):
    succeeded: int | None = None
    conditions: list[ConditionIn] | None = None


class DisruptionBudgetSpecIn(_In):
    selector: LabelSelectorIn | None = None
    min_available: IntOrString | None = None
    max_unavailable: IntOrString | None = None
    unhealthy_pod_eviction_policy: str | None = None


# -- decoding -----------------------------------------------------------------------------


_decoders: dict[Any, msgspec.json.Decoder[Any]] = {}


def decode_part(
    raw: Raw | bytes | None,
    type_: type[T],
    file: str,
    path: str,
    problems: list[SnapshotProblem],
    field: str = "",
) -> T | None:
    """Decode one raw part (``field`` of the object at ``path``) as ``type_``; None when
    absent or ``null``. A mismatch is recorded in ``problems`` as
    ``file: path.field.below: message`` and gives None."""
    if not raw:
        return None
    decoder = _decoders.get(type_)
    if decoder is None:  # one decoder per type: msgspec then keeps its plan
        decoder = _decoders[type_] = msgspec.json.Decoder(type_ | None)
    try:
        return cast("T | None", decoder.decode(raw))
    except msgspec.ValidationError as exc:
        where, message = describe_validation_error(exc)
        problems.append(SnapshotProblem(file, join_path(join_path(path, field), where), message))
        return None


def join_path(path: str, field: str) -> str:
    """``items[3]`` + ``spec.nodeName`` → ``items[3].spec.nodeName`` (array steps unjoined)."""
    if not path:
        return field
    if not field:
        return path
    return path + field if field.startswith("[") else f"{path}.{field}"


_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_EXPECTED = re.compile(r"^Expected `(?P<want>[^`]*)`, got `(?P<got>[^`]*)`$")
_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]*)`$")
_TYPE_WORDS = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "object": "an object",
    "array": "an array",
    "null": "null",
}


def describe_validation_error(exc: msgspec.ValidationError) -> tuple[str, str]:
    """(field path below the decoded part, message in plain words) of a msgspec error."""
    match = _AT.match(str(exc))
    assert match is not None  # the pattern accepts any text
    path = (match["path"] or "").removeprefix(".")
    message = match["message"]
    expected = _EXPECTED.match(message)
    if expected:
        wanted = [w.strip() for w in expected["want"].split("|")]
        words = [_TYPE_WORDS.get(w, w) for w in wanted if w != "null"]
        got = _TYPE_WORDS.get(expected["got"], expected["got"])
        return path, f"expected {' or '.join(dict.fromkeys(words))}, got {got}"
    missing = _MISSING.match(message)
    if missing:
        return path, f"the required field {missing['field']!r} is missing"
    return path, message[:1].lower() + message[1:]

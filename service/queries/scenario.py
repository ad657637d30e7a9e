"""Cluster scenarios for the failure simulation: nodes, Deployments, an autoscaler.

A scenario arrives as plain data (a GraphQL input turned into a mapping, or a YAML
file of ``graph_data/scenarios/``) using the GraphQL input's field names::

    nodes:       [{name, cpu, memory, ready: true}]
    deployments: [{name, replicas, cpu, memory}]        # cpu/memory: request per pod
    autoscaler:  {enabled: true, maxNodes, nodeCpu, nodeMemory}   # optional

:func:`scenario_from_mapping` validates it all first and raises
:class:`~service.errors.InvalidArgument` naming the path of the field
(``scenario.nodes[1].cpu``), the value and, for a bound, the limit.

Bounds (they admit 5,000 nodes running 1,500 Deployments × 100 replicas):

- :data:`MAX_NODES` nodes, :data:`MAX_DEPLOYMENTS` Deployments;
- ``replicas`` from 0 to :data:`MAX_REPLICAS`, at most :data:`MAX_PODS` in total;
- ``autoscaler.maxNodes`` from 0 to :data:`MAX_AUTOSCALER_NODES`;
- names are Kubernetes names (DNS-1123 subdomains, at most :data:`MAX_NAME_LENGTH`);
- quantities as in :mod:`service.kube.quantities`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from service.errors import InvalidArgument
from service.knowledge import KnowledgeGraph
from service.kube.quantities import parse_cpu, parse_memory

MAX_NODES = 10_000
MAX_DEPLOYMENTS = 5_000
MAX_REPLICAS = 1_000
MAX_PODS = 200_000
MAX_AUTOSCALER_NODES = 10_000
MAX_NAME_LENGTH = 253

_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_SCENARIO_KEYS = ("nodes", "deployments", "autoscaler", "description")
_NODE_KEYS = ("name", "cpu", "memory", "ready")
_DEPLOYMENT_KEYS = ("name", "replicas", "cpu", "memory")
_AUTOSCALER_KEYS = ("enabled", "maxNodes", "nodeCpu", "nodeMemory")


@dataclass(frozen=True, slots=True)
class NodeSpec:
    """A node: allocatable CPU (millicores) and memory (bytes); NotReady when not ``ready``."""

    name: str
    cpu: int
    memory: int
    ready: bool = True


@dataclass(frozen=True, slots=True)
class DeploymentSpec:
    """A Deployment: ``replicas`` pods, each requesting ``cpu`` millicores and ``memory`` bytes."""

    name: str
    replicas: int
    cpu: int
    memory: int


@dataclass(frozen=True, slots=True)
class AutoscalerSpec:
    """The cluster autoscaler: adds template nodes while Ready nodes number under ``max_nodes``."""

    max_nodes: int
    node_cpu: int
    node_memory: int
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class Scenario:
    """A cluster before the failure; names are unique per kind."""

    nodes: tuple[NodeSpec, ...]
    deployments: tuple[DeploymentSpec, ...]
    autoscaler: AutoscalerSpec | None = None

    @property
    def pod_count(self) -> int:
        return sum(d.replicas for d in self.deployments)


def scenario_from_mapping(data: Mapping[str, object], field: str = "scenario") -> Scenario:
    """Validate plain scenario data (GraphQL input field names) into a :class:`Scenario`.

    Parameters
    ----------
    data : ``{"nodes": [...], "deployments": [...], "autoscaler": {...}}``; a
        ``description`` is allowed (scenario files carry one) and ignored.
    field : the path of ``data`` in error messages.

    Raises
    ------
    InvalidArgument : the first problem found, naming its field, value and any limit.

    Examples
    --------
    >>> s = scenario_from_mapping({"nodes": [{"name": "a", "cpu": "2", "memory": "4Gi"}],
    ...                            "deployments": [{"name": "web", "replicas": 3,
    ...                                             "cpu": "500m", "memory": "1Gi"}]})
    >>> s.nodes[0].cpu, s.deployments[0].memory
    (2000, 1073741824)
    """
    check_keys(data, _SCENARIO_KEYS, field, required=("nodes", "deployments"))
    nodes = sequence(data["nodes"], f"{field}.nodes", MAX_NODES, "nodes")
    deployments = sequence(
        data["deployments"], f"{field}.deployments", MAX_DEPLOYMENTS, "Deployments"
    )
    total = sum(
        item.get("replicas", 0)
        for item in deployments
        if isinstance(item, Mapping) and is_int(item.get("replicas", 0))
    )
    if total > MAX_PODS:
        raise InvalidArgument(
            f"{field}.deployments",
            f"{total} pods in total (the sum of replicas) is more than the limit of {MAX_PODS}",
        )
    node_specs = tuple(_node(item, f"{field}.nodes[{i}]") for i, item in enumerate(nodes))
    unique([n.name for n in node_specs], f"{field}.nodes", "node")
    deployment_specs = tuple(
        _deployment(item, f"{field}.deployments[{i}]") for i, item in enumerate(deployments)
    )
    unique([d.name for d in deployment_specs], f"{field}.deployments", "Deployment")
    autoscaler = data.get("autoscaler")
    return Scenario(
        nodes=node_specs,
        deployments=deployment_specs,
        autoscaler=None if autoscaler is None else _autoscaler(autoscaler, f"{field}.autoscaler"),
    )


def named_scenario(kg: KnowledgeGraph, name: str, field: str = "scenario") -> Scenario:
    """The scenario file ``scenarios/<name>.yaml`` of the loaded packs, validated.

    Raises
    ------
    InvalidArgument : no such scenario (listing the known ones), or the file is invalid
        (the field path then starts with ``scenarios/<name>``).
    """
    data = kg.scenarios.get(name)
    if data is None:
        known = ", ".join(sorted(kg.scenarios)) or "none"
        raise InvalidArgument(field, f"no scenario named {name!r}; scenarios: {known}")
    if not isinstance(data, Mapping):
        raise InvalidArgument(f"scenarios/{name}", "a scenario must be a mapping")
    return scenario_from_mapping(data, f"scenarios/{name}")


def check_name(name: object, field: str) -> str:
    """``name`` if it is a Kubernetes object name (a DNS-1123 subdomain)."""
    if not isinstance(name, str):
        raise InvalidArgument(field, f"{name!r} is not a name (a string)")
    if len(name) > MAX_NAME_LENGTH or not _NAME.fullmatch(name):
        shown = name if len(name) <= 80 else name[:80] + "…"
        raise InvalidArgument(
            field,
            f"{shown!r} is not a valid Kubernetes name: use lowercase letters, digits, '-' and "
            f"'.', start and end with a letter or digit, at most {MAX_NAME_LENGTH} characters",
        )
    return name


# -- pieces ---------------------------------------------------------------------------------
def _node(item: object, field: str) -> NodeSpec:
    data = check_keys(item, _NODE_KEYS, field, required=("name", "cpu", "memory"))
    return NodeSpec(
        name=check_name(data["name"], f"{field}.name"),
        cpu=parse_cpu(quantity(data["cpu"], f"{field}.cpu"), f"{field}.cpu"),
        memory=parse_memory(quantity(data["memory"], f"{field}.memory"), f"{field}.memory"),
        ready=boolean(data.get("ready", True), f"{field}.ready"),
    )


def _deployment(item: object, field: str) -> DeploymentSpec:
    data = check_keys(item, _DEPLOYMENT_KEYS, field, required=_DEPLOYMENT_KEYS)
    return DeploymentSpec(
        name=check_name(data["name"], f"{field}.name"),
        replicas=bounded_int(data["replicas"], f"{field}.replicas", MAX_REPLICAS),
        cpu=parse_cpu(quantity(data["cpu"], f"{field}.cpu"), f"{field}.cpu"),
        memory=parse_memory(quantity(data["memory"], f"{field}.memory"), f"{field}.memory"),
    )


def _autoscaler(item: object, field: str) -> AutoscalerSpec:
    data = check_keys(item, _AUTOSCALER_KEYS, field, required=("maxNodes", "nodeCpu", "nodeMemory"))
    cpu_field, memory_field = f"{field}.nodeCpu", f"{field}.nodeMemory"
    return AutoscalerSpec(
        max_nodes=bounded_int(data["maxNodes"], f"{field}.maxNodes", MAX_AUTOSCALER_NODES),
        node_cpu=parse_cpu(quantity(data["nodeCpu"], cpu_field), cpu_field),
        node_memory=parse_memory(quantity(data["nodeMemory"], memory_field), memory_field),
        enabled=boolean(data.get("enabled", True), f"{field}.enabled"),
    )


def check_keys(
    item: object, allowed: Sequence[str], field: str, required: Sequence[str]
) -> Mapping[str, object]:
    if not isinstance(item, Mapping):
        raise InvalidArgument(field, f"expected a mapping with {', '.join(allowed)}")
    # A field left out of a GraphQL input arrives as None: only a given value is unknown.
    unknown = sorted(str(k) for k, v in item.items() if k not in allowed and v is not None)
    if unknown:
        raise InvalidArgument(
            f"{field}.{unknown[0]}", f"unknown field; expected {', '.join(allowed)}"
        )
    for key in required:
        if item.get(key) is None:
            raise InvalidArgument(f"{field}.{key}", "is required")
    return item


def sequence(value: object, field: str, limit: int, what: str) -> Sequence[object]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise InvalidArgument(field, f"expected a list, got {value!r}")
    if len(value) > limit:
        raise InvalidArgument(field, f"{len(value)} {what} is more than the limit of {limit}")
    return value


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def bounded_int(value: object, field: str, limit: int) -> int:
    if not is_int(value):
        raise InvalidArgument(field, f"{value!r} is not a whole number")
    assert isinstance(value, int)
    if not 0 <= value <= limit:
        raise InvalidArgument(field, f"{value} is outside the limits 0..{limit}")
    return value


def boolean(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgument(field, f"{value!r} is not true or false")
    return value


def quantity(value: object, field: str) -> str:
    """A quantity as text; YAML files may write plain numbers (``cpu: 2``)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidArgument(field, f"{value!r} is not a Kubernetes quantity (a string)")
    return value if isinstance(value, str) else str(value)


def unique(names: Sequence[str], field: str, what: str) -> None:
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in first:
            raise InvalidArgument(
                f"{field}[{i}].name",
                f"duplicate {what} name {name!r} (also {field}[{first[name]}].name)",
            )
        first[name] = i

"""Which cluster a failure analysis runs on, and which simulation: one rule for every way in.

A request names its cluster in at most one way — ``scenario`` (written by hand), ``scenarioName``
or ``snapshot`` (kubectl text) — and may add an ``autoscaler``. :meth:`ClusterRequest.resolve`
validates it into what :func:`~service.queries.failures.failure_consequences` takes:

- a **simple scenario** (nodes of CPU and memory, Deployments of identical pods; inline or a
  pack's ``scenarios/<name>.yaml``, which has the same fields) keeps the simple simulation,
  with its own ``autoscaler`` — unless the event is one of :data:`FULL_SIMULATION_EVENTS`:
  those only real clusters have, and ``ALL_NODES_DOWN``, where the node lifecycle
  controller's master disruption mode evicts nothing (so an autoscaler has nothing to act
  on), which only the full simulation models;
- anything else is a **real cluster**: an imported scenario, a kubectl snapshot, or a
  hand-written one using zones, taints, constraints, StatefulSets, DaemonSets or PDBs
  (:mod:`~service.queries.cluster_input`); the ``autoscaler`` argument grows its node groups
  (:mod:`~service.queries.autoscaler_input`).

Errors name the argument or field (``scenarios/three-zones.autoscaler``, ``snapshot: line 1,
column 32: …``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from service.errors import InvalidArgument
from service.knowledge import KnowledgeGraph
from service.kube.model import AutoscalerConfig, ClusterSnapshot
from service.kube.quantities import parse_cpu, parse_memory
from service.queries.autoscaler_input import autoscaler_config
from service.queries.cluster_input import snapshot_from_input, uses_cluster_features
from service.queries.scenario import Scenario, quantity, scenario_from_mapping
from service.queries.scenarios import named_snapshot
from service.queries.simulation import CLUSTER_ONLY_EVENTS, FailureEvent
from service.snapshots.importer import snapshot_from_text

FULL_SIMULATION_EVENTS = CLUSTER_ONLY_EVENTS | {FailureEvent.ALL_NODES_DOWN}


@dataclass(frozen=True, slots=True)
class ClusterRequest:
    """Which cluster a request names, and how: at most one of the three ways."""

    scenario: Mapping[str, Any] | None  # the structured input as plain data
    scenario_name: str | None
    snapshot: str | None
    autoscaler: Mapping[str, Any] | None
    name_field: str = "scenarioName"  # how the request calls the scenario's name (embeds: scenario)

    def resolve(
        self, kg: KnowledgeGraph, served: Mapping[str, ClusterSnapshot], event: FailureEvent
    ) -> tuple[Scenario | None, ClusterSnapshot | None, AutoscalerConfig | None]:
        """(simple scenario, real cluster, its autoscaler); validated, errors name fields."""
        given = [
            name
            for name, value in (
                ("scenario", self.scenario),
                ("scenarioName", self.scenario_name),
                ("snapshot", self.snapshot),
            )
            if value is not None
        ]
        if len(given) > 1:
            raise InvalidArgument(
                given[1],
                f"give at most one of scenario, scenarioName and snapshot, not {' and '.join(given)}",
            )
        cluster: ClusterSnapshot | None = None
        name = self.scenario_name
        if self.snapshot is not None:
            cluster = snapshot_from_text(self.snapshot, name="snapshot")
        elif name is not None and (
            name in served or not isinstance(kg.scenarios.get(name), Mapping)
        ):
            # imported (or unknown: the error)
            cluster = named_snapshot(kg, served, name, field=self.name_field)
        elif self.scenario is not None or name is not None:
            # written by hand: inline, or a pack's scenarios/<name>.yaml (the same fields)
            data, field = (
                (self.scenario, "scenario")
                if self.scenario is not None
                else (kg.scenarios[str(name)], f"scenarios/{name}")
            )
            assert isinstance(data, Mapping)
            if not uses_cluster_features(data) and event not in FULL_SIMULATION_EVENTS:
                if self.autoscaler is not None:
                    raise InvalidArgument(
                        "autoscaler", f"a simple scenario carries its own: use {field}.autoscaler"
                    )
                return scenario_from_mapping(data, field), None, None
            cluster = snapshot_from_input(data, name=name or "scenario", field=field)
            own = data.get("autoscaler")
            if own is not None and self.autoscaler is None:
                return None, cluster, _own_autoscaler(cluster, own, f"{field}.autoscaler")
        if cluster is None:
            if self.autoscaler is not None:
                raise InvalidArgument("autoscaler", "needs a scenario, scenarioName or snapshot")
            return None, None, None
        return None, cluster, autoscaler_config(cluster, self.autoscaler)


def _own_autoscaler(cluster: ClusterSnapshot, data: object, field: str) -> AutoscalerConfig | None:
    """A hand-written scenario's own autoscaler, run as a real cluster's: it grows the node
    group the nodes form, so the node it adds must be theirs (``nodeCpu``, ``nodeMemory``)."""
    if not isinstance(data, Mapping):
        raise InvalidArgument(field, "expected a mapping with maxNodes, nodeCpu, nodeMemory")
    if data.get("enabled") is False:
        return None
    cpu_field, memory_field = f"{field}.nodeCpu", f"{field}.nodeMemory"
    template = (
        parse_cpu(quantity(data.get("nodeCpu"), cpu_field), cpu_field),
        parse_memory(quantity(data.get("nodeMemory"), memory_field), memory_field),
    )
    sizes = {(n.allocatable.get("cpu"), n.allocatable.get("memory")) for n in cluster.nodes}
    if sizes != {template}:
        raise InvalidArgument(
            field,
            "a real cluster's autoscaler adds copies of its own nodes: with zones, constraints "
            "or this event, nodeCpu and nodeMemory must be the nodes' (or give the autoscaler "
            "argument: maxNodes, groups)",
        )
    return autoscaler_config(cluster, {"maxNodes": data.get("maxNodes")}, field)

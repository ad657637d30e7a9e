"""Which cluster a failure analysis runs on: one rule for every way in.

A request names its cluster in at most one way — ``scenario`` (written by hand), ``scenarioName``
or ``snapshot`` (kubectl text) — and may add an ``autoscaler``. :meth:`ClusterRequest.resolve`
validates it into what :func:`~service.queries.failures.failure_consequences` takes: a
:class:`~service.kube.model.ClusterSnapshot`, simulated in full
(:func:`~service.simulation.simulate.simulate_cluster`), and its cluster autoscaler.

- an imported scenario or a kubectl snapshot is read as it is;
- a hand-written scenario (inline, or a pack's ``scenarios/<name>.yaml``, with the same
  fields) becomes the cluster its manifests would make (:mod:`~service.queries.cluster_input`),
  with its own ``autoscaler`` unless the request gives one
  (:mod:`~service.queries.autoscaler_input` grows the node groups).

Errors name the argument or field (``scenarios/three-zones.autoscaler``, ``snapshot: line 1,
column 32: …``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from service.errors import InvalidArgument
from service.knowledge import KnowledgeGraph
from service.kube.model import AutoscalerConfig, ClusterSnapshot, NodeGroup
from service.kube.quantities import parse_cpu, parse_memory
from service.kube.wellknown import HOSTNAME
from service.queries.autoscaler_input import autoscaler_config
from service.queries.cluster_input import node_from_input, snapshot_from_input
from service.queries.scenario import MAX_AUTOSCALER_NODES, boolean, check_keys, quantity
from service.queries.scenarios import named_snapshot
from service.simulation.autoscaling import node_groups
from service.snapshots.importer import snapshot_from_text

_AUTOSCALER_KEYS = ("enabled", "maxNodes", "nodeCpu", "nodeMemory")


@dataclass(frozen=True, slots=True)
class ClusterRequest:
    """Which cluster a request names, and how: at most one of the three ways."""

    scenario: Mapping[str, Any] | None  # the structured input as plain data
    scenario_name: str | None
    snapshot: str | None
    autoscaler: Mapping[str, Any] | None
    name_field: str = "scenarioName"  # how the request calls the scenario's name (embeds: scenario)

    def resolve(
        self, kg: KnowledgeGraph, served: Mapping[str, ClusterSnapshot]
    ) -> tuple[ClusterSnapshot | None, AutoscalerConfig | None]:
        """(the cluster, its autoscaler), validated; errors name fields. No cluster: (None, None)."""
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
            cluster = snapshot_from_input(data, name=name or "scenario", field=field)
            own = data.get("autoscaler")
            if own is not None and self.autoscaler is None:
                return cluster, _own_autoscaler(cluster, own, f"{field}.autoscaler")
        if cluster is None:
            if self.autoscaler is not None:
                raise InvalidArgument("autoscaler", "needs a scenario, scenarioName or snapshot")
            return None, None
        return cluster, autoscaler_config(cluster, self.autoscaler)


def _own_autoscaler(cluster: ClusterSnapshot, data: object, field: str) -> AutoscalerConfig | None:
    """A hand-written scenario's own autoscaler (``maxNodes``, ``nodeCpu``, ``nodeMemory``).

    Nodes all of the template's size: the groups they form grow by copies of their nodes.
    Otherwise the one group the nodes form grows from a template of that size, as a cloud
    provider's instance template would make it; nodes of several groups need the
    ``autoscaler`` argument's ``groups``.
    """
    data = check_keys(data, _AUTOSCALER_KEYS, field, required=_AUTOSCALER_KEYS[1:])
    if not boolean(data.get("enabled", True), f"{field}.enabled"):
        return None
    limits = autoscaler_config(cluster, {"maxNodes": data.get("maxNodes")}, field)
    cpu, memory, cpu_field, memory_field = (
        data["nodeCpu"], data["nodeMemory"], f"{field}.nodeCpu", f"{field}.nodeMemory"
    )  # fmt: skip
    shape = (
        parse_cpu(quantity(cpu, cpu_field), cpu_field),
        parse_memory(quantity(memory, memory_field), memory_field),
    )
    sizes = {(n.allocatable.get("cpu"), n.allocatable.get("memory")) for n in cluster.nodes}
    if limits is None or sizes == {shape}:
        return limits
    groups = node_groups(cluster.nodes, AutoscalerConfig())
    if len(groups) != 1:
        raise InvalidArgument(
            field,
            f"the nodes form {len(groups)} node groups ({', '.join(g.name for g in groups)}) "
            "and nodeCpu, nodeMemory make one template: give the autoscaler argument instead "
            "(maxNodes, groups [{name, maxSize}]), whose groups grow by copies of their nodes",
        )
    group = groups[0]
    name = f"template-node-for-{group.name}"
    node = node_from_input({"name": name, "cpu": cpu, "memory": memory}, field)
    # the group's labels (its group, zone, …: a new node is of the group), another size
    labels = {**group.template.labels, HOSTNAME: name}
    own = NodeGroup(
        name=group.name,
        template=name,
        max_size=MAX_AUTOSCALER_NODES,
        template_node=msgspec.structs.replace(node, labels=labels),
    )
    return AutoscalerConfig(groups=(own,), max_nodes_total=limits.max_nodes_total)

"""The named cluster scenarios a server offers, and what each holds.

Two kinds sit side by side under one name space:

- the packs' own ``scenarios/<name>.yaml`` (``graph_data/scenarios/``), written with the
  field names of the structured ``scenario`` input (:mod:`service.queries.scenario`, and
  :mod:`service.queries.cluster_input` for zones, taints and constraints);
- scenario files imported from real clusters (``archgraph import-cluster``), served with
  ``serve --scenarios DIR``: :class:`~service.kube.model.ClusterSnapshot`\\ s.

A served file whose name a pack's scenario already has wins (it is the user's own).

:func:`summarize` counts what the simulation will hold: ``pod_count`` is every pod it
starts from — bound to a node of the snapshot or Pending, not finished — plus the pods the
workload controllers will create for Deployments, ReplicaSets, StatefulSets and Jobs that
have fewer than they want (a rendered Helm chart has none yet). DaemonSet pods are counted
once they exist: how many a DaemonSet creates depends on where its template may run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from service.errors import InvalidArgument
from service.knowledge import KnowledgeGraph
from service.kube.model import ClusterSnapshot
from service.kube.wellknown import zone_of
from service.queries.cluster_input import snapshot_from_input

BUILT_IN = "built-in"
FINISHED = ("Succeeded", "Failed")


@dataclass(frozen=True, slots=True)
class ScenarioSummary:
    """What a named scenario holds before anything fails."""

    name: str
    origin: str  # "built-in" (a pack's scenarios/) or "imported"
    description: str
    kubernetes_version: str
    node_count: int
    ready_node_count: int
    cordoned_node_count: int
    zones: tuple[str, ...]
    pod_count: int
    workload_count: int
    workloads_by_kind: tuple[tuple[str, int], ...]
    disruption_budget_count: int


def pack_scenario(kg: KnowledgeGraph, name: str) -> ClusterSnapshot | None:
    """A pack's scenario ``name`` as a snapshot (None when no pack has it).

    Raises
    ------
    InvalidArgument : the file is not a valid scenario (the field path starts with
        ``scenarios/<name>``).
    """
    data = kg.scenarios.get(name)
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise InvalidArgument(f"scenarios/{name}", "a scenario must be a mapping")
    return snapshot_from_input(data, name=name, field=f"scenarios/{name}")


def summarize(snapshot: ClusterSnapshot, origin: str) -> ScenarioSummary:
    """Count what ``snapshot`` holds (see the module docstring for ``pod_count``)."""
    names = {n.name for n in snapshot.nodes}
    alive = [
        p for p in snapshot.pods if p.phase not in FINISHED and (p.node is None or p.node in names)
    ]
    owned = Counter(
        (p.owner.kind, p.owner.namespace, p.owner.name) for p in alive if not p.deleting
    )
    to_create = sum(
        max(0, (w.replicas or 0) - owned[w.kind, w.namespace, w.name])
        for w in snapshot.workloads
        if w.kind in ("Deployment", "ReplicaSet", "StatefulSet", "Job")
    )
    kinds = Counter(w.kind for w in snapshot.workloads)
    return ScenarioSummary(
        name=snapshot.name,
        origin=origin,
        description=snapshot.description,
        kubernetes_version=snapshot.version,
        node_count=len(snapshot.nodes),
        ready_node_count=sum(n.ready == "True" for n in snapshot.nodes),
        cordoned_node_count=sum(n.unschedulable for n in snapshot.nodes),
        zones=tuple(sorted({zone_of(n.labels) for n in snapshot.nodes} - {""})),
        pod_count=len(alive) + to_create,
        workload_count=len(snapshot.workloads),
        workloads_by_kind=tuple(sorted(kinds.items())),
        disruption_budget_count=len(snapshot.disruption_budgets),
    )


def scenario_summaries(
    kg: KnowledgeGraph, served: Mapping[str, ClusterSnapshot]
) -> tuple[ScenarioSummary, ...]:
    """Every named scenario, by name: the packs' and the served files (which win)."""
    summaries = {name: summarize(s, "imported") for name, s in served.items()}
    for name in kg.scenarios:
        if name not in summaries:
            snapshot = pack_scenario(kg, name)
            assert snapshot is not None
            summaries[name] = summarize(snapshot, BUILT_IN)
    return tuple(summaries[name] for name in sorted(summaries))


def known_names(kg: KnowledgeGraph, served: Mapping[str, ClusterSnapshot]) -> str:
    """The scenario names for an error message."""
    return ", ".join(sorted({*kg.scenarios, *served})) or "none"


def named_snapshot(
    kg: KnowledgeGraph,
    served: Mapping[str, ClusterSnapshot],
    name: str,
    field: str = "scenarioName",
) -> ClusterSnapshot:
    """The scenario called ``name``: a served file, else a pack's (as a snapshot).

    Raises
    ------
    InvalidArgument : no scenario has that name (the known ones are listed), or a pack's
        file is not a valid scenario.
    """
    snapshot = served.get(name) or pack_scenario(kg, name)
    if snapshot is None:
        shown = name if len(name) <= 80 else name[:80] + "…"
        raise InvalidArgument(
            field, f"no scenario named {shown!r}; scenarios: {known_names(kg, served)}"
        )
    return snapshot

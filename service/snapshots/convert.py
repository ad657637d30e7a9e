"""Decoded Kubernetes objects → one :class:`~service.kube.model.ClusterSnapshot`.

The order matters, because each step reads what the one before settled: objects are
de-duplicated (the same kind, namespace and name twice: the later path wins, reported);
PriorityClasses give pods their priority; nodes give the Kubernetes version, which decides
how pod specs are counted (:mod:`~.pod_specs`); workload objects are converted and resolved
to their top controller (:mod:`~.owners`); then pods, each pointing at a shared spec and at
its top workload; then workloads the snapshot refers to without holding them are rebuilt
(:mod:`~.inferred`); then budgets and the autoscaler's node groups.

What the simulation cannot use is **dropped and reported** (``ClusterSnapshot.dropped``):
nodes without ``status.allocatable``; pods bound to a node that is not in the snapshot (their
Deployment or ReplicaSet then wants that many fewer replicas, so that the simulation does not
place pods that already run elsewhere); controllers of kinds not modelled; features a
workload uses that the simulation does not model; priority classes named but absent; a
kubelet version outside 1.31–1.34. Objects of other kinds are only counted (``skipped``).
Desired-state manifests (a rendered Helm chart) have workloads without pods: they stay
workloads, and the simulation's controllers create their pods.

Every problem is collected; if there is any, :class:`~service.errors.SnapshotError` carries
them all and no snapshot is made.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TypeVar

from service.errors import SnapshotError, SnapshotProblem
from service.kube.model import (
    ClusterSnapshot,
    DisruptionBudget,
    Dropped,
    Node,
    Workload,
)
from service.snapshots import inferred
from service.snapshots.decode import (
    DisruptionBudgetSpecIn,
    JobStatusIn,
    MetadataIn,
    NodeSpecIn,
    NodeStatusIn,
    WorkloadSpecIn,
    decode_part,
)
from service.snapshots.nodes import convert_node, kubernetes_version, node_groups
from service.snapshots.owners import Controlled, Key, Owners, controller_of, describe
from service.snapshots.pod_specs import BUILTIN_PRIORITY_CLASSES, PriorityClasses, SpecTable
from service.snapshots.pods import PodConverter
from service.snapshots.problems import At, Quantities, capped
from service.snapshots.reading import Found, Reading
from service.snapshots.workloads import WORKLOAD_KINDS, convert_budget, convert_workload

T = TypeVar("T")
CLUSTER_SCOPED = ("Node", "PriorityClass")
_PART_FIELDS = {"global_default": "globalDefault", "preemption_policy": "preemptionPolicy"}


@dataclass(frozen=True, slots=True)
class _Object:
    found: Found
    meta: MetadataIn
    key: Key

    def at(self, problems: list[SnapshotProblem]) -> At:
        return At(self.found.file, self.found.path, problems)


def build_snapshot(
    reading: Reading,
    name: str,
    *,
    version: str | None = None,
    namespace: str = "default",
    description: str = "",
) -> ClusterSnapshot:
    """The snapshot of everything ``reading`` found (see the module docstring).

    Parameters
    ----------
    reading : what :mod:`~service.snapshots.reading` collected.
    name : the scenario's name.
    version : the Kubernetes minor version to follow (``"1.31"`` … ``"1.34"``); default: the
        kubelets' most common one, clamped to that range.
    namespace : for namespaced objects that do not say (manifests rendered without one).

    Raises
    ------
    SnapshotError : every problem of the input, ``file: path.to.field: message``.
    """
    return _Builder(reading, namespace).build(name, version, description)


class _Builder:
    def __init__(self, reading: Reading, namespace: str) -> None:
        self.reading = reading
        self.namespace = namespace
        self.problems = list(reading.problems)
        self.dropped: list[Dropped] = []
        self.quantities = Quantities()
        self.objects: dict[Key, _Object] = {}
        self.unmodelled: defaultdict[Key, set[str]] = defaultdict(set)

    # -- the steps, in order -------------------------------------------------------------
    def build(self, name: str, version: str | None, description: str) -> ClusterSnapshot:
        self._collect()
        by_kind: defaultdict[str, list[_Object]] = defaultdict(list)
        for obj in self.objects.values():
            by_kind[obj.key[0]].append(obj)
        priorities = self._priority_classes(by_kind["PriorityClass"])
        nodes = self._nodes(by_kind["Node"])
        if version is None:
            version, seen = kubernetes_version(nodes)
            if seen is not None and seen != version:
                self.dropped.append(
                    Dropped(
                        object="Kubernetes version",
                        reason=f"the kubelets run {seen}; the simulation follows {version}, "
                        "the nearest version it models",
                    )
                )
        table = SpecTable(priorities, version, self.quantities)
        controlled = [o for kind in WORKLOAD_KINDS for o in by_kind[kind]]
        owners = Owners(
            {
                o.key: Controlled(o.key, controller_of(o.meta), o.at(self.problems))
                for o in controlled
            },
            self.dropped,
        )
        workloads = self._workloads(controlled, owners, table)
        pods = PodConverter(
            nodes={n.name for n in nodes},
            dropped_nodes={o.key[2] for o in by_kind["Node"]} - {n.name for n in nodes},
            owners=owners,
            table=table,
            workloads=workloads,
            unmodelled=self.unmodelled,
            dropped=self.dropped,
            problems=self.problems,
            namespace=self.namespace,
        ).convert([o.found for o in by_kind["Pod"]])
        budgets = [self._budget(o) for o in by_kind["PodDisruptionBudget"]]
        for class_name in table.unknown_classes:
            self.dropped.append(
                Dropped(
                    object=f"PriorityClass/{class_name}",
                    reason="named by pods but not in the snapshot: priority 0 assumed",
                )
            )
        for key in sorted(self.unmodelled):
            if key in workloads and self.unmodelled[key]:
                features = ", ".join(sorted(self.unmodelled[key]))
                self.dropped.append(
                    Dropped(object=describe(key), reason=f"not modelled: {features}")
                )
        if self.problems:
            raise SnapshotError(capped(self.problems))
        return ClusterSnapshot(
            name=name,
            version=version,
            description=description,
            nodes=tuple(nodes),
            pods=tuple(pods),
            specs=tuple(table.specs),
            workloads=tuple(workloads[k] for k in sorted(workloads, key=_workload_order)),
            disruption_budgets=tuple(budgets),
            priority_classes={**BUILTIN_PRIORITY_CLASSES, **priorities.values},
            autoscaler=node_groups(nodes),
            dropped=tuple(self.dropped),
            skipped=dict(sorted(self.reading.skipped.items())),
        )

    def _collect(self) -> None:
        """Every object of a used kind by key; a later one replaces an earlier one."""
        for found in self.reading.found:
            meta = found.obj.metadata
            if meta is None or not meta.name:
                self.problems.append(
                    SnapshotProblem(found.file, found.path, "metadata.name is required")
                )
                continue
            namespace = "" if found.kind in CLUSTER_SCOPED else (meta.namespace or self.namespace)
            key = (found.kind, namespace, meta.name)
            if key in self.objects:
                earlier = self.objects[key].found.file
                self.dropped.append(
                    Dropped(
                        object=describe(key),
                        reason=f"given again in {found.file}: that one replaces {earlier}'s",
                    )
                )
            self.objects[key] = _Object(found, meta, key)

    def _decode(self, obj: _Object, part: str, type_: type[T]) -> T | None:
        found = obj.found
        field = _PART_FIELDS.get(part, part)
        raw = getattr(found.obj, part)
        return decode_part(raw, type_, found.file, found.path, self.problems, field)

    def _priority_classes(self, objects: list[_Object]) -> PriorityClasses:
        values: dict[str, int] = {}
        policies: dict[str, str] = {}
        default: str | None = None
        for obj in objects:
            name = obj.key[2]
            value = self._decode(obj, "value", int)
            if value is None:
                if not obj.found.obj.value:
                    obj.at(self.problems).problem("a priority class needs a value", "value")
                continue
            values[name] = value
            policy = self._decode(obj, "preemption_policy", str)
            if isinstance(policy, str):
                policies[name] = policy
            if self._decode(obj, "global_default", bool):
                default = name
        return PriorityClasses(values, policies, default)

    def _nodes(self, objects: list[_Object]) -> list[Node]:
        nodes = []
        for obj in objects:
            spec = self._decode(obj, "spec", NodeSpecIn)
            status = self._decode(obj, "status", NodeStatusIn)
            node = convert_node(
                obj.key[2],
                dict(obj.meta.labels or {}),
                obj.meta.creation_timestamp or "",
                spec,
                status,
                self.quantities,
                obj.at(self.problems),
            )
            if node is None:
                self.dropped.append(
                    Dropped(
                        object=describe(obj.key),
                        reason="no status.allocatable: the scheduler cannot place pods on it",
                    )
                )
            else:
                nodes.append(node)
        return nodes

    def _workloads(
        self, objects: list[_Object], owners: Owners, table: SpecTable
    ) -> dict[Key, Workload]:
        workloads: dict[Key, Workload] = {}
        children: defaultdict[Key, list[Workload]] = defaultdict(list)
        for obj in objects:
            kind, namespace, name = obj.key
            spec = self._decode(obj, "spec", WorkloadSpecIn)
            status = self._decode(obj, "status", JobStatusIn) if kind == "Job" else None
            workload, unmodelled = convert_workload(
                kind,
                namespace,
                name,
                spec,
                status,
                table,
                obj.at(self.problems),
            )
            top = owners.top(obj.key)
            self.unmodelled[top].update(unmodelled)
            if workload is None:
                continue
            if top == obj.key:
                workloads[top] = workload
            elif top not in self.objects:
                children[top].append(workload)
        for top, sets in children.items():
            workload = inferred.from_replica_sets(top[0], top[1], top[2], sets)
            workloads[top] = workload
            self.dropped.append(
                Dropped(
                    object=describe(top),
                    reason=f"not in the snapshot: rebuilt from its {len(sets)} "
                    f"{sets[0].kind}(s) (replicas {workload.replicas})",
                )
            )
        return workloads

    def _budget(self, obj: _Object) -> DisruptionBudget:
        spec = self._decode(obj, "spec", DisruptionBudgetSpecIn)
        api_version = obj.found.obj.api_version
        return convert_budget(
            obj.key[1],
            obj.key[2],
            api_version if isinstance(api_version, str) else "",
            spec,
            obj.at(self.problems),
        )


def _workload_order(key: Key) -> tuple[str, str, str]:
    kind, namespace, name = key
    return namespace, name, kind

"""Pods: each one pointing at its shared spec and at its top workload.

A pod keeps what the scheduler and the controllers read of it (:class:`~service.kube.model.Pod`):
its node (``spec.nodeName``; none while Pending), ``status.phase`` (``Pending`` when a
manifest has no status), the ``Ready`` condition, ``metadata.deletionTimestamp`` (it is
Terminating), a StatefulSet pod's ordinal, its creation time, and its owner resolved by
:mod:`~.owners`.

Then, for the workloads:

- a pod bound to a node the snapshot does not have (or dropped) is dropped, reported, and
  its Deployment or ReplicaSet wants one replica less — it runs elsewhere, and the
  simulation must not place a copy of it;
- a bare pod that has not finished is its own workload (kind ``Pod``);
- the pods of a controller the snapshot lacks rebuild it (:mod:`~.inferred`).

This runs once per pod (150,000 in a big dump), so positions for messages are only
made when there is something to say.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import msgspec

from service.errors import SnapshotProblem
from service.kube.model import Dropped, LabelSelector, Pod, Workload
from service.snapshots import inferred
from service.snapshots.decode import MetadataIn, PodSpecIn, PodStatusIn, decode_part
from service.snapshots.nodes import ready_status
from service.snapshots.owners import Key, Owners, controller_of, describe
from service.snapshots.pod_specs import SpecTable
from service.snapshots.problems import At
from service.snapshots.reading import Found

PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")
FINISHED = ("Succeeded", "Failed")
_PHASE = {p: p for p in PHASES}  # the constants themselves (msgspec omits defaults by identity)


@dataclass(slots=True)
class _Inferable:
    """Pods of a workload the snapshot lacks: how many, and the first one's spec."""

    running: int
    highest_ordinal: int | None
    spec: PodSpecIn
    labels: dict[str, str]
    at: At


class PodConverter:
    """Converts the pods of one import; see the module docstring."""

    def __init__(
        self,
        *,
        nodes: set[str],
        dropped_nodes: set[str],
        owners: Owners,
        table: SpecTable,
        workloads: dict[Key, Workload],
        unmodelled: defaultdict[Key, set[str]],
        dropped: list[Dropped],
        problems: list[SnapshotProblem],
        namespace: str,
    ) -> None:
        self.nodes = nodes
        self.dropped_nodes = dropped_nodes
        self.owners = owners
        self.table = table
        self.workloads = workloads
        self.unmodelled = unmodelled
        self.dropped = dropped
        self.problems = problems
        self.namespace = namespace
        self._missing: dict[Key, _Inferable] = {}
        self._elsewhere: Counter[Key] = Counter()

    def convert(self, found: list[Found]) -> list[Pod]:
        """The pods, in input order; then the workloads they imply."""
        pods: list[Pod] = []
        for item in found:
            pod = self._pod(item)
            if pod is not None:
                pods.append(pod)
        self._infer()
        self._fewer_replicas()
        return pods

    def _pod(self, item: Found) -> Pod | None:
        obj, file, path = item.obj, item.file, item.path
        problems = self.problems
        meta: MetadataIn = obj.metadata  # type: ignore[assignment]  # checked by the caller
        name = meta.name or ""
        namespace = meta.namespace or self.namespace
        spec = decode_part(obj.spec, PodSpecIn, file, path, problems, "spec")
        status = decode_part(obj.status, PodStatusIn, file, path, problems, "status")
        if spec is None:
            if not obj.spec:
                At(file, path, problems).problem("a pod spec is required", "spec")
            return None
        node = spec.node_name
        labels = meta.labels or {}
        raw_phase = status.phase if status is not None else None
        phase = _PHASE.get(raw_phase) if raw_phase is not None else "Pending"
        if phase is None:
            phase = At(file, path, problems).choice(raw_phase, PHASES, "status.phase", "Pending")
        at = At(file, path, problems)
        converted = self.table.add(spec, labels, at)
        if converted is None:
            return None
        controller = controller_of(meta)
        owner = self.owners.of_pod(namespace, name, labels, controller)
        top = (owner.kind, owner.namespace, owner.name)
        finished = phase in FINISHED
        if node is not None and node not in self.nodes and not finished:
            why = "was dropped" if node in self.dropped_nodes else "is not in the snapshot"
            self.dropped.append(
                Dropped(
                    object=describe(("Pod", namespace, name)),
                    reason=f"bound to node {node}, which {why}",
                )
            )
            self._elsewhere[top] += 1
            return None
        ordinal = _ordinal(name, controller)
        pod = Pod(
            namespace=namespace,
            name=name,
            spec=converted.index,
            node=node,
            phase=phase,  # type: ignore[arg-type]
            ready=ready_status(status.conditions if status else None) == "True",
            owner=owner,
            deleting=meta.deletion_timestamp is not None,
            ordinal=ordinal,
            created=meta.creation_timestamp or "",
        )
        if finished:
            return pod
        if converted.unmodelled:
            self.unmodelled[top].update(converted.unmodelled)
        if owner.kind == "Pod":
            self.workloads[top] = Workload(
                kind="Pod", namespace=namespace, name=name, template=converted.index
            )
        elif top not in self.workloads:
            seen = self._missing.get(top)
            if seen is None:
                self._missing[top] = _Inferable(1, ordinal, spec, dict(labels), at)
            else:
                seen.running += 1
                if ordinal is not None:
                    seen.highest_ordinal = max(seen.highest_ordinal or 0, ordinal)
        return pod

    def _infer(self) -> None:
        for top, seen in self._missing.items():
            kind, namespace, name = top
            spec = inferred.unpinned(seen.spec) if kind == "DaemonSet" else seen.spec
            labels = inferred.template_labels(kind, seen.labels)
            converted = self.table.add(spec, labels, seen.at, admit=kind != "DaemonSet")
            if converted is None:
                continue
            replicas = inferred.replicas_from_pods(kind, seen.running, seen.highest_ordinal)
            max_unavailable, max_surge = inferred.UPDATE_DEFAULTS.get(kind, (None, None))
            selector = {k: v for k, v in labels.items() if k != inferred.POD_TEMPLATE_HASH}
            self.workloads[top] = Workload(
                kind=kind,  # type: ignore[arg-type]
                namespace=namespace,
                name=name,
                template=converted.index,
                replicas=replicas,
                selector=LabelSelector(match_labels=selector),
                max_unavailable=max_unavailable,
                max_surge=max_surge,
            )
            wants = "one pod per eligible node" if replicas is None else f"replicas {replicas}"
            self.dropped.append(
                Dropped(
                    object=describe(top),
                    reason=f"not in the snapshot: rebuilt from its {seen.running} pod(s) ({wants})",
                )
            )

    def _fewer_replicas(self) -> None:
        for key, count in self._elsewhere.items():
            workload = self.workloads.get(key)
            if workload is None or workload.kind not in ("Deployment", "ReplicaSet"):
                continue
            replicas = max(0, (workload.replicas or 0) - count)
            self.workloads[key] = msgspec.structs.replace(workload, replicas=replicas)
            self.dropped.append(
                Dropped(
                    object=describe(key),
                    reason=f"{count} of its pods run on nodes not in the snapshot: simulated "
                    f"with replicas {replicas} instead of {workload.replicas}",
                )
            )


def _ordinal(name: str, controller: tuple[str, str] | None) -> int | None:
    """A StatefulSet pod's ordinal: ``<set>-<n>`` of a pod its StatefulSet controls."""
    if controller is None or controller[0] != "StatefulSet":
        return None
    suffix = name.removeprefix(controller[1] + "-")
    return int(suffix) if suffix != name and suffix.isdigit() else None

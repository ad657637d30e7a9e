"""Who controls a pod: its controller reference followed up to the top workload.

``metadata.ownerReferences`` with ``controller: true`` name an object's controller
(``k8s.io/apimachinery/pkg/apis/meta/v1 GetControllerOf``). A pod's chain is followed
through the workload kinds (Pod → ReplicaSet → Deployment; Job → CronJob stops at the Job, as
CronJob is not modelled) and the pod belongs to the top one; the simulation's controllers
act for that one.

- A controller **absent from the snapshot** is still the owner: a ReplicaSet that is gone
  but whose name is ``<deployment>-<pod-template-hash>`` (the Deployment controller's naming,
  ``pkg/controller/deployment/sync.go``) stands for that Deployment; any other absent
  workload is inferred from what refers to it (:mod:`~service.snapshots.convert` builds it
  from its ReplicaSets or pods, and reports it).
- A pod with no controller, or controlled by a **Node** (a static pod's mirror, which only
  its kubelet recreates, on that node), is a bare pod: its own workload (kind ``Pod``).
- A controller of a kind the simulation does not model (a CronJob, an operator's custom
  resource) ends the chain below it and is reported once: its pods or workloads are
  simulated without it (a bare pod is then not replaced).
- A **loop** in controller references is an error naming every object in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from service.kube.model import Dropped, WorkloadRef
from service.snapshots.decode import MetadataIn
from service.snapshots.problems import At
from service.snapshots.workloads import WORKLOAD_KINDS

Key = tuple[str, str, str]  # (kind, namespace, name)
POD_TEMPLATE_HASH = "pod-template-hash"


def controller_of(meta: MetadataIn) -> tuple[str, str] | None:
    """(kind, name) of the object's controller reference, or None."""
    for ref in meta.owner_references or ():
        if ref.controller and ref.kind and ref.name:
            return ref.kind, ref.name
    return None


def describe(key: Key) -> str:
    """``Deployment/default/web``; ``Node/ip-10-0-1-2`` for cluster-scoped objects."""
    kind, namespace, name = key
    return f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"


@dataclass(frozen=True, slots=True)
class Controlled:
    """A workload object of the snapshot: where it is and who controls it."""

    key: Key
    controller: tuple[str, str] | None
    at: At


class Owners:
    """Resolves controllers to the top workload, once per object (see the module docstring)."""

    def __init__(self, objects: Mapping[Key, Controlled], dropped: list[Dropped]) -> None:
        self._objects = objects
        self._dropped = dropped
        self._top: dict[Key, Key] = {}
        self._unknown: set[Key] = set()
        # (namespace, controller, pod-template-hash) → owner: pods of one controller share it
        self._pods: dict[tuple[str, tuple[str, str], str | None], WorkloadRef] = {}

    def top(self, key: Key) -> Key:
        """The top workload above ``key`` (itself when it has no modelled controller)."""
        known = self._top.get(key)
        if known is not None:
            return known
        chain = [key]
        current = key
        while True:
            obj = self._objects.get(current)
            if obj is None or obj.controller is None:
                break
            kind, name = obj.controller
            parent = (kind, current[1], name)
            if kind not in WORKLOAD_KINDS:
                self._note_unknown(parent, current)
                break
            if parent in chain:
                loop = " → ".join(describe(k) for k in (*chain[chain.index(parent) :], parent))
                first = self._objects[parent]
                first.at.problem(f"owner loop: {loop}", "metadata.ownerReferences")
                break
            chain.append(parent)
            current = parent
        for k in chain:
            self._top.setdefault(k, current)
        return current

    def of_pod(
        self,
        namespace: str,
        name: str,
        labels: Mapping[str, str],
        controller: tuple[str, str] | None,
    ) -> WorkloadRef:
        """The workload a pod with this :func:`controller_of` belongs to (``Pod`` itself
        when bare)."""
        if controller is None or controller[0] == "Node":
            return WorkloadRef(kind="Pod", namespace=namespace, name=name)
        memo = (namespace, controller, labels.get(POD_TEMPLATE_HASH))
        known = self._pods.get(memo)
        if known is not None:
            return known
        ref = self._pod_owner(namespace, name, labels, controller)
        if ref.kind != "Pod":  # a bare pod's reference names the pod itself
            self._pods[memo] = ref
        return ref

    def _pod_owner(
        self,
        namespace: str,
        name: str,
        labels: Mapping[str, str],
        controller: tuple[str, str],
    ) -> WorkloadRef:
        kind, owner = controller
        if kind not in WORKLOAD_KINDS:
            self._note_unknown((kind, namespace, owner), ("Pod", namespace, name))
            return WorkloadRef(kind="Pod", namespace=namespace, name=name)
        key = (kind, namespace, owner)
        if kind == "ReplicaSet" and key not in self._objects:
            hash_ = labels.get(POD_TEMPLATE_HASH)
            if hash_ and owner.endswith(f"-{hash_}"):
                key = ("Deployment", namespace, owner[: -len(hash_) - 1])
        top = self.top(key)
        return WorkloadRef(kind=top[0], namespace=top[1], name=top[2])  # type: ignore[arg-type]

    def _note_unknown(self, owner: Key, below: Key) -> None:
        if owner in self._unknown:
            return
        self._unknown.add(owner)
        what = "its pods are simulated as bare pods (nothing replaces them)"
        if below[0] != "Pod":
            what = f"{describe(below)} and what it controls are simulated without it"
        self._dropped.append(
            Dropped(object=describe(owner), reason=f"controller of a kind not modelled: {what}")
        )

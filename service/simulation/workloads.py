"""The workload controllers: which pods each workload wants, how they are named, and what
each controller does when one of its pods is deleted.

- **Deployment / ReplicaSet** (``pkg/controller/replicaset``): a pod stops counting the
  moment it is deleted (``controller_utils.go IsPodActive``: no ``deletionTimestamp``), so a
  replacement is created at once (:attr:`Reaction.REPLACE`).
- **Job** (``pkg/controller/job``): likewise a replacement at once (the default pod
  replacement policy ``TerminatingOrFailed`` without a pod failure policy).
- **StatefulSet** (``pkg/controller/statefulset/stateful_set_control.go``): ordinal ``i`` is
  recreated under the same name only once no pod object of that name exists; while it is
  Terminating the controller waits (log ``StatefulSet is waiting for Pod to Terminate``), and
  on an unreachable node that is for ever (:attr:`Reaction.RECREATE`). OrderedReady creates
  ordinal ``i + 1`` only once ``i`` is Running and Ready.
- **DaemonSet** (``pkg/controller/daemon``): one pod per node that should run it
  (``NodeShouldRunDaemonPod``: the template's node selector and required affinity match,
  and no NoSchedule/NoExecute taint the pod — with the DaemonSet tolerations — does not
  tolerate); its pods are pinned with ``matchFields metadata.name In [<node>]``
  (``ReplaceDaemonSetPodNodeNameNodeAffinity``, which replaces the required terms), and a
  deleted one comes back once it is gone (:attr:`Reaction.RECREATE`).
- **Bare pods** have no controller: deleted means lost (:attr:`Reaction.NONE`). A bare pod
  named ``<name>-<its node>`` is taken for the mirror of a static pod (the kubelet names
  them so; a snapshot keeps no annotations): it belongs to its node like a DaemonSet pod
  (:func:`is_mirror`).

**Pod names.** Kubernetes adds random suffixes; the simulation names the pods it creates
deterministically: a Deployment's, ReplicaSet's or Job's ``<workload>-<n>`` with ``n`` counting
the pods it created for that workload from 0 (skipping names in use), a StatefulSet's
``<set>-<ordinal>``, a DaemonSet's ``<daemonset>-<node>``.

Pods created from a template get what admission adds to a real pod: the
``DefaultTolerationSeconds`` tolerations (:func:`~service.kube.admission.with_default_tolerations`)
or, for DaemonSets, the controller's own (:func:`~service.simulation.eviction.with_daemonset_tolerations`).
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum

import msgspec

from service.kube.admission import with_default_tolerations
from service.kube.model import (
    NodeAffinity,
    NodeSelectorTerm,
    PodSpec,
    Requirement,
    Workload,
    WorkloadRef,
)
from service.kube.selectors import first_untolerated, node_affinity_matches
from service.simulation.eviction import with_daemonset_tolerations
from service.simulation.state import ClusterState

STATEFULSET_WAITING = "StatefulSet is waiting for Pod to Terminate"


class Reaction(Enum):
    """What a pod's controller does once the pod is deleted."""

    REPLACE = "replace"  # a new pod at once
    RECREATE = "recreate"  # the same pod again, once the old object is gone
    NONE = "none"  # nothing: the pod is lost


REACTIONS = {
    "Deployment": Reaction.REPLACE,
    "ReplicaSet": Reaction.REPLACE,
    "Job": Reaction.REPLACE,
    "StatefulSet": Reaction.RECREATE,
    "DaemonSet": Reaction.RECREATE,
    "Pod": Reaction.NONE,
}
CONTROLLERS = {
    "Deployment": "ReplicaSet controller",
    "ReplicaSet": "ReplicaSet controller",
    "Job": "Job controller",
    "StatefulSet": "StatefulSet controller",
    "DaemonSet": "DaemonSet controller",
    "Pod": "no controller",
}


def is_mirror(state: ClusterState, pod: int) -> bool:
    """Whether ``pod`` looks like a static pod's mirror: bare, bound, named ``*-<node>``."""
    node = state.pod_node[pod]
    return (
        node >= 0
        and state.pod_owner[pod].kind == "Pod"
        and state.pod_name[pod].endswith("-" + state.node_names[node])
    )


def ref_text(ref: WorkloadRef) -> str:
    """``Kind/namespace/name``."""
    return f"{ref.kind}/{ref.namespace}/{ref.name}"


class Workloads:
    """The workloads of one :class:`ClusterState`, their pods, and the pods they create."""

    def __init__(self, state: ClusterState) -> None:
        self.state = state
        self.defined: dict[WorkloadRef, Workload] = {
            WorkloadRef(kind=w.kind, namespace=w.namespace, name=w.name): w
            for w in state.snapshot.workloads
        }
        self.pods: dict[WorkloadRef, list[int]] = {ref: [] for ref in self.defined}
        pods = self.pods
        for p, owner in enumerate(state.pod_owner):
            pods.setdefault(owner, []).append(p)
        self.names: set[tuple[str, str]] = set(
            zip(state.pod_namespace, state.pod_name, strict=True)
        )
        self.initial = {
            ref: sum(1 for p in pods if state.pod_alive[p]) for ref, pods in self.pods.items()
        }
        self.created: dict[WorkloadRef, int] = {}
        self.admitted: dict[WorkloadRef, int] = {}
        self.daemon_specs: dict[tuple[WorkloadRef, int], int] = {}

    # -- what each workload wants -----------------------------------------------------------
    def refs(self) -> list[WorkloadRef]:
        """Every workload: the defined ones in snapshot order, then owners only pods name."""
        return list(self.pods)

    def reaction(self, pod: int) -> Reaction:
        return REACTIONS[self.state.pod_owner[pod].kind]

    def controller(self, pod: int) -> str:
        return CONTROLLERS[self.state.pod_owner[pod].kind]

    def desired(self, ref: WorkloadRef) -> int:
        """Pods the workload wants now (see :class:`~service.simulation.report.WorkloadOutcome`)."""
        if ref.kind == "Pod":
            return 1
        if ref.kind == "DaemonSet":
            return len(self.daemon_nodes(ref, keep_running=True))
        workload = self.defined.get(ref)
        if workload is None or workload.replicas is None:
            return self.initial.get(ref, 0)
        return workload.replicas

    def scales(self) -> dict[WorkloadRef, int]:
        """Each defined controller's replicas (what the disruption controller reads as its scale)."""
        return {ref: w.replicas for ref, w in self.defined.items() if w.replicas is not None}

    def daemon_nodes(self, ref: WorkloadRef, keep_running: bool = False) -> list[int]:
        """Present nodes the DaemonSet should run on (``NodeShouldRunDaemonPod``); with
        ``keep_running`` also the nodes where a pod of it keeps running (its NoSchedule
        taints no longer matter, ``shouldContinueRunning``)."""
        state = self.state
        workload = self.defined.get(ref)
        if workload is None:
            return sorted({state.pod_node[p] for p in self.pods[ref] if self._alive_bound(p)})
        spec = state.specs[workload.template]
        tolerations = with_daemonset_tolerations(spec.tolerations)
        hosting = {state.pod_node[p] for p in self.pods.get(ref, ()) if self._alive_bound(p)}
        nodes = []
        for n in state.present_nodes():
            if not node_affinity_matches(spec, state.node_names[n], state.node_labels[n]):
                continue
            effects = ("NoExecute",) if keep_running and n in hosting else None
            taint = first_untolerated(
                state.node_taints[n], tolerations, effects or ("NoSchedule", "NoExecute")
            )
            if taint is None:
                nodes.append(n)
        return nodes

    def _alive_bound(self, pod: int) -> bool:
        return self.state.pod_alive[pod] and self.state.pod_node[pod] >= 0

    # -- creating pods ----------------------------------------------------------------------
    def missing(self) -> Iterator[tuple[WorkloadRef, Workload]]:
        """Defined workloads without a single pod (desired-state manifests), in order."""
        for ref, workload in self.defined.items():
            if not self.pods.get(ref) and workload.kind != "Pod":
                yield ref, workload

    def new_pod(self, ref: WorkloadRef, spec: int, name: str | None = None) -> int:
        """Create a Pending pod of ``ref`` with ``spec``; named as the module docstring says."""
        if name is None:
            name = self._fresh_name(ref)
        p = self.state.add_pod(ref.namespace, name, spec, ref)
        self.pods.setdefault(ref, []).append(p)
        self.names.add((ref.namespace, name))
        return p

    def new_pods(self, ref: WorkloadRef, spec: int, count: int) -> range:
        """:meth:`new_pod` ``count`` times, at once (a Deployment's missing replicas)."""
        names = [self._fresh_name(ref) for _ in range(count)]
        pods = self.state.add_pods(ref.namespace, names, spec, ref)
        self.pods.setdefault(ref, []).extend(pods)
        self.names.update((ref.namespace, name) for name in names)
        return pods

    def template_spec(self, ref: WorkloadRef) -> int:
        """The spec of a pod made from the workload's template, once admitted."""
        found = self.admitted.get(ref)
        if found is None:
            template = self.state.specs[self.defined[ref].template]
            tolerations = with_default_tolerations(template.tolerations)
            if tolerations == template.tolerations:
                found = self.defined[ref].template
            else:
                found = self.state.add_spec(
                    msgspec.structs.replace(template, tolerations=tolerations)
                )
            self.admitted[ref] = found
        return found

    def daemon_spec(self, ref: WorkloadRef, node: int) -> int:
        """The spec of the DaemonSet's pod pinned to ``node``."""
        key = (ref, node)
        found = self.daemon_specs.get(key)
        if found is None:
            template = self.state.specs[self.defined[ref].template]
            found = self.state.add_spec(pinned(template, self.state.node_names[node]))
            self.daemon_specs[key] = found
        return found

    def new_daemon_pod(self, ref: WorkloadRef, node: int) -> int:
        name = f"{ref.name}-{self.state.node_names[node]}"
        if (ref.namespace, name) in self.names:
            name = self._fresh_name(ref)
        return self.new_pod(ref, self.daemon_spec(ref, node), name)

    def ordinal_name(self, ref: WorkloadRef, ordinal: int) -> str:
        return f"{ref.name}-{ordinal}"

    def _fresh_name(self, ref: WorkloadRef) -> str:
        n = self.created.get(ref, 0)
        while (ref.namespace, f"{ref.name}-{n}") in self.names:
            n += 1
        self.created[ref] = n + 1
        return f"{ref.name}-{n}"

    def replacement(self, pod: int) -> int:
        """A new pod for deleted ``pod`` (ReplicaSet, Job): same spec, a fresh name."""
        state = self.state
        return self.new_pod(state.pod_owner[pod], state.pod_spec[pod])

    def recreation(self, pod: int) -> int:
        """``pod`` again once its object is gone (StatefulSet, DaemonSet): same name and spec."""
        state = self.state
        owner, name = state.pod_owner[pod], state.pod_name[pod]
        self.names.discard((owner.namespace, name))
        return self.new_pod(owner, state.pod_spec[pod], name)

    def forget_name(self, pod: int) -> None:
        """The pod object is gone: its name may be used again."""
        self.names.discard((self.state.pod_namespace[pod], self.state.pod_name[pod]))


def pinned(template: PodSpec, node: str) -> PodSpec:
    """A DaemonSet pod's spec for ``node``: the DaemonSet tolerations, and required node
    affinity replaced by ``metadata.name In [node]`` (preferred terms kept)."""
    term = NodeSelectorTerm(
        match_fields=(Requirement(key="metadata.name", operator="In", values=(node,)),)
    )
    preferred = template.node_affinity.preferred if template.node_affinity else ()
    return msgspec.structs.replace(
        template,
        tolerations=with_daemonset_tolerations(template.tolerations),
        node_affinity=NodeAffinity(required=(term,), preferred=preferred),
    )

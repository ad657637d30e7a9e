"""The mutable cluster every simulation step works on, built from a :class:`ClusterSnapshot`.

What kube-scheduler's cache and the controllers see of a cluster, and nothing more:

- **Nodes** are indices ``0 … n-1`` in snapshot order (nodes added by the autoscaler are
  appended; a deleted node keeps its index with ``node_present[i] = False``). Per node:
  ``node_names``, ``node_labels``, ``node_zone`` (``topology.kubernetes.io/zone``),
  ``node_taints`` (a tuple in spec order, replaced on change), ``node_ready`` (the Ready
  condition), ``node_pods`` (the pods bound there, in bind order) and numpy arrays:
  ``unschedulable`` (bool), ``allocatable`` / ``requested`` (int64, ``[node, resource]``),
  ``nonzero_requested`` (int64 ``[node, 0=cpu|1=memory]``: what scoring counts, 100m / 200Mi
  for containers without a request), ``pod_count`` and ``max_pods`` (``allocatable.pods``,
  the kubelet default 110 when a node does not say).
- **Resources** have a dense index: ``resources[0:3]`` are ``cpu``, ``memory``,
  ``ephemeral-storage``; every other resource any node offers or any spec requests follows
  (sorted by name). ``spec_request[s]`` is spec ``s``'s request as a row over them.
- **Pods** are indices too; pod ``i < len(snapshot.pods)`` is ``snapshot.pods[i]``.
  Per pod (plain lists, cheap to read one at a time): ``pod_namespace``, ``pod_name``,
  ``pod_spec`` (index into ``specs``), ``pod_owner``, ``pod_node`` (node index, ``-1`` while
  unbound), ``pod_alive`` (the object exists and is not finished), ``pod_deleting``
  (``deletionTimestamp`` set: Terminating), ``pod_ready`` and ``pod_created``.
  A pod bound to a node counts there — requests, ``pod_count`` — from :meth:`bind` until
  :meth:`remove_pod`, **Terminating included** (``pkg/scheduler/internal/cache``: the
  scheduler counts every non-terminal pod whose object exists). Succeeded/Failed pods and
  pods bound to a node the snapshot does not have are not alive (the scheduler's informer
  does not see finished pods; the importer reports the others as dropped).

Mutations (all O(1) or O(pods on the node) but :meth:`counter`'s first call):
:meth:`bind`, :meth:`unbind`, :meth:`mark_deleting`, :meth:`remove_pod`, :meth:`add_pod`,
:meth:`add_spec`, :meth:`add_node`, :meth:`remove_node`, :meth:`add_taint`,
:meth:`remove_taint`, :meth:`set_unschedulable` (cordon), :meth:`set_ready`.
``topology_epoch`` grows whenever something filters read of a node other than its pods
changes (taints, cordon, nodes added or removed), so callers can cache per-spec node masks;
``topology_log`` gets the node of each such change that concerns one existing node (a taint,
a cordon, a removal): an epoch step it does not account for (a node added, a rollback)
changed more.
``node_log`` gets the node of every bind, unbind, removal and ``mark_deleting``: a cache of
per-node values reads it from where it stopped to refresh only the nodes that changed.
``affinity_epoch`` grows when a pod spec with pod (anti-)affinity appears in a namespace for
the first time; ``scoring_terms_bound`` counts the bound pods whose terms can change other
pods' InterPodAffinity score (required affinity, preferred terms).

Counting pods for PodTopologySpread and InterPodAffinity: :meth:`counter` returns a
:class:`MatchCount` — per node, how many bound pods match a label selector in a set of
namespaces, without the Terminating ones (spread skips pods with a ``deletionTimestamp``,
``podtopologyspread/common.go countPodsMatchSelector``); :meth:`every_counts`, with them
(inter-pod affinity counts every pod in the node's cache). They are kept up to date by every
mutation from then on, so asking again is free. :meth:`spec_counter` counts the bound pods of one
spec in one namespace per node the same way. Namespaces have no labels in a snapshot but the one
the API server sets, ``kubernetes.io/metadata.name``; a ``namespaceSelector`` is matched
against that.

It scales: 5,000 nodes and 150,000 pods build in well under a second; a counter costs one
pass over the pods when first asked for and O(1) per bind afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from service.kube.model import (
    ClusterSnapshot,
    Labels,
    LabelSelector,
    Node,
    PodSpec,
    ReadyStatus,
    Taint,
    Workload,
    WorkloadRef,
)
from service.kube.selectors import selector_matches
from service.kube.wellknown import DEFAULT_MAX_PODS, zone_of

Int64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

CPU, MEMORY, EPHEMERAL_STORAGE = 0, 1, 2
BASE_RESOURCES = ("cpu", "memory", "ephemeral-storage")
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
FINISHED_PHASES = ("Succeeded", "Failed")

SelectorKey = tuple[tuple[tuple[str, str], ...], tuple[Any, ...]]
"""A label selector as a hashable value: (sorted matchLabels, matchExpressions)."""


def selector_key(selector: LabelSelector) -> SelectorKey:
    """The hashable form of ``selector`` (counters are shared by equal selectors)."""
    return (tuple(sorted(selector.match_labels.items())), selector.match_expressions)


@dataclass(frozen=True, slots=True)
class PodQuery:
    """Which pods a counter counts: ``selector`` matches their labels and their namespace is
    in ``namespaces`` or matches ``namespace_selector`` (None: only ``namespaces``)."""

    selector: LabelSelector
    namespaces: frozenset[str]
    namespace_selector: LabelSelector | None = None

    def key(self) -> tuple[SelectorKey, frozenset[str], SelectorKey | None]:
        ns = self.namespace_selector
        return (
            selector_key(self.selector),
            self.namespaces,
            None if ns is None else selector_key(ns),
        )

    def matches_namespace(self, namespace: str) -> bool:
        if namespace in self.namespaces:
            return True
        return self.namespace_selector is not None and selector_matches(
            self.namespace_selector, {NAMESPACE_NAME_LABEL: namespace}
        )


@dataclass(slots=True)
class MatchCount:
    """Per node: bound pods matching a :class:`PodQuery`; ``live`` leaves out Terminating ones,
    ``every`` counts them too, once asked for (:meth:`ClusterState.every_counts`; None until
    then: every Deployment's spread constraints make a counter, which reads only ``live``)."""

    query: PodQuery
    live: Int64Array
    every: Int64Array | None
    pod_matches: dict[tuple[str, int], bool] = field(default_factory=dict)  # (namespace, spec)


class ClusterState:
    """One simulation's mutable cluster (see the module docstring for the layout)."""

    def __init__(self, snapshot: ClusterSnapshot) -> None:
        self.snapshot = snapshot
        self.version = parse_version(snapshot.version)
        self.specs: list[PodSpec] = list(snapshot.specs)
        names: set[str] = set()
        for node in snapshot.nodes:
            names.update(node.allocatable)
        for spec in self.specs:
            names.update(spec.requests)
        names.discard("pods")
        self.resources: list[str] = [*BASE_RESOURCES, *sorted(names - set(BASE_RESOURCES))]
        self.resource_index = {r: i for i, r in enumerate(self.resources)}
        self.spec_request = np.zeros((0, len(self.resources)), dtype=np.int64)
        self.spec_nonzero = np.zeros((0, 2), dtype=np.int64)
        self._spec_sparse: list[tuple[tuple[int, int], ...]] = []
        self._spec_nz: list[tuple[int, int]] = []
        self._scoring_terms: list[bool] = []
        self._spec_rows(self.specs)
        self.node_log: list[int] = []
        self.scoring_terms_bound = 0
        self.affinity_epoch = 0
        self.spec_namespaces: dict[int, set[str]] = {}
        self._spec_counts: dict[tuple[str, int], Int64Array] = {}
        self.topology_epoch = 0
        self.topology_log: list[int] = []
        self.workloads: dict[tuple[str, str, str], Workload] = {
            (w.kind, w.namespace, w.name): w for w in snapshot.workloads
        }

        n = len(snapshot.nodes)
        self.node_names: list[str] = []
        self.node_index: dict[str, int] = {}
        self.node_labels: list[Labels] = []
        self.node_zone: list[str] = []
        self.node_taints: list[tuple[Taint, ...]] = []
        self.node_ready: list[ReadyStatus] = []
        self._node_pods: list[list[int]] = []
        # binds not yet in _node_pods, in bind order (see node_pods)
        self._bound_pods: list[int] = []
        self._bound_nodes: list[int] = []
        self.node_present = np.ones(n, dtype=np.bool_)
        self.unschedulable = np.zeros(n, dtype=np.bool_)
        # column-major: the scheduler reads one resource over all nodes at a time
        self.allocatable = np.zeros((n, len(self.resources)), dtype=np.int64, order="F")
        self.requested = np.zeros((n, len(self.resources)), dtype=np.int64, order="F")
        self.nonzero_requested = np.zeros((n, 2), dtype=np.int64, order="F")
        self.pod_count = np.zeros(n, dtype=np.int64)
        self.max_pods = np.zeros(n, dtype=np.int64)
        for i, node in enumerate(snapshot.nodes):
            self._node_fields(i, node)

        self.pod_namespace: list[str] = []
        self.pod_name: list[str] = []
        self.pod_spec: list[int] = []
        self.pod_owner: list[WorkloadRef] = []
        self.pod_node: list[int] = []
        self.pod_alive: list[bool] = []
        self.pod_deleting: list[bool] = []
        self.pod_ready: list[bool] = []
        self.pod_created: list[str] = []
        self._counters: dict[Any, MatchCount] = {}
        self._counter_index: dict[tuple[str, str] | None, list[MatchCount]] = {}
        self._matching: dict[tuple[str, int], list[MatchCount]] = {}  # (namespace, spec)
        self._key_pods: dict[tuple[str, int], dict[int, None]] = {}  # ordered sets of pods
        self._keys_by_label: dict[tuple[str, str], set[tuple[str, int]]] = {}
        self._all_keys: set[tuple[str, int]] = set()
        self._checkpoint: Checkpoint | None = None
        self._snapshot_pods(snapshot)

    def _snapshot_pods(self, snapshot: ClusterSnapshot) -> None:
        """The snapshot's pods, as :meth:`add_pod` and :meth:`bind` one by one would leave
        them (a pod on a node the snapshot lacks is gone), with the counts added in one step
        per array."""
        pods = snapshot.pods
        self.pod_namespace = [p.namespace for p in pods]
        self.pod_name = [p.name for p in pods]
        self.pod_spec = [p.spec for p in pods]
        self.pod_owner = [p.owner for p in pods]
        self.pod_node = [-1] * len(pods)
        self.pod_alive = [p.phase not in FINISHED_PHASES for p in pods]
        self.pod_deleting = [p.deleting for p in pods]
        self.pod_ready = [p.ready for p in pods]
        self.pod_created = [p.created for p in pods]
        key_pods = self._key_pods
        for p, key in enumerate(zip(self.pod_namespace, self.pod_spec, strict=True)):
            found = key_pods.get(key)
            if found is not None:
                found[p] = None
                continue
            self._new_key(key, p)
            namespace, spec = key
            self.spec_namespaces.setdefault(spec, set()).add(namespace)
            if self.specs[spec].pod_affinity or self.specs[spec].pod_anti_affinity:
                self.affinity_epoch += 1
        bound: list[int] = []
        at: list[int] = []
        node_index, alive = self.node_index, self.pod_alive
        for p, pod in enumerate(pods):
            if alive[p] and pod.node is not None:
                node = node_index.get(pod.node)
                if node is None:
                    alive[p] = False
                else:
                    bound.append(p)
                    at.append(node)
        if not bound:
            return
        pod_node = self.pod_node
        for p, node in zip(bound, at, strict=True):
            pod_node[p] = node
        self._bound_pods += bound
        self._bound_nodes += at
        nodes = np.array(at, dtype=np.int64)
        specs = np.array([self.pod_spec[p] for p in bound], dtype=np.int64)
        np.add.at(self.requested, nodes, self.spec_request[specs])
        np.add.at(self.nonzero_requested, nodes, self.spec_nonzero[specs])
        np.add.at(self.pod_count, nodes, 1)
        self.node_log.extend(at)
        terms = self._scoring_terms
        self.scoring_terms_bound += sum(1 for s in specs.tolist() if terms[s])

    # -- specs and resources -----------------------------------------------------------
    def _spec_rows(self, specs: Iterable[PodSpec]) -> None:
        rows, nonzero = [], []
        for spec in specs:
            for name in spec.requests:
                if name != "pods" and name not in self.resource_index:
                    self._add_resource(name)
            row = [0] * len(self.resources)
            for name, amount in spec.requests.items():
                if name != "pods":
                    row[self.resource_index[name]] = amount
            rows.append(row)
            nonzero.append((spec.nonzero_cpu, spec.nonzero_memory))
            self._spec_sparse.append(tuple((r, a) for r, a in enumerate(row) if a))
            self._spec_nz.append((spec.nonzero_cpu, spec.nonzero_memory))
            self._scoring_terms.append(has_scoring_terms(spec))
        if rows:
            self.spec_request = _appended(self.spec_request, rows)
            self.spec_nonzero = _appended(self.spec_nonzero, nonzero)

    def _add_resource(self, name: str) -> None:
        self.resource_index[name] = len(self.resources)
        self.resources.append(name)
        grow = ((0, 0), (0, 1))
        self.spec_request = np.pad(self.spec_request, grow)
        if hasattr(self, "allocatable"):
            self.allocatable = np.asfortranarray(np.pad(self.allocatable, grow))
            self.requested = np.asfortranarray(np.pad(self.requested, grow))

    def add_spec(self, spec: PodSpec) -> int:
        """Register a pod spec (e.g. a workload template variant); returns its index."""
        k = len(self.specs)
        del self._spec_sparse[k:], self._spec_nz[k:], self._scoring_terms[k:]
        self.spec_request = _truncated(self.spec_request, k)
        self.spec_nonzero = _truncated(self.spec_nonzero, k)
        self.specs.append(spec)
        self._spec_rows([spec])
        return len(self.specs) - 1

    def workload(self, kind: str, namespace: str, name: str) -> Workload | None:
        """The snapshot's workload of that kind, namespace and name, or None."""
        return self.workloads.get((kind, namespace, name))

    # -- nodes --------------------------------------------------------------------------
    @property
    def node_pods(self) -> list[list[int]]:
        """Per node, the pods bound there, in bind order. A bind only notes its pod and node;
        they are sorted in by node when next asked for, all at once: appending each pod to
        its node's list as it was bound, one of 5,000 lists a time, cost a third of binding
        150,000 pods (each list a cache miss)."""
        if self._bound_pods:
            self._sort_in_binds()
        return self._node_pods

    def _sort_in_binds(self) -> None:
        pods, nodes, lists = self._bound_pods, self._bound_nodes, self._node_pods
        self._bound_pods, self._bound_nodes = [], []
        if len(pods) < 64:
            for p, node in zip(pods, nodes, strict=True):
                lists[node].append(p)
            return
        # stable: bind order kept within a node (a radix sort while node numbers fit 16 bits)
        at = np.array(nodes, dtype=np.uint16 if len(lists) <= 1 << 16 else np.int64)
        order = np.argsort(at, kind="stable")
        at = at[order]
        grouped: list[int] = np.array(pods, dtype=np.int64)[order].tolist()
        starts = np.flatnonzero(np.diff(at, prepend=at[:1] + 1))  # a new node starts a group
        ends = [*starts[1:].tolist(), len(grouped)]
        for node, start, end in zip(at[starts].tolist(), starts.tolist(), ends, strict=True):
            lists[node] += grouped[start:end]

    def _node_fields(self, i: int, node: Node) -> None:
        self.node_index[node.name] = i
        self.node_names.append(node.name)
        self.node_labels.append(node.labels)
        self.node_zone.append(zone_of(node.labels))
        self.node_taints.append(tuple(node.taints))
        self.node_ready.append(node.ready)
        self.node_pods.append([])
        self.unschedulable[i] = node.unschedulable
        for name, amount in node.allocatable.items():
            if name != "pods":
                self.allocatable[i, self.resource_index[name]] = amount
        self.max_pods[i] = node.allocatable.get("pods", DEFAULT_MAX_PODS)

    def add_node(self, node: Node) -> int:
        """Add a node (the autoscaler's new one); returns its index. Its pods start at none."""
        if node.name in self.node_index:
            raise ValueError(f"node {node.name!r} exists already")
        for name in node.allocatable:
            if name != "pods" and name not in self.resource_index:
                self._add_resource(name)
        self.node_present = np.append(self.node_present, True)
        self.unschedulable = np.append(self.unschedulable, False)
        width = len(self.resources)
        self.allocatable = np.asfortranarray(
            np.vstack([self.allocatable, np.zeros((1, width), dtype=np.int64)])
        )
        self.requested = np.asfortranarray(
            np.vstack([self.requested, np.zeros((1, width), dtype=np.int64)])
        )
        self.nonzero_requested = np.asfortranarray(
            np.vstack([self.nonzero_requested, np.zeros((1, 2), dtype=np.int64)])
        )
        self.pod_count = np.append(self.pod_count, 0)
        self.max_pods = np.append(self.max_pods, 0)
        for counter in self._counters.values():
            counter.live = np.append(counter.live, 0)
            if counter.every is not None:
                counter.every = np.append(counter.every, 0)
        for key, counts in self._spec_counts.items():
            self._spec_counts[key] = np.append(counts, 0)
        i = len(self.node_names)
        self._node_fields(i, node)
        self.topology_epoch += 1
        return i

    def remove_node(self, node: int) -> None:
        """The Node object is deleted: the scheduler no longer sees it. Its pods stay bound
        (and counted there) until the caller removes them (pod GC)."""
        self.node_present[node] = False
        self.topology_epoch += 1
        self.topology_log.append(node)

    def add_taint(self, node: int, taint: Taint) -> None:
        """Append ``taint`` to the node's taints unless one with its key and effect is there."""
        taints = self.node_taints[node]
        if any(t.key == taint.key and t.effect == taint.effect for t in taints):
            return
        self.node_taints[node] = (*taints, taint)
        self.topology_epoch += 1
        self.topology_log.append(node)

    def remove_taint(self, node: int, key: str, effect: str | None = None) -> None:
        """Remove the node's taints with ``key`` (and ``effect``, when given)."""
        taints = self.node_taints[node]
        kept = tuple(
            t for t in taints if not (t.key == key and (effect is None or t.effect == effect))
        )
        if len(kept) != len(taints):
            self.node_taints[node] = kept
            self.topology_epoch += 1
            self.topology_log.append(node)

    def set_unschedulable(self, node: int, unschedulable: bool = True) -> None:
        """Cordon (``spec.unschedulable``) or uncordon the node."""
        self.unschedulable[node] = unschedulable
        self.topology_epoch += 1
        self.topology_log.append(node)

    def set_ready(self, node: int, ready: ReadyStatus) -> None:
        """Set the node's Ready condition (the scheduler reads taints, not this)."""
        self.node_ready[node] = ready

    def present_nodes(self) -> list[int]:
        """Indices of the nodes the scheduler sees (not deleted), in index order."""
        return [int(i) for i in np.flatnonzero(self.node_present)]

    # -- pods ---------------------------------------------------------------------------
    def add_pod(
        self,
        namespace: str,
        name: str,
        spec: int,
        owner: WorkloadRef,
        created: str = "",
        node: int = -1,
    ) -> int:
        """Create a pod (alive, Pending unless ``node`` ≥ 0 binds it); returns its index."""
        p = self.add_pods(namespace, [name], spec, owner, created)[0]
        if node >= 0:
            self.bind(p, node)
        return p

    def add_pods(
        self,
        namespace: str,
        names: Sequence[str],
        spec: int,
        owner: WorkloadRef,
        created: str = "",
    ) -> range:
        """Create Pending pods of one spec and owner (a Deployment's replicas at once);
        returns their indices."""
        first, k = len(self.pod_name), len(names)
        pods = range(first, first + k)
        if not k:
            return pods
        self.pod_namespace += [namespace] * k
        self.pod_name += names
        self.pod_spec += [spec] * k
        self.pod_owner += [owner] * k
        self.pod_node += [-1] * k
        self.pod_alive += [True] * k
        self.pod_deleting += [False] * k
        self.pod_ready += [True] * k
        self.pod_created += [created] * k
        key = (namespace, spec)
        known = self._key_pods.get(key)
        if known is None:
            self._new_key(key, first)
            known = self._key_pods[key]
        known.update(dict.fromkeys(pods))
        spaces = self.spec_namespaces.setdefault(spec, set())
        if namespace not in spaces:
            spaces.add(namespace)
            if self.specs[spec].pod_affinity or self.specs[spec].pod_anti_affinity:
                self.affinity_epoch += 1
        return pods

    def bind(self, pod: int, node: int) -> None:
        """Bind a Pending pod to ``node``: its requests count there from now on."""
        if self.pod_node[pod] >= 0:
            raise ValueError(f"pod {self.pod_name[pod]!r} is bound already")
        if self._checkpoint is not None:
            self._checkpoint.save_pod(self, pod)
            self._checkpoint.save_node(self, node)
        self.pod_node[pod] = node
        self._bound_pods.append(pod)
        self._bound_nodes.append(node)
        self._account(pod, node, 1)

    def bind_run(self, pods: Sequence[int], nodes: Sequence[int]) -> None:
        """:meth:`bind` each of ``pods`` to its node in ``nodes``, in that order, with the
        counts added in one step per array when the pods share one namespace and spec."""
        if not pods:
            return
        spec, namespace = self.pod_spec[pods[0]], self.pod_namespace[pods[0]]
        if (
            len(pods) < 4
            or self._checkpoint is not None
            or any(self.pod_spec[p] != spec or self.pod_namespace[p] != namespace for p in pods)
        ):
            for p, node in zip(pods, nodes, strict=True):
                self.bind(p, node)
            return
        pod_node, deleting = self.pod_node, self.pod_deleting
        for p, node in zip(pods, nodes, strict=True):
            if pod_node[p] >= 0:
                raise ValueError(f"pod {self.pod_name[p]!r} is bound already")
            pod_node[p] = node
        self._bound_pods += pods
        self._bound_nodes += nodes
        at = np.asarray(nodes, dtype=np.int64)
        distinct = len(set(nodes)) == len(nodes)  # then a plain indexed += adds each once

        def add(array: Int64Array, where: Int64Array, amount: int) -> None:
            if distinct:
                array[where] += amount
            else:
                np.add.at(array, where, amount)

        for r, amount in self._spec_sparse[spec]:
            add(self.requested[:, r], at, amount)
        cpu, memory = self._spec_nz[spec]
        add(self.nonzero_requested[:, CPU], at, cpu)
        add(self.nonzero_requested[:, MEMORY], at, memory)
        add(self.pod_count, at, 1)
        self.node_log.extend(nodes)
        counts = self._spec_counts.get((namespace, spec))
        if counts is not None:
            add(counts, at, 1)
        if self._scoring_terms[spec]:
            self.scoring_terms_bound += len(pods)
        counters = self._counters_of(pods[0])
        if counters:
            live = at[[not deleting[p] for p in pods]]
            for counter in counters:
                if counter.every is not None:
                    add(counter.every, at, 1)
                add(counter.live, live, 1)

    def unbind(self, pod: int) -> None:
        """Take a bound pod off its node, back to Pending (used by what-if evaluations)."""
        node = self.pod_node[pod]
        if node < 0:
            return
        if self._checkpoint is not None:
            self._checkpoint.save_pod(self, pod)
            self._checkpoint.save_node(self, node)
        self._account(pod, node, -1)
        self.node_pods[node].remove(pod)
        self.pod_node[pod] = -1

    def mark_deleting(self, pod: int) -> None:
        """``deletionTimestamp`` set: Terminating; still counted on its node until removed."""
        if self.pod_deleting[pod] or not self.pod_alive[pod]:
            return
        node = self.pod_node[pod]
        if self._checkpoint is not None:
            self._checkpoint.save_pod(self, pod)
            if node >= 0:
                self._checkpoint.save_node(self, node)
        self.pod_deleting[pod] = True
        if node >= 0:
            self.node_log.append(node)
            for counter in self._counters_of(pod):
                counter.live[node] -= 1

    def remove_pod(self, pod: int) -> None:
        """The pod object is gone: it frees its node's resources and is no longer alive."""
        if not self.pod_alive[pod]:
            return
        if self._checkpoint is not None:
            self._checkpoint.save_pod(self, pod)
        self.unbind(pod)
        self.pod_alive[pod] = False

    def set_pod_ready(self, pod: int, ready: bool) -> None:
        """Set the pod's Ready condition (PDBs count Ready pods); journaled like the rest."""
        if self._checkpoint is not None:
            self._checkpoint.save_pod(self, pod)
        self.pod_ready[pod] = ready

    # -- checkpoints ----------------------------------------------------------------------
    def checkpoint(self) -> Checkpoint:
        """Start recording what changes, so that :meth:`rollback` can put it back.

        One checkpoint at a time. Changes made through the methods here are recorded (a pod's
        Ready flag too, through :meth:`set_pod_ready`); pods, specs, nodes, counters added
        since are dropped by the rollback.
        """
        self._checkpoint = Checkpoint(self)
        return self._checkpoint

    def rollback(self, checkpoint: Checkpoint) -> None:
        """Put the state back as it was at ``checkpoint`` (and stop recording)."""
        if checkpoint is not self._checkpoint:
            raise ValueError("not this state's current checkpoint")
        self._checkpoint = None
        checkpoint.restore(self)

    def pending_pods(self) -> list[int]:
        """Alive pods not bound to a node, by index (the caller orders them for the queue)."""
        alive, nodes = self.pod_alive, self.pod_node
        return [p for p in range(len(nodes)) if nodes[p] < 0 and alive[p]]

    def _account(self, pod: int, node: int, sign: int) -> None:
        spec = self.pod_spec[pod]
        requested = self.requested
        for r, amount in self._spec_sparse[spec]:
            requested[node, r] += sign * amount
        cpu, memory = self._spec_nz[spec]
        self.nonzero_requested[node, CPU] += sign * cpu
        self.nonzero_requested[node, MEMORY] += sign * memory
        self.pod_count[node] += sign
        self.node_log.append(node)
        key = (self.pod_namespace[pod], spec)
        counts = self._spec_counts.get(key)
        if counts is not None:
            counts[node] += sign
        if self._scoring_terms[spec]:
            self.scoring_terms_bound += sign
        deleting = self.pod_deleting[pod]
        for counter in self._counters_of(pod):
            if counter.every is not None:
                counter.every[node] += sign
            if not deleting:
                counter.live[node] += sign

    # -- counting matching pods ---------------------------------------------------------
    # Counters are indexed by one label their selector requires (None: no required label),
    # and (namespace, spec) keys by each label they have: a new counter looks only at the keys
    # that could match it, a new key only at the counters that could count it.
    def counter(self, query: PodQuery) -> MatchCount:
        """Per-node counts of bound pods matching ``query``, kept up to date from now on."""
        key = query.key()
        counter = self._counters.get(key)
        if counter is not None:
            return counter
        counter = MatchCount(query, np.zeros(0, dtype=np.int64), None)  # live: counted below
        self._counters[key] = counter
        self._counter_index.setdefault(_index_label(query.selector), []).append(counter)
        keys = self._matching_keys(counter)
        for pod_key in keys:
            known = self._matching.get(pod_key)
            if known is not None:
                known.append(counter)
        counter.live = self._bound_per_node(keys, terminating=False)
        return counter

    def every_counts(self, query: PodQuery) -> Int64Array:
        """Per node, bound pods matching ``query``, Terminating ones included (inter-pod
        affinity counts every pod in the node's cache), kept up to date from now on: the
        ``every`` of :meth:`counter`, made when first asked for."""
        counter = self.counter(query)
        if counter.every is None:
            counter.every = self._bound_per_node(self._matching_keys(counter), terminating=True)
        return counter.every

    def counts_none(self, query: PodQuery, limit: int) -> bool:
        """Whether no bound pod that is not Terminating matches ``query``: :meth:`counter`'s
        ``live`` counts would be all 0. Found from the pods themselves, not from an array of
        every node kept up to date: a Deployment's spread constraints count its own pods,
        none of them bound yet when its first replicas are placed (5,000 such arrays of
        5,000 nodes were 200 MB to allocate, fault in and keep up to date). False when no
        label narrows the query or it would look at more than ``limit`` pods or pod kinds."""
        label = _index_label(query.selector)
        if label is None:
            return False
        keys = self._keys_by_label.get(label, ())
        if len(keys) > limit:
            return False
        pod_node, deleting = self.pod_node, self.pod_deleting
        seen = 0
        for key in keys:
            if not self._query_matches(query, key):
                continue
            pods = self._pods_of(key)
            seen += len(pods)
            if seen > limit:
                return False
            if any(pod_node[p] >= 0 and not deleting[p] for p in pods):
                return False
        return True

    def _matching_keys(self, counter: MatchCount) -> list[tuple[str, int]]:
        """The (namespace, spec) keys of pods ``counter`` counts."""
        label = _index_label(counter.query.selector)
        candidates = self._all_keys if label is None else self._keys_by_label.get(label, set())
        return [key for key in candidates if self._key_matches(counter, key)]

    def spec_counter(self, spec: int, namespace: str) -> Int64Array:
        """Per node, bound pods of ``spec`` in ``namespace`` (Terminating included), kept up to
        date from now on (existing pods' anti-affinity terms are counted this way)."""
        key = (namespace, spec)
        counts = self._spec_counts.get(key)
        if counts is None:
            counts = self._spec_counts[key] = self._bound_per_node([key], terminating=True)
        return counts

    def _bound_per_node(self, keys: Iterable[tuple[str, int]], terminating: bool) -> Int64Array:
        """Per node, the bound pods of the (namespace, spec) ``keys``; ``terminating``: the
        Terminating ones too."""
        counts = np.zeros(len(self.node_names), dtype=np.int64)
        pod_node, deleting = self.pod_node, self.pod_deleting
        for key in keys:
            for p in self._pods_of(key):
                node = pod_node[p]
                if node >= 0 and (terminating or not deleting[p]):
                    counts[node] += 1
        return counts

    def _pods_of(self, key: tuple[str, int]) -> list[int]:
        """The pods of a (namespace, spec) key (entries left by an outside truncation skipped)."""
        n = len(self.pod_name)
        namespaces, specs = self.pod_namespace, self.pod_spec
        return [
            p
            for p in self._key_pods.get(key, ())
            if p < n and specs[p] == key[1] and namespaces[p] == key[0]
        ]

    def _key_matches(self, counter: MatchCount, key: tuple[str, int]) -> bool:
        hit = counter.pod_matches.get(key)
        if hit is None:
            hit = counter.pod_matches[key] = self._query_matches(counter.query, key)
        return hit

    def _query_matches(self, query: PodQuery, key: tuple[str, int]) -> bool:
        """Whether ``query`` counts the pods of a (namespace, spec) key."""
        return query.matches_namespace(key[0]) and selector_matches(
            query.selector, self.specs[key[1]].labels
        )

    def _new_key(self, key: tuple[str, int], pod: int) -> None:
        self._key_pods[key] = {pod: None}
        self._all_keys.add(key)
        for item in self.specs[key[1]].labels.items():
            self._keys_by_label.setdefault(item, set()).add(key)

    def _counters_of(self, pod: int) -> list[MatchCount]:
        if not self._counters:
            return []
        key = (self.pod_namespace[pod], self.pod_spec[pod])
        found = self._matching.get(key)
        if found is None:
            index = self._counter_index
            candidates = list(index.get(None, ()))
            for item in self.specs[key[1]].labels.items():
                candidates += index.get(item, ())
            found = [c for c in candidates if self._key_matches(c, key)]
            self._matching[key] = found
        return found


def _index_label(selector: LabelSelector) -> tuple[str, str] | None:
    """A label every pod ``selector`` matches must have, or None."""
    if selector is None:
        return None
    for item in sorted(selector.match_labels.items()):
        return item
    for r in selector.match_expressions:
        if r.operator == "In" and len(r.values) == 1:
            return (r.key, r.values[0])
    return None


class Checkpoint:
    """What :meth:`ClusterState.checkpoint` records: sizes and node fields at the start, and
    each changed pod's and node's values before their first change. Counters are not copied:
    the rollback recounts them on the changed nodes from the pods put back there."""

    def __init__(self, state: ClusterState) -> None:
        self.pods = len(state.pod_name)
        self.specs = len(state.specs)
        self.nodes = len(state.node_names)
        self.resources = len(state.resources)
        self.counters = set(state._counters)
        self.spec_counts = set(state._spec_counts)
        self.keys = set(state._key_pods)
        self.scoring_terms_bound = state.scoring_terms_bound
        self.node_taints = list(state.node_taints)
        self.node_ready = list(state.node_ready)
        self.unschedulable = state.unschedulable.copy()
        self.node_present = state.node_present.copy()
        self.pod_fields: dict[int, tuple[int, bool, bool, bool]] = {}
        self.rows: dict[int, tuple[Int64Array, Int64Array, int, list[int]]] = {}

    def save_pod(self, state: ClusterState, pod: int) -> None:
        if pod < self.pods and pod not in self.pod_fields:
            self.pod_fields[pod] = (
                state.pod_node[pod], state.pod_alive[pod], state.pod_deleting[pod], state.pod_ready[pod]
            )  # fmt: skip

    def save_node(self, state: ClusterState, node: int) -> None:
        if node < self.nodes and node not in self.rows:
            self.rows[node] = (
                state.requested[node, : self.resources].copy(),
                state.nonzero_requested[node].copy(),
                int(state.pod_count[node]),
                list(state.node_pods[node]),
            )

    def restore(self, state: ClusterState) -> None:
        # the counters and spec counts any pod on a changed node, then or now, contributes to
        touched: dict[int, tuple[list[MatchCount], set[tuple[str, int]]]] = {}
        for node, (_, _, _, before) in self.rows.items():
            found: dict[int, MatchCount] = {}
            keys: set[tuple[str, int]] = set()
            for p in {*state.node_pods[node], *before}:
                for counter in state._counters_of(p):
                    found[id(counter)] = counter
                keys.add((state.pod_namespace[p], state.pod_spec[p]))
            touched[node] = (list(found.values()), keys)
        k = self.pods
        for field_list in (state.pod_namespace, state.pod_name, state.pod_spec, state.pod_owner,
                           state.pod_node, state.pod_alive, state.pod_deleting, state.pod_ready,
                           state.pod_created):  # fmt: skip
            del field_list[k:]
        for pod, (node, alive, deleting, ready) in self.pod_fields.items():
            state.pod_node[pod] = node
            state.pod_alive[pod] = alive
            state.pod_deleting[pod] = deleting
            state.pod_ready[pod] = ready
        self._drop_added(state)
        state._matching.clear()
        for node, (requested, nonzero, count, pods) in self.rows.items():
            state.requested[node, : self.resources] = requested
            state.requested[node, self.resources :] = 0
            state.nonzero_requested[node] = nonzero
            state.pod_count[node] = count
            state.node_pods[node] = list(pods)
            stale, keys = touched[node]
            for matched in stale:
                matched.live[node] = 0
                if matched.every is not None:
                    matched.every[node] = 0
            for key in keys:
                if key in state._spec_counts:
                    state._spec_counts[key][node] = 0
            for p in pods:
                for counter in state._counters_of(p):
                    if counter.every is not None:
                        counter.every[node] += 1
                    if not state.pod_deleting[p]:
                        counter.live[node] += 1
                counts = state._spec_counts.get((state.pod_namespace[p], state.pod_spec[p]))
                if counts is not None:
                    counts[node] += 1
        state.node_taints[:] = self.node_taints
        state.node_ready[:] = self.node_ready
        state.unschedulable[:] = self.unschedulable
        state.node_present[:] = self.node_present
        state.scoring_terms_bound = self.scoring_terms_bound
        state.topology_epoch += 1
        state.affinity_epoch += 1
        state.node_log.extend(self.rows)

    def _drop_added(self, state: ClusterState) -> None:
        """Forget the specs, keys, counters and nodes added since the checkpoint."""
        del state.specs[self.specs :], state._spec_sparse[self.specs :]
        del state._spec_nz[self.specs :], state._scoring_terms[self.specs :]
        state.spec_request = _truncated(state.spec_request, self.specs)
        state.spec_nonzero = _truncated(state.spec_nonzero, self.specs)
        for spec in [s for s in state.spec_namespaces if s >= self.specs]:
            del state.spec_namespaces[spec]
        for key in list(state._key_pods):
            pods = state._key_pods[key]
            if key not in self.keys:
                del state._key_pods[key]
                state._all_keys.discard(key)
                for keys in state._keys_by_label.values():
                    keys.discard(key)
            else:
                for p in [p for p in pods if p >= self.pods]:
                    del pods[p]
        for key in [c for c in state._counters if c not in self.counters]:
            counter = state._counters.pop(key)
            for listed in state._counter_index.values():
                if counter in listed:
                    listed.remove(counter)
        for key in [c for c in state._spec_counts if c not in self.spec_counts]:
            del state._spec_counts[key]
        n = self.nodes
        if len(state.node_names) > n:
            for name in state.node_names[n:]:
                del state.node_index[name]
            for field_list in (state.node_names, state.node_labels, state.node_zone, state.node_taints,
                               state.node_ready, state.node_pods):  # fmt: skip
                del field_list[n:]
            state.node_present = state.node_present[:n]
            state.unschedulable = state.unschedulable[:n]
            state.allocatable = np.asfortranarray(state.allocatable[:n])
            state.requested = np.asfortranarray(state.requested[:n])
            state.nonzero_requested = np.asfortranarray(state.nonzero_requested[:n])
            state.pod_count = state.pod_count[:n]
            state.max_pods = state.max_pods[:n]
            for counter in state._counters.values():
                counter.live = counter.live[:n].copy()
                if counter.every is not None:
                    counter.every = counter.every[:n].copy()
            for key, counts in state._spec_counts.items():
                state._spec_counts[key] = counts[:n].copy()


def has_scoring_terms(spec: PodSpec) -> bool:
    """Whether a bound pod of ``spec`` can change other pods' InterPodAffinity score: it has
    required affinity or preferred (anti-)affinity terms."""
    a, anti = spec.pod_affinity, spec.pod_anti_affinity
    return bool(a and (a.required or a.preferred)) or bool(anti and anti.preferred)


def parse_version(version: str) -> tuple[int, int]:
    """``"1.34"`` (or ``"v1.34.1"``) → ``(1, 34)``; the semantics follow the minor version."""
    parts = version.lstrip("v").split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        raise ValueError(f"version: not a Kubernetes version: {version!r}") from None


def _appended(rows: Int64Array, more: Sequence[Sequence[int]]) -> Int64Array:
    """``rows`` with ``more`` after them. ``rows`` is a prefix of a buffer with room to grow
    (doubling), so that adding one spec at a time (each workload's admitted template: 5,000
    for 5,000 Deployments) copies the rows a logarithmic number of times, not once a spec.
    Rows once handed out are never written: a buffer's rows past ``rows`` have never been
    part of an array (:func:`_truncated` copies what it shortens)."""
    n, m = len(rows), len(more)
    base = rows.base
    if (
        isinstance(base, np.ndarray)
        and base.ndim == 2
        and base.shape[1] == rows.shape[1]
        and base.flags.c_contiguous
        and rows.ctypes.data == base.ctypes.data
        and len(base) >= n + m
    ):
        base[n : n + m] = more
        return base[: n + m]
    buffer = np.zeros((max(2 * (n + m), 16), rows.shape[1]), dtype=np.int64)
    buffer[:n] = rows
    buffer[n : n + m] = more
    return buffer[: n + m]


def _truncated(rows: Int64Array, k: int) -> Int64Array:
    """The first ``k`` of ``rows``: the array itself when that is all of it, else a copy (so
    that :func:`_appended` never writes rows a view of the longer array may still show)."""
    return rows if len(rows) == k else rows[:k].copy()

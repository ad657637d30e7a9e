"""Node columns for vectorised filtering: labels as integer codes, taint sets, name ranks.

A :class:`NodeIndex` is built from a :class:`~service.simulation.state.ClusterState` for one
``topology_epoch`` (labels, taints and the node set do not change within it) and answers, as
numpy arrays over every node index:

- :meth:`codes`: a label key's values as codes (``-1``: the node lacks the key), with the
  distinct values they stand for;
- ``taint_sets`` / ``taint_group``: the distinct taint tuples and each node's one;
- ``rank``: each node's position in name order (ties in scoring go to the smallest name);
- :meth:`selector_mask`: NodeAffinity's filter (``nodeSelector`` and required terms, with
  ``metadata.name`` fields) for one pod spec, evaluated per label value rather than per node.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from itertools import compress
from typing import Any

import numpy as np
import numpy.typing as npt

from service.kube.model import NodeSelectorTerm, PodSpec, Requirement, Taint
from service.kube.selectors import requirement_matches
from service.kube.wellknown import HOSTNAME
from service.simulation.state import CPU, MEMORY, BoolArray, ClusterState, Int64Array


@dataclass(slots=True)
class LabelColumn:
    """One label key over the nodes: ``codes[i]`` indexes ``values`` (``-1``: no such label).

    ``score_codes``: the same with a missing label read as ``""`` (what PreScore does, with
    ``domains`` codes in all); ``listed``: ``codes`` as a Python list, for one-node reads.
    """

    values: list[str]
    codes: Int64Array
    score_codes: Int64Array = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    domains: int = 0
    listed: list[int] = field(default_factory=list)
    score_listed: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        empty = self.values.index("") if "" in self.values else len(self.values)
        self.score_codes = self.codes.copy()
        self.score_codes[self.score_codes < 0] = empty
        self.domains = max(len(self.values), empty + 1)
        self.listed = self.codes.tolist()
        self.score_listed = self.score_codes.tolist()


@dataclass(slots=True)
class NodeIndex:
    epoch: int
    count: int
    present: BoolArray
    rank: Int64Array
    taint_sets: list[tuple[Taint, ...]]
    taint_group: Int64Array
    name_codes: LabelColumn
    allocatable_float: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]  # cpu, memory
    allocatable_cpu: list[int]
    allocatable_memory: list[int]
    all_sized: bool  # every node has cpu and memory allocatable
    exact_float: bool  # every allocatable < 2**46: LeastAllocated's division exact in doubles
    _labels: list[dict[str, str]]  # the first ``count`` nodes' labels, as built
    _columns: dict[str, LabelColumn] = field(default_factory=dict)
    _unique: bool | None = None
    _unique_all: bool | None = None  # every node's hostname (present or not) is its own
    # the compiled runs' rule parameters and domain codes, by rules (fast_batch)
    kernel_rules: dict[tuple[object, ...], tuple[Any, ...]] = field(default_factory=dict)
    _names: list[str] = field(default_factory=list)  # as built, for :meth:`changed_nodes`
    _taints: list[tuple[Taint, ...]] = field(default_factory=list)  # each node's, as last seen
    _unschedulable: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))

    def changed_nodes(self, state: ClusterState) -> list[int] | None:
        """The nodes whose presence, cordon or taints differ in ``state`` from what the index
        holds; None when the nodes themselves changed (one added or dropped: rebuild).
        Taints are compared by identity (the state replaces a node's tuple to change it), so
        a node may be listed with the same taints back."""
        n = self.count
        if (
            len(state.node_names) != n
            or not all(map(operator.is_, self._names, state.node_names))
            or not all(map(operator.is_, self._labels, state.node_labels))
        ):
            return None
        moved = (self.present != state.node_present[:n]) | (
            self._unschedulable != state.unschedulable[:n]
        )
        changed = set(np.flatnonzero(moved).tolist())
        changed.update(compress(range(n), map(operator.is_not, self._taints, state.node_taints)))
        return sorted(changed)

    def update_nodes(self, state: ClusterState, nodes: list[int]) -> None:
        """Bring the index to ``state`` after taints, cordons or removals of ``nodes`` alone:
        their presence and taint set (a new set is numbered after the others, which keep
        their numbers)."""
        groups = {taints: g for g, taints in enumerate(self.taint_sets)}
        for node in nodes:
            taints = state.node_taints[node]
            group = groups.get(taints)
            if group is None:
                group = groups[taints] = len(self.taint_sets)
                self.taint_sets.append(taints)
            self.taint_group[node] = group
            self._taints[node] = taints
            self.present[node] = state.node_present[node]
            self._unschedulable[node] = state.unschedulable[node]
        self._unique = None
        self.epoch = state.topology_epoch

    def codes(self, key: str) -> LabelColumn:
        column = self._columns.get(key)
        if column is None:
            values: dict[str, int] = {}
            codes = np.fromiter(
                (values.setdefault(v, len(values)) if (v := labels.get(key)) is not None else -1
                 for labels in self._labels),
                dtype=np.int64,
                count=self.count,
            )  # fmt: skip
            column = LabelColumn(list(values), codes)
            self._columns[key] = column
        return column

    def hostnames_unique(self) -> bool:
        """Every node the scheduler sees has its own ``kubernetes.io/hostname`` value (then a
        hostname domain is one node, which the fast scheduler relies on)."""
        if self._unique is None:
            every = self.codes(HOSTNAME).codes
            if self._unique_all is None:  # all nodes unique: so is any subset (taints,
                # cordons and removals change only which nodes are present)
                self._unique_all = bool((every >= 0).all()) and len(np.unique(every)) == len(every)
            codes = every[self.present]
            self._unique = self._unique_all or (
                bool((codes >= 0).all()) and len(np.unique(codes)) == len(codes)
            )
        return self._unique

    def requirement_mask(self, requirement: Requirement, column: LabelColumn) -> BoolArray:
        """Nodes whose label (as ``column``) satisfies ``requirement``."""
        allowed = [
            i
            for i, value in enumerate(column.values)
            if requirement_matches(requirement, {requirement.key: value})
        ]
        mask = np.isin(column.codes, np.array(allowed, dtype=np.int64))
        if requirement_matches(requirement, {}):  # NotIn / DoesNotExist hold without the label
            mask |= column.codes < 0
        return mask

    def term_mask(self, term: NodeSelectorTerm) -> BoolArray:
        if not term.match_expressions and not term.match_fields:
            return np.zeros(self.count, dtype=np.bool_)
        mask = np.ones(self.count, dtype=np.bool_)
        for f in term.match_fields:
            if f.key != "metadata.name":
                return np.zeros(self.count, dtype=np.bool_)
            renamed = Requirement(key="metadata.name", operator=f.operator, values=f.values)
            mask &= self.requirement_mask(renamed, self.name_codes)
        for r in term.match_expressions:
            mask &= self.requirement_mask(r, self.codes(r.key))
        return mask

    def selector_mask(self, spec: PodSpec) -> BoolArray:
        """NodeAffinity's filter for ``spec`` on every node."""
        mask = np.ones(self.count, dtype=np.bool_)
        for key, value in spec.node_selector.items():
            column = self.codes(key)
            code = column.values.index(value) if value in column.values else -2
            mask &= column.codes == code
        affinity = spec.node_affinity
        if affinity is not None and affinity.required is not None:
            any_term = np.zeros(self.count, dtype=np.bool_)
            for term in affinity.required:
                any_term |= self.term_mask(term)
            mask &= any_term
        return mask


def build_node_index(state: ClusterState, previous: NodeIndex | None = None) -> NodeIndex:
    """The index of ``state``'s nodes now; the label columns of ``previous`` are kept when
    the nodes and their labels are the same (a taint, a cordon or a removal changed)."""
    n = len(state.node_names)
    order = sorted(range(n), key=state.node_names.__getitem__)
    rank = np.empty(n, dtype=np.int64)
    rank[np.array(order, dtype=np.int64)] = np.arange(n, dtype=np.int64)
    groups: dict[tuple[Taint, ...], int] = {}
    taint_group = np.fromiter(
        (groups.setdefault(t, len(groups)) for t in state.node_taints), dtype=np.int64, count=n
    )
    names = LabelColumn(list(state.node_names), np.arange(n, dtype=np.int64))
    index = NodeIndex(
        state.topology_epoch,
        n,
        state.node_present.copy(),
        rank,
        list(groups),
        taint_group,
        names,
        (
            state.allocatable[:n, CPU].astype(np.float64),
            state.allocatable[:n, MEMORY].astype(np.float64),
        ),
        state.allocatable[:n, CPU].tolist(),
        state.allocatable[:n, MEMORY].tolist(),
        bool((state.allocatable[:n, CPU] > 0).all() and (state.allocatable[:n, MEMORY] > 0).all()),
        bool(state.allocatable[:n, :2].max(initial=0) < 2**46),
        state.node_labels[:n],
        _names=state.node_names[:n],
        _taints=list(state.node_taints[:n]),
        _unschedulable=state.unschedulable[:n].copy(),
    )
    if (
        previous is not None
        and previous.count == n
        and all(a is b for a, b in zip(previous._labels, index._labels, strict=True))
    ):  # node labels never change in place: the same label objects give the same columns
        index._columns = previous._columns
    return index

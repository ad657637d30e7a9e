"""One pod's scheduling cycle: the nodes it sees, its PreFilter states, the filter chain.

A :class:`Cycle` is what ``pkg/scheduler/framework`` keeps in a ``CycleState`` for one pod:
the node infos (every node the scheduler sees), NodeAffinity's PreFilter result (the node
names its ``metadata.name`` terms pin, or its rejection), and the PreFilter states of
PodTopologySpread and InterPodAffinity. :meth:`Cycle.filter` runs the filter plugins in the
default profile's order on one node and returns the first failure; preemption's dry run
calls it with its own copies of the PreFilter states (``RunFilterPluginsWithNominatedPods``
after ``RemovePod``/``AddPod``).
"""

from __future__ import annotations

from dataclasses import dataclass

from service.simulation.filters import node_affinity_prefilter, run_node_filters
from service.simulation.fit_error import Status
from service.simulation.interpod import AffinityFilter, affinity_prefilter
from service.simulation.node_info import Incoming, NodeInfo, incoming, node_info
from service.simulation.spread import SpreadFilter, spread_prefilter
from service.simulation.state import ClusterState


@dataclass(slots=True)
class Cycle:
    """One pod's scheduling cycle: the node infos and PreFilter states filters read."""

    state: ClusterState
    pod: Incoming
    nodes: list[NodeInfo]
    pinned: frozenset[str] | None
    rejection: str | None
    spread: SpreadFilter | None
    affinity: AffinityFilter | None

    def filter(
        self,
        node: NodeInfo,
        spread: SpreadFilter | None = None,
        affinity: AffinityFilter | None = None,
        dry_run: bool = False,
    ) -> Status | None:
        """The first failing filter on ``node`` (a dry run passes its own PreFilter states)."""
        if not dry_run:
            spread, affinity = self.spread, self.affinity
        status = run_node_filters(self.state, self.pod, node)
        if status is None and spread is not None:
            status = spread.filter(self.pod, node)
        if status is None and affinity is not None:
            status = affinity.filter(node)
        return status


def start_cycle(state: ClusterState, pod: int) -> Cycle:
    """PreFilter for ``pod`` over the nodes the scheduler sees."""
    p = incoming(state, pod)
    nodes = [node_info(state, n) for n in state.present_nodes()]
    pins = node_affinity_prefilter(p.spec)
    if isinstance(pins, str):
        return Cycle(state, p, nodes, None, pins, None, None)
    return Cycle(
        state,
        p,
        nodes,
        pins,
        None,
        spread_prefilter(state, p, nodes),
        affinity_prefilter(state, p, nodes),
    )

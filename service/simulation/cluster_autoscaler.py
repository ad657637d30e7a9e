"""The cluster autoscaler's loop on a running simulation: health, options, one scale-up.

Each loop (:func:`scan`, every 10 s on the clock while pods are Pending) follows
``core/static_autoscaler.go`` and ``core/scaleup/orchestrator`` with the rules of
:mod:`~service.simulation.autoscaling`:

1. the unschedulable pods: Pending with a scheduler message, priority ≥ -10;
2. ``--max-nodes-total`` reached by the Ready nodes → nothing (log ``Max total nodes in
   cluster reached``); all pods younger than 2 s → wait a loop; the cluster unhealthy →
   ``ClusterUnhealthy`` and nothing;
3. per node group: skipped when at its max size (``max node group size reached``); else
   each pod is checked against the group's template node — the template's labels, taints
   and allocatable less the DaemonSet pods a new node would run, through the scheduler's
   node filters (NodeUnschedulable … NodeResourcesFit; PodTopologySpread and
   InterPodAffinity are left to the scheduler once the node exists) — and the fitting pods
   are packed first-fit, in queue order, onto as few new nodes as the group's and the
   cluster's limits allow (the ``BinpackingNodeEstimator``'s idea, not its pod order);
4. least-waste picks one group; its new nodes (``<group>-autoscaled-<n>``) register Ready at
   once (the cloud's provisioning time is not modelled), their DaemonSet pods are created,
   and the scheduler retries every Pending pod;
5. a pod no group can take gets ``pod didn't trigger scale-up: …`` with the reasons counted
   over the groups. A pod a scale-up was for that still does not fit is not counted again,
   so the loop ends.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from service.kube.quantities import format_cpu, format_memory
from service.kube.selectors import first_untolerated, node_affinity_matches
from service.kube.wellknown import (
    DEFAULT_MAX_PODS,
    TAINT_NOT_READY,
    TAINT_UNREACHABLE,
    node_group_of,
)
from service.simulation.autoscaling import (
    CLUSTER_UNHEALTHY,
    DEFAULT_GROUP,
    EXPENDABLE_PODS_PRIORITY_CUTOFF,
    MAX_GROUP_SIZE_REACHED,
    NEW_POD_BUFFER,
    SCAN_INTERVAL,
    NodeGroupPlan,
    cluster_healthy,
    max_nodes_reached,
    node_groups,
    not_triggered,
    template_node,
    waste_score,
)
from service.simulation.engine import SHOWN, Engine, names, plural
from service.simulation.eviction import with_daemonset_tolerations
from service.simulation.filters import run_node_filters
from service.simulation.node_info import NodeInfo, incoming
from service.simulation.state import CPU, MEMORY, Int64Array

ACTOR = "Cluster autoscaler"
MAX_NODES_PER_SCALEUP = 1000


@dataclass(slots=True)
class Option:
    group: NodeGroupPlan
    nodes: int
    pods: list[int]
    waste: float


class Autoscaler:
    """The groups of one engine's cluster, and what it has done so far."""

    def __init__(self, engine: Engine) -> None:
        assert engine.autoscaler_config is not None
        self.engine = engine
        self.config = engine.autoscaler_config
        self.groups = node_groups(engine.state.snapshot.nodes, self.config)
        self.given_up: set[int] = set()  # pods a scale-up was for that still did not fit
        self.added_to: Counter[str] = Counter()

    # -- the loop ---------------------------------------------------------------------------
    def loop(self, settling: bool = False) -> bool:
        """One loop; True when it added nodes."""
        engine, state = self.engine, self.engine.state
        engine.last_scan = engine.now
        pending = [
            p
            for p in state.pending_pods()
            if p in engine.reason
            and state.specs[state.pod_spec[p]].priority >= EXPENDABLE_PODS_PRIORITY_CUTOFF
        ]
        if not pending:
            return False
        present = state.present_nodes()
        ready = [n for n in present if self.is_ready(n)]
        limit = self.config.max_nodes_total
        if limit and len(ready) >= limit:
            self.note(pending, max_nodes_reached(limit))
            engine.step(
                "node-added",
                ACTOR,
                f"no node added: Max total nodes in cluster reached ({limit} Ready nodes); "
                f"{stay(pending)}",
                pending,
            )
            return False
        young = engine.now - NEW_POD_BUFFER
        if not settling and all(engine.queued_at.get(p, 0.0) > young for p in pending):
            engine.at(engine.now + SCAN_INTERVAL, "scan")
            return False
        unready = len(present) - len(ready)
        if not cluster_healthy(len(present), unready):
            self.note(pending, f"ClusterUnhealthy: {CLUSTER_UNHEALTHY}")
            engine.step(
                "node-added",
                ACTOR,
                f"no node added: {CLUSTER_UNHEALTHY} ({unready} of {len(present)} nodes unready: "
                "more than 3 and more than 45 %), event ClusterUnhealthy; "
                f"{stay(pending)}",
                pending,
            )
            return False
        candidates = [p for p in pending if p not in self.given_up]
        options, reasons = self.options(candidates, len(ready))
        best = min(options, key=lambda o: (o.waste, o.group.name), default=None)
        helped = set(best.pods) if best else set()
        untriggered: dict[str, list[int]] = {}  # a step for new notes only: loops repeat them
        for p in candidates:
            if p not in helped and not any(p in o.pods for o in options):
                note = not_triggered(reasons[p])
                if reasons[p] and engine.notes.get(p) != f"Cluster autoscaler: {note}.":
                    untriggered.setdefault(note, []).append(p)
                self.note([p], note)
        for note, pods in untriggered.items():
            shown = names([engine.pod_text(p) for p in pods[:SHOWN]], total=len(pods))
            engine.step(
                "node-added",
                ACTOR,
                f"{shown}: {note} (event NotTriggerScaleUp); {stay(pods)}",
                pods,
            )
        if best is None:
            return False
        self.grow(best)
        engine.settle_queue()
        still = [p for p in best.pods if state.pod_node[p] < 0 and state.pod_alive[p]]
        self.given_up.update(still)
        if state.pending_pods():
            engine.want_scan()
        return True

    def is_ready(self, node: int) -> bool:
        state = self.engine.state
        if state.node_ready[node] != "True":
            return False
        return not any(
            t.key in (TAINT_NOT_READY, TAINT_UNREACHABLE) for t in state.node_taints[node]
        )

    def note(self, pods: list[int], note: str) -> None:
        for p in pods:
            self.engine.notes[p] = f"Cluster autoscaler: {note}."

    # -- options ----------------------------------------------------------------------------
    def options(self, pods: list[int], ready: int) -> tuple[list[Option], dict[int, Counter[str]]]:
        state = self.engine.state
        reasons: dict[int, Counter[str]] = {p: Counter() for p in pods}
        options = []
        limit = self.config.max_nodes_total
        total_room = limit - ready if limit else MAX_NODES_PER_SCALEUP
        for group in self.groups:
            size = self.size(group)
            room = min(total_room, MAX_NODES_PER_SCALEUP)
            if group.max_size is not None:
                room = min(room, group.max_size - size)
            if room <= 0:
                for p in pods:
                    reasons[p][MAX_GROUP_SIZE_REACHED] += 1
                continue
            info = self.template_info(group)
            fitting = []
            for p in pods:
                status = run_node_filters(state, incoming(state, p), info)
                if status is None:
                    fitting.append(p)
                else:
                    for reason in status.reasons:
                        reasons[p][reason] += 1
            option = self.estimate(group, info, fitting, room)
            if option is not None:
                options.append(option)
        return options, reasons

    def size(self, group: NodeGroupPlan) -> int:
        state = self.engine.state
        members = [state.node_index[m] for m in group.members]
        members += [
            n
            for n in self.engine.added
            if (node_group_of(state.node_labels[n]) or DEFAULT_GROUP) == group.name
        ]
        return sum(1 for n in members if state.node_present[n])

    def template_info(self, group: NodeGroupPlan) -> NodeInfo:
        """The group's template node with the DaemonSet pods a new node would run."""
        state = self.engine.state
        node = template_node(group.template, f"template-node-for-{group.name}")
        allocatable = np.zeros(len(state.resources), dtype=np.int64)
        for name, amount in node.allocatable.items():
            if name in state.resource_index:
                allocatable[state.resource_index[name]] = amount
        requested = np.zeros(len(state.resources), dtype=np.int64)
        daemons = 0
        for ref, workload in self.engine.workloads.defined.items():
            if ref.kind != "DaemonSet":
                continue
            spec = state.specs[workload.template]
            tolerations = with_daemonset_tolerations(spec.tolerations)
            if node_affinity_matches(spec, node.name, node.labels) and (
                first_untolerated(node.taints, tolerations) is None
            ):
                requested += state.spec_request[workload.template]
                daemons += 1
        max_pods = node.allocatable.get("pods", DEFAULT_MAX_PODS) - daemons
        return NodeInfo(
            -1, node.name, node.labels, node.taints, False, allocatable, requested, max_pods, []
        )

    def estimate(
        self, group: NodeGroupPlan, info: NodeInfo, pods: list[int], room: int
    ) -> Option | None:
        """First-fit of ``pods`` onto at most ``room`` new nodes like ``info``."""
        state = self.engine.state
        free_per_node = info.allocatable - info.requested
        bins: list[tuple[Int64Array, int]] = []
        placed: list[int] = []
        for p in pods:
            request = state.spec_request[state.pod_spec[p]]
            for i, (free, count) in enumerate(bins):
                if count < info.max_pods and bool((request <= free).all()):
                    bins[i] = (free - request, count + 1)
                    placed.append(p)
                    break
            else:
                if len(bins) < room and info.max_pods >= 1:
                    bins.append((free_per_node - request, 1))
                    placed.append(p)
        if not bins:
            return None
        capacity = group.template.capacity or group.template.allocatable
        cpu = int(sum(state.spec_request[state.pod_spec[p]][CPU] for p in placed))
        memory = int(sum(state.spec_request[state.pod_spec[p]][MEMORY] for p in placed))
        waste = waste_score(
            capacity.get("cpu", 0), capacity.get("memory", 0), len(bins), cpu, memory
        )
        return Option(group, len(bins), placed, waste)

    # -- growing ----------------------------------------------------------------------------
    def grow(self, option: Option) -> None:
        engine, state = self.engine, self.engine.state
        group = option.group
        added = []
        for _ in range(option.nodes):
            self.added_to[group.name] += 1
            name = f"{group.name}-autoscaled-{self.added_to[group.name]}"
            while name in state.node_index:
                self.added_to[group.name] += 1
                name = f"{group.name}-autoscaled-{self.added_to[group.name]}"
            node = state.add_node(template_node(group.template, name))
            engine.added.append(node)
            added.append(node)
        engine.changes += 1
        engine.retry_pending = True
        template = group.template
        shape = (
            f"{format_cpu(template.allocatable.get('cpu', 0))} CPU, "
            f"{format_memory(template.allocatable.get('memory', 0))} allocatable each, "
            + (
                f"like {template.name}"
                if template.name in state.node_index
                else "from the group's template"
            )
        )
        engine.step(
            "node-added",
            ACTOR,
            f"cluster autoscaler adds {plural(len(added), 'node')} to node group {group.name} "
            f"(least-waste; {shape}) for {plural(len(option.pods), 'Pending pod')}: "
            f"{names([state.node_names[n] for n in added])}",
            option.pods,
        )
        daemons = []
        for ref in list(engine.workloads.defined):
            if ref.kind != "DaemonSet":
                continue
            eligible = set(engine.workloads.daemon_nodes(ref))
            for node in added:
                if node in eligible:
                    pod = engine.workloads.new_daemon_pod(ref, node)
                    engine.enqueue(pod)
                    engine.fresh.append(pod)
                    daemons.append(pod)
        if daemons:
            engine.step(
                "pod-recreated",
                "DaemonSet controller",
                f"{plural(len(daemons), 'DaemonSet pod')} created for the new nodes: "
                f"{names([engine.pod_text(p) for p in daemons])}",
                daemons,
            )


def stay(pods: list[int]) -> str:
    return f"{plural(len(pods), 'pod')} {'stays' if len(pods) == 1 else 'stay'} Pending"


def scan(engine: Engine, batch: list[object]) -> None:
    """The ``scan`` handler: one autoscaler loop."""
    if engine.autoscaler is not None:
        engine.autoscaler.loop()

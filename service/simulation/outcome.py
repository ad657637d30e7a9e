"""Where a simulated cluster ends up: every workload, pod and node (:mod:`~service.simulation.report`).

Workloads are listed as the snapshot defines them, then the owners only pods name, then
bare pods; pods by workload, then creation; nodes by index (the autoscaler's last).
A Pending pod's reason is the scheduler's FitError, followed by what the cluster autoscaler
said about it, if anything.
"""

from __future__ import annotations

from service.simulation.engine import Engine
from service.simulation.report import (
    ClusterOutcome,
    NodeOutcome,
    PodOutcome,
    PodPhase,
    WorkloadOutcome,
)
from service.simulation.state import CPU, MEMORY


def pending_reason(engine: Engine, pod: int) -> str | None:
    message = engine.reason.get(pod)
    note = engine.notes.get(pod)
    if message is None:
        return note
    return f"{message} {note}" if note else message


def cluster_outcome(engine: Engine) -> ClusterOutcome:
    state, workloads = engine.state, engine.workloads
    make = tuple.__new__
    pods: list[PodOutcome] = []
    outcomes: list[WorkloadOutcome] = []
    ok = engine.nodes_ok()
    ready_pods = state.pod_ready
    refs = workloads.refs()
    refs.sort(key=lambda r: r.kind == "Pod")  # bare pods last, the order otherwise kept
    for ref in refs:
        running = pending = terminating = ready = 0
        reason: str | None = None
        workload = f"{ref.kind}/{ref.name}"
        for p in workloads.pods.get(ref, ()):
            if not state.pod_alive[p]:
                continue
            node = state.pod_node[p]
            why = None
            if node < 0:
                pending += 1
                phase = PodPhase.PENDING
                why = pending_reason(engine, p)
                reason = reason or why
            elif state.pod_deleting[p]:
                terminating += 1
                phase = PodPhase.TERMINATING
            else:
                running += 1
                phase = PodPhase.RUNNING
                ready += ready_pods[p] and ok[node]  # engine.is_available: alive, not deleting
            row = (
                state.pod_namespace[p],
                state.pod_name[p],
                workload,
                state.node_names[node] if node >= 0 else None,
                state.node_zone[node] if node >= 0 else None,
                phase,
                why,
                engine.restarts.get(p, 0),
            )
            pods.append(make(PodOutcome, row))
        if (
            ref not in workloads.defined
            and not workloads.initial.get(ref)
            and not (running or pending or terminating)
        ):
            continue  # only finished pods named it (a completed Job, a Succeeded bare pod)
        outcomes.append(
            WorkloadOutcome(
                kind=ref.kind,
                namespace=ref.namespace,
                name=ref.name,
                desired=workloads.desired(ref),
                running=running,
                pending=pending,
                terminating=terminating,
                available=ready,
                pending_reason=reason,
            )
        )
    added = set(engine.added)
    nodes = tuple(
        NodeOutcome(
            name=state.node_names[n],
            zone=state.node_zone[n],
            ready=state.node_ready[n] == "True" and n not in engine.unreachable,
            added=n in added,
            deleted=not bool(state.node_present[n]),
            unschedulable=bool(state.unschedulable[n]),
            taints=tuple(f"{t.key}:{t.effect}" for t in state.node_taints[n]),
            cpu=int(state.allocatable[n, CPU]),
            memory=int(state.allocatable[n, MEMORY]),
            cpu_requested=int(state.requested[n, CPU]),
            memory_requested=int(state.requested[n, MEMORY]),
            pods=int(state.pod_count[n]),
        )
        for n in range(len(state.node_names))
    )
    return ClusterOutcome(
        available=all(w.available > 0 for w in outcomes if w.desired > 0),
        nodes_added=len(added),
        workloads=tuple(outcomes),
        pods=tuple(pods),
        nodes=nodes,
    )

"""Where a simulated cluster ends up: every workload, pod and node (:mod:`~service.simulation.report`).

Workloads are listed as the snapshot defines them, then the owners only pods name, then
bare pods; pods by workload, then creation; nodes by index (the autoscaler's last).
A Pending pod's reason is the scheduler's FitError, followed by what the cluster autoscaler
said about it, if anything.
"""

from __future__ import annotations

from operator import itemgetter

from service.simulation.engine import Engine
from service.simulation.report import (
    ClusterOutcome,
    NodeOutcome,
    PodPhase,
    PodRows,
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
    alive, pod_node, deleting, ready_pods = (
        state.pod_alive, state.pod_node, state.pod_deleting, state.pod_ready
    )  # fmt: skip
    ok = engine.nodes_ok()
    order: list[int] = []  # the pods' rows: pod, node (-1: none), phase; why Pending by row
    bound: list[int] = []
    phases: list[PodPhase] = []
    reasons: dict[int, str] = {}
    starts: list[int] = []  # each workload's first row
    labels: list[str] = []
    outcomes: list[WorkloadOutcome] = []
    refs = workloads.refs()
    refs.sort(key=lambda r: r.kind == "Pod")  # bare pods last, the order otherwise kept
    for ref in refs:
        running = pending = terminating = ready = 0
        reason: str | None = None
        starts.append(len(order))
        labels.append(f"{ref.kind}/{ref.name}")
        for p in workloads.pods.get(ref, ()):
            if not alive[p]:
                continue
            node = pod_node[p]
            if node < 0:
                pending += 1
                phase = PodPhase.PENDING
                why = pending_reason(engine, p)
                if why is not None:
                    reasons[len(order)] = why
                reason = reason or why
            elif deleting[p]:
                terminating += 1
                phase = PodPhase.TERMINATING
            else:
                running += 1
                phase = PodPhase.RUNNING
                ready += ready_pods[p] and ok[node]  # engine.is_available: alive, not deleting
            order.append(p)
            bound.append(node)
            phases.append(phase)
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
    pods = PodRows(
        order, _column(state.pod_namespace, order), _column(state.pod_name, order), bound,
        phases, starts, labels, reasons, dict(engine.restarts), tuple(state.node_names),
        tuple(state.node_zone),
    )  # fmt: skip
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
        pods=pods,
        nodes=nodes,
    )


def _column(values: list[str], rows: list[int]) -> tuple[str, ...]:
    """``values`` of each of ``rows``, in one C loop (the state's lists go on with the
    engine; the outcome keeps what they held)."""
    if len(rows) < 2:  # itemgetter of one index returns the value, of none is an error
        return tuple(values[r] for r in rows)
    return itemgetter(*rows)(values)  # type: ignore[no-any-return]

"""A failure on a real cluster, for wikis: the pods each step acts on, and the workloads after.

A real cluster (an imported scenario, or a pack's scenario using zones, taints, constraints,
StatefulSets…) is simulated in full (:func:`~service.simulation.simulate.simulate_cluster`);
its steps name the pods they act on and its outcome covers every kind of workload. Rendered:

- a step's pods: the first :data:`PODS_SHOWN` (``namespace/name``), then ``and N more``
  (the count is the step's ``pod_count``, which may exceed the names the step kept);
- the outcome: a sentence (workloads left without an available pod, workloads short of their
  desired pods, nodes the autoscaler added), then a table of the workloads the failure left
  short — fewer available pods than desired, or pods Pending or stuck Terminating — worst
  first (none available, then the largest shortfall; ties in the outcome's order), at most
  :data:`WORKLOAD_ROWS` of them, and one line for the rest. Losing a zone of a 500-node
  cluster leaves most of its workloads short; the page shows the worst, and every workload is
  one ``failureConsequences`` query away.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.simulation.report import ClusterOutcome, WorkloadOutcome

PODS_SHOWN = 3  # pods a step's cell names before it counts the rest
WORKLOADS_NAMED = 5  # short workloads a diagram names before it counts the rest
WORKLOAD_ROWS = 50  # short workloads a table lists before it counts the rest

WORKLOAD_HEADER = [
    "Kind",
    "Namespace",
    "Name",
    "Desired",
    "Running",
    "Pending",
    "Terminating",
    "Available",
    "Pending reason",
]


def pods_text(pods: Sequence[str], count: int) -> str:
    """``a, b, c and 6 more``; ``—`` for a step that acts on no pod."""
    total = max(count, len(pods))
    if not total:
        return "—"
    shown = ", ".join(pods[:PODS_SHOWN])
    rest = total - min(len(pods), PODS_SHOWN)
    return f"{shown} and {rest} more" if rest else shown


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def touched(outcome: ClusterOutcome) -> list[WorkloadOutcome]:
    """The workloads left short: fewer available pods than desired, or any Pending or stuck
    Terminating; worst first (no available pod, then the largest shortfall)."""
    short = [w for w in outcome.workloads if w.available < w.desired or w.pending or w.terminating]
    return sorted(short, key=lambda w: (w.available > 0 or not w.desired, w.available - w.desired))


def outcome_summary(outcome: ClusterOutcome) -> str:
    """``Outcome: 1 of 18 workloads has no available pod; 2 run short of desired pods;
    the autoscaler added 0 nodes.``"""
    wanting = [w for w in outcome.workloads if w.desired > 0]
    down = sum(w.available == 0 for w in wanting)
    short = sum(w.available < w.desired for w in wanting)
    if down:
        verb = "has" if down == 1 else "have"
        state = (
            f"{down} of {_plural(len(wanting), 'workload', 'workloads')} {verb} no available pod"
        )
    elif touched(outcome):
        state = "every workload keeps an available pod"
    else:
        state = "every workload keeps its desired pods available"
    if short:
        state += f"; {short} run{'s' if short == 1 else ''} short of desired pods"
    added = _plural(outcome.nodes_added, "node", "nodes")
    return f"Outcome: {state}; the autoscaler added {added}."


def workload_rows(outcome: ClusterOutcome) -> list[list[str]]:
    """One row per workload the failure left short (see :func:`touched`), the first
    :data:`WORKLOAD_ROWS`."""
    return [
        [
            w.kind,
            w.namespace,
            w.name,
            str(w.desired),
            str(w.running),
            str(w.pending),
            str(w.terminating),
            str(w.available),
            w.pending_reason or "—",
        ]
        for w in touched(outcome)[:WORKLOAD_ROWS]
    ]


def others_line(outcome: ClusterOutcome) -> str:
    """The workloads the table leaves out, in one sentence ("" when it lists them all, or
    none: then the summary said it)."""
    short = len(touched(outcome))
    unlisted = max(0, short - WORKLOAD_ROWS)
    others = len(outcome.workloads) - short
    if not short:
        return ""
    parts = []
    if unlisted:
        parts.append(
            f"{_plural(unlisted, 'more workload left short is', 'more workloads left short are')}"
            " not listed"
        )
    if others == 1:
        parts.append("1 other workload keeps its desired pods available")
    elif others:
        parts.append(f"{others} other workloads keep their desired pods available")
    return "; ".join(parts) + "." if parts else ""


def short_counts(outcome: ClusterOutcome) -> str:
    """The workloads left short (see :func:`touched`), the first few, then a count ("" for
    none)."""
    short = touched(outcome)
    named = [_counted(w) for w in short[:WORKLOADS_NAMED]]
    rest = len(short) - len(named)
    if not named:
        return ""
    return "; ".join(named) + (f" and {rest} more" if rest else "")


def _counted(w: WorkloadOutcome) -> str:
    """``StatefulSet/monitoring/prometheus 1/2 available, 1 Terminating``."""
    counted = f"{w.kind}/{w.namespace}/{w.name} {w.available}/{w.desired} available"
    if w.pending:
        counted += f", {w.pending} Pending"
    if w.terminating:
        counted += f", {w.terminating} Terminating"
    return counted

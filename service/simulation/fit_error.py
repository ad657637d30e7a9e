"""Why a pod fits no node: per-node statuses and kube-scheduler's FitError message.

- A filter's verdict on a node is a :class:`Status`: a :class:`Code` and its reasons
  (``k8s.io/kube-scheduler/framework`` ``Status``). ``UNSCHEDULABLE`` means preemption may
  help; ``UNRESOLVABLE`` (``UnschedulableAndUnresolvable``) that it cannot.
- A failed cycle's :class:`Diagnosis` holds one status per evaluated node (only the first
  failing filter's, ``framework/runtime/framework.go RunFilterPlugins``), the status of nodes
  a PreFilter left out (``AbsentNodesStatus``), a PreFilter rejection message and the
  PostFilter (preemption) message.
- :func:`fit_error_message` is ``pkg/scheduler/framework/types.go FitError.Error`` (1.31–1.34):
  ``0/N nodes are available:`` then either `` <PreFilter message>.`` or the reasons counted
  over nodes, each ``"<count> <reason>"``, **sorted as strings** (not by count) and joined
  with ``", "`` plus ``.``; then `` <PostFilter message>`` with no period of its own. E.g.
  ``0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable:
  }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for
  scheduling, 2 No preemption victims found for incoming pod.``
- With no node at all the message is :data:`NO_NODES_MESSAGE`
  (``pkg/scheduler/scheduler.go ErrNoNodesAvailable``) and preemption does not run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import Enum

NO_NODES_MESSAGE = "no nodes available to schedule pods"


class Code(Enum):
    UNSCHEDULABLE = "Unschedulable"
    UNRESOLVABLE = "UnschedulableAndUnresolvable"


@dataclass(frozen=True, slots=True)
class Status:
    """A rejection: its code and reasons (a plugin may give several, e.g. NodeResourcesFit)."""

    code: Code
    reasons: tuple[str, ...]


def unschedulable(*reasons: str) -> Status:
    return Status(Code.UNSCHEDULABLE, reasons)


def unresolvable(*reasons: str) -> Status:
    return Status(Code.UNRESOLVABLE, reasons)


@dataclass(slots=True)
class Diagnosis:
    """What a cycle that found no node learnt: statuses by node index, and the messages."""

    statuses: dict[int, Status] = field(default_factory=dict)
    absent: Status | None = None  # nodes missing from ``statuses`` (None: not counted)
    prefilter_message: str = ""
    postfilter_message: str = ""

    def status_of(self, node: int) -> Status | None:
        """The node's status, or the absent nodes' one (``NodeToStatus.Get``)."""
        return self.statuses.get(node, self.absent)


def fit_error_message(node_count: int, diagnosis: Diagnosis) -> str:
    """``FitError.Error()`` for a cycle over ``node_count`` nodes."""
    message = f"0/{node_count} nodes are available:"
    if diagnosis.prefilter_message:
        message += f" {diagnosis.prefilter_message}."
    else:
        counts: Counter[str] = Counter()
        for status in diagnosis.statuses.values():
            counts.update(status.reasons)
        absent = node_count - len(diagnosis.statuses)
        if absent > 0 and diagnosis.absent is not None:
            for reason in diagnosis.absent.reasons:
                counts[reason] += absent
        parts = sorted(f"{count} {reason}" for reason, count in counts.items())
        if parts:
            message += f" {', '.join(parts)}."
    if diagnosis.postfilter_message:
        message += f" {diagnosis.postfilter_message}"
    return message

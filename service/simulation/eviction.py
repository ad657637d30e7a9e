"""Taint-based eviction: when a pod on a NoExecute-tainted node is deleted, if ever.

- :func:`eviction_delay` follows ``pkg/controller/tainteviction/taint_eviction.go``
  ``processPodOnNode``: a NoExecute taint the pod does not tolerate → deleted at once;
  otherwise the tolerations that matched (``GetMatchingTolerations``: per taint the **first**
  toleration that tolerates it) decide (``getMinTolerationTime``): any
  ``tolerationSeconds <= 0`` → at once, all without seconds → never, else the smallest.
  The deletion fires at the time the taint was observed + that delay; it is a plain DELETE
  (PodDisruptionBudgets are not consulted), after the pod is given the condition
  ``DisruptionTarget=True`` reason ``DeletionByTaintManager``.
- The 300 s tolerations a pod gets at admission (``DefaultTolerationSeconds``) are
  :func:`service.kube.admission.with_default_tolerations`, shared with the importer.
- :func:`with_daemonset_tolerations` is ``AddOrUpdateDaemonPodTolerations``
  (``pkg/controller/daemon/util/daemonset_util.go``): not-ready and unreachable NoExecute
  forever, and the disk-pressure, memory-pressure, pid-pressure and unschedulable
  NoSchedule taints (network-unavailable only with ``hostNetwork``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from service.kube.model import Taint, Toleration
from service.kube.selectors import tolerates
from service.kube.wellknown import (
    TAINT_DISK_PRESSURE,
    TAINT_MEMORY_PRESSURE,
    TAINT_NETWORK_UNAVAILABLE,
    TAINT_NOT_READY,
    TAINT_PID_PRESSURE,
    TAINT_UNREACHABLE,
    TAINT_UNSCHEDULABLE,
)

EVICTION_EVENT_REASON = "TaintManagerEviction"
DISRUPTION_REASON = "DeletionByTaintManager"
DISRUPTION_MESSAGE = "Taint manager: deleting due to NoExecute taint"


def marking_message(namespace: str, name: str) -> str:
    """The ``TaintManagerEviction`` event the controller records when it deletes a pod."""
    return f"Marking for deletion Pod {namespace}/{name}"


def matching_tolerations(
    taints: Sequence[Taint], tolerations: Sequence[Toleration]
) -> tuple[bool, tuple[Toleration, ...]]:
    """``GetMatchingTolerations``: (every taint tolerated, the first toleration of each)."""
    used: list[Toleration] = []
    for taint in taints:
        first = next((t for t in tolerations if tolerates(t, taint)), None)
        if first is None:
            return False, ()
        used.append(first)
    return True, tuple(used)


def min_toleration_seconds(tolerations: Iterable[Toleration]) -> float | None:
    """``getMinTolerationTime``: 0 for none or any ``<= 0``; None (forever) when no
    toleration has seconds; else the smallest."""
    tolerations = tuple(tolerations)
    if not tolerations:
        return 0.0
    seconds = [t.seconds for t in tolerations if t.seconds is not None]
    if any(s <= 0 for s in seconds):
        return 0.0
    return float(min(seconds)) if seconds else None


def eviction_delay(taints: Iterable[Taint], tolerations: Sequence[Toleration]) -> float | None:
    """Seconds from a node's NoExecute taints to the pod's deletion; None: never.

    Only the ``NoExecute`` taints of ``taints`` count; with none the pod stays.

    Examples
    --------
    >>> unreachable = Taint(key=TAINT_UNREACHABLE, effect="NoExecute")
    >>> eviction_delay([unreachable], with_default_tolerations(()))
    300.0
    """
    no_execute = [t for t in taints if t.effect == "NoExecute"]
    if not no_execute:
        return None
    tolerated, used = matching_tolerations(no_execute, tolerations)
    if not tolerated:
        return 0.0
    return min_toleration_seconds(used)


def with_daemonset_tolerations(
    tolerations: Sequence[Toleration], host_network: bool = False
) -> tuple[Toleration, ...]:
    """A DaemonSet pod's tolerations (``AddOrUpdateDaemonPodTolerations``): each one the
    controller adds replaces one with the same key, operator, value and effect
    (``AddOrUpdateTolerationInPodSpec``), else is appended."""
    wanted = [
        Toleration(key=TAINT_NOT_READY, operator="Exists", effect="NoExecute"),
        Toleration(key=TAINT_UNREACHABLE, operator="Exists", effect="NoExecute"),
        Toleration(key=TAINT_DISK_PRESSURE, operator="Exists", effect="NoSchedule"),
        Toleration(key=TAINT_MEMORY_PRESSURE, operator="Exists", effect="NoSchedule"),
        Toleration(key=TAINT_PID_PRESSURE, operator="Exists", effect="NoSchedule"),
        Toleration(key=TAINT_UNSCHEDULABLE, operator="Exists", effect="NoSchedule"),
    ]
    if host_network:
        wanted.append(
            Toleration(key=TAINT_NETWORK_UNAVAILABLE, operator="Exists", effect="NoSchedule")
        )
    result = list(tolerations)
    for toleration in wanted:
        same = next(
            (
                i
                for i, t in enumerate(result)
                if (t.key, t.operator, t.value, t.effect)
                == (toleration.key, toleration.operator, toleration.value, toleration.effect)
            ),
            None,
        )
        if same is None:
            result.append(toleration)
        else:
            result[same] = toleration
    return tuple(result)

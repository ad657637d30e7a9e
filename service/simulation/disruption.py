"""PodDisruptionBudgets: the disruption controller's status and the eviction API's answer.

- :func:`budget_status` is ``pkg/controller/disruption/disruption.go``
  (``getExpectedPodCount``, ``countHealthyPods``, ``updatePdbStatus``):
  ``maxUnavailable`` (int or percent) → expected = the sum of the scales of the pods'
  controllers (``getExpectedScale``; a Deployment's replicas for its ReplicaSet's pods;
  pods without a controller are not counted), desiredHealthy = expected − maxUnavailable
  (floored at 0); ``minAvailable`` an int → desiredHealthy = it, expected = the matched
  pods; ``minAvailable`` a percent → of the controllers' scale. Percentages round **up**
  (``GetScaledValueFromIntOrPercent(…, true)``). currentHealthy = matched pods that are
  Ready and not being deleted. disruptionsAllowed = currentHealthy − desiredHealthy,
  0 when negative or when expected is 0. A controller without a scale (DaemonSet, Job)
  makes the controller fail (``does not implement the scale subresource``): we report
  disruptionsAllowed 0, which is what a budget whose status was never written allows.
- :func:`evict` is the eviction subresource (``pkg/registry/core/pod/storage/eviction.go``):
  a Pending or Terminating pod is deleted without a check (``canIgnorePDB``); more than one
  matching budget → 500 ``This pod has more than one PodDisruptionBudget, which the
  eviction subresource does not support.``; a pod that is not Ready goes without using the
  budget when currentHealthy ≥ desiredHealthy > 0 (``IfHealthyBudget``, the default) or
  always (``AlwaysAllow``); otherwise disruptionsAllowed 0 → **429** ``Cannot evict pod as
  it would violate the pod's disruption budget.`` with the cause ``The disruption budget
  <name> needs <desired> healthy pods and has <current> currently``, else the allowance is
  used up by one and the pod deleted.

Only voluntary disruptions go through here (``kubectl drain``); node failure, preemption
and pod GC delete pods without asking (§6 of the semantics notes).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from service.kube.model import DisruptionBudget, WorkloadRef

TOO_MANY_REQUESTS = "Cannot evict pod as it would violate the pod's disruption budget."
MORE_THAN_ONE = (
    "This pod has more than one PodDisruptionBudget, which the eviction subresource "
    "does not support."
)


def scaled_value(value: int | str, total: int, round_up: bool = True) -> int:
    """``intstr.GetScaledValueFromIntOrPercent``: an int as it is, ``"N%"`` of ``total``.

    Raises
    ------
    ValueError : a string that is not a percentage.
    """
    if isinstance(value, int):
        return value
    if not value.endswith("%") or not value[:-1].isdigit():
        raise ValueError(
            f"invalid value for IntOrString: invalid type: string is not a percentage: {value!r}"
        )
    percent = int(value[:-1])
    exact = total * percent / 100
    return math.ceil(exact) if round_up else math.floor(exact)


@dataclass(frozen=True, slots=True)
class MatchedPod:
    """A pod a budget's selector matches, as the disruption controller sees it."""

    owner: WorkloadRef  # kind "Pod": no controller
    healthy: bool  # Ready and not being deleted


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    """``PodDisruptionBudgetStatus``: the counts the eviction API decides on."""

    expected: int
    desired_healthy: int
    current_healthy: int
    disruptions_allowed: int


NO_SCALE = ("DaemonSet", "Job")


def budget_status(
    budget: DisruptionBudget,
    pods: Sequence[MatchedPod],
    scales: Mapping[WorkloadRef, int],
) -> BudgetStatus:
    """The status the disruption controller writes for ``budget``.

    Parameters
    ----------
    budget : the PodDisruptionBudget.
    pods : the pods its selector matches (alive ones, in its namespace).
    scales : each controller's replicas (Deployment, ReplicaSet, StatefulSet).
    """
    current = sum(1 for p in pods if p.healthy)

    def expected_scale() -> int | None:
        owners = {p.owner for p in pods if p.owner.kind != "Pod"}
        if any(o.kind in NO_SCALE or o not in scales for o in owners):
            return None
        return sum(scales[o] for o in owners)

    expected, desired = 0, 0
    if budget.max_unavailable is not None:
        scale = expected_scale()
        if scale is None:
            return BudgetStatus(0, 0, current, 0)
        expected = scale
        desired = max(0, expected - scaled_value(budget.max_unavailable, expected))
    elif budget.min_available is not None:
        if isinstance(budget.min_available, int):
            desired, expected = budget.min_available, len(pods)
        else:
            scale = expected_scale()
            if scale is None:
                return BudgetStatus(0, 0, current, 0)
            expected = scale
            desired = scaled_value(budget.min_available, expected)
    allowed = current - desired if expected > 0 and current - desired > 0 else 0
    return BudgetStatus(expected, desired, current, allowed)


@dataclass(frozen=True, slots=True)
class Eviction:
    """The eviction API's answer: ``code`` 201 (evicted), 429 or 500.

    ``budget``: the budget whose allowance the eviction used (None when none was used).
    """

    code: int
    message: str = ""
    cause: str = ""
    budget: str | None = None

    @property
    def allowed(self) -> bool:
        return self.code == 201


def evict(
    pending_or_terminating: bool,
    ready: bool,
    budgets: Sequence[tuple[DisruptionBudget, BudgetStatus]],
) -> Eviction:
    """What ``POST pods/<name>/eviction`` answers for a pod covered by ``budgets``.

    Examples
    --------
    >>> b = DisruptionBudget(namespace="ns", name="web", min_available=2)
    >>> evict(False, True, [(b, BudgetStatus(2, 2, 2, 0))]).cause
    'The disruption budget web needs 2 healthy pods and has 2 currently'
    """
    if pending_or_terminating or not budgets:
        return Eviction(201)
    if len(budgets) > 1:
        return Eviction(500, MORE_THAN_ONE)
    budget, status = budgets[0]
    if not ready:
        if budget.unhealthy_pod_eviction_policy == "AlwaysAllow":
            return Eviction(201)
        if status.current_healthy >= status.desired_healthy > 0:
            return Eviction(201)
    if status.disruptions_allowed <= 0:
        cause = (
            f"The disruption budget {budget.name} needs {status.desired_healthy} healthy pods "
            f"and has {status.current_healthy} currently"
        )
        return Eviction(429, TOO_MANY_REQUESTS, cause)
    return Eviction(201, budget=budget.name)

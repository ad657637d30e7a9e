"""PodDisruptionBudget status and the eviction API's answer.

Status cases are ported from ``pkg/controller/disruption/disruption_test.go``
(``VerifyPdbStatus(disruptionsAllowed, currentHealthy, desiredHealthy, expectedPods)``);
eviction cases follow ``pkg/registry/core/pod/storage/eviction.go``.
"""

from __future__ import annotations

import pytest

from service.kube.model import DisruptionBudget, WorkloadRef
from service.simulation.disruption import (
    MORE_THAN_ONE,
    TOO_MANY_REQUESTS,
    BudgetStatus,
    Eviction,
    MatchedPod,
    budget_status,
    evict,
    scaled_value,
)

RS = WorkloadRef(kind="ReplicaSet", namespace="default", name="rs")
SS = WorkloadRef(kind="StatefulSet", namespace="default", name="ss")
DS = WorkloadRef(kind="DaemonSet", namespace="default", name="ds")
NAKED = WorkloadRef(kind="Pod", namespace="default", name="naked")


def budget(
    min_available: int | str | None = None, max_unavailable: int | str | None = None
) -> DisruptionBudget:
    return DisruptionBudget(
        namespace="default",
        name="foobar",
        min_available=min_available,
        max_unavailable=max_unavailable,
    )


def pods(owner: WorkloadRef, healthy: int, unhealthy: int = 0) -> list[MatchedPod]:
    return [MatchedPod(owner, True)] * healthy + [MatchedPod(owner, False)] * unhealthy


@pytest.mark.parametrize(
    ("pdb", "matched", "scales", "status"),
    [
        # TestUnavailable: minAvailable 3, four Ready pods → 1 allowed
        (budget(min_available=3), pods(NAKED, 4), {}, (4, 3, 4, 1)),
        # TestUnavailable: then one becomes unavailable
        (budget(min_available=3), pods(NAKED, 3, 1), {}, (4, 3, 3, 0)),
        # TestIntegerMaxUnavailable: a naked pod has no scale, nothing is allowed
        (budget(max_unavailable=1), pods(NAKED, 1), {}, (0, 0, 1, 0)),
        # TestIntegerMaxUnavailableWithScaling: RS of 7, one pod, maxUnavailable 2
        (budget(max_unavailable=2), pods(RS, 1), {RS: 7}, (7, 5, 1, 0)),
        # TestPercentageMaxUnavailableWithScaling: 30 % of 7 rounds up to 3
        (budget(max_unavailable="30%"), pods(RS, 1), {RS: 7}, (7, 4, 1, 0)),
        # TestNakedPod: a percentage over a naked pod allows nothing
        (budget(min_available="28%"), pods(NAKED, 1), {}, (0, 0, 1, 0)),
        # TestReplicaSet: 20 % of a ReplicaSet of 10
        (budget(min_available="20%"), pods(RS, 1), {RS: 10}, (10, 2, 1, 0)),
        # TestStatefulSetController: 34 % of 3 rounds up to 2; three pods → 1 allowed
        (budget(min_available="34%"), pods(SS, 3), {SS: 3}, (3, 2, 3, 1)),
        # TestStatefulSetController, first pod only
        (budget(min_available="34%"), pods(SS, 1), {SS: 3}, (3, 2, 1, 0)),
        # a DaemonSet has no scale subresource: the controller fails, nothing is allowed
        (budget(max_unavailable=1), pods(DS, 3), {}, (0, 0, 3, 0)),
        # a budget with neither field: expected 0, nothing allowed
        (budget(), pods(RS, 2), {RS: 2}, (0, 0, 2, 0)),
    ],
)
def test_budget_status(
    pdb: DisruptionBudget,
    matched: list[MatchedPod],
    scales: dict[WorkloadRef, int],
    status: tuple[int, int, int, int],
) -> None:
    assert budget_status(pdb, matched, scales) == BudgetStatus(*status)


def test_scaled_value_rounds_percentages_up_and_refuses_garbage() -> None:
    assert scaled_value(2, 10) == 2
    assert scaled_value("34%", 3) == 2
    assert scaled_value("34%", 3, round_up=False) == 1
    with pytest.raises(ValueError, match="string is not a percentage: 'ten'"):
        scaled_value("ten", 3)


PDB = budget(min_available=2)
BLOCKED = BudgetStatus(expected=3, desired_healthy=2, current_healthy=2, disruptions_allowed=0)
ROOM = BudgetStatus(expected=3, desired_healthy=2, current_healthy=3, disruptions_allowed=1)


@pytest.mark.parametrize(
    ("pending_or_terminating", "ready", "budgets", "answer"),
    [
        # no budget: evicted
        (False, True, [], Eviction(201)),
        # canIgnorePDB: a Pending or Terminating pod goes without a check
        (True, True, [(PDB, BLOCKED)], Eviction(201)),
        # allowance left: used
        (False, True, [(PDB, ROOM)], Eviction(201, budget="foobar")),
        # none left: 429 with the budget's cause
        (
            False,
            True,
            [(PDB, BLOCKED)],
            Eviction(
                429,
                TOO_MANY_REQUESTS,
                "The disruption budget foobar needs 2 healthy pods and has 2 currently",
            ),
        ),
        # an unready pod of a healthy budget goes without using the allowance
        (False, False, [(PDB, BLOCKED)], Eviction(201)),
        # two budgets: 500
        (False, True, [(PDB, ROOM), (PDB, ROOM)], Eviction(500, MORE_THAN_ONE)),
    ],
)
def test_eviction_api(
    pending_or_terminating: bool,
    ready: bool,
    budgets: list[tuple[DisruptionBudget, BudgetStatus]],
    answer: Eviction,
) -> None:
    assert evict(pending_or_terminating, ready, budgets) == answer


def test_unready_pod_of_an_unhealthy_budget_needs_always_allow() -> None:
    unhealthy = BudgetStatus(
        expected=3, desired_healthy=2, current_healthy=1, disruptions_allowed=0
    )
    assert evict(False, False, [(PDB, unhealthy)]).code == 429
    always = DisruptionBudget(
        namespace="default",
        name="foobar",
        min_available=2,
        unhealthy_pod_eviction_policy="AlwaysAllow",
    )
    assert evict(False, False, [(always, unhealthy)]).allowed

"""Taint-based eviction delays and the tolerations admission and the DaemonSet controller add.

Ported from ``pkg/controller/tainteviction/taint_eviction_test.go`` and
``plugin/pkg/admission/defaulttolerationseconds/admission_test.go``; each case names its test.
"""

from __future__ import annotations

import pytest

from service.kube.admission import with_default_tolerations
from service.kube.model import Taint, Toleration
from service.simulation.eviction import (
    eviction_delay,
    marking_message,
    matching_tolerations,
    min_toleration_seconds,
    with_daemonset_tolerations,
)


def taint(i: int) -> Taint:
    """``createNoExecuteTaint(i)``."""
    return Taint(key=f"testTaint{i}", value=f"test{i}", effect="NoExecute")


def toleration(i: int, seconds: int | None) -> Toleration:
    """``addToleration(pod, i, duration)`` (a negative duration: no tolerationSeconds)."""
    return Toleration(key=f"testTaint{i}", value=f"test{i}", effect="NoExecute", seconds=seconds)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        # TestGetMinTolerationTime: no tolerations → 0 (at once)
        ((), 0.0),
        # one without seconds → forever
        ((None,), None),
        # the smallest
        ((1, 2), 1.0),
        ((1, None), 1.0),
        ((None, 1), 1.0),
        # any <= 0 → at once
        ((5, 0), 0.0),
    ],
)
def test_min_toleration_time(seconds: tuple[int | None, ...], expected: float | None) -> None:
    assert min_toleration_seconds(Toleration(seconds=s) for s in seconds) == expected


@pytest.mark.parametrize(
    ("taints", "tolerations", "delay"),
    [
        # TestCreatePod "schedule on tainted Node": no toleration → deleted at once
        ((taint(1),), (), 0.0),
        # "schedule on tainted Node with finite toleration" (100 s)
        ((taint(1),), (toleration(1, 100),), 100.0),
        # "schedule on tainted Node with infinite toleration"
        ((taint(1),), (toleration(1, None),), None),
        # "schedule on tainted Node with infinite invalid toleration": tolerates taint 2 only
        ((taint(1),), (toleration(2, None),), 0.0),
        # TestUpdateNode "Only one added taint tolerated"
        ((taint(1), taint(2)), (toleration(1, 100),), 0.0),
        # "Pod with multiple tolerations are evicted when first one runs out"
        ((taint(1), taint(2)), (toleration(1, 1), toleration(2, 100)), 1.0),
        # TestUpdateNodeWithMultipleTaints: infinitely tolerated + 60 s → 60 s
        (
            (taint(1), taint(2)),
            (
                Toleration(key="testTaint1", operator="Exists", effect="NoExecute"),
                Toleration(key="testTaint2", operator="Exists", effect="NoExecute", seconds=60),
            ),
            60.0,
        ),
        # TestUpdateNodeWithMultipleTaints: back to the infinitely tolerated taint alone
        (
            (taint(1),),
            (
                Toleration(key="testTaint1", operator="Exists", effect="NoExecute"),
                Toleration(key="testTaint2", operator="Exists", effect="NoExecute", seconds=60),
            ),
            None,
        ),
        # TestFilterNoExecuteTaints: a NoSchedule taint evicts nothing
        ((Taint(key="two", value="two", effect="NoSchedule"),), (), None),
    ],
)
def test_eviction_delay(
    taints: tuple[Taint, ...], tolerations: tuple[Toleration, ...], delay: float | None
) -> None:
    assert eviction_delay(taints, tolerations) == delay


def test_the_first_matching_toleration_of_a_taint_decides() -> None:
    # GetMatchingTolerations takes, per taint, the first toleration that tolerates it:
    # a wildcard listed first wins over a later 300 s one
    wildcard = Toleration(operator="Exists")
    timed = Toleration(key="node.kubernetes.io/unreachable", operator="Exists", seconds=300)
    unreachable = Taint(key="node.kubernetes.io/unreachable", effect="NoExecute")
    assert matching_tolerations([unreachable], [wildcard, timed]) == (True, (wildcard,))
    assert eviction_delay([unreachable], [wildcard, timed]) is None
    assert eviction_delay([unreachable], [timed, wildcard]) == 300.0


def test_pod_deletion_event_message() -> None:
    # TestPodDeletionEvent "emitPodDeletionEvent"
    assert marking_message("test", "test") == "Marking for deletion Pod test/test"


NOT_READY_300 = Toleration(
    key="node.kubernetes.io/not-ready", operator="Exists", effect="NoExecute", seconds=300
)
UNREACHABLE_300 = Toleration(
    key="node.kubernetes.io/unreachable", operator="Exists", effect="NoExecute", seconds=300
)


@pytest.mark.parametrize(
    ("given", "added"),
    [
        # TestForgivenessAdmission "pod has no tolerations, expect add tolerations for
        # `notread:NoExecute` and `unreachable:NoExecute`"
        ((), (NOT_READY_300, UNREACHABLE_300)),
        # "pod has tolerations, but none is for taint `notread:NoExecute` or
        # `unreachable:NoExecute`, expect add tolerations for …"
        (
            (Toleration(key="foo", value="bar", effect="NoSchedule", seconds=700),),
            (NOT_READY_300, UNREACHABLE_300),
        ),
        # "pod specified a toleration for taint `notReady:NoExecute`, expect add toleration
        # for `unreachable:NoExecute`"
        (
            (
                Toleration(
                    key="node.kubernetes.io/not-ready",
                    operator="Exists",
                    effect="NoExecute",
                    seconds=700,
                ),
            ),
            (UNREACHABLE_300,),
        ),
        # "pod specified toleration for taint `unreachable`, expect add toleration for
        # `notReady:NoExecute`" (no effect: matches NoExecute)
        (
            (Toleration(key="node.kubernetes.io/unreachable", operator="Exists", seconds=700),),
            (NOT_READY_300,),
        ),
        # "pod has wildcard toleration for all kind of taints, expect no change"
        ((Toleration(operator="Exists", seconds=700),), ()),
    ],
)
def test_default_toleration_seconds_admission(
    given: tuple[Toleration, ...], added: tuple[Toleration, ...]
) -> None:
    assert with_default_tolerations(given) == (*given, *added)


def test_daemonset_pods_tolerate_node_failure_for_ever() -> None:
    tolerations = with_daemonset_tolerations((UNREACHABLE_300,))
    assert [(t.key, t.effect, t.seconds) for t in tolerations] == [
        # same key, operator, value and effect: replaced in place, its seconds dropped
        ("node.kubernetes.io/unreachable", "NoExecute", None),
        ("node.kubernetes.io/not-ready", "NoExecute", None),
        ("node.kubernetes.io/disk-pressure", "NoSchedule", None),
        ("node.kubernetes.io/memory-pressure", "NoSchedule", None),
        ("node.kubernetes.io/pid-pressure", "NoSchedule", None),
        ("node.kubernetes.io/unschedulable", "NoSchedule", None),
    ]
    unreachable = Taint(key="node.kubernetes.io/unreachable", effect="NoExecute")
    assert eviction_delay([unreachable], with_daemonset_tolerations(())) is None
    host = with_daemonset_tolerations((), host_network=True)
    assert host[-1].key == "node.kubernetes.io/network-unavailable"

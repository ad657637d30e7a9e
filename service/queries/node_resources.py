"""kube-scheduler's NodeResourcesFit plugin, on one node's state: the filter and the score.

A node's state is a :data:`NodeState` tuple (allocatable CPU, allocatable memory, max
pods, requested CPU, requested memory, requested CPU for scoring, requested memory for
scoring, pod count); a pod's request is a :data:`PodRequest` (CPU, memory, CPU for
scoring, memory for scoring). CPU is in millicores, memory in bytes. They are tuples,
not classes: nodes in the same state share one, and the scheduler groups nodes by it.

- **Filter.** A node fits a pod when it holds fewer than its max pods (the kubelet's
  default, :data:`DEFAULT_MAX_PODS`) and its allocatable CPU and memory minus the
  requests already placed cover the pod's; a request of 0 always fits.
- **Score** (the ``LeastAllocated`` strategy): per resource ``(allocatable - requested)
  * 100 // allocatable`` counting the pod, averaged with integer division; a pod
  requesting 0 counts as :data:`DEFAULT_MILLI_CPU_REQUEST` /
  :data:`DEFAULT_MEMORY_REQUEST` for scoring only, and a resource the node has none of
  is left out of the average, as kube-scheduler does.
"""

from __future__ import annotations

from service.kube.wellknown import (
    DEFAULT_MAX_PODS,
    DEFAULT_MEMORY_REQUEST,
    DEFAULT_MILLI_CPU_REQUEST,
)

MAX_NODE_SCORE = 100

NodeState = tuple[int, int, int, int, int, int, int, int]
PodRequest = tuple[int, int, int, int]


def empty_node(cpu: int, memory: int) -> NodeState:
    """The state of a node with ``cpu`` and ``memory`` allocatable and no pod."""
    return (cpu, memory, DEFAULT_MAX_PODS, 0, 0, 0, 0, 0)


def pod_request(cpu: int, memory: int) -> PodRequest:
    """A pod's request, with the defaults kube-scheduler scores a request of 0 as."""
    return (cpu, memory, cpu or DEFAULT_MILLI_CPU_REQUEST, memory or DEFAULT_MEMORY_REQUEST)


def fits(key: NodeState, q: PodRequest) -> bool:
    """True when a pod of ``q`` passes the filter on a node in state ``key``."""
    ac, am, mp, rc, rm, _, _, n = key
    return n < mp and (q[0] == 0 or q[0] <= ac - rc) and (q[1] == 0 or q[1] <= am - rm)


def fit_reasons(key: NodeState, q: PodRequest) -> list[str]:
    """Why a pod of ``q`` fails the filter on a node in state ``key``, in kube-scheduler's words."""
    ac, am, mp, rc, rm, _, _, n = key
    reasons = ["Too many pods"] if n >= mp else []
    if q[0] and q[0] > ac - rc:
        reasons.append("Insufficient cpu")
    if q[1] and q[1] > am - rm:
        reasons.append("Insufficient memory")
    return reasons


def capacity(key: NodeState, q: PodRequest) -> int:
    """How many pods of ``q`` still fit on a node in state ``key``."""
    ac, am, mp, rc, rm, _, _, n = key
    count = mp - n
    if q[0]:
        count = min(count, (ac - rc) // q[0])
    if q[1]:
        count = min(count, (am - rm) // q[1])
    return max(count, 0)


def least_allocated(allocatable: int, requested: int) -> int:
    """One resource's ``LeastAllocated`` score, from 0 to :data:`MAX_NODE_SCORE`."""
    if requested > allocatable:
        return 0
    return (allocatable - requested) * MAX_NODE_SCORE // allocatable


def score(key: NodeState, q: PodRequest, extra: int = 0) -> int:
    """LeastAllocated score of placing a pod of ``q`` after ``extra`` more of them.

    Resources a node has none of are left out of the average, as kube-scheduler does.
    """
    ac, am = key[0], key[1]
    if ac and am:  # the common case, inlined: this runs once per group and request
        rc, rm = key[5] + (extra + 1) * q[2], key[6] + (extra + 1) * q[3]
        cpu = (ac - rc) * MAX_NODE_SCORE // ac if rc <= ac else 0
        memory = (am - rm) * MAX_NODE_SCORE // am if rm <= am else 0
        return (cpu + memory) // 2
    if ac:
        return least_allocated(ac, key[5] + (extra + 1) * q[2])
    if am:
        return least_allocated(am, key[6] + (extra + 1) * q[3])
    return 0


def add_pods(key: NodeState, q: PodRequest, times: int = 1) -> NodeState:
    """The state after placing ``times`` pods of ``q`` (negative: removing them)."""
    ac, am, mp, rc, rm, zc, zm, n = key
    return (ac, am, mp, rc + times * q[0], rm + times * q[1], zc + times * q[2],
            zm + times * q[3], n + times)  # fmt: skip

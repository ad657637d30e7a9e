"""The fast scheduler's inner loop in compiled code: a run of identical pods placed in a row.

:func:`place_run` decides, one pod after the other, what :meth:`Run.best
<service.simulation.fast_scheduler.Run.best>` decides for consecutive pods of one profile whose
topology rules are spread constraints (kube-scheduler's system defaults for a Deployment's
pods among them) and required anti-affinity, each pod bound before the next is decided. It
stops at the first pod no node fits (that one's FitError is the Python path's). It changes
none of its inputs: what the run's own pods add to a node is counted apart (``added``); the
caller binds the pods in the state.

The same per-class reasoning as the Python run (see :mod:`~service.simulation.fast_scheduler`):
nodes are grouped by class (their domain per zone-like rule, raw TaintToleration and
NodeAffinity scores); within a class, nodes without a matching pod on them ("bulk") differ
only by their node-local score, so each class offers its best bulk node, and nodes that have
matching pods ("tracked", few) are offered one by one. The scores are upstream's, normalised
over every feasible node (``podtopologyspread/scoring.go``, ``tainttoleration``,
``nodeaffinity``), with the same floating-point operations in the same order as the Python
code, so the choice is the same node.

Compiled by numba (see :func:`jit`); the first call in a process without a cache compiles it
(4–5 s on the 2-core machine), which :func:`warm_up` does ahead of time for a server.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np

F = TypeVar("F", bound=Callable[..., Any])


def jit(fn: F) -> F:
    """Compiled with numba, the machine code cached on disk when there is a writable place
    (beside this file, or ``NUMBA_CACHE_DIR``; the image sets one under /tmp), else kept in
    memory (numba refuses ``cache=True`` without one).

    ``error_model="numpy"``: a division does not check its divisor for zero (Python's
    ZeroDivisionError), which is what keeps numba from compiling the loops over every node
    that divide (``_scored``) to vector code: 4× faster. Every division here has a divisor
    checked non-zero first (allocatable cpu and memory: ``fast_batch``; the scores' maxima)."""
    try:
        return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy")(fn))
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return cast(F, numba.njit(nogil=True, error_model="numpy")(fn))


MAX_NODE_SCORE = 100
SHIFT = 1 << 21  # as fast_scheduler.SHIFT: score·SHIFT + (SHIFT−1−rank)


@jit
def _local(
    x: int, times: int, allocatable: Any, requested: Any, nonzero: Any, pod: Any, rank: Any
) -> int:
    """LeastAllocated + BalancedAllocation of node ``x`` with ``times`` pods of the run's kind
    on it (``fast_scheduler.local_score``), packed with its name rank: ``score·SHIFT +
    SHIFT−1−rank``. ``pod``: nonzero cpu, memory, requested cpu, memory, balanced (0/1).

    In doubles and without branches, so that a loop over every node is vectorised (the pod's
    values read once, before it; numba inlines this into the loop). LeastAllocated's
    ``(a − r)·100 // a`` is ``floor((a − r)·100.0 / a)``, 0 when negative: exact while
    a < 2⁴⁶ (the caller checks; see ``fast_scheduler.local_scores``)."""
    cpu = float(allocatable[x, 0])
    mem = float(allocatable[x, 1])
    la_cpu = np.floor((cpu - float(nonzero[x, 0] + times * pod[0])) * 100.0 / cpu)
    la_cpu = la_cpu if la_cpu > 0.0 else 0.0
    la_mem = np.floor((mem - float(nonzero[x, 1] + times * pod[1])) * 100.0 / mem)
    la_mem = la_mem if la_mem > 0.0 else 0.0
    score = np.floor((la_cpu + la_mem) * 0.5)
    f_cpu = float(requested[x, 0] + times * pod[2]) / cpu
    f_cpu = f_cpu if f_cpu < 1.0 else 1.0
    f_mem = float(requested[x, 1] + times * pod[3]) / mem
    f_mem = f_mem if f_mem < 1.0 else 1.0
    d = (f_cpu - f_mem) / 2
    d = d if d >= 0.0 else -d
    score += float(pod[4]) * np.floor((1 - d) * float(MAX_NODE_SCORE))
    return np.int64(score) * SHIFT + (SHIFT - 1 - rank[x])  # type: ignore[no-any-return]


@jit
def _scored(
    allocatable: Any, requested: Any, nonzero: Any, pod_counts: Any, max_pods: Any,
    node_class: Any, pod: Any, need: Any, rank: Any, out: Any,
) -> None:  # fmt: skip
    """Every node's :func:`_local` score for the run's first pod, or -1 where that pod does
    not fit: a static filter failed (``node_class`` -1), the node is full of pods, or it lacks
    cpu or memory (``need``: the pod's requests of the two, or a floor no node is under when
    it asks for none; other resources: the caller). One pass, vector code."""
    need_cpu, need_mem = need[0], need[1]
    for x in range(len(out)):
        score = _local(x, 1, allocatable, requested, nonzero, pod, rank)
        fits = (
            (node_class[x] >= 0)
            & (pod_counts[x] < max_pods[x])
            & (need_cpu <= allocatable[x, 0] - requested[x, 0])
            & (need_mem <= allocatable[x, 1] - requested[x, 1])
        )
        out[x] = score if fits else -1


@jit
def _fits(
    x: int, allocatable: Any, requested: Any, pod_counts: Any, max_pods: Any, k: int,
    wanted: Any, wants: Any,
) -> bool:  # fmt: skip
    """NodeResourcesFit for one more pod on node ``x``, ``k`` of the run's already there."""
    if pod_counts[x] + k >= max_pods[x]:
        return False
    for w in range(len(wanted)):
        r = wanted[w]
        if wants[w] > allocatable[x, r] - requested[x, r] - k * wants[w]:
            return False
    return True


BLOCK = 256  # nodes a run's class lists look at in one go (place_run)

SOFT, HARD, ANTI = 0, 1, 2  # rule kinds: ScheduleAnyway, DoNotSchedule, required anti-affinity


@jit
def _count(i: int, x: int, counts: Any, counter: Any, grows: Any, added: Any) -> int:
    """Rule ``i``'s matching pods on node ``x``, the run's own included (``counts``: one row
    per counter, ``counter[i]``: rule ``i``'s row)."""
    return int(counts[counter[i], x] + (added[x] if grows[i] else 0))


@jit
def _hot(x: int, host_rules: Any, counts: Any, counter: Any, grows: Any, added: Any) -> bool:
    """Whether a per-node (hostname) rule counts pods on ``x``: then it is tracked alone."""
    for i in host_rules:  # noqa: SIM110 (numba compiles no generator)
        if _count(i, x, counts, counter, grows, added) > 0:
            return True
    return False


@jit
def _insert(top: Any, c: int, lo: int, size: int, keep: int, x: int, packed: Any) -> int:
    """Insert ``x`` into class ``c``'s list ``top[c, lo:size]`` (best first, at most ``keep``
    long, the worst dropped); the new size."""
    if size == keep:
        if packed[x] <= packed[top[c, size - 1]]:
            return size
        size -= 1
    j = size
    while j > lo and packed[top[c, j - 1]] < packed[x]:
        top[c, j] = top[c, j - 1]
        j -= 1
    top[c, j] = x
    return size + 1


@jit
def static_tables(
    ok: Any, codes: Any, code_top: int, rule_kind: Any, rule_host: Any, domains: Any,
    rule_score: Any, rule_eligible: Any,
) -> Any:  # fmt: skip
    """What :func:`place_run` reads of the nodes that stays while a profile's topology does,
    made once for the runs of every profile alike (``fast_batch`` keeps it):

    - ``node_class``: each node's class, numbered in node order (-1: not ``ok``, a static
      filter fails), ``codes`` being its class code (``fast_scheduler.class_codes``) ≤
      ``code_top``; ``rep``: each class's first node; ``class_size``: its nodes;
    - per rule (not per node): its eligible nodes per domain (``domain_nodes``) and how
      many domains have one (``present_domains``); per per-node DoNotSchedule rule: its
      eligible nodes (``eligible_count``)."""
    n = len(ok)
    rules = len(rule_kind)
    max_domains = 1
    for i in range(rules):
        max_domains = max(max_domains, domains[i])
    domain_nodes = np.zeros((rules, max_domains), dtype=np.int64)
    eligible_count = np.zeros(rules, dtype=np.int64)
    for i in range(rules):
        if rule_host[i]:
            if rule_kind[i] == HARD:
                for x in range(n):
                    eligible_count[i] += rule_eligible[i, x]
        else:
            for x in range(n):
                if rule_eligible[i, x]:
                    domain_nodes[i, rule_score[i, x]] += 1
    present_domains = np.zeros(rules, dtype=np.int64)
    for i in range(rules):
        for d in range(max_domains):
            if domain_nodes[i, d] > 0:
                present_domains[i] += 1
    class_of_code = np.full(code_top + 1, -1, dtype=np.int64)
    node_class = np.full(n, -1, dtype=np.int64)
    rep = np.empty(n, dtype=np.int64)
    size = np.zeros(n, dtype=np.int64)
    classes = 0
    for x in range(n):
        if ok[x]:
            c = class_of_code[codes[x]]
            if c < 0:
                c = class_of_code[codes[x]] = classes
                rep[classes] = x
                classes += 1
            node_class[x] = c
            size[c] += 1
    return (
        node_class, rep[:classes].copy(), size[:classes].copy(), domain_nodes, present_domains,
        eligible_count,
    )  # fmt: skip


@jit
def update_tables(
    nodes: Any, ok: Any, codes: Any, eligible_now: Any, rule_kind: Any, rule_host: Any,
    rule_score: Any, node_class: Any, rep: Any, class_size: Any, domain_nodes: Any,
    present_domains: Any, eligible_count: Any, eligible: Any,
) -> bool:  # fmt: skip
    """:func:`static_tables`' tables and the rules' eligible rows (``eligible``) brought up
    to date in place for a change of ``nodes`` alone (a taint, a cordon, a removal): what
    each of them now passes (``ok``, by position in ``nodes``), its class code (``codes``:
    every node's) and whether each rule counts it (``eligible_now``: rule × position).
    Classes are matched by the code of a member; an emptied class's place is taken by a new
    code. False, the tables half made: a new code and no place for it (make them again).

    The kernel reads a class only through its members and ``rep`` (any member: they share
    the code), so the numbering need not be in node order as :func:`static_tables` makes it."""
    n = len(node_class)
    classes = len(rep)
    old = np.empty(len(nodes), dtype=np.int64)
    for j in range(len(nodes)):
        x = nodes[j]
        c = node_class[x]
        old[j] = c
        if c >= 0:
            class_size[c] -= 1
            node_class[x] = -1
    for j in range(len(nodes)):  # a class that lost its rep and has others: another one
        c = old[j]
        if c >= 0 and class_size[c] > 0 and node_class[rep[c]] != c:
            for y in range(n):
                if node_class[y] == c:
                    rep[c] = y
                    break
    for j in range(len(nodes)):
        if not ok[j]:
            continue
        x = nodes[j]
        found = -1
        for c in range(classes):
            if class_size[c] > 0 and codes[rep[c]] == codes[x]:
                found = c
                break
        if found < 0:
            for c in range(classes):
                if class_size[c] == 0:
                    found = c
                    rep[c] = x
                    break
            if found < 0:
                return False
        node_class[x] = found
        class_size[found] += 1
    for i in range(len(rule_kind)):
        touched = False
        for j in range(len(nodes)):
            x = nodes[j]
            now = eligible_now[i, j]
            if now == eligible[i, x]:
                continue
            delta = 1 if now else -1
            if rule_host[i]:
                if rule_kind[i] == HARD:
                    eligible_count[i] += delta
            else:
                domain_nodes[i, rule_score[i, x]] += delta
                touched = True
            eligible[i, x] = now
        if touched:
            present_domains[i] = 0
            for d in range(domain_nodes.shape[1]):
                if domain_nodes[i, d] > 0:
                    present_domains[i] += 1
    return True


@jit
def place_run(
    count: int,
    node_class: Any, rep: Any,  # per node its class (-1: filtered out), per class its first node
    class_size: Any,  # per class, its nodes
    domain_nodes: Any, present_domains: Any, eligible_count: Any,  # the rest of static_tables
    allocatable: Any, requested: Any, nonzero: Any, pod_counts: Any, max_pods: Any,  # the state's
    wanted: Any, wants: Any,  # the resources the pod requests, and how much
    pod_nz_cpu: int, pod_nz_mem: int, balanced: bool,
    rank: Any, tt_raw: Any, na_raw: Any, has_na_raw: bool, require_all: bool,
    rule_kind: Any, rule_host: Any, rule_skew: Any, rule_max_skew: Any, rule_self: Any,
    rule_min_domains: Any, rule_grows: Any,  # per topology rule, in the profile's order
    domains: Any,  # per rule: how many score codes
    rule_codes: Any, rule_score: Any, rule_eligible: Any,  # rule × node
    rule_counts: Any, rule_counter: Any,  # counter × node: matching pods; per rule its counter
    counted: bool,  # False: every count is 0 (no bound pod matches a rule)
    added: Any, tracked_at: Any, packed: Any, tracked: Any,  # scratch: see the docstring
) -> Any:  # fmt: skip
    """The nodes chosen for up to ``count`` pods in a row (fewer: the next fits nowhere).
    The tables of :func:`static_tables` come first.

    Four node-sized arrays are the caller's, kept between runs so that a run does not
    allocate and clear them: ``added`` (the run's pods on each node) all 0 and ``tracked_at``
    (each tracked node's place in ``tracked``) all -1 on entry, and so again on return;
    ``packed`` (the nodes' :func:`_local` scores) and ``tracked`` are written before read."""
    n = len(node_class)
    rules = len(rule_kind)
    classes = len(rep)
    pod = np.zeros(5, dtype=np.int64)  # nonzero cpu, memory; requested cpu, memory; balanced
    pod[0] = pod_nz_cpu
    pod[1] = pod_nz_mem
    pod[4] = 1 if balanced else 0
    for w in range(len(wanted)):
        if wanted[w] < 2:
            pod[2 + wanted[w]] = wants[w]
    # per rule: the matching pods per domain over its eligible nodes, and for a per-node
    # DoNotSchedule rule its eligible nodes without one (only nodes with pods are read)
    max_domains = domain_nodes.shape[1]
    host_rules_count = 0
    for i in range(rules):
        if rule_host[i]:
            host_rules_count += 1
    host_rules = np.zeros(host_rules_count, dtype=np.int64)
    domain_counts = np.zeros((rules, max_domains), dtype=np.int64)
    zero_eligible = eligible_count.copy()
    h = 0
    for i in range(rules):
        host = rule_host[i]
        row = rule_counter[i]
        if host:
            host_rules[h] = i
            h += 1
            if rule_kind[i] != HARD:
                continue
        if not counted:
            continue
        for x in range(n):
            if rule_counts[row, x] != 0 and rule_eligible[i, x]:
                if host:
                    zero_eligible[i] -= 1
                else:
                    domain_counts[i, rule_score[i, x]] += rule_counts[row, x]
    class_code = np.zeros((rules, classes), dtype=np.int64)
    class_score = np.zeros((rules, classes), dtype=np.int64)
    class_tt = np.zeros(classes, dtype=np.int64)
    class_na = np.zeros(classes, dtype=np.int64)
    class_ignored = np.zeros(classes, dtype=np.bool_)
    for c in range(classes):
        class_tt[c] = tt_raw[rep[c]]
        if has_na_raw:
            class_na[c] = na_raw[rep[c]]
        for i in range(rules):
            class_code[i, c] = rule_codes[i, rep[c]]
            class_score[i, c] = rule_score[i, rep[c]]
            if require_all and rule_kind[i] == SOFT and class_code[i, c] < 0:
                class_ignored[c] = True
    # the feasible nodes: tracked alone, or among their class's bulk nodes, the best of
    # which are kept in order. Each pod takes one class's best bulk node, so a list is first
    # as long as the run's share of pods per class, and twice as long each time it is used
    # up and made again, up to as many as the run can use: every node better than a full
    # list's worst is inserted, and a list as long as the run took a third of its time at
    # 5,000 nodes (3 zones: 3 lists of 31 for 30 pods, where about 10 a list are taken)
    longest = min(count + 1, n)
    keep = np.full(classes, min(longest, count // max(classes, 1) + 3), dtype=np.int64)
    top = np.empty((classes, longest), dtype=np.int64)
    head = np.zeros(classes, dtype=np.int64)
    size = np.zeros(classes, dtype=np.int64)
    bulk_feasible = class_size.copy()  # less the nodes that do not fit or are tracked
    tracked_count = 0
    need = np.full(2, -(1 << 62), dtype=np.int64)
    for w in range(len(wanted)):
        if wanted[w] < 2:
            need[wanted[w]] = wants[w]
    _scored(allocatable, requested, nonzero, pod_counts, max_pods, node_class, pod, need, rank,
            packed)  # fmt: skip
    for w in range(len(wanted)):  # resources other than cpu and memory
        r = wanted[w]
        if r >= 2:
            need_r = wants[w]
            for x in range(n):
                if need_r > allocatable[x, r] - requested[x, r]:
                    packed[x] = -1
    # a node a per-node rule counts pods on is tracked alone (nothing of the run is bound yet)
    for h in range(host_rules_count if counted else 0):
        row = rule_counter[host_rules[h]]
        for x in range(n):
            if rule_counts[row, x] > 0 and packed[x] >= 0 and tracked_at[x] < 0:
                tracked[tracked_count] = x
                tracked_at[x] = tracked_count
                tracked_count += 1
                bulk_feasible[node_class[x]] -= 1
    # the class lists, in blocks: first the block's nodes above their class's floor (a full
    # list's worst: no node under it enters) and the classes of those a pod does not fit,
    # without branches; then those, one by one, as the floors rise. At 5,000 nodes most
    # nodes are under the floor, and a branch per node taken at random was most of this
    # pass; so was a count per class kept for every node (each add waits for the last).
    floor = np.full(classes + 1, -1, dtype=np.int64)  # [classes]: the -1 class's (none enter)
    lost = np.zeros(classes + 1, dtype=np.int64)  # per class + 1: nodes a pod does not fit
    above = np.empty(min(n, BLOCK), dtype=np.int64)
    unfit = np.empty(min(n, BLOCK), dtype=np.int64)
    for lo in range(0, n, BLOCK):
        hi = min(lo + BLOCK, n)
        m = 0
        u = 0
        for x in range(lo, hi):
            c = node_class[x]
            value = packed[x]
            above[m] = x
            m += value > floor[c]  # c = -1: floor[classes]
            unfit[u] = c
            u += value < 0
        for j in range(u):
            lost[unfit[j] + 1] += 1
        for j in range(m):
            x = above[j]
            c = node_class[x]
            if packed[x] > floor[c] and tracked_at[x] < 0:
                size[c] = _insert(top, c, 0, size[c], keep[c], x, packed)
                if size[c] == keep[c]:
                    floor[c] = packed[top[c, keep[c] - 1]]
    for c in range(classes):
        bulk_feasible[c] -= lost[c + 1]
    bulk_best = np.full(classes, -1, dtype=np.int64)
    for c in range(classes):
        if size[c] > 0:
            bulk_best[c] = top[c, 0]

    chosen = np.full(count, -1, dtype=np.int64)
    weights = np.zeros(rules, dtype=np.float64)
    seen = np.zeros((rules, max_domains), dtype=np.int64)
    minimum = np.zeros(rules, dtype=np.int64)
    most = classes + tracked_count + count  # options at most: tracked nodes grow by one a pod
    option_node = np.empty(most, dtype=np.int64)
    option_class = np.empty(most, dtype=np.int64)
    option_count = np.empty(most, dtype=np.int64)
    option_raw = np.empty(most, dtype=np.int64)
    stamp = 0
    for k in range(count):
        # the DoNotSchedule rules' minimum matching counts
        for i in range(rules):
            if rule_kind[i] == HARD:
                minimum[i] = _minimum(i, n, rule_host[i], rule_min_domains[i], eligible_count,
                                      zero_eligible, present_domains, max_domains, domain_nodes,
                                      domain_counts, rule_counts, rule_counter, rule_grows, added,
                                      rule_eligible)  # fmt: skip
        # the options that pass the filters: each class's best bulk node, each tracked node
        options = 0
        for j in range(classes + tracked_count):
            if j < classes:
                c = j
                x = bulk_best[c]
                if x < 0:
                    continue
                many = bulk_feasible[c]
            else:
                x = tracked[j - classes]
                c = node_class[x]
                many = 1
            if not _passes(
                x,
                c,
                j >= classes,
                rules,
                rule_kind,
                rule_host,
                rule_max_skew,
                rule_self,
                rule_eligible,
                class_code,
                domain_counts,
                rule_counts,
                rule_counter,
                rule_grows,
                added,
                minimum,
            ):
                continue  # fmt: skip
            option_node[options] = x
            option_class[options] = c
            option_count[options] = many
            options += 1
        if options == 0:
            break
        top_tt = 0
        top_na = 0
        total_feasible = 0
        for o in range(options):
            c = option_class[o]
            top_tt = max(top_tt, class_tt[c])
            top_na = max(top_na, class_na[c])
            if not class_ignored[c]:
                total_feasible += option_count[o]
        # ScheduleAnyway weights: log(feasible nodes + 2) per node, log(domains + 2) otherwise
        stamp += 1
        soft = False
        for i in range(rules):
            if rule_kind[i] != SOFT:
                continue
            soft = True
            if rule_host[i]:
                weights[i] = math.log(total_feasible + 2)
                continue
            distinct = 0
            for o in range(options):
                c = option_class[o]
                if not class_ignored[c]:
                    d = class_score[i, c]
                    if seen[i, d] != stamp:
                        seen[i, d] = stamp
                        distinct += 1
            weights[i] = math.log(distinct + 2)
        # raw spread scores: the lowest and highest over the options
        low = -1
        high = 0
        if soft:
            for o in range(options):
                c = option_class[o]
                if class_ignored[c]:
                    continue
                x = option_node[o]
                raw = _raw(x, c, tracked_at[x] >= 0, rules, rule_kind, rule_host, rule_skew,
                           weights, class_code, class_score, domain_counts, rule_counts,
                           rule_counter, rule_grows, added)  # fmt: skip
                option_raw[o] = raw
                if low < 0 or raw < low:
                    low = raw
                if raw > high:
                    high = raw
        has_na = has_na_raw and top_na > 0
        best_key = -1
        best = -1
        for o in range(options):
            x = option_node[o]
            c = option_class[o]
            tt = class_tt[c]
            total = (
                MAX_NODE_SCORE if top_tt == 0 else MAX_NODE_SCORE - MAX_NODE_SCORE * tt // top_tt
            )
            total *= 3
            if has_na:
                total += 2 * (MAX_NODE_SCORE * class_na[c] // top_na)
            if soft:
                spread = 0
                if not class_ignored[c] and low >= 0:
                    if high == 0:
                        spread = MAX_NODE_SCORE
                    else:
                        spread = MAX_NODE_SCORE * (high + low - option_raw[o]) // high
                total += 2 * spread
            key = total * SHIFT + packed[x]
            if key > best_key:
                best_key = key
                best = x
        # bind: the run's pods on x, the rules' counts
        x = best
        c = node_class[x]
        chosen[k] = x
        was_bulk = tracked_at[x] < 0
        for i in range(rules):
            if rule_grows[i]:
                if rule_host[i]:
                    if (
                        rule_kind[i] == HARD
                        and rule_eligible[i, x]
                        and _count(i, x, rule_counts, rule_counter, rule_grows, added) == 0
                    ):
                        zero_eligible[i] -= 1
                elif rule_eligible[i, x]:
                    domain_counts[i, rule_score[i, x]] += 1
        added[x] += 1
        still = _fits(x, allocatable, requested, pod_counts, max_pods, added[x], wanted, wants)
        if still:
            packed[x] = _local(x, added[x] + 1, allocatable, requested, nonzero, pod, rank)
        hot = host_rules_count > 0 and _hot(x, host_rules, rule_counts, rule_counter, rule_grows,
                                            added)  # fmt: skip
        if not was_bulk:
            if not still:
                last = tracked[tracked_count - 1]
                tracked[tracked_at[x]] = last
                tracked_at[last] = tracked_at[x]
                tracked_at[x] = -1
                tracked_count -= 1
            continue
        # x was its class's best bulk node: it leaves the list, or goes back in at its place
        bulk_feasible[c] -= 1
        if still and hot:
            tracked[tracked_count] = x
            tracked_at[x] = tracked_count
            tracked_count += 1
        lo = head[c]
        if still and not hot:
            bulk_feasible[c] += 1
            m = lo + 1
            while m < size[c] and packed[top[c, m]] > packed[x]:
                top[c, m - 1] = top[c, m]
                m += 1
            top[c, m - 1] = x
            if m == size[c] and bulk_feasible[c] > size[c] - lo:
                size[c] -= 1  # last of the list: a bulk node left out may be better now
        else:
            head[c] += 1
            lo += 1
        if lo == size[c] and bulk_feasible[c] > 0:  # the list is used up: look again
            head[c] = lo = 0
            size[c] = 0
            keep[c] = min(2 * keep[c], longest)
            for y in range(n):
                if (
                    node_class[y] == c
                    and tracked_at[y] < 0
                    and _fits(y, allocatable, requested, pod_counts, max_pods, added[y], wanted,
                              wants)
                ):  # fmt: skip
                    size[c] = _insert(top, c, 0, size[c], keep[c], y, packed)
        bulk_best[c] = top[c, lo] if lo < size[c] else -1
    done = 0
    while done < count and chosen[done] >= 0:
        added[chosen[done]] = 0
        done += 1
    for j in range(tracked_count):
        tracked_at[tracked[j]] = -1
    return chosen[:done]


@jit
def _minimum(
    i: int, n: int, hostname: bool, min_domains: int, eligible_count: Any, zero_eligible: Any,
    present_domains: Any, max_domains: int, domain_nodes: Any, domain_counts: Any, counts: Any,
    counter: Any, grows: Any, added: Any, eligible: Any,
) -> int:  # fmt: skip
    """A DoNotSchedule rule's minimum matching count over its domains (``Run._min_match``)."""
    if hostname:
        if eligible_count[i] < min_domains or zero_eligible[i] > 0 or eligible_count[i] == 0:
            return 0
        low = -1
        for x in range(n):
            if eligible[i, x]:
                here = _count(i, x, counts, counter, grows, added)
                if low < 0 or here < low:
                    low = here
        return low
    if present_domains[i] < min_domains or present_domains[i] == 0:
        return 0
    low = -1
    for d in range(max_domains):
        if domain_nodes[i, d] > 0 and (low < 0 or domain_counts[i, d] < low):
            low = domain_counts[i, d]
    return low


@jit
def _passes(
    x: int, c: int, tracked: bool, rules: int, kind: Any, hostname: Any, max_skew: Any,
    self_match: Any, eligible: Any, class_code: Any, domain_counts: Any, counts: Any,
    counter: Any, grows: Any, added: Any, minimum: Any,
) -> bool:  # fmt: skip
    """The DoNotSchedule and anti-affinity filters for node ``x`` of class ``c`` (``tracked``:
    its own counts, else none: ``Run._passes``)."""
    for i in range(rules):
        if kind[i] == SOFT:
            continue
        code = class_code[i, c]
        if kind[i] == HARD:
            if code < 0:
                return False
            if hostname[i]:
                here = (
                    _count(i, x, counts, counter, grows, added) if tracked and eligible[i, x] else 0
                )
            else:
                here = domain_counts[i, code]
            if here + self_match[i] - minimum[i] > max_skew[i]:
                return False
        elif code >= 0:
            if hostname[i]:
                here = _count(i, x, counts, counter, grows, added) if tracked else 0
            else:
                here = domain_counts[i, code]
            if here > 0:
                return False
    return True


@jit
def _raw(
    x: int, c: int, tracked: bool, rules: int, kind: Any, hostname: Any, skew: Any,
    weights: Any, class_code: Any, class_score: Any, domain_counts: Any, counts: Any,
    counter: Any, grows: Any, added: Any,
) -> int:  # fmt: skip
    """PodTopologySpread's raw score for node ``x`` of class ``c`` (``tracked``: its own
    counts, else none)."""
    total = 0.0
    for i in range(rules):
        if kind[i] == SOFT and class_code[i, c] >= 0:
            if hostname[i]:
                here = _count(i, x, counts, counter, grows, added) if tracked else 0
            else:
                here = domain_counts[i, class_score[i, c]]
            total += here * weights[i] + skew[i]
    whole = int(total)  # total >= 0: truncation is floor
    if total - whole >= 0.5:
        whole += 1
    return whole


def warm_up() -> None:
    """Compile (or load) :func:`static_tables` and :func:`place_run` now, with the types the
    scheduler calls them with."""
    n = 2
    ints = np.zeros(n, dtype=np.int64)
    table = np.ones((n, 3), dtype=np.int64, order="F")
    rules = np.zeros((1, n), dtype=np.int64)
    kind, host, domains = np.zeros(1, dtype=np.int64), np.ones(1, dtype=np.bool_), ints[:1] + 1
    eligible = np.ones((1, n), dtype=np.bool_)
    node_class, rep, size, domain_nodes, present_domains, eligible_count = static_tables(
        np.ones(n, dtype=np.bool_), ints, 0, kind, host, domains, rules, eligible
    )
    place_run(
        1, node_class, rep, size, domain_nodes, present_domains, eligible_count, table, table * 0, table[:, :2] * 0, ints,
        ints + 1, np.zeros(1, dtype=np.int64), np.ones(1, dtype=np.int64), 1, 1, True,
        np.arange(n, dtype=np.int64), ints, ints, False, False, kind,
        host, np.zeros(1), np.ones(1, dtype=np.int64), ints[:1],
        np.ones(1, dtype=np.int64), np.zeros(1, dtype=np.bool_), domains,
        rules, rules, eligible, rules, ints[:1], True, *scratch(n),
    )  # fmt: skip


def scratch(n: int) -> tuple[Any, Any, Any, Any]:
    """The node-sized arrays :func:`place_run` borrows (``added``, ``tracked_at``, ``packed``,
    ``tracked``), as it wants them on entry."""
    return (
        np.zeros(n, dtype=np.int64), np.full(n, -1, dtype=np.int64),
        np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64),
    )  # fmt: skip

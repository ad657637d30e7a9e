"""The fast scheduler's inner loop in compiled code: a run of identical pods placed in a row.

:func:`place_run` decides, one pod after the other, what :meth:`Run.best
<service.simulation.fast_scheduler.Run.best>` decides for consecutive pods of one profile whose
topology rules are all ScheduleAnyway spread constraints (kube-scheduler's system defaults for
a Deployment's pods: hostname and zone), each pod bound before the next is decided. It stops
at the first pod no node fits (that one's FitError is the Python path's). It reads copies of
the nodes' columns and writes only its own copies; the caller binds the pods in the state.

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
    memory (numba refuses ``cache=True`` without one)."""
    try:
        return cast(F, numba.njit(cache=True, nogil=True)(fn))
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return cast(F, numba.njit(nogil=True)(fn))


MAX_NODE_SCORE = 100
SHIFT = 1 << 21  # as fast_scheduler.SHIFT: score·SHIFT + (SHIFT−1−rank)


@jit
def _local(
    x: int,
    alloc_cpu: Any, alloc_mem: Any, nz_cpu: Any, nz_mem: Any, req_cpu: Any, req_mem: Any,
    pod_nz_cpu: int, pod_nz_mem: int, pod_req_cpu: int, pod_req_mem: int, balanced: bool,
) -> int:  # fmt: skip
    """LeastAllocated + BalancedAllocation of node ``x`` (``fast_scheduler.local_score``),
    in doubles and without branches, so that a loop over the nodes is vectorised.

    LeastAllocated's ``(a − r)·100 // a`` is ``floor((a − r)·100.0 / a)``, 0 when negative:
    exact while a < 2⁴⁶ (the caller checks; see ``fast_scheduler.local_scores``)."""
    cpu = alloc_cpu[x]
    mem = alloc_mem[x]
    la_cpu = max(np.floor((cpu - float(nz_cpu[x] + pod_nz_cpu)) * 100.0 / cpu), 0.0)
    la_mem = max(np.floor((mem - float(nz_mem[x] + pod_nz_mem)) * 100.0 / mem), 0.0)
    score = np.floor((la_cpu + la_mem) * 0.5)
    if balanced:
        f_cpu = min(float(req_cpu[x] + pod_req_cpu) / cpu, 1.0)
        f_mem = min(float(req_mem[x] + pod_req_mem) / mem, 1.0)
        score += np.floor((1 - abs((f_cpu - f_mem) / 2)) * float(MAX_NODE_SCORE))
    return int(score)


@jit
def _fits(x: int, pod_count: Any, max_pods: Any, free: Any, wants: Any) -> bool:
    if pod_count[x] >= max_pods[x]:
        return False
    for w in range(len(wants)):  # noqa: SIM110 (numba compiles no generator)
        if wants[w] > free[x, w]:
            return False
    return True


SOFT, HARD, ANTI = 0, 1, 2  # rule kinds: ScheduleAnyway, DoNotSchedule, required anti-affinity


@jit
def place_run(
    count: int,
    ok: Any,  # per node: evaluated and no static filter fails
    codes: Any, code_top: int,  # per node: its class code (``fast_scheduler.class_codes``) ≤ code_top
    allocatable: Any, requested: Any, nonzero: Any, pod_counts: Any, max_pods: Any,  # the state's
    wanted: Any, wants: Any,  # the resources the pod requests, and how much
    pod_nz_cpu: int, pod_nz_mem: int, balanced: bool,
    rank: Any, tt_raw: Any, na_raw: Any, has_na_raw: bool, require_all: bool,
    rule_kind: Any, rule_host: Any, rule_skew: Any, rule_max_skew: Any, rule_self: Any,
    rule_min_domains: Any, rule_grows: Any,  # per topology rule, in the profile's order
    domains: Any,  # per rule: how many score codes
    rule_codes: Any, rule_score: Any, rule_counts: Any, rule_eligible: Any,  # rule × node
) -> Any:  # fmt: skip
    """The nodes chosen for up to ``count`` pods in a row (fewer: the next fits nowhere).

    Reads the state's arrays and changes none: what binding a pod changes is kept in copies
    of the chosen nodes' values."""
    n = len(ok)
    rules = len(rule_kind)
    width = len(wanted)
    # classes: codes compacted in node order
    class_of_code = np.full(code_top + 1, -1, dtype=np.int64)
    node_class = np.full(n, -1, dtype=np.int64)
    rep = np.zeros(n, dtype=np.int64)
    classes = 0
    for x in range(n):
        if ok[x]:
            code = codes[x]
            c = class_of_code[code]
            if c < 0:
                c = class_of_code[code] = classes
                rep[classes] = x
                classes += 1
            node_class[x] = c
    # the nodes' columns, copied: binding changes them
    free = np.empty((n, width), dtype=np.int64)
    pods = pod_counts.copy()
    nz_cpu = nonzero[:, 0].copy()
    nz_mem = nonzero[:, 1].copy()
    req_cpu = requested[:, 0].copy()
    req_mem = requested[:, 1].copy()
    alloc_cpu = allocatable[:, 0].astype(np.float64)
    alloc_mem = allocatable[:, 1].astype(np.float64)
    pod_req_cpu = 0
    pod_req_mem = 0
    for w in range(width):
        r = wanted[w]
        if r == 0:
            pod_req_cpu = wants[w]
        elif r == 1:
            pod_req_mem = wants[w]
        for x in range(n):
            free[x, w] = allocatable[x, r] - requested[x, r]
    # per rule: per node counts (hostname rules), per domain totals of the eligible nodes
    host = np.zeros((rules, n), dtype=np.int64)
    hot = np.zeros(n, dtype=np.bool_)  # a hostname rule counts pods on the node: tracked
    max_domains = 1
    for i in range(rules):
        max_domains = max(max_domains, domains[i])
    domain_counts = np.zeros((rules, max_domains), dtype=np.int64)
    domain_nodes = np.zeros((rules, max_domains), dtype=np.int64)
    eligible_count = np.zeros(rules, dtype=np.int64)
    zero_eligible = np.zeros(rules, dtype=np.int64)
    for i in range(rules):
        for x in range(n):
            if rule_eligible[i, x]:
                eligible_count[i] += 1
        if rule_host[i]:
            for x in range(n):
                host[i, x] = rule_counts[i, x]
                if rule_counts[i, x] > 0:
                    hot[x] = True
                elif rule_eligible[i, x]:
                    zero_eligible[i] += 1
        else:
            for x in range(n):
                if rule_eligible[i, x]:
                    domain_counts[i, rule_score[i, x]] += rule_counts[i, x]
                    domain_nodes[i, rule_score[i, x]] += 1
    present_domains = np.zeros(rules, dtype=np.int64)
    for i in range(rules):
        for d in range(max_domains):
            if domain_nodes[i, d] > 0:
                present_domains[i] += 1
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

    packed = np.zeros(n, dtype=np.int64)
    for x in range(n):  # every node, without branches
        score = _local(x, alloc_cpu, alloc_mem, nz_cpu, nz_mem, req_cpu, req_mem,
                       pod_nz_cpu, pod_nz_mem, pod_req_cpu, pod_req_mem, balanced)  # fmt: skip
        packed[x] = score * SHIFT + (SHIFT - 1 - rank[x])
    fit = np.zeros(n, dtype=np.bool_)
    start = np.zeros(classes + 1, dtype=np.int64)
    for x in range(n):
        c = node_class[x]
        if c >= 0:
            start[c + 1] += 1
    for c in range(classes):
        start[c + 1] += start[c]
    members = np.zeros(start[classes], dtype=np.int64)
    fill = start[:classes].copy()
    bulk_feasible = np.zeros(classes, dtype=np.int64)  # feasible nodes without counted pods
    tracked = np.zeros(n, dtype=np.int64)
    tracked_at = np.full(n, -1, dtype=np.int64)
    tracked_count = 0
    for x in range(n):
        c = node_class[x]
        if c < 0 or not _fits(x, pods, max_pods, free, wants):
            continue
        fit[x] = True
        if hot[x]:
            tracked[tracked_count] = x
            tracked_at[x] = tracked_count
            tracked_count += 1
        else:
            members[fill[c]] = x  # bulk
            fill[c] += 1
            bulk_feasible[c] += 1
    # each class's bulk nodes, best first, as far as a run this long can use them
    keep = min(count + 1, n)
    head = np.zeros(classes, dtype=np.int64)  # next candidate in the class's list
    size = np.zeros(classes, dtype=np.int64)
    for c in range(classes):
        size[c] = _top(members, start[c], fill[c], packed, keep)
    bulk_best = np.full(classes, -1, dtype=np.int64)
    for c in range(classes):
        if size[c] > 0:
            bulk_best[c] = members[start[c]]

    chosen = np.full(count, -1, dtype=np.int64)
    weights = np.zeros(rules, dtype=np.float64)
    seen = np.zeros((rules, max_domains), dtype=np.int64)
    minimum = np.zeros(rules, dtype=np.int64)
    option_node = np.zeros(classes + n, dtype=np.int64)
    option_class = np.zeros(classes + n, dtype=np.int64)
    option_count = np.zeros(classes + n, dtype=np.int64)
    option_raw = np.zeros(classes + n, dtype=np.int64)
    stamp = 0
    for k in range(count):
        # the DoNotSchedule rules' minimum matching counts
        for i in range(rules):
            if rule_kind[i] == HARD:
                minimum[i] = _minimum(i, n, rule_host[i], rule_min_domains[i], eligible_count,
                                      zero_eligible, present_domains, max_domains, domain_nodes,
                                      domain_counts, host, rule_eligible)  # fmt: skip
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
                host,
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
                           weights, class_code, class_score, domain_counts, host)  # fmt: skip
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
        x = best
        c = node_class[x]
        chosen[k] = x
        was_bulk = tracked_at[x] < 0
        # bind: the node's columns, the rules' counts
        pods[x] += 1
        for w in range(width):
            free[x, w] -= wants[w]
        nz_cpu[x] += pod_nz_cpu
        nz_mem[x] += pod_nz_mem
        req_cpu[x] += pod_req_cpu
        req_mem[x] += pod_req_mem
        for i in range(rules):
            if rule_grows[i]:
                if rule_host[i]:
                    if host[i, x] == 0 and rule_eligible[i, x]:
                        zero_eligible[i] -= 1
                    host[i, x] += 1
                    hot[x] = True
                elif rule_eligible[i, x]:
                    domain_counts[i, rule_score[i, x]] += 1
        score = _local(x, alloc_cpu, alloc_mem, nz_cpu, nz_mem, req_cpu, req_mem,
                       pod_nz_cpu, pod_nz_mem, pod_req_cpu, pod_req_mem, balanced)  # fmt: skip
        packed[x] = score * SHIFT + (SHIFT - 1 - rank[x])
        still = _fits(x, pods, max_pods, free, wants)
        fit[x] = still
        if was_bulk:
            bulk_feasible[c] -= 1
            if still and hot[x]:
                tracked[tracked_count] = x
                tracked_at[x] = tracked_count
                tracked_count += 1
            elif still:
                bulk_feasible[c] += 1
        elif not still:
            last = tracked[tracked_count - 1]
            tracked[tracked_at[x]] = last
            tracked_at[last] = tracked_at[x]
            tracked_at[x] = -1
            tracked_count -= 1
        if was_bulk:  # x was its class's best bulk node: the next one
            first = start[c] + head[c]
            last_kept = start[c] + size[c]
            if still and not hot[x]:
                # still bulk, with a new score: back into the list at its place
                m = first + 1
                while m < last_kept and packed[members[m]] > packed[x]:
                    members[m - 1] = members[m]
                    m += 1
                members[m - 1] = x
                if m == last_kept and fill[c] > last_kept:
                    size[c] -= 1  # last of the list: one left out may be better now
                    if first == last_kept - 1:  # the list is used up: look again
                        size[c] = head[c] + _top(members, first, fill[c], packed, keep)
            else:
                head[c] += 1
                first += 1
                if first == last_kept and fill[c] > last_kept:  # used up: look again
                    size[c] = head[c] + _top(members, first, fill[c], packed, keep)
            bulk_best[c] = members[first] if first < start[c] + size[c] else -1
    done = 0
    while done < count and chosen[done] >= 0:
        done += 1
    return chosen[:done]


@jit
def _minimum(
    i: int, n: int, hostname: bool, min_domains: int, eligible_count: Any, zero_eligible: Any,
    present_domains: Any, max_domains: int, domain_nodes: Any, domain_counts: Any, host: Any,
    eligible: Any,
) -> int:  # fmt: skip
    """A DoNotSchedule rule's minimum matching count over its domains (``Run._min_match``)."""
    if hostname:
        if eligible_count[i] < min_domains or zero_eligible[i] > 0 or eligible_count[i] == 0:
            return 0
        low = -1
        for x in range(n):
            if eligible[i, x] and (low < 0 or host[i, x] < low):
                low = host[i, x]
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
    self_match: Any, eligible: Any, class_code: Any, domain_counts: Any, host: Any,
    minimum: Any,
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
                count = host[i, x] if tracked and eligible[i, x] else 0
            else:
                count = domain_counts[i, code]
            if count + self_match[i] - minimum[i] > max_skew[i]:
                return False
        elif code >= 0:
            count = (host[i, x] if tracked else 0) if hostname[i] else domain_counts[i, code]
            if count > 0:
                return False
    return True


@jit
def _top(members: Any, lo: int, hi: int, packed: Any, keep: int) -> int:
    """Move the ``keep`` best of ``members[lo:hi]`` (by ``packed``) to its front, best first;
    how many were moved."""
    kept = 0
    for m in range(lo, hi):
        x = members[m]
        if kept == keep and packed[x] <= packed[members[lo + kept - 1]]:
            continue
        # insert x into the sorted front, dropping the last one when full
        j = lo + kept if kept < keep else lo + kept - 1
        if kept < keep:
            members[m] = members[lo + kept]  # the slot x takes moves to where x was
            kept += 1
        else:
            members[m] = members[j]
        while j > lo and packed[members[j - 1]] < packed[x]:
            members[j] = members[j - 1]
            j -= 1
        members[j] = x
    return kept


@jit
def _raw(
    x: int, c: int, tracked: bool, rules: int, kind: Any, hostname: Any, skew: Any,
    weights: Any, class_code: Any, class_score: Any, domain_counts: Any, host: Any,
) -> int:  # fmt: skip
    """PodTopologySpread's raw score for node ``x`` of class ``c`` (``tracked``: its own
    counts, else none)."""
    total = 0.0
    for i in range(rules):
        if kind[i] == SOFT and class_code[i, c] >= 0:
            if hostname[i]:
                count = host[i, x] if tracked else 0
            else:
                count = domain_counts[i, class_score[i, c]]
            total += count * weights[i] + skew[i]
    whole = int(total)  # total >= 0: truncation is floor
    if total - whole >= 0.5:
        whole += 1
    return whole


def warm_up() -> None:
    """Compile (or load) :func:`place_run` now, with the types the scheduler calls it with."""
    n = 2
    ints = np.zeros(n, dtype=np.int64)
    table = np.ones((n, 3), dtype=np.int64, order="F")
    rules = np.zeros((1, n), dtype=np.int64)
    place_run(
        1, np.ones(n, dtype=np.bool_), ints, 0, table, table * 0, table[:, :2] * 0, ints,
        ints + 1, np.zeros(1, dtype=np.int64), np.ones(1, dtype=np.int64), 1, 1, True,
        np.arange(n, dtype=np.int64), ints, ints, False, False, np.zeros(1, dtype=np.int64),
        np.ones(1, dtype=np.bool_), np.zeros(1), np.ones(1, dtype=np.int64), ints[:1],
        np.ones(1, dtype=np.int64), np.zeros(1, dtype=np.bool_), np.ones(1, dtype=np.int64),
        rules, rules, rules, np.ones((1, n), dtype=np.bool_),
    )  # fmt: skip

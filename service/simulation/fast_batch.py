"""Runs of identical pods placed in one compiled call (:mod:`~service.simulation.run_kernel`).

:func:`place_batch` takes the pods at the head of a scheduling queue that share one profile
(same spec, namespace and, for the default spread constraints, owner: each decided as the one
before, once that one is bound) and returns the nodes the fast scheduler would choose for
them one by one, as far as each lands without preemption. It declines (returns nothing) for
a pod the fast path leaves to the reference (no profile), a pod pinned to nodes by name, or
when a node lacks cpu or memory or has more than 2⁴⁶ of either (the kernel's LeastAllocated
is a double division): those pods go one at a time through
:meth:`FastScheduler.decide <service.simulation.fast_scheduler.FastScheduler.decide>`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import numpy as np

from service.simulation.fast_profile import ANTI, EXISTING_ANTI, HARD, SOFT, Profile, Topology
from service.simulation.state import BoolArray, Int64Array

if TYPE_CHECKING:
    from service.simulation.fast_scheduler import FastScheduler

KINDS = {SOFT: 0, HARD: 1, ANTI: 2, EXISTING_ANTI: 2}  # as run_kernel's SOFT, HARD, ANTI


def run_length(scheduler: FastScheduler, order: Sequence[int], start: int) -> int:
    """How many pods from ``order[start]`` on share its profile key (the same spec, namespace
    and owner: the key's parts, compared without making the key for each pod)."""
    state = scheduler.state
    specs, namespaces, owners = state.pod_spec, state.pod_namespace, state.pod_owner
    first = order[start]
    spec, namespace, owner = specs[first], namespaces[first], owners[first]
    end = start + 1
    while end < len(order):
        p = order[end]
        if specs[p] != spec or namespaces[p] != namespace:
            break
        other = owners[p]  # a different owner may still make the same key
        if (
            other is not owner
            and other != owner
            and scheduler.profile_key(p) != scheduler.profile_key(first)
        ):
            break
        end += 1
    return end - start


def place_batch(scheduler: FastScheduler, order: Sequence[int], start: int) -> list[int]:
    """The nodes for ``order[start:start + k]`` (see the module docstring); [] declines."""
    from service.simulation.run_kernel import place_run  # here: compiled on first use

    state, pod = scheduler.state, order[start]
    scheduler.sync()
    index = scheduler.index
    if (
        not index.all_sized
        or not index.exact_float
        or not state.node_present.any()
        or scheduler.pinned(pod)
    ):
        return []
    profile = scheduler.profile(pod)
    if profile is None or profile.pinned is not None:
        return []
    count = run_length(scheduler, order, start)
    n = index.count
    if profile.kernel_inputs is None:
        profile.kernel_inputs = _static_inputs(profile, index.kernel_rules, n)
    wanted, wants, rules, rule_codes, rule_score = profile.kernel_inputs
    kind, hostname, skew, max_skew, self_match, min_domains, grows, domains = rules
    tables, rule_eligible = _topology_inputs(
        profile, index.present, n, (kind, hostname, domains, rule_score), scheduler.topology_log
    )
    rule_counts, rule_counter, counted = _counters(scheduler, profile.topologies, n, rule_codes)
    na = profile.na_raw
    chosen: Int64Array = place_run(
        count, *tables,
        state.allocatable[:n], state.requested[:n], state.nonzero_requested[:n],
        state.pod_count[:n], state.max_pods[:n],
        wanted, wants, profile.pod.spec.nonzero_cpu, profile.pod.spec.nonzero_memory,
        profile.balanced, index.rank[:n], profile.tt_raw, profile.tt_raw if na is None else na,
        na is not None, profile.require_all_soft,
        kind, hostname, skew, max_skew, self_match, min_domains, grows, domains,
        rule_codes, rule_score, rule_eligible, rule_counts, rule_counter, counted,
        *scheduler.kernel_scratch(n),
    )  # fmt: skip
    nodes: list[int] = chosen.tolist()
    if not nodes:  # decide() need not look again (FastScheduler.nowhere)
        scheduler.nowhere = (order[start], len(state.node_log), state.topology_epoch)
    return nodes


def _counters(
    scheduler: FastScheduler, topologies: Sequence[Topology], n: int, none: Int64Array
) -> tuple[Int64Array, Int64Array, bool]:
    """The rules' live counts as the kernel reads them: one row per distinct counter (the
    default constraints' two rules, hostname and zone, share their Deployment's), per rule
    its row, and False when every count is known to be 0 (the kernel then skips its passes
    over the nodes' counts).

    While no rule's counts are made yet (:attr:`Topology.counts`) and no bound pod matches
    any rule (a Deployment's first replicas, placed before any is bound), every rule reads
    the scheduler's row of 0s (:meth:`FastScheduler.zero_row`): the counts made per node
    and kept up to date for every Deployment were 200 MB at 5,000 nodes, allocated and
    faulted in a Deployment at a time. Otherwise the state's arrays (made now where not
    yet, then kept for the runs that follow: resilience re-places each Deployment many
    times), one passed as a view, more copied. ``none``: the (0 × n) table for a profile
    without rules. Read at each run: the counts change with every bind."""
    if not topologies:
        return none, np.zeros(0, dtype=np.int64), False
    limit = max(64, n // 8)
    checked: set[object] = set()
    for t in topologies:
        if t.dense is not None or t.query is None:
            break
        key = t.query.key()
        if key not in checked:
            if not scheduler.state.counts_none(t.query, limit):
                break
            checked.add(key)
    else:
        return scheduler.zero_row(n), np.zeros(len(topologies), dtype=np.int64), False
    rows: dict[int, int] = {}
    arrays: list[Int64Array] = []
    counter = np.empty(len(topologies), dtype=np.int64)
    for i, t in enumerate(topologies):
        row = rows.get(id(t.counts))
        if row is None:
            row = rows[id(t.counts)] = len(arrays)
            arrays.append(t.counts[:n])
        counter[i] = row
    counts = arrays[0][np.newaxis] if len(arrays) == 1 else np.stack(arrays)
    return counts, counter, True


Tables = tuple[Int64Array, Int64Array, Int64Array, Int64Array, Int64Array, Int64Array]


class KeptInputs(NamedTuple):
    """A profile's kernel tables as kept (:attr:`Profile.topology_inputs
    <service.simulation.fast_profile.Profile.topology_inputs>`)."""

    pos: int  # up to date with the scheduler's topology log up to here
    class_code: Int64Array | None  # the profile's class codes when they were made
    made: tuple[Tables, BoolArray]  # static_tables' tables, the rules' eligible rows
    owned: bool  # the profile's own, changed in place (else a side's: copied first)


def _topology_inputs(
    profile: Profile,
    present: BoolArray,
    n: int,
    rules: tuple[Any, Any, Any, Any],
    log: list[int],
) -> tuple[Tables, BoolArray]:
    """The kernel's :func:`~service.simulation.run_kernel.static_tables` (the nodes' classes
    from the static filters and class codes, the rules' eligible nodes per domain) and the
    rules' eligible nodes, kept while the profile's topology stays as it was (taints,
    cordons and removals change them: :func:`~service.simulation.fast_profile.update_profile`).
    ``rules``: the rules' kinds, per-node flags, domain counts and the nodes' domains (of
    :func:`_static_inputs`). Shared by the profiles of one
    :class:`~service.simulation.fast_profile.NodeSide` with the same rules on the same
    eligible nodes while they are as built: every Deployment is a profile, and these passes
    over every node would otherwise be made for each. Once the profile has caught up with
    a few taints, cordons or removals (``log``: the scheduler's ``topology_log``), its
    tables catch up with the same nodes (:func:`_caught_up`): resilience loses a node and
    puts it back for every node, and made them again each time, for every profile it
    used (a sixth of its time)."""
    from service.simulation.fast_scheduler import class_codes  # here: it imports this module
    from service.simulation.run_kernel import static_tables

    kept = profile.topology_inputs
    if kept is not None and kept.class_code is profile.class_code:
        if kept.pos == profile.topology_pos:
            return kept.made
        made = _caught_up(profile, kept, present, n, rules, log)
        if made is not None:
            return made
    topologies = profile.topologies
    side = profile.side if profile.topology_pos == profile.side_pos else None
    # the side's eligible arrays while the profile is as built (Profile.owns_arrays)
    key = tuple((t.kind, t.hostname, id(t.column), id(t.eligible)) for t in topologies)
    shared = None if side is None else side.kernel.get(key)
    if shared is None:
        codes = class_codes(profile)
        ok = present[:n] & (profile.static_code == 0)
        top = int(codes.max(initial=0))
        if top >= 8 * n + 64:  # the kernel's table is code-sized: compacted when sparse
            codes = np.unique(codes, return_inverse=True)[1].astype(np.int64)
            top = int(codes.max(initial=0))
        if topologies:
            eligible = np.stack([t.eligible[:n] for t in topologies])
        else:
            eligible = np.zeros((0, n), dtype=np.bool_)
        tables: Tables = static_tables(ok, codes, top, *rules, eligible)
        made = (tables, eligible)
        if side is not None:  # the arrays the key names kept alive with it
            side.kernel[key] = (made, [(t.column, t.eligible) for t in topologies])
    else:
        made = shared[0]
    profile.topology_inputs = KeptInputs(
        profile.topology_pos, profile.class_code, made, side is None
    )
    return made


def _caught_up(
    profile: Profile,
    kept: KeptInputs,
    present: BoolArray,
    n: int,
    rules: tuple[Any, Any, Any, Any],
    log: list[int],
) -> tuple[Tables, BoolArray] | None:
    """The profile's ``kept`` kernel inputs brought up to date with the nodes ``log``
    names since they were made (on copies when they are a side's); None: too many, or a
    class code with no place in the tables (then they are made again)."""
    from service.simulation import fast_scheduler  # here: it imports this module
    from service.simulation.run_kernel import update_tables

    changed = sorted(set(log[kept.pos : profile.topology_pos]))
    if len(changed) > fast_scheduler.topology_catch_up(n) or (changed and changed[-1] >= n):
        return None
    tables: Tables
    tables, eligible = kept.made
    if not kept.owned:  # a side's, as made for every profile alike: this profile's own copies
        tables = cast(Tables, tuple(a.copy() for a in tables))
        eligible = eligible.copy()
    nodes = np.array(changed, dtype=np.int64)
    ok = present[nodes] & (profile.static_code[nodes] == 0)
    now = np.zeros((len(profile.topologies), len(nodes)), dtype=np.bool_)
    for i, t in enumerate(profile.topologies):
        now[i] = t.eligible[nodes]
    kind, hostname, _, rule_score = rules
    codes = fast_scheduler.class_codes(profile)  # made now when the tables were a side's
    if not update_tables(nodes, ok, codes, now, kind, hostname, rule_score, *tables, eligible):
        return None
    profile.topology_inputs = KeptInputs(
        profile.topology_pos, profile.class_code, (tables, eligible), True
    )
    return profile.topology_inputs.made


def _static_inputs(
    profile: Profile, known: dict[tuple[object, ...], tuple[Any, ...]], n: int
) -> tuple[Any, ...]:
    """What the kernel reads of ``profile`` that stays as long as the profile does: the
    requested resources, each topology rule's parameters, the nodes' domain codes per rule
    (``known``: those of the rules already seen, kept with the label columns they read)."""
    pod = profile.pod
    wanted = np.flatnonzero(pod.request).astype(np.int64)
    topologies = profile.topologies
    key = tuple(
        (t.kind, t.hostname, t.max_skew, t.self_match, t.min_domains, t.grows, id(t.column))
        for t in topologies
    )
    made = known.get(key)
    if made is None:
        rules = (
            np.array([KINDS[t.kind] for t in topologies], dtype=np.int64),
            np.array([t.hostname for t in topologies], dtype=np.bool_),
            np.array([float(t.max_skew - 1) for t in topologies], dtype=np.float64),
            np.array([t.max_skew for t in topologies], dtype=np.int64),
            np.array([int(t.self_match) for t in topologies], dtype=np.int64),
            np.array([t.min_domains for t in topologies], dtype=np.int64),
            np.array([t.grows for t in topologies], dtype=np.bool_),
            np.array([1 if t.hostname else t.column.domains for t in topologies], dtype=np.int64),
        )
        if topologies:
            rule_codes = np.stack([t.column.codes[:n] for t in topologies])
            rule_score = np.stack([t.column.score_codes[:n] for t in topologies])
        else:
            rule_codes = rule_score = np.zeros((0, n), dtype=np.int64)
        # the columns kept with them: an id in the key is not reused while they live
        made = known[key] = (rules, rule_codes, rule_score, [t.column for t in topologies])
    return (wanted, pod.request[wanted].astype(np.int64), *made[:3])

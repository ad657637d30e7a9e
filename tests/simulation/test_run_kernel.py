"""The compiled kernel's decorator (cached on disk where it can be, in memory otherwise), and
its tables brought up to date after a change of some nodes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kernel_tables import assert_tables_alike

from service.simulation import run_kernel


def test_without_a_writable_cache_the_kernel_is_compiled_in_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A read-only root filesystem and no NUMBA_CACHE_DIR: numba refuses ``cache=True`` at
    decoration ("no locator available"); the server must still start and simulate."""
    asked: list[object] = []
    real = numba.njit

    def njit(*args: Any, **options: Any) -> Any:
        if args:  # numba's own uses while compiling
            return real(*args, **options)
        asked.append(options.get("cache"))
        if options.get("cache"):

            def refuse(fn: Callable[..., Any]) -> Any:
                raise RuntimeError(f"cannot cache function {fn.__name__!r}: no locator available")

            return refuse
        return real(**options)  # type: ignore[no-any-return]

    monkeypatch.setattr(run_kernel.numba, "njit", njit)

    def add(a: int, b: int) -> int:
        return a + b

    compiled = run_kernel.jit(add)
    assert compiled(2, 3) == 5
    assert asked == [True, None]


def test_warm_up_compiles_the_kernel_for_the_types_the_scheduler_passes() -> None:
    run_kernel.warm_up()
    assert len(run_kernel.place_run.signatures) >= 1  # type: ignore[attr-defined]


@st.composite
def table_changes(draw: st.DrawFn) -> tuple[Any, ...]:
    """Nodes with a static verdict, a class code and per rule a domain and eligibility; then
    a few of them changed."""
    n = draw(st.integers(1, 30))
    rules = draw(st.integers(0, 3))
    kind = np.array([draw(st.integers(0, 2)) for _ in range(rules)], dtype=np.int64)
    host = np.array([draw(st.booleans()) for _ in range(rules)], dtype=np.bool_)
    domains = np.array([1 if h else draw(st.integers(1, 4)) for h in host], dtype=np.int64)
    score = np.array(
        [[0 if host[i] else draw(st.integers(0, domains[i] - 1)) for _ in range(n)] for i in range(rules)],
        dtype=np.int64,
    ).reshape(rules, n)  # fmt: skip

    def nodes_now() -> tuple[Any, Any, Any]:
        ok = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=np.bool_)
        codes = np.array(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)), dtype=np.int64)
        eligible = np.array(
            [draw(st.lists(st.booleans(), min_size=n, max_size=n)) for _ in range(rules)],
            dtype=np.bool_,
        ).reshape(rules, n)
        return ok, codes, eligible

    before, after = nodes_now(), nodes_now()
    changed = sorted(draw(st.sets(st.integers(0, n - 1), max_size=n)))
    for j, value in enumerate(before):  # the others as they were
        unchanged = np.ones(n, dtype=np.bool_)
        unchanged[changed] = False
        after[j][..., unchanged] = value[..., unchanged]
    return kind, host, domains, score, before, after, np.array(changed, dtype=np.int64)


@settings(max_examples=500, deadline=None)
@given(table_changes())
def test_tables_brought_up_to_date_are_the_tables_made_again(case: tuple[Any, ...]) -> None:
    """``update_tables`` after a change of some nodes gives what ``static_tables`` makes of
    the nodes as they are now (:func:`kernel_tables.assert_tables_alike`); or declines, only
    for a new code when no class is left empty."""
    kind, host, domains, score, before, after, changed = case
    ok, codes, eligible = before
    tables = run_kernel.static_tables(ok, codes, 5, kind, host, domains, score, eligible)
    node_class, rep, size, domain_nodes, present, eligible_count = (a.copy() for a in tables)
    rows = eligible.copy()
    ok, codes, eligible = after
    updated = run_kernel.update_tables(
        changed, ok[changed], codes, eligible[:, changed], kind, host, score, node_class, rep,
        size, domain_nodes, present, eligible_count, rows,
    )  # fmt: skip
    again = run_kernel.static_tables(ok, codes, 5, kind, host, domains, score, eligible)
    if not updated:
        assert len(again[1]) > len(rep)  # more codes than the tables have places for
        return
    kept = (node_class, rep, size, domain_nodes, present, eligible_count), rows
    assert_tables_alike(kept, (again, eligible))

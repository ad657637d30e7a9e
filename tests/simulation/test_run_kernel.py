"""The compiled kernel's decorator: cached on disk where it can be, in memory otherwise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba
import pytest

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

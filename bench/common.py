"""The small harness every ``bench/bench_*.py`` script uses (see ``bench/README.md``).

A benchmark measures the thing it cares about *and* a baseline in the same run, on the
same machine, and prints one verdict line per target::

    target: <name> ratio=<x> (goal ≤ <y>) baseline=<what it was compared with> PASS

Helpers:

- :func:`time_rounds` — run a callable N times, keep every duration (:class:`Rounds`:
  min / median / max, percentiles);
- :func:`in_child` — run a module-level function in a fresh interpreter, returning its
  result, its wall time and the child's peak RSS (:func:`peak_rss`): memory figures
  that no earlier work in this process can blur;
- :func:`traced_peak` — the peak of Python allocations (tracemalloc) while a callable runs;
- :class:`Report` — prints sections and verdicts, and exits non-zero if any verdict failed.

No benchmark is a unit test: nothing here asserts on time; ``make bench`` runs them.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")
MIB = 1024 * 1024


@dataclass(frozen=True)
class Rounds:
    """Durations (seconds) of repeated runs of one thing."""

    label: str
    seconds: tuple[float, ...]

    @property
    def min(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def max(self) -> float:
        return max(self.seconds)

    def percentile(self, p: float) -> float:
        """The ``p``-th percentile (0..100), nearest rank."""
        ordered = sorted(self.seconds)
        rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))
        return ordered[rank]

    def __str__(self) -> str:
        return (
            f"{self.label}: min {fmt_seconds(self.min)}  median {fmt_seconds(self.median)}  "
            f"max {fmt_seconds(self.max)}  ({len(self.seconds)} rounds)"
        )


def time_rounds(label: str, fn: Callable[[], object], rounds: int = 5, warmup: int = 1) -> Rounds:
    """Call ``fn`` ``warmup`` times untimed, then ``rounds`` times timed."""
    for _ in range(warmup):
        fn()
    seconds = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - start)
    return Rounds(label, tuple(seconds))


@dataclass(frozen=True)
class ChildRun:
    """What :func:`in_child` measured: the function's result, its wall time inside the
    child, and the child's peak resident memory (interpreter and imports included)."""

    value: Any
    seconds: float
    peak_rss: int  # bytes


def peak_rss() -> int:
    """This process's peak resident memory in bytes.

    Linux keeps ``ru_maxrss`` across ``execve``, so a spawned child would report its
    parent's peak if that was higher; the address space's high-water mark (``VmHWM``)
    starts afresh with the new program.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def _measured_call(fn: Callable[..., Any], args: tuple[Any, ...]) -> ChildRun:
    start = time.perf_counter()
    value = fn(*args)
    seconds = time.perf_counter() - start
    return ChildRun(value, seconds, peak_rss())


def in_child(fn: Callable[..., T], *args: Any) -> ChildRun:
    """Run ``fn(*args)`` in a freshly spawned interpreter and measure it there.

    ``fn`` must be importable (defined at module level) and its result picklable.
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_measured_call, fn, args).result()


def traced_peak(fn: Callable[[], T]) -> tuple[T, int]:
    """``fn()`` and the peak bytes of Python allocations while it ran (slows it down)."""
    tracemalloc.start()
    try:
        value = fn()
        return value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def fmt_seconds(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def fmt_bytes(size: float) -> str:
    return f"{size / MIB:.0f} MiB"


@dataclass
class Report:
    """Prints what a benchmark found; :meth:`finish` exits 1 when a verdict failed."""

    title: str
    verdicts: list[tuple[str, bool]] = field(default_factory=list)

    def __post_init__(self) -> None:
        print(f"# {self.title}  (python {sys.version.split()[0]}, {os.cpu_count()} cores)")

    def section(self, text: str) -> None:
        print(f"\n## {text}")

    def line(self, text: object) -> None:
        print(f"   {text}", flush=True)

    def verdict(
        self, target: str, ratio: float, goal: float, *, at_most: bool, baseline: str
    ) -> bool:
        """One line: ``ratio`` must be ≤ ``goal`` (``at_most``) or ≥ it; says PASS/FAIL."""
        passed = ratio <= goal if at_most else ratio >= goal
        sign = "≤" if at_most else "≥"
        print(
            f"target: {target} ratio={ratio:.3f} (goal {sign} {goal:g}) "
            f"baseline={baseline} {'PASS' if passed else 'FAIL'}",
            flush=True,
        )
        self.verdicts.append((target, passed))
        return passed

    def finish(self) -> None:
        failed = [name for name, passed in self.verdicts if not passed]
        print(f"\n{len(self.verdicts) - len(failed)} passed, {len(failed)} failed", flush=True)
        sys.exit(1 if failed else 0)

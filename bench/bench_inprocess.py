"""Target 2: GraphQL documents in-process, first seen and repeated.

For each of the contract's example operations (``clients/queries/*.graphql`` with their
``.variables.json``), in one process, alternating within each round:

- **first seen**: parse + limit check + validation + execution, the prepared-document
  cache cleared before each call: the path the HTTP endpoint takes for a new document
  (target: p50 ≤ 2 ms for the operations over the graph; those that simulate a cluster,
  given as ``scenario``, ``scenarioName`` or ``snapshot``, spend 2–10 ms in the
  simulation alone, so for them the cost of the document, first seen less repeated, is
  printed for reference);
- **repeated**: the same with the document prepared already (the endpoint's path for a
  repeated document whose answer is not memoised), against the baseline: graphql-core's
  ``execute`` on a pre-parsed, pre-validated document of ``schema._schema`` (target: ≤ 1.5×);
- for reference, strawberry's own ``Schema.execute`` of the same schema (its extensions
  on, the document prepared already).

The process's garbage collector is tuned as the server's is once its graph is loaded
(``service.collector.settle_heap``).

Prints per operation the p50s in µs and the ratio (min/median/max over rounds), and the
process's peak memory.

Usage: ``python bench/bench_inprocess.py [--rounds 5] [--calls 200]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from inspect import isawaitable
from pathlib import Path
from typing import Any

from graphql import execute, parse, validate

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: bench/ is a package of the repository
    sys.path.insert(0, str(ROOT))

from bench.bench_http_repeated import summary  # noqa: E402
from bench.common import Report  # noqa: E402
from service.api.context import PlainContext  # noqa: E402
from service.api.prepared import ArchgraphSchema  # noqa: E402
from service.api.schema import build_schema  # noqa: E402
from service.collector import settle_heap  # noqa: E402
from service.packs.loader import load_graph  # noqa: E402

QUERIES = ROOT / "clients" / "queries"
FIRST_SEEN_TARGET_MS = 2.0
REPEATED_TARGET = 1.5
CLUSTER_VARIABLES = ("scenario", "scenarioName", "snapshot")  # the operation simulates one


def simulates(variables: dict[str, Any]) -> bool:
    """Whether an example's operation runs a cluster simulation (its variables give one)."""
    return any(variables.get(name) is not None for name in CLUSTER_VARIABLES)


def examples() -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path in sorted(QUERIES.glob("*.graphql")):
        variables_path = path.with_suffix(".variables.json")
        variables = json.loads(variables_path.read_text()) if variables_path.exists() else {}
        found.append((path.stem, path.read_text(), variables))
    return found


async def p50_us(call: Callable[[], Awaitable[Any]], calls: int) -> float:
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        await call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


async def measure(
    schema: ArchgraphSchema, text: str, variables: dict[str, Any], context: PlainContext, calls: int
) -> dict[str, float]:
    graphql_schema = schema._schema
    document = parse(text)
    assert not validate(graphql_schema, document)

    async def ours() -> None:
        prepared = schema.documents.prepare(text)
        assert prepared.document is not None and not prepared.errors
        result = await schema.execute_prepared(
            prepared.document, variable_values=variables, context_value=context
        )
        assert not result.errors, result.errors

    async def first_seen() -> None:
        schema.documents.clear()
        await ours()

    async def baseline() -> None:
        result = execute(graphql_schema, document, variable_values=variables, context_value=context)
        if isawaitable(result):
            result = await result
        assert not result.errors, result.errors

    async def strawberry_execute() -> None:
        result = await schema.execute(text, variable_values=variables, context_value=context)
        assert not result.errors, result.errors

    for call in (first_seen, ours, baseline, strawberry_execute):  # warm-up
        await call()
    return {
        "first": await p50_us(first_seen, max(20, calls // 4)),
        "ours": await p50_us(ours, calls),
        "baseline": await p50_us(baseline, calls),
        "strawberry": await p50_us(strawberry_execute, calls),
    }


async def run(rounds: int, calls: int) -> dict[str, list[dict[str, float]]]:
    kg = load_graph()
    schema = build_schema()
    settle_heap()  # as the server does once its graph is loaded
    context = PlainContext(kg)
    results: dict[str, list[dict[str, float]]] = {}
    for _ in range(rounds):
        for name, text, variables in examples():
            figures = await measure(schema, text, variables, context, calls)
            results.setdefault(name, []).append(figures)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200, help="timed calls per p50")
    args = parser.parse_args(argv)
    results = asyncio.run(run(args.rounds, args.calls))

    report = Report(
        f"target 2: example operations in-process ({args.rounds} rounds; p50 of {args.calls} "
        f"calls, first seen of {max(20, args.calls // 4)}; µs min/median/max over rounds)"
    )
    width = max(len(name) for name in results)
    report.line(
        f"{'operation':<{width}}  {'first seen p50':>22}  {'repeated p50':>22}  "
        f"{'graphql-core p50':>22}  {'ratio':>16}  {'strawberry p50':>22}"
    )
    worst_first, worst_ratio = 0.0, 0.0
    simulations = {name for name, _, variables in examples() if simulates(variables)}
    documents: list[str] = []  # the simulations' document cost, for reference
    for name, rounds in results.items():
        first = [r["first"] for r in rounds]
        ratio = [r["ours"] / r["baseline"] for r in rounds]
        if name in simulations:
            cost = summary([r["first"] - r["ours"] for r in rounds])
            documents.append(f"{name} {cost} µs")
        else:
            worst_first = max(worst_first, statistics.median(first))
        worst_ratio = max(worst_ratio, statistics.median(ratio))
        report.line(
            f"{name:<{width}}  {summary(first):>22}  {summary([r['ours'] for r in rounds]):>22}  "
            f"{summary([r['baseline'] for r in rounds]):>22}  {summary(ratio, digits=2):>16}  "
            f"{summary([r['strawberry'] for r in rounds]):>22}"
        )
    report.line(
        "simulations (no first-seen target: the simulation is most of it), first seen less "
        "repeated: " + "; ".join(documents)
    )
    report.verdict(
        "first-seen documents over the graph, slowest example's p50 in ms",
        worst_first / 1000,
        FIRST_SEEN_TARGET_MS,
        at_most=True,
        baseline="2 ms (absolute)",
    )
    report.verdict(
        "repeated documents vs graphql-core execute (slowest example)",
        worst_ratio,
        REPEATED_TARGET,
        at_most=True,
        baseline="graphql-core execute, pre-parsed and validated",
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report.line(f"peak memory (ru_maxrss): {peak:,.0f} MiB")
    report.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Target 4 of the performance issue: big knowledge packs.

A generated pack of 100,000 entities and 1,000,000 relations (:mod:`bench.gen_pack`)
must load in ≤ 10 s and ≤ 600 MiB, and ``stack_path`` / ``blast_radius`` must answer
on it in ≤ 50 ms p50. Each figure is printed as a ratio to its goal, with baselines
measured in the same run: the built-in pack, and a pack ten times smaller (scaling).

Every load runs in a fresh interpreter (:func:`bench.common.in_child`), so its peak
RSS is its own. The pack's relations are in ``*.relations.csv`` tables; the same pack
in YAML is loaded once for comparison, as is networkx's form of the loaded graph.

    python -m bench.bench_big_pack [--rounds 3] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from pathlib import Path

from bench.common import Report, Rounds, fmt_bytes, fmt_seconds, in_child, peak_rss
from bench.gen_pack import cached_pack

ENTITIES, RELATIONS = 100_000, 1_000_000
GOAL_LOAD_SECONDS = 10.0
GOAL_PEAK_BYTES = 600 * 1024 * 1024
GOAL_P50_SECONDS = 0.050
STACK_PREFIXES = ("ctr", "pod", "node", "vm", "host", "region")
BLAST_PREFIXES = ("kernel", "vm", "host", "region", "cluster", "deploy", "svc", "pod", "node")


def imports_only() -> int:
    """Peak RSS of an interpreter that imported the loader and the queries."""
    import service.packs.loader
    import service.queries.blast
    import service.queries.stacks  # noqa: F401

    return peak_rss()


def load_once(pack: str | None) -> dict[str, float]:
    """Load the built-in pack plus ``pack``; seconds and size."""
    from service.packs.loader import load_graph

    start = time.perf_counter()
    kg = load_graph([Path(pack)] if pack else [])
    return {
        "seconds": time.perf_counter() - start,
        "entities": len(kg),
        "relations": kg.number_of_relations(),
    }


def networkx_form(pack: str) -> dict[str, float]:
    """Load, then build networkx's MultiDiGraph of the same graph; then one full collection."""
    from service.packs.loader import load_graph

    kg = load_graph([Path(pack)])
    loaded = peak_rss()
    start = time.perf_counter()
    graph = kg.graph
    seconds = time.perf_counter() - start
    built = peak_rss()
    start = time.perf_counter()
    gc.collect()
    return {
        "seconds": seconds,
        "extra_rss": built - loaded,
        "edges": graph.number_of_edges(),
        "gc_seconds": time.perf_counter() - start,
    }


def query_latencies(pack: str, samples: int) -> dict[str, list[float]]:
    """Load, then time ``stack_path`` between random stack layers and ``blast_radius`` of
    entities drawn evenly from every level of the fleet (the same draws for every pack)."""
    from service.packs.loader import load_graph
    from service.queries.blast import blast_radius
    from service.queries.lookup import find_entities
    from service.queries.stacks import stack_path

    kg = load_graph([Path(pack)])
    gc.freeze()  # as the server does once its graph is loaded (service.collector.settle_heap)
    rng = random.Random(42)
    by_prefix: dict[str, list[str]] = {}
    for entity in kg.entities():
        by_prefix.setdefault(entity.id.split("-")[0], []).append(entity.id)
    layers = [i for p in STACK_PREFIXES for i in by_prefix.get(p, [])]
    pairs = [(rng.choice(layers), rng.choice(layers)) for _ in range(samples)]
    per_level = max(1, samples // len(BLAST_PREFIXES))
    origins = [rng.choice(by_prefix[p]) for p in BLAST_PREFIXES for _ in range(per_level)]
    result: dict[str, list[float]] = {"stack_path": [], "blast_radius": [], "hops": []}
    for source, target in pairs[:20]:  # warm-up
        stack_path(kg, source, target)
    for source, target in pairs:
        start = time.perf_counter()
        path = stack_path(kg, source, target)
        result["stack_path"].append(time.perf_counter() - start)
        result["hops"].append(len(path.hops) if path else -1)
    affected = []
    for origin in origins:
        start = time.perf_counter()
        blast = blast_radius(kg, origin)
        result["blast_radius"].append(time.perf_counter() - start)
        affected.append(len(blast.affected))
    result["affected"] = [float(n) for n in affected]
    # For reference (no target): the entities(search:) field's query; the first call
    # builds the search index.
    start = time.perf_counter()
    find_entities(kg, search="first")
    result["search_index"] = [time.perf_counter() - start]
    result["search"] = []
    for text in ("ctr-0000042", "host-00007", "kernel", "region 003", "svc", "nothing"):
        start = time.perf_counter()
        find_entities(kg, search=text)
        result["search"].append(time.perf_counter() - start)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="loads per pack")
    parser.add_argument("--samples", type=int, default=200, help="queries of each kind")
    parser.add_argument("--quick", action="store_true", help="skip the YAML and networkx forms")
    args = parser.parse_args()
    report = Report("big knowledge packs (issue 6, target 4)")

    report.section("packs")
    start = time.perf_counter()
    big = cached_pack(ENTITIES, RELATIONS, table=True)
    small = cached_pack(ENTITIES // 10, RELATIONS // 10, table=True)
    report.line(f"generated or found in {fmt_seconds(time.perf_counter() - start)}: {big.name}")

    report.section("load (each round a fresh interpreter)")
    imports = in_child(imports_only).value
    report.line(f"interpreter + imports: peak RSS {fmt_bytes(imports)}")
    runs = {}
    for label, pack in (("built-in", None), ("10x smaller", small), ("big", big)):
        children = [in_child(load_once, str(pack) if pack else None) for _ in range(args.rounds)]
        seconds = Rounds(f"{label} pack", tuple(c.value["seconds"] for c in children))
        peak = max(c.peak_rss for c in children)
        sizes = children[0].value
        runs[label] = (seconds, peak)
        report.line(
            f"{seconds}; peak RSS {fmt_bytes(peak)}; "
            f"{sizes['entities']:,.0f} entities, {sizes['relations']:,.0f} relations"
        )
    (builtin, _), (small_load, small_peak), (big_load, big_peak) = runs.values()

    if not args.quick:
        yaml_pack = cached_pack(ENTITIES, RELATIONS, table=False)
        child = in_child(load_once, str(yaml_pack))
        report.line(
            f"big pack, relations in YAML instead of tables: {fmt_seconds(child.value['seconds'])}, "
            f"peak RSS {fmt_bytes(child.peak_rss)} (1 round)"
        )
        nx_run = in_child(networkx_form, str(big)).value
        report.line(
            f"networkx MultiDiGraph of the big graph, built on demand: "
            f"{fmt_seconds(nx_run['seconds'])}, +{fmt_bytes(nx_run['extra_rss'])} RSS; "
            f"a full gc.collect() afterwards: {fmt_seconds(nx_run['gc_seconds'])}"
        )

    report.section("queries")
    latencies = {}
    for label, pack in (("10x smaller", small), ("big", big)):
        found = in_child(query_latencies, str(pack), args.samples).value
        latencies[label] = found
        hops = [h for h in found["hops"] if h >= 0]
        for name in ("stack_path", "blast_radius"):
            rounds = Rounds(f"{label} pack {name}", tuple(found[name]))
            report.line(f"{rounds}; p90 {fmt_seconds(rounds.percentile(90))}")
        search = Rounds(f"{label} pack entity search", tuple(found["search"]))
        report.line(
            f"{search} (6 texts, after the index was built in "
            f"{fmt_seconds(found['search_index'][0])}; reference only, no target)"
        )
        report.line(
            f"{label} pack: {len(hops)}/{len(found['hops'])} pairs joined, "
            f"{sum(hops) / max(1, len(hops)):.1f} hops on average; blast radius "
            f"{sum(found['affected']) / len(found['affected']):.0f} affected on average"
        )

    report.section("verdicts")
    scaling = big_load.median / small_load.median
    report.verdict(
        "big-pack load time",
        big_load.median / GOAL_LOAD_SECONDS,
        1.0,
        at_most=True,
        baseline=(
            f"goal {GOAL_LOAD_SECONDS:g} s, median {fmt_seconds(big_load.median)}; "
            f"10x smaller pack {fmt_seconds(small_load.median)} (x{scaling:.1f}); "
            f"built-in {fmt_seconds(builtin.median)}"
        ),
    )
    report.verdict(
        "big-pack peak memory",
        big_peak / GOAL_PEAK_BYTES,
        1.0,
        at_most=True,
        baseline=(
            f"goal {fmt_bytes(GOAL_PEAK_BYTES)}, peak RSS {fmt_bytes(big_peak)}; "
            f"10x smaller pack {fmt_bytes(small_peak)}; imports alone {fmt_bytes(imports)}"
        ),
    )
    for name, query in (("stackPath", "stack_path"), ("blastRadius", "blast_radius")):
        big_p50 = Rounds(name, tuple(latencies["big"][query])).median
        small_p50 = Rounds(name, tuple(latencies["10x smaller"][query])).median
        report.verdict(
            f"big-pack {name} p50",
            big_p50 / GOAL_P50_SECONDS,
            1.0,
            at_most=True,
            baseline=(
                f"goal {fmt_seconds(GOAL_P50_SECONDS)}, p50 {fmt_seconds(big_p50)}; "
                f"10x smaller pack {fmt_seconds(small_p50)}"
            ),
        )
    report.finish()


if __name__ == "__main__":
    main()

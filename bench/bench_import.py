"""Target 2 of issue 10: importing a real-shaped ``kubectl get … -A -o json`` of 5,000 nodes.

The dump (:mod:`bench.gen_cluster`: 5,000 nodes of 7 sizes, 150,000 pods with full specs,
status and managed fields, their Deployments, ReplicaSets and DaemonSets; about 1.6 GB) is
imported by ``service.snapshots.importer.import_paths`` — read, decoded, converted to the
``ClusterSnapshot`` — in a fresh interpreter per round, so that its peak RSS is its own.
Goals: ≤ 15 s and ≤ 2.5 GiB. The baseline, in the same run: ``orjson.loads`` of the same
file (also in a fresh interpreter, and only when the machine has the ~6 file sizes of free
memory it takes), as MB/s; the import should be faster than merely parsing the JSON into Python
objects. A dump a tenth the size shows how the import scales.

Wall time depends on what else runs on the machine; CPU time (user + system, of the child)
is printed beside it.

    python -m bench.bench_import [--rounds 2] [--nodes 5000] [--pods 150000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from bench.common import Report, fmt_bytes, fmt_seconds, in_child
from bench.gen_cluster import Params, cached_cluster

GOAL_SECONDS = 15.0
GOAL_PEAK_BYTES = int(2.5 * 2**30)
ORJSON_MEMORY_FACTOR = 6  # orjson.loads' peak RSS, in file sizes (5.3× measured at 164 MB)


def import_once(path: str) -> dict[str, Any]:
    """Import ``path``; what it held and the CPU seconds it took (run in a child)."""
    from service.snapshots.importer import import_paths

    cpu = time.process_time()
    snapshot = import_paths([path], "bench")
    return {
        "cpu": time.process_time() - cpu,
        "nodes": len(snapshot.nodes),
        "pods": len(snapshot.pods),
        "specs": len(snapshot.specs),
        "workloads": len(snapshot.workloads),
        "dropped": len(snapshot.dropped),
    }


def orjson_once(path: str) -> dict[str, Any]:
    """``orjson.loads`` of the file's bytes (read first, not timed), in a child."""
    import gc

    import orjson

    data = Path(path).read_bytes()
    gc.disable()  # as the importer does; the collector would only re-walk the new objects
    start, cpu = time.perf_counter(), time.process_time()
    orjson.loads(data)
    return {"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu}


def available_memory() -> int:
    """``MemAvailable`` of ``/proc/meminfo`` in bytes (0 when unknown)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def mb_per_s(size: int, seconds: float) -> str:
    return f"{size / 1e6 / seconds:,.0f} MB/s"


def measure(report: Report, p: Params, rounds: int) -> tuple[float, int, float | None, int]:
    """(best import seconds, its peak RSS, best orjson seconds, file size) for one dump."""
    start = time.perf_counter()
    path = cached_cluster(p)
    size = path.stat().st_size
    report.line(
        f"{path.name}: {size / 1e6:,.0f} MB ({fmt_seconds(time.perf_counter() - start)} to have it)"
    )
    runs = [in_child(import_once, str(path)) for _ in range(rounds)]
    for run in runs:
        v = run.value
        report.line(
            f"import: {fmt_seconds(run.seconds)} wall, {fmt_seconds(v['cpu'])} CPU, peak "
            f"{fmt_bytes(run.peak_rss)}, {mb_per_s(size, run.seconds)} — {v['nodes']:,} nodes, "
            f"{v['pods']:,} pods, {v['specs']:,} distinct specs, {v['workloads']:,} workloads, "
            f"{v['dropped']} dropped"
        )
    best = min(runs, key=lambda r: r.seconds)
    needs, free = ORJSON_MEMORY_FACTOR * size, available_memory()
    seconds = None
    if free < needs:  # the machine is shared: skip rather than wake the OOM killer
        report.line(f"orjson.loads: skipped, needs ~{fmt_bytes(needs)}, {fmt_bytes(free)} free")
    else:
        baseline = in_child(orjson_once, str(path))
        seconds = baseline.value["seconds"]
        report.line(
            f"orjson.loads: {fmt_seconds(seconds)} wall, {fmt_seconds(baseline.value['cpu'])} "
            f"CPU, peak {fmt_bytes(baseline.peak_rss)}, {mb_per_s(size, seconds)}"
        )
    return best.seconds, best.peak_rss, seconds, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--pods", type=int, default=150_000)
    args = parser.parse_args()
    report = Report("import-cluster: a real-shaped kubectl dump → ClusterSnapshot")

    report.section(f"a tenth: {args.nodes // 10:,} nodes, {args.pods // 10:,} pods")
    tenth, _, _, _ = measure(
        report, Params(nodes=args.nodes // 10, pods=args.pods // 10), args.rounds
    )

    report.section(f"target: {args.nodes:,} nodes, {args.pods:,} pods")
    seconds, peak, orjson_seconds, size = measure(
        report, Params(nodes=args.nodes, pods=args.pods), args.rounds
    )
    report.line(f"full / tenth: {seconds / tenth:.1f}×")
    report.verdict(
        "import seconds", seconds / GOAL_SECONDS, 1.0, at_most=True, baseline=f"{GOAL_SECONDS:g} s"
    )
    report.verdict(
        "import peak RSS",
        peak / GOAL_PEAK_BYTES,
        1.0,
        at_most=True,
        baseline=fmt_bytes(GOAL_PEAK_BYTES),
    )
    if orjson_seconds is not None:
        report.verdict(
            "import vs orjson.loads",
            seconds / orjson_seconds,
            1.0,
            at_most=True,
            baseline=f"orjson.loads {mb_per_s(size, orjson_seconds)}",
        )
    report.finish()


if __name__ == "__main__":
    main()

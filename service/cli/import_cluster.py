"""``archgraph import-cluster PATH… [--name NAME] [-o FILE]``: a cluster dump → a scenario file.

PATHs are kubectl JSON/YAML files, support-bundle folders or ``-`` (standard input), merged
in order (a later object replaces an earlier one of the same kind, namespace and name). On
success the scenario file is written (default ``NAME.json``) and a summary printed; on any
problem every one is printed as ``file: path.to.field: message``, nothing is written, and the
exit code is 2.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from service.cli.packs_option import EXIT_OK, EXIT_USAGE
from service.errors import SnapshotError
from service.snapshots.importer import import_paths
from service.snapshots.nodes import SUPPORTED_VERSIONS, minor_version
from service.snapshots.report import summary_lines
from service.snapshots.scenario_file import encode_scenario, write_scenario


def default_name(path: str) -> str:
    """A scenario name from a path: ``./bundle/cluster-resources/`` → ``cluster-resources``."""
    if path == "-":
        return "stdin"
    stem = Path(path.rstrip("/")).name
    for suffix in (".json", ".yaml", ".yml"):
        stem = stem.removesuffix(suffix)
    name = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    return name or "cluster"


def cmd_import_cluster(args: argparse.Namespace) -> int:
    version = None
    if args.kubernetes_version is not None:
        version = minor_version(args.kubernetes_version)
        if version not in SUPPORTED_VERSIONS:
            print(
                f"--kubernetes-version: {args.kubernetes_version!r} is not modelled; use one "
                f"of {', '.join(SUPPORTED_VERSIONS)}",
                file=sys.stderr,
            )
            return EXIT_USAGE
    name = args.name or default_name(args.paths[0])
    stdin = sys.stdin.buffer.read() if "-" in args.paths else None
    try:
        snapshot = import_paths(
            args.paths, name, stdin=stdin, version=version, namespace=args.namespace
        )
    except SnapshotError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        n = len(exc.problems)
        print(f"{n} problem{'s' if n != 1 else ''}; nothing written", file=sys.stderr)
        return EXIT_USAGE
    output = args.output or f"{name}.json"
    report = sys.stderr if output == "-" else sys.stdout
    if output == "-":
        sys.stdout.buffer.write(encode_scenario(snapshot))
        sys.stdout.flush()
    else:
        write_scenario(snapshot, output)
    where = "standard output" if output == "-" else output
    print(f"scenario {snapshot.name!r} written to {where}", file=report)
    for line in summary_lines(snapshot):
        print(line, file=report)
    return EXIT_OK


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``import-cluster`` on the ``archgraph`` sub-command parsers."""
    parser = commands.add_parser(
        "import-cluster",
        help="turn kubectl dumps, support bundles or manifests into a scenario file",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="kubectl -o json|yaml output, a folder (support bundle, sonobuoy results, "
        "rendered manifests), or - for standard input",
    )
    parser.add_argument("--name", help="the scenario's name (default: from the first PATH)")
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="where to write it (default NAME.json; - for stdout)"
    )
    parser.add_argument(
        "--kubernetes-version",
        metavar="1.3x",
        help="the semantics to follow (default: the kubelets' most common version, "
        f"clamped to {SUPPORTED_VERSIONS[0]}–{SUPPORTED_VERSIONS[-1]})",
    )
    parser.add_argument(
        "-n",
        "--namespace",
        default="default",
        help="namespace of objects that name none (default: default)",
    )
    parser.set_defaults(func=cmd_import_cluster)

"""The ``--data DIR`` option every verb that reads the graph shares, and loading what it names.

Exit codes live here too, so each verb module (``service/cli/<verb>.py``) imports downward from
this one and never from the package that registers it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from service.errors import GraphDataError
from service.knowledge import KnowledgeGraph
from service.packs.loader import load_graph
from service.settings import Settings

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def add_data_args(parser: argparse.ArgumentParser) -> None:
    """Add the repeatable ``--data DIR`` option to one verb's parser."""
    parser.add_argument(
        "--data",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="extra knowledge pack directory, merged over the built-in one (repeatable; "
        "also ARCHGRAPH_DATA, ':'-separated)",
    )


def extra_dirs(args: argparse.Namespace) -> list[Path]:
    """``ARCHGRAPH_DATA`` first, then ``--data`` in the order given."""
    return [*Settings().data, *args.data]


def load_or_report(dirs: Sequence[Path]) -> KnowledgeGraph | None:
    """The merged graph, or None after printing every file:line problem to stderr."""
    try:
        return load_graph(dirs)
    except GraphDataError as exc:
        print(exc, file=sys.stderr)
        return None

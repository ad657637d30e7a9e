"""The flow "cluster dump → scenario" in one call: read, decode, convert.

- :func:`import_paths` — files, folders and ``-`` (``archgraph import-cluster``);
- :func:`snapshot_from_text` — a snapshot sent as text (the GraphQL ``snapshot:`` argument:
  kubectl JSON or YAML), with the same checks and messages (the file is called ``snapshot``).

Both raise :class:`~service.errors.SnapshotError` with every problem found.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from service.collector import collector_paused
from service.kube.model import ClusterSnapshot
from service.snapshots.convert import build_snapshot
from service.snapshots.reading import read_paths, read_text


def import_paths(
    paths: Sequence[str | Path],
    name: str,
    *,
    stdin: bytes | None = None,
    version: str | None = None,
    namespace: str = "default",
) -> ClusterSnapshot:
    """The snapshot of every object in ``paths`` (later paths replace earlier objects)."""
    with collector_paused():
        reading = read_paths(paths, stdin)
        description = "imported from " + ", ".join(str(p) for p in paths)
        return build_snapshot(
            reading, name, version=version, namespace=namespace, description=description
        )


def snapshot_from_text(
    text: str | bytes,
    name: str = "snapshot",
    *,
    version: str | None = None,
    namespace: str = "default",
) -> ClusterSnapshot:
    """The snapshot of a kubectl JSON or YAML text; errors name the file ``snapshot``."""
    with collector_paused():
        reading = read_text(text)
        return build_snapshot(reading, name, version=version, namespace=namespace)

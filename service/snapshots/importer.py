"""The flow "cluster dump → scenario" in one call: read, decode, convert.

- :func:`import_paths` — files, folders and ``-`` (``archgraph import-cluster``);
- :func:`snapshot_from_text` — a snapshot sent as text (the GraphQL ``snapshot:`` argument:
  kubectl JSON or YAML), with the same checks and messages (the file is called ``snapshot``).

Both raise :class:`~service.errors.SnapshotError` with every problem found.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

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
    with _collector_paused():
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
    with _collector_paused():
        reading = read_text(text)
        return build_snapshot(reading, name, version=version, namespace=namespace)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic GC while hundreds of thousands of acyclic objects are made (it would
    re-walk them again and again for nothing), and restore it after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

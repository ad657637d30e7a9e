"""prometheus-client's multiprocess directory: made, emptied and removed by the server.

With several workers every metric value lives in a per-process file under
``PROMETHEUS_MULTIPROC_DIR`` (:mod:`service.http.metrics`); files left by an earlier run
would add their counts to this run's, so the directory is emptied before any worker starts,
and one the server made is removed when it stops. prometheus-client reads the variable when
it is imported, so this module must not import it: the server sets the variable first.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def multiprocess_dir(make: bool) -> Iterator[Path | None]:
    """The directory for this run, set in the environment for the workers.

    ``PROMETHEUS_MULTIPROC_DIR`` when set (a volume, say): emptied of ``*.db`` files, kept.
    Else, when ``make``, a new temporary directory (under ``$TMPDIR``), removed on exit;
    else None: values stay in memory, as one process needs.
    """
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
        yield path
        return
    if not make:
        yield None
        return
    path = Path(tempfile.mkdtemp(prefix="archgraph-metrics-"))
    os.environ[MULTIPROC_ENV] = str(path)
    try:
        yield path
    finally:
        del os.environ[MULTIPROC_ENV]
        shutil.rmtree(path, ignore_errors=True)

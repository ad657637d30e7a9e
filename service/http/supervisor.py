"""Several workers: gunicorn supervising uvicorn workers, each with its own listening socket.

``archgraph serve --workers N`` (N > 1) runs gunicorn's arbiter with
:class:`ArchgraphWorker` (uvicorn-worker's ``UvicornWorker``), each worker loading the app
(:func:`service.http.app.create_app`) and its graph itself, as one worker does:

- **Balance.** ``reuse_port``: every worker binds its own socket with ``SO_REUSEPORT``
  after the fork (gunicorn's ``arbiter.spawn_worker``), and the kernel spreads new
  connections over the sockets by a hash of their addresses. With one shared socket the
  worker that wakes first accepts whatever is pending, and keep-alive connections opened
  at once pile onto it (measured: 32/0 splits; ``bench/bench_workers.py``).
- **One /metrics.** ``PROMETHEUS_MULTIPROC_DIR``, made and emptied before any worker
  starts, removed when the server stops (:mod:`service.http.metrics_dir`); the arbiter
  calls prometheus-client's ``mark_process_dead`` for each worker that exits
  (:func:`child_exit`); see :mod:`service.http.metrics`.
- **Shutdown as with one worker.** On SIGTERM the arbiter passes SIGTERM to each worker,
  whose uvicorn stops accepting, lets in-flight requests finish for
  ``graceful_shutdown_seconds``, runs the lifespan shutdown (the last access-log batch)
  and exits; the arbiter waits that long plus :data:`SHUTDOWN_MARGIN_SECONDS` before it
  kills a worker.
- **Logs.** The same JSON lines (:func:`service.http.logs.log_config`), gunicorn's own
  loggers included; uvicorn's access log stays off, ours logs each request.
- **SIGHUP reloads the knowledge, as with one worker.** The arbiter passes it on to each
  worker, which reloads its packs, validated, and keeps its last good graph if they are
  not (:mod:`service.http.live`). gunicorn's own HUP would restart every worker instead:
  with a bad pack on disk each new worker fails to boot, and the arbiter halts the whole
  server. A worker ignores SIGHUP until its app handles it (while it loads the graph).
"""

from __future__ import annotations

import signal
import sys
from typing import Any

from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]
from gunicorn.arbiter import Arbiter  # type: ignore[import-untyped]
from uvicorn_worker import UvicornWorker  # type: ignore[import-untyped]

from service.http.logs import log_config
from service.http.metrics_dir import multiprocess_dir
from service.knowledge import KnowledgeGraph
from service.settings import Settings

SHUTDOWN_MARGIN_SECONDS = 5  # for the lifespan shutdown after the last request


class ArchgraphWorker(UvicornWorker):  # type: ignore[misc]  # untyped base
    """uvicorn in a gunicorn worker, on the settings ``archgraph serve`` gives uvicorn."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = Settings()
        self.config.timeout_graceful_shutdown = settings.graceful_shutdown_seconds
        self.config.access_log = False  # our middleware logs each request, with more

    def init_signals(self) -> None:
        super().init_signals()  # SIG_DFL for gunicorn's signals, SIGHUP among them: fatal
        signal.signal(signal.SIGHUP, signal.SIG_IGN)  # until the app's lifespan handles it


class ArchgraphArbiter(Arbiter):  # type: ignore[misc]  # untyped base
    """gunicorn's arbiter, with SIGHUP passed on to the workers (see the module)."""

    def handle_hup(self) -> None:
        self.log.info("Hang up: each worker reloads the knowledge packs")
        self.kill_workers(signal.SIGHUP)


class Supervisor(BaseApplication):  # type: ignore[misc]  # gunicorn is untyped
    """gunicorn's arbiter, configured from ``options`` rather than its command line."""

    def __init__(self, options: dict[str, Any], graph: KnowledgeGraph) -> None:
        self.options = options
        self.graph = graph  # checked before the start; each worker boots on it
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from service.http.app import create_app  # in each worker, after the fork

        return create_app(kg=self.graph, catch_up=True)

    def run(self) -> None:
        try:
            ArchgraphArbiter(self).run()
        except RuntimeError as exc:  # as BaseApplication.run: a message, not a traceback
            print(f"\nError: {exc}\n", file=sys.stderr)
            sys.exit(1)


def when_ready(arbiter: Any) -> None:
    """In the arbiter, before the workers start: where they will listen (gunicorn's own line
    names no address, as the arbiter holds no socket with ``reuse_port``)."""
    arbiter.log.info(
        "Listening at: %s with %d workers, each on its own socket (SO_REUSEPORT)",
        ", ".join(f"http://{address}" for address in arbiter.cfg.bind),
        arbiter.num_workers,
    )


def child_exit(arbiter: Any, worker: Any) -> None:
    """In the arbiter: a worker has exited; its live gauges leave the merged view."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def options(settings: Settings, host: str, port: int, workers: int) -> dict[str, Any]:
    """gunicorn's settings for ``workers`` uvicorn workers on ``host:port``."""
    return {
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "workers": workers,
        "worker_class": ArchgraphWorker,
        "reuse_port": True,
        "graceful_timeout": settings.graceful_shutdown_seconds + SHUTDOWN_MARGIN_SECONDS,
        "keepalive": 5,  # uvicorn's own default, as with one worker (gunicorn's: 2)
        "loglevel": settings.log_level,
        "logconfig_dict": log_config(settings.log_level, supervisor=True),
        "when_ready": when_ready,
        "child_exit": child_exit,
        "control_socket_disable": True,  # no gunicornc socket under $HOME
        "proc_name": "archgraph",
    }


def serve_workers(
    settings: Settings, host: str, port: int, workers: int, graph: KnowledgeGraph
) -> None:
    """Run the server with ``workers`` processes, booting on ``graph``, until SIGTERM (or
    SIGINT) ends it."""
    with multiprocess_dir(make=True):
        try:
            Supervisor(options(settings, host, port, workers), graph).run()
        except SystemExit as stop:  # the arbiter ends with sys.exit, 0 when it stopped well
            if stop.code not in (0, None):
                raise

"""``archgraph serve``: check the packs, then serve GraphQL (and GraphiQL) over HTTP."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from service.cli.packs_option import EXIT_ERRORS, EXIT_OK, add_data_args, extra_dirs, load_or_report
from service.errors import SnapshotError
from service.settings import Settings
from service.snapshots.scenario_file import load_scenarios


def cmd_serve(args: argparse.Namespace) -> int:
    """One worker: uvicorn itself. Several: gunicorn's arbiter over uvicorn workers, each on
    its own ``SO_REUSEPORT`` socket, with one ``/metrics`` (:mod:`service.http.supervisor`).
    """
    # absolute, links kept: a ConfigMap volume swaps its ..data link to update a pack, and a
    # reload must read the pack through the link, not from the directory it led to at start
    dirs = [d.absolute() for d in extra_dirs(args)]
    kg = load_or_report(dirs)
    if kg is None:  # refuse to start on bad data, before binding the port
        return EXIT_ERRORS
    os.environ["ARCHGRAPH_DATA"] = ":".join(str(d) for d in dirs)
    scenarios = [*Settings().scenarios, *args.scenarios]
    try:  # an unreadable scenario file stops the start too, naming it
        load_scenarios(scenarios)
    except SnapshotError as exc:
        print(exc, file=sys.stderr)
        return EXIT_ERRORS
    os.environ["ARCHGRAPH_SCENARIOS"] = ":".join(str(d.absolute()) for d in scenarios)
    if args.watch:  # read by each worker's app (service.http.live)
        os.environ["ARCHGRAPH_WATCH"] = "1"
    settings = Settings()
    host = args.host or settings.host
    port = args.port if args.port is not None else settings.port
    workers = args.workers or settings.workers
    if workers > 1:
        from service.http.supervisor import serve_workers

        serve_workers(settings, host, port, workers, kg)
        return EXIT_OK

    import uvicorn

    from service.http.logs import log_config
    from service.http.metrics_dir import multiprocess_dir

    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # until the app handles it (service.http.live)

    with multiprocess_dir(make=False):  # emptied, if PROMETHEUS_MULTIPROC_DIR names one
        uvicorn.run(
            "service.http.app:create_app",
            factory=True,
            host=host,
            port=port,
            log_level=settings.log_level,
            log_config=log_config(settings.log_level),  # JSON lines
            access_log=False,  # our middleware logs each request, with its GraphQL operation
            timeout_graceful_shutdown=settings.graceful_shutdown_seconds,
        )
    return EXIT_OK


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``serve`` on the ``archgraph`` sub-command parsers."""
    serve = commands.add_parser("serve", help="serve GraphQL (and GraphiQL) over HTTP")
    serve.add_argument("--host", default=None, help="bind address (ARCHGRAPH_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (ARCHGRAPH_PORT, 8000)")
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes (ARCHGRAPH_WORKERS, 1); more than one: gunicorn supervises them",
    )
    serve.add_argument(
        "--watch",
        action="store_true",
        help="reload the packs when one of their files changes; a bad edit is reported and "
        "the last good graph kept (ARCHGRAPH_WATCH; SIGHUP reloads without it)",
    )
    serve.add_argument(
        "--scenarios",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="serve the scenario files in DIR (archgraph import-cluster) by name, next to the "
        "packs' scenarios (repeatable; also ARCHGRAPH_SCENARIOS, ':'-separated)",
    )
    add_data_args(serve)
    serve.set_defaults(func=cmd_serve)

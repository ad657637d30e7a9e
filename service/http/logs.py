"""Log lines as JSON, one object per line on stderr, and the config ``archgraph serve`` installs.

``log_config`` gives uvicorn (and gunicorn, with several workers) this format for their
own loggers and silences their access logs: ours (the ``archgraph.access`` logger, written
in batches by :mod:`service.http.access_log`) says more, one line per request.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
import weakref
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import orjson

access_log = logging.getLogger("archgraph.access")

# Attributes every LogRecord has; anything else was passed with `extra=` and is logged too.
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's message with terminal colours
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and any ``extra`` fields.

    Every request logs a line, so this is on the hot path: the timestamp's date and time
    of day are formatted once per second, and which attributes of a record are ``extra``
    is worked out once per shape of record (an access line always has the same shape).
    """

    def __init__(self) -> None:
        super().__init__()
        self._second = -1
        self._second_text = ""
        self._extras: dict[tuple[str, ...], tuple[str, ...]] = {}

    def timestamp(self, created: float) -> str:
        """``created`` (seconds since the epoch) as ISO 8601 in UTC, to the millisecond."""
        second = int(created)
        millis = round((created - second) * 1_000_000) // 1000
        if millis >= 1000:  # rounding reached the next second: let datetime say it
            return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
        if second != self._second:
            self._second_text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = second
        return f"{self._second_text}.{millis:03d}+00:00"

    def format(self, record: logging.LogRecord) -> str:
        attributes = vars(record)
        entry: dict[str, Any] = {
            "time": self.timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        shape = tuple(attributes)
        extras = self._extras.get(shape)
        if extras is None:
            extras = self._extras[shape] = tuple(
                key for key in shape if key not in _STANDARD_ATTRS and not key.startswith("_")
            )
        for key in extras:
            if key not in entry:
                entry[key] = attributes[key]
        if record.exc_info and record.exc_info[0] is not None:
            entry["traceback"] = "".join(traceback.format_exception(*record.exc_info))
        return orjson.dumps(entry, default=str).decode()


class BatchedStderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """stderr through a 64 KiB buffer, so access lines reach it in batches: a ``write(2)``
    each would cost more than the line.

    Access lines at INFO stay in the buffer until :meth:`flush`, which the access log calls
    after each batch it writes; any other line flushes at once, with the access lines before
    it, in order. The buffer is flushed before a ``fork()`` too (gunicorn forks its workers
    from the process that configured logging), so no line is written twice.
    """

    def __init__(self, stream: Any = None) -> None:
        if stream is None:  # fd 2, through a buffer of its own; stays open with the process
            stderr = sys.stderr.fileno()
            stream = open(stderr, "w", buffering=1 << 16, encoding="utf-8", closefd=False)  # noqa: SIM115
        super().__init__(stream)
        handler = weakref.ref(self)

        def flush_before_fork() -> None:
            alive = handler()
            if alive is not None:
                alive.flush()

        os.register_at_fork(before=flush_before_fork)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.stream.write(self.format(record) + "\n")
            if record.name != access_log.name or record.levelno >= logging.WARNING:
                self.flush()
        except Exception:
            self.handleError(record)

    def write_lines(self, lines: Iterable[str]) -> None:
        """Write formatted lines (without their newlines) and flush: the access log's batch."""
        with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
            self.stream.write("".join(line + "\n" for line in lines))
        self.flush()


def json_formatter() -> JsonFormatter:
    """The formatter ``log_config`` installs, in each server process.

    Its lines never show the caller's file and line, thread or process, so logging is
    told not to collect them for every record (the logging HOWTO's "Optimization").
    """
    logging._srcfile = None  # no sys._getframe() walk per record
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    return JsonFormatter()


def log_config(level: str, supervisor: bool = False) -> dict[str, Any]:
    """``logging.config.dictConfig`` for ``archgraph serve``: JSON lines, our access log only.

    ``supervisor``: for gunicorn's arbiter and workers too (several workers), whose loggers
    it adds; gunicorn merges this over its defaults, so it names the root logger's handler.
    """
    level = level.upper()
    handler = {"()": f"{__name__}.BatchedStderrHandler", "formatter": "json"}
    loggers: dict[str, Any] = {
        "archgraph": {"handlers": ["stderr"], "level": level, "propagate": False},
        "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
        "uvicorn.error": {"level": level},
        # our middleware logs each request once, with more than uvicorn knows
        "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "strawberry": {"handlers": ["stderr"], "level": level, "propagate": False},
    }
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.json_formatter"}},
        "handlers": {"stderr": handler},
        "loggers": loggers,
    }
    if supervisor:
        loggers["gunicorn.error"] = {"handlers": ["stderr"], "level": level, "propagate": False}
        loggers["gunicorn.access"] = {"handlers": [], "level": "CRITICAL", "propagate": False}
        config["root"] = {"handlers": ["stderr"], "level": "WARNING"}
    return config

"""The access log: one JSON line per request, written in batches by the access queue.

Each finished request's :class:`~service.http.access.AccessRecord` becomes one
``archgraph.access`` log line at INFO: message ``"POST /graphql 200"`` and the fields
``method path status duration_ms operation error_id refused cached client``, timed when
the response ended.

There are two ways to write a batch, and they give the same bytes:

- :func:`log_records` is the specification: a ``logging.LogRecord`` per request, handed to
  the logger, so every logging configuration (levels, handlers, filters, pytest's
  ``caplog``) sees the access log as it sees any other;
- when the configuration is the one ``archgraph serve`` installs (the ``archgraph``
  logger's one :class:`~service.http.logs.BatchedStderrHandler` and
  :class:`~service.http.logs.JsonFormatter`, nothing else between), :func:`write` formats
  the lines itself and hands the handler the batch: a record, its trip through the logger
  and the formatter cost ~8 µs a request, the line alone ~1 µs.

A test holds the two equal.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import orjson

from service.http.access import AccessRecord
from service.http.logs import BatchedStderrHandler, JsonFormatter, access_log

MESSAGE = "%s %s %d"


def write(records: Sequence[AccessRecord]) -> None:
    """Log ``records`` (finished requests) as access lines, then flush what buffers them."""
    if not records or not access_log.isEnabledFor(logging.INFO):
        return
    handler = direct_handler()
    if handler is not None:
        formatter = handler.formatter
        assert isinstance(formatter, JsonFormatter)
        handler.write_lines(json_lines(records, formatter))
        return
    for record in log_records(records):
        access_log.handle(record)
    for handler_ in _handlers(access_log):
        handler_.flush()


def log_records(records: Sequence[AccessRecord]) -> list[logging.LogRecord]:
    """The ``LogRecord`` of each request, as ``access_log.info`` would make it then."""
    made = []
    for r in records:
        record = access_log.makeRecord(
            access_log.name,
            logging.INFO,
            "",
            0,
            MESSAGE,
            (r.method, r.path, r.status),
            None,
            extra=_fields(r),
        )
        record.created = r.finished
        record.msecs = int((r.finished - int(r.finished)) * 1000) + 0.0
        made.append(record)
    return made


def json_lines(records: Sequence[AccessRecord], formatter: JsonFormatter) -> list[str]:
    """What ``formatter`` makes of :func:`log_records`, without making them."""
    name = access_log.name
    return [
        orjson.dumps(
            {
                "time": formatter.timestamp(r.finished),
                "level": "info",
                "logger": name,
                "message": f"{r.method} {r.path} {r.status:d}",
                **_fields(r),
            },
            default=str,
        ).decode()
        for r in records
    ]


def _fields(r: AccessRecord) -> dict[str, object]:
    return {
        "method": r.method,
        "path": r.path,
        "status": r.status,
        "duration_ms": round(r.seconds * 1000, 3),
        "operation": r.operation,
        "error_id": r.error_id,
        "refused": r.refused,
        "cached": r.cached,
        "client": r.client,
    }


def direct_handler() -> BatchedStderrHandler | None:
    """The one handler access lines reach, when :func:`json_lines` gives its very bytes."""
    if (
        access_log.disabled
        or access_log.filters
        or logging.getLogRecordFactory() is not logging.LogRecord
    ):
        return None
    handlers = _handlers(access_log)
    if len(handlers) != 1:
        return None
    [handler] = handlers
    if (
        type(handler) is not BatchedStderrHandler
        or handler.filters
        or handler.level > logging.INFO
        or type(handler.formatter) is not JsonFormatter
    ):
        return None
    return handler


def _handlers(logger: logging.Logger) -> list[logging.Handler]:
    """The handlers a record of ``logger`` reaches (``Logger.callHandlers``' walk)."""
    found: list[logging.Handler] = []
    current: logging.Logger | None = logger
    while current is not None:
        found.extend(current.handlers)
        current = current.parent if current.propagate else None
    return found

"""Structured logs: one JSON object per line, each carrying the current request id.

Used by Django's LOGGING (dashboard/settings.py) and by gunicorn's own loggers
(dashboard/gunicorn_conf.py), so it imports nothing from Django.

    {"time": "2026-05-20T10:31:02.412Z", "level": "WARNING", "logger": "studies.throttling",
     "message": "Login failed", "request_id": "4f0c…", "username": "ada", "client_ip": "10.0.0.7"}

Fields given with `extra={...}` become top-level keys (JSON values as they are, anything
else as a short string). Request objects that Django attaches are left out: their repr
says nothing useful, and no header (never the API key) is ever written.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from studies.infra.requestid import current_request_id

# Attributes every LogRecord has; anything else on a record came from `extra`.
_STANDARD = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()
    | {"message", "asctime", "request_id", "request", "server_time"}
)
_MAX_EXTRA_TEXT = 500


class RequestIdFilter(logging.Filter):
    """Give every record a `request_id` (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (newlines in messages are escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = _plain(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # ASCII with \u escapes: a lone surrogate from upstream text cannot break a line.
        return json.dumps(entry, default=str)


def _plain(value):
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value[:_MAX_EXTRA_TEXT]
    if isinstance(value, list | tuple) and all(isinstance(v, str | int | float) for v in value):
        return list(value)[:50]
    return str(value)[:_MAX_EXTRA_TEXT]

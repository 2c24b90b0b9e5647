"""The sandbox's log lines as JSON objects, one per line (SANDBOX_LOG_FORMAT=json, the
production default; see LOGGING in sandbox/settings.py).

    {"time": "2026-05-20T10:31:02.412Z", "level": "INFO", "logger": "sandbox.request",
     "message": "GET /v1/viewer/studies 200 3.1 ms", "method": "GET",
     "path": "/v1/viewer/studies", "status": 200, "duration_ms": 3.1}

A request's line carries its method, path, status and duration as fields of their own;
never a header, a body or the query string (no key or viewer token can land here).
"""

import json
import logging
from datetime import UTC, datetime

REQUEST_FIELDS = ("method", "path", "status", "duration_ms")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        entry = {
            "time": stamp.replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry |= {name: getattr(record, name) for name in REQUEST_FIELDS if hasattr(record, name)}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        # ASCII with \u escapes: no character of a path can break the line.
        return json.dumps(entry, default=str)

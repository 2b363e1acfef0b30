"""Logging: every line a request writes carries the request's id; in production each line is one
JSON object (for the log collector), elsewhere plain text."""

from __future__ import annotations

import logging
import re
from contextvars import ContextVar
from typing import Any

# Set by `sejahtera.web.middleware.RequestId` when a request starts and kept until the next
# one: Django logs a failed request ("Not Found: /…") after the middleware has returned.
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
# A NIK or KK number may stand in a path (/api/v1/nik/{nik}); no log line holds one.
SIXTEEN_DIGITS = re.compile(r"\d{16}")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (``None`` outside a request: a task, a command),
    writes any sixteen-digit number in the message as ``{nik}`` and drops the request object
    Django attaches (its text is the full path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        message = record.getMessage()
        if SIXTEEN_DIGITS.search(message):
            record.msg, record.args = SIXTEEN_DIGITS.sub("{nik}", message), None
        if hasattr(record, "request"):
            del record.request
        return True


def logging_config(*, json_lines: bool, level: str) -> dict[str, Any]:
    """The ``LOGGING`` setting. In production (``json_lines``) the request log
    (``sejahtera.request``: method, path, status, duration, user) is on at INFO."""
    formatter = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601 in UTC
        }
        if json_lines
        else {"format": "%(levelname)s %(name)s %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"default": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request_id"],
                "formatter": "default",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"sejahtera.request": {"level": "INFO" if json_lines else "WARNING"}},
    }

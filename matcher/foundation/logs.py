"""Structured JSON logs, one object per line, with the request id of the current request.

What may be logged: method, route template, status, durations, ids of records and principals'
token ids. What may not: bodies, query strings, headers, names, phones, e-mails — nothing a
person could be identified by. Call sites pass only safe fields through ``extra``.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from typing import IO

from pythonjsonlogger.json import JsonFormatter

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.__dict__.pop("color_message", None)  # uvicorn's ANSI-coloured duplicate
        return True


def configure_logging(level: str = "INFO", stream: IO[str] | None = None) -> None:
    """Route the root logger to ``stream`` (stdout) as JSON; idempotent."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # These libraries log request URLs and bodies at INFO/DEBUG; keep them to warnings.
    for noisy in ("elastic_transport", "elasticsearch", "httpx", "uvicorn.access", "arq"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))

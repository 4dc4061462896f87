"""Log lines as text (the default) or one JSON object per line (COACH_LOG_FORMAT=json), each
carrying the id of the request it belongs to. The same configuration is handed to uvicorn, so its
web processes (which start afresh with `--web-workers N`) log the same way."""

import json
import logging
import re
import secrets
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")  # a proxy's id, if it is a sane one
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def request_id_from(incoming: str | None) -> str:
    """The caller's X-Request-ID when it is short and plain, else a new one (never a header
    that could forge log lines or fill them)."""
    if incoming and _INCOMING_ID.match(incoming):
        return incoming
    return secrets.token_hex(8)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": REQUEST_ID.get(),
            "process": record.process,  # which of several web processes
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` for the app's loggers and uvicorn's."""
    formatter: dict[str, Any] = {"()": JsonFormatter} if log_format == "json" else {"format": TEXT_FORMAT}
    handler = {"class": "logging.StreamHandler", "formatter": "line", "stream": "ext://sys.stderr"}
    loggers = {
        name: {"level": level.upper(), "propagate": True}
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": formatter},
        "handlers": {"line": handler},
        "root": {"level": level.upper(), "handlers": ["line"]},
        "loggers": loggers,  # uvicorn's propagate to the root handler
    }

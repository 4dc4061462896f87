"""Keep password-reset tokens out of the logs: the token is in the link's path, and the access
log writes every path. Whoever can read the logs must not be able to use a fresh link."""

import logging
import re

_RESET_PATH = re.compile(r"/reset/[^/?\s\"]+")
REDACTED_PATH = "/reset/[redacted]"


def redact(text: str) -> str:
    return _RESET_PATH.sub(REDACTED_PATH, text)


class RedactResetTokens(logging.Filter):
    """Rewrites a record's message arguments (uvicorn's access log passes the path as one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        record.msg = redact(record.msg) if isinstance(record.msg, str) else record.msg
        return True


def install() -> None:
    """Idempotent, so building several apps in one process adds one filter."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactResetTokens) for f in access.filters):
        access.addFilter(RedactResetTokens())

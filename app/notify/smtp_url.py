"""The SMTP server a `COACH_SMTP_URL` names. Pure parsing with no app imports, so the settings
can check the URL when they load."""

from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    username: str | None = None
    password: str | None = field(default=None, repr=False)


def parse_smtp_url(url: str) -> SmtpServer:
    """The server a `COACH_SMTP_URL` names. Errors never repeat the URL, which may hold a password."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS:
        raise ValueError("the SMTP URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError("the SMTP URL names no host")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise ValueError("the SMTP URL's port is not a number from 1 to 65535") from None
    starttls = parse_qs(parts.query).get("starttls", [""])[-1].lower() in _TRUE
    implicit_tls = parts.scheme == "smtps"
    if parts.username and not (implicit_tls or starttls):
        raise ValueError("a password would cross the network unencrypted: use smtps:// or ?starttls=true")
    return SmtpServer(
        host=parts.hostname,
        port=port,
        implicit_tls=implicit_tls,
        starttls=starttls and not implicit_tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )

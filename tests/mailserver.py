"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the email tests: plain, STARTTLS or TLS from
the start, optionally with logins, keeping every message it accepts."""

import email
import email.policy
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.servers import free_port


@dataclass
class MailServer:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)


class _Keep:
    def __init__(self, server: MailServer) -> None:
        self.server = server

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.server.messages.append(message)
        self.server.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, made with the openssl command."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def _server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@contextmanager
def smtp_server(
    certificate: tuple[Path, Path] | None = None,
    *,
    implicit_tls: bool = False,
    users: dict[str, str] | None = None,
) -> Iterator[MailServer]:
    """With a certificate: STARTTLS is required, or (implicit_tls) TLS from the first byte.
    With users: a login is required, and only over TLS."""
    server = MailServer(free_port())
    options: dict[str, Any] = {}
    if certificate is not None:
        context = _server_context(*certificate)
        options |= (
            {"ssl_context": context} if implicit_tls else {"tls_context": context, "require_starttls": True}
        )
    if users is not None:

        def authenticate(_s: Any, _session: Any, _e: Any, _mechanism: str, data: Any) -> AuthResult:
            ok = isinstance(data, LoginPassword) and users.get(data.login.decode()) == data.password.decode()
            if ok:
                server.logins.append(data.login.decode())
            return AuthResult(success=ok, handled=False)  # unhandled: the server answers 535 itself

        # aiosmtpd only knows TLS it upgraded to: on a TLS-from-the-start channel (encrypted anyway)
        # it cannot require TLS for logins, so there it offers and checks logins without requiring them
        tls_known = not implicit_tls
        options |= {"authenticator": authenticate, "auth_required": tls_known, "auth_require_tls": tls_known}
    controller = Controller(_Keep(server), hostname="127.0.0.1", port=server.port, **options)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()

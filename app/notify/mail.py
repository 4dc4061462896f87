"""Email through the SMTP server `COACH_SMTP_URL` names: `smtp://host:port` (add `?starttls=true`
to upgrade the connection) or `smtps://host:port` (TLS from the start), with an optional
`user:password@`. Without it nothing is sent and the caller shows the link to copy instead.
Logs name the server and the message id, never a recipient, a link or a password."""

import enum
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from app.config import Settings
from app.errors import AppError
from app.notify.smtp_url import SmtpServer, parse_smtp_url

log = logging.getLogger(__name__)


class MailNotSent(AppError):
    status_code = 502
    title = "The email was not sent"


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


class Delivery(enum.StrEnum):
    sent = "sent"
    copy_link = "copy-link"  # no mail server configured: the person who invited copies the link


def _message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="gitops-coach")
    message.set_content(mail.body)
    return message


def _connect(server: SmtpServer, timeout: float) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if server.implicit_tls:
        return smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context)
    client = smtplib.SMTP(server.host, server.port, timeout=timeout)
    if server.starttls:
        client.starttls(context=context)
    return client


def deliver(settings: Settings, mail: Mail) -> Delivery:
    """Send one message, or say that nothing can be sent. A refusal or an unreachable server
    raises MailNotSent, naming the kind of failure only (a server's reply may quote the address)."""
    if settings.smtp_url is None:
        return Delivery.copy_link
    server = parse_smtp_url(settings.smtp_url.get_secret_value())
    message = _message(mail, settings.mail_from)
    try:
        with _connect(server, settings.smtp_timeout_seconds) as client:
            if server.username:
                client.login(server.username, server.password or "")
            client.send_message(message)
    except (smtplib.SMTPException, OSError) as error:
        log.warning("mail not sent via %s:%d: %s", server.host, server.port, type(error).__name__)
        raise MailNotSent(f"The mail server did not accept the message ({type(error).__name__}).") from None
    log.info("mail sent via %s:%d, message %s", server.host, server.port, message["Message-ID"])
    return Delivery.sent

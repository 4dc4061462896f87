"""Email through a real SMTP server on 127.0.0.1: plain, STARTTLS with a login, TLS from the start."""

import logging
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from app.config import Settings
from app.notify.mail import Delivery, Mail, MailNotSent, deliver
from app.notify.smtp_url import parse_smtp_url
from tests.mailserver import self_signed_certificate, smtp_server

LINK = "https://coach.example/invitations/s3cret-t0ken-value"
MAIL = Mail(to="ana@example.com", subject="Interview invitation: Platform", body=f"Open:\n{LINK}\n")
PASSWORD = "p@ss:word/42"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def trusted(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The client trusts the test certificate the way a deployment trusts its CA: SSL_CERT_FILE."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))


def _app_log(caplog: pytest.LogCaptureFixture) -> str:
    """What the app logged (the test server's own log, which shows the whole dialogue, is not the app's)."""
    return "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))


def _settings(url: str | None) -> Settings:
    return Settings(smtp_url=SecretStr(url) if url else None, mail_from="Coach <coach@example.org>")


def test_without_an_smtp_url_nothing_is_sent_and_the_link_is_to_be_copied() -> None:
    with smtp_server() as server:
        assert deliver(_settings(None), MAIL) == Delivery.copy_link
    assert server.messages == []


def test_a_message_reaches_a_plain_smtp_server_with_recipient_subject_and_link(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with smtp_server() as server:
        assert deliver(_settings(f"smtp://127.0.0.1:{server.port}"), MAIL) == Delivery.sent
    [message] = server.messages
    assert server.recipients == [["ana@example.com"]]
    assert message["To"] == "ana@example.com"
    assert message["From"] == "Coach <coach@example.org>"
    assert message["Subject"] == "Interview invitation: Platform"
    assert LINK in message.get_content()
    assert f"mail sent via 127.0.0.1:{server.port}" in _app_log(caplog)
    assert "s3cret-t0ken" not in _app_log(caplog)
    assert "ana@example.com" not in _app_log(caplog)


@pytest.mark.usefixtures("trusted")
def test_starttls_with_a_login_sends_and_logs_no_password(
    certificate: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with smtp_server(certificate, users={"mailer": PASSWORD}) as server:
        url = f"smtp://mailer:p%40ss%3Aword%2F42@127.0.0.1:{server.port}?starttls=true"
        assert deliver(_settings(url), MAIL) == Delivery.sent
    assert server.logins == ["mailer"]
    assert LINK in server.messages[0].get_content()
    assert PASSWORD not in _app_log(caplog)
    assert "p%40ss" not in _app_log(caplog)


@pytest.mark.usefixtures("trusted")
def test_smtps_speaks_tls_from_the_first_byte(certificate: tuple[Path, Path]) -> None:
    with smtp_server(certificate, implicit_tls=True, users={"mailer": PASSWORD}) as server:
        url = f"smtps://mailer:p%40ss%3Aword%2F42@127.0.0.1:{server.port}"
        assert deliver(_settings(url), MAIL) == Delivery.sent
    assert server.logins == ["mailer"]
    assert [m["To"] for m in server.messages] == ["ana@example.com"]


@pytest.mark.usefixtures("trusted")
def test_a_wrong_password_sends_nothing_and_the_error_and_logs_hold_no_secret(
    certificate: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with smtp_server(certificate, users={"mailer": PASSWORD}) as server:
        url = f"smtp://mailer:wrong-secret@127.0.0.1:{server.port}?starttls=true"
        with pytest.raises(MailNotSent, match="SMTPAuthenticationError") as caught:
            deliver(_settings(url), MAIL)
    assert server.messages == []
    for text in (_app_log(caplog), caught.value.message):
        assert "wrong-secret" not in text
        assert "s3cret-t0ken" not in text
        assert "ana@example.com" not in text


def test_an_untrusted_certificate_is_refused(certificate: tuple[Path, Path]) -> None:
    with smtp_server(certificate) as server, pytest.raises(MailNotSent, match="SSLCertVerificationError"):
        deliver(_settings(f"smtp://127.0.0.1:{server.port}?starttls=true"), MAIL)
    assert server.messages == []


def test_an_unreachable_server_is_reported() -> None:
    with smtp_server() as server:
        port = server.port
    with pytest.raises(MailNotSent, match="ConnectionRefusedError"):
        deliver(_settings(f"smtp://127.0.0.1:{port}"), MAIL)


def test_smtp_urls_are_read_with_default_ports_and_decoded_credentials() -> None:
    plain = parse_smtp_url("smtp://mail.internal")
    assert (plain.host, plain.port, plain.implicit_tls, plain.starttls, plain.username) == (
        "mail.internal", 25, False, False, None,
    )  # fmt: skip
    tls = parse_smtp_url("smtps://u%40corp:p%2Fw@mail.example.com")
    assert (tls.port, tls.implicit_tls, tls.username, tls.password) == (465, True, "u@corp", "p/w")
    assert parse_smtp_url("smtp://u:p@mail:587?starttls=yes").starttls
    assert "p/w" not in repr(tls)


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("http://mail.example.com", "must start with smtp:// or smtps://"),
        ("smtp://", "names no host"),
        ("smtp://mail:99999", "port"),
        ("smtp://user:hunter22@mail.example.com", "unencrypted"),
    ],
)
def test_a_bad_smtp_url_is_refused_at_startup_without_echoing_it(url: str, complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint) as caught:
        Settings(smtp_url=SecretStr(url))
    assert "hunter22" not in str(caught.value)

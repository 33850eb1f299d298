"""One exception tree: everything diplosum raises on purpose is a ``DiplosumError``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

if TYPE_CHECKING:
    from diplosum.llm.base import CallStats


def describe_validation_error(exc: ValidationError) -> str:
    """``N errors; first.field.path: message`` for a pydantic ValidationError."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "value"
    return f"{exc.error_count()} errors; {where}: {first['msg']}"


class DiplosumError(Exception):
    """Base class of every error diplosum raises on purpose."""


class ConfigurationError(DiplosumError):
    """Bad options or environment (CLI exit code 2)."""


class InputError(DiplosumError):
    """An input could not be read or understood; the message names the file."""


class PromptError(DiplosumError):
    """A prompt template is missing or uses an unknown variable."""


class ModelError(DiplosumError):
    """The model service failed for one article after retries (or fails fast).

    ``stats`` is what the failed attempt cost (calls, retries, re-asks, tokens),
    when the backend knows it; None otherwise.
    """

    stats: CallStats | None = None

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class ExtractionValidationError(ModelError):
    """The model's output stayed invalid after the allowed re-asks."""

    def __init__(self, message: str, *, attempts: int, last_output: str | None) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last_output = last_output


class ContextLengthError(ModelError):
    """The prompt is too long for the model (our own pre-check, or the server said so).

    Never retryable as is: the caller may split the article and try the parts.
    ``tokens`` and ``limit`` are set when known.
    """

    def __init__(
        self, message: str, *, tokens: int | None = None, limit: int | None = None
    ) -> None:
        super().__init__(message, retryable=False)
        self.tokens = tokens
        self.limit = limit


class RecordingError(DiplosumError):
    """A replay file is unreadable, or lacks the response for an article."""


class MissingRecordingError(RecordingError):
    """No recording matches the request (names the article and fingerprint)."""


class StaleRecordingError(RecordingError):
    """A recording exists for the article but for another prompt or schema."""


class CacheError(DiplosumError):
    """The response cache could not be used."""

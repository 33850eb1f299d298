"""What an HTTP error status from the model server means for diplosum.

``classify`` turns the SDK's ``APIStatusError`` into a ``TransientError`` to
retry or the ``ModelError`` to fail the article with. A 400 that rejects a
parameter names the diplosum option that controls it, so the fix is one flag
away; ``refuses_json_schema`` recognises a server that does not do JSON schemas
(for ``--mode auto``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import openai

from diplosum.errors import ContextLengthError, ModelError
from diplosum.llm.retry import RetryPolicy, TransientError, parse_retry_after

_MAX_SERVER_MESSAGE = 300

#: Request parameters diplosum may send, and the option that changes each.
PARAMETER_OPTIONS: dict[str, str] = {
    "temperature": "--temperature none (Python: temperature=None), or a value the model accepts",
    "max_tokens": "ClientSettings(max_output_tokens=None)",
    "max_completion_tokens": "ClientSettings(max_output_tokens=None)",
    "prompt_cache_key": "ClientSettings(prompt_cache=False)",
    "response_format": "--mode json_object, --mode tools or --mode auto",
    "json_schema": "--mode json_object, --mode tools or --mode auto",
    "tools": "--mode json_schema or --mode json_object",
    "tool_choice": "--mode json_schema or --mode json_object",
}
_UNSUPPORTED = re.compile(
    r"unsupported|not supported|unrecognized|unknown (?:parameter|field|argument)|"
    r"extra (?:inputs|fields) (?:are )?not permitted|does not support|invalid (?:type|value)|"
    r"must be (?:one of )?['\"]",
    re.IGNORECASE,
)


def server_message(exc: openai.APIStatusError) -> str:
    """The server's error message, whitespace folded (may be empty)."""
    body = exc.body
    message: object = None
    if isinstance(body, dict):
        error = body.get("error", body)
        message = error.get("message") if isinstance(error, dict) else error
    elif isinstance(body, str):
        message = body
    return " ".join(str(message).split()) if message else ""


def server_detail(exc: openai.APIStatusError) -> str:
    """``": code=...; message; request id ..."`` for an error line (not redacted)."""
    parts = []
    if exc.code:
        parts.append(f"code={exc.code}")
    text = server_message(exc)
    if text:
        if len(text) > _MAX_SERVER_MESSAGE:
            text = text[:_MAX_SERVER_MESSAGE] + "..."
        parts.append(text)
    if exc.request_id:
        parts.append(f"request id {exc.request_id}")
    return ": " + "; ".join(parts) if parts else ""


def rejected_parameter(exc: openai.APIStatusError) -> str | None:
    """The request parameter a 400/422 rejects, when it is one diplosum sends."""
    if exc.status_code not in (400, 422):
        return None
    param = (exc.param or "").split(".")[0].lower()
    if param in PARAMETER_OPTIONS:
        return param
    text = server_message(exc)
    code = (exc.code or "").lower()
    if not (_UNSUPPORTED.search(text) or code.startswith("unsupported")):
        return None
    lowered = text.lower()
    mentioned = [(lowered.find(name), name) for name in PARAMETER_OPTIONS if name in lowered]
    return min(mentioned)[1] if mentioned else None


def refuses_json_schema(exc: openai.APIStatusError) -> bool:
    """True when the server rejects ``response_format`` of type ``json_schema``."""
    if exc.status_code not in (400, 422, 501):
        return False
    return rejected_parameter(exc) in ("response_format", "json_schema") or (
        "json_schema" in server_message(exc).lower()
    )


def classify(
    exc: openai.APIStatusError,
    *,
    host: str,
    policy: RetryPolicy,
    redact: Callable[[str], str],
) -> TransientError | ModelError:
    """A ``TransientError`` to retry, or the ``ModelError`` to fail with."""
    status = exc.status_code
    description = f"HTTP {status} from {host}{redact(server_detail(exc))}"
    headers = exc.response.headers
    should_retry = headers.get("x-should-retry", "").lower()
    code = (exc.code or "").lower()
    if status == 429 and code == "insufficient_quota":
        return ModelError(f"{description} (out of quota, not retried)", retryable=False)
    retryable = policy.retries_status(status)
    if should_retry in ("true", "false"):
        retryable = should_retry == "true"
    if retryable:
        return TransientError(
            description, status=status, retry_after=parse_retry_after(dict(headers))
        )
    if status == 400 and (
        code == "context_length_exceeded" or "context length" in exc.message.lower()
    ):
        return ContextLengthError(f"{description} (prompt too long for the model)")
    param = rejected_parameter(exc)
    if param is not None:
        return ModelError(
            f"{description} (the model does not accept {param!r}; change it with "
            f"{PARAMETER_OPTIONS[param]})",
            retryable=False,
        )
    hint = {
        401: " (check the API key)",
        403: " (the key may not have access to this model or endpoint)",
        404: " (check the base URL and the model name; on Azure, the deployment name)",
    }.get(status, "")
    return ModelError(f"{description}{hint}", retryable=False)

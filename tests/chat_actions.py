"""What the loopback Chat Completions server (``tests/chat_server.py``) answers.

The recorded request (``RecordedRequest``), the scripted actions (``Answer``,
``HttpError``, ``Stall``, ``Reset``, ``RawBody``) and helpers that build common
ones (``rate_limited``, ``server_error``, ``context_length_exceeded``),
``FaultInjector``, and ``completion_body``: the Chat Completions JSON for an
``Answer``. ``tests.chat_server`` re-exports all of them.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

AZURE_DEPLOYMENT_PATH = re.compile(r"^/openai/deployments/(?P<deployment>[^/]+)/chat/completions$")
DEFAULT_MODEL = "loopback-model"


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it."""

    index: int
    method: str
    path: str
    headers: Mapping[str, str]
    body: Any
    raw_body: bytes
    received_at: float
    query: Mapping[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def deployment(self) -> str | None:
        """The Azure deployment named in the path, if it is an Azure deployment path."""
        match = AZURE_DEPLOYMENT_PATH.match(self.path)
        return match.group("deployment") if match else None

    @property
    def messages(self) -> list[dict[str, Any]]:
        if isinstance(self.body, dict) and isinstance(self.body.get("messages"), list):
            return [m for m in self.body["messages"] if isinstance(m, dict)]
        return []

    @property
    def mode(self) -> str:
        """``tools``, ``json_schema``, ``json_object`` or ``text``: what the client asked for."""
        body = self.body if isinstance(self.body, dict) else {}
        if body.get("tools"):
            return "tools"
        response_format = body.get("response_format")
        if isinstance(response_format, dict):
            kind = response_format.get("type")
            if kind in ("json_schema", "json_object"):
                return str(kind)
        return "text"

    @property
    def system_text(self) -> str:
        return "\n".join(_text(m) for m in self.messages if m.get("role") == "system")

    @property
    def user_text(self) -> str:
        """The first user message: the article prompt."""
        for message in self.messages:
            if message.get("role") == "user":
                return _text(message)
        return ""

    @property
    def tool_name(self) -> str | None:
        """The function the request forces (or its first tool), if any."""
        body = self.body if isinstance(self.body, dict) else {}
        choice = body.get("tool_choice")
        if isinstance(choice, dict) and isinstance(choice.get("function"), dict):
            return str(choice["function"].get("name"))
        for tool in body.get("tools") or []:
            if isinstance(tool, dict) and isinstance(tool.get("function"), dict):
                return str(tool["function"].get("name"))
        return None


def _text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


# -- actions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """A 200 chat completion.

    ``text`` is the message content, or the tool call's ``arguments`` when the
    request asked for tools (``as_tool_call=None``) or ``as_tool_call=True``.
    Token counts default to a deterministic estimate (characters / 4);
    ``cached_tokens`` and ``reasoning_tokens``, when set, are reported in
    ``usage.prompt_tokens_details`` and ``usage.completion_tokens_details``.
    """

    text: str | None
    model: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str | None = None
    refusal: str | None = None
    as_tool_call: bool | None = None
    tool_name: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    cached_tokens: int | None = None
    reasoning_tokens: int | None = None

    @classmethod
    def of(cls, value: BaseModel | Mapping[str, Any] | list[Any], **kwargs: Any) -> Answer:
        """An answer whose text is ``value`` as JSON."""
        text = value.model_dump_json() if isinstance(value, BaseModel) else json.dumps(value)
        return cls(text, **kwargs)


@dataclass(frozen=True)
class HttpError:
    """An error response; the body is OpenAI's ``{"error": {...}}`` unless ``body`` is set."""

    status: int
    message: str = "error"
    type: str | None = None
    code: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None


@dataclass(frozen=True)
class Stall:
    """Hold the connection ``seconds`` without answering, then do ``then`` (default: close).

    Wakes up early when the server stops, so it never delays shutdown.
    """

    seconds: float
    then: Action | None = None


@dataclass(frozen=True)
class Reset:
    """Close the connection abruptly (SO_LINGER 0: a TCP RST), without any response."""


@dataclass(frozen=True)
class RawBody:
    """Any status and bytes, e.g. a 200 whose body is not JSON."""

    body: bytes
    status: int = 200
    content_type: str = "application/json"


Action = Answer | HttpError | Stall | Reset | RawBody
Responder = Callable[[RecordedRequest], Action]


def rate_limited(
    *, retry_after: float | str | None = None, retry_after_ms: float | None = None
) -> HttpError:
    headers: dict[str, str] = {}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    if retry_after_ms is not None:
        headers["retry-after-ms"] = str(retry_after_ms)
    return HttpError(
        429,
        "Rate limit reached for requests",
        type="requests",
        code="rate_limit_exceeded",
        headers=headers,
    )


def server_error(status: int = 500) -> HttpError:
    return HttpError(status, f"upstream trouble ({status})", type="server_error")


def context_length_exceeded() -> HttpError:
    return HttpError(
        400,
        "This model's maximum context length is 128000 tokens. However, your messages "
        "resulted in 200000 tokens. Please reduce the length of the messages.",
        type="invalid_request_error",
        code="context_length_exceeded",
    )


class FaultInjector:
    """Wrap a responder: some calls fail with ``fault`` instead.

    Call ``n`` (1-based) fails when ``every`` divides ``n``, or else with
    ``probability`` drawn from a ``random.Random(seed)``: deterministic per seed
    (and per arrival order). ``fault`` may itself be a responder.
    """

    def __init__(
        self,
        responder: Responder,
        *,
        fault: Action | Responder | None = None,
        probability: float = 0.0,
        every: int | None = None,
        seed: int = 0,
    ) -> None:
        if every is not None and every < 1:
            raise ValueError("every must be >= 1")
        self._responder = responder
        self._fault = fault if fault is not None else server_error(503)
        self._probability = probability
        self._every = every
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.calls = 0
        self.faults = 0

    def __call__(self, request: RecordedRequest) -> Action:
        with self._lock:
            self.calls += 1
            draw = self._rng.random()
            failing = (self._every is not None and self.calls % self._every == 0) or (
                draw < self._probability
            )
            if failing:
                self.faults += 1
        if not failing:
            return self._responder(request)
        if callable(self._fault):
            return self._fault(request)
        return self._fault


def completion_body(answer: Answer, record: RecordedRequest) -> dict[str, Any]:
    """The Chat Completions JSON for ``answer`` to ``record``."""
    as_tool = answer.as_tool_call if answer.as_tool_call is not None else record.mode == "tools"
    message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": answer.refusal}
    if as_tool and answer.refusal is None:
        name = answer.tool_name or record.tool_name or "ArticleExtraction"
        message["tool_calls"] = [
            {
                "id": f"call_{record.index}",
                "type": "function",
                "function": {"name": name, "arguments": answer.text or ""},
            }
        ]
        finish = answer.finish_reason or "tool_calls"
    else:
        message["content"] = answer.text if answer.refusal is None else None
        finish = answer.finish_reason or "stop"
    prompt_chars = sum(len(_text(m)) for m in record.messages)
    prompt_tokens = (
        answer.prompt_tokens if answer.prompt_tokens is not None else max(1, prompt_chars // 4)
    )
    completion_tokens = (
        answer.completion_tokens
        if answer.completion_tokens is not None
        else max(1, len(answer.text or answer.refusal or "") // 4)
    )
    body = record.body if isinstance(record.body, dict) else {}
    usage: dict[str, Any] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    if answer.cached_tokens is not None:
        usage["prompt_tokens_details"] = {"cached_tokens": answer.cached_tokens}
    if answer.reasoning_tokens is not None:
        usage["completion_tokens_details"] = {"reasoning_tokens": answer.reasoning_tokens}
    return {
        "id": f"chatcmpl-{record.index}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": answer.model or str(body.get("model") or DEFAULT_MODEL),
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": usage,
    }

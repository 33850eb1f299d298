"""A real OpenAI Chat Completions server on 127.0.0.1, for tests.

``ChatServer`` listens on an ephemeral loopback port in a background thread
(``http.server.ThreadingHTTPServer``, HTTP/1.1 keep-alive) and answers
``POST /v1/chat/completions`` (and ``/chat/completions``, and Azure OpenAI's
``/openai/deployments/{deployment}/chat/completions`` and
``/openai/v1/chat/completions``) with proper Chat Completions JSON. What it
answers is scripted per request:

- a queue of actions (``enqueue``), used first, in order;
- then a responder callable that picks the action from the request (e.g. by the
  article id in the user prompt), possibly wrapped in ``FaultInjector``.

Actions: ``Answer`` (content, or a tool call when the request asked for tools),
``HttpError`` (any status, headers, body), ``Stall`` (hold the connection
without answering), ``Reset`` (drop the connection with a TCP RST),
``RawBody`` (any bytes). Every request is recorded (path, headers, JSON body).

A request that nothing was scripted for gets a 500 and is noted in ``errors``,
as is any unexpected exception in a handler; the ``chat_server`` fixture fails
the test if ``errors`` is not empty.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import socket
import struct
import sys
import threading
import time
import traceback
import urllib.parse
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from pydantic import BaseModel

CHAT_PATHS = frozenset({"/v1/chat/completions", "/chat/completions", "/openai/v1/chat/completions"})
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


# -- the server -----------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True
    request_queue_size = 128  # concurrent clients must not overflow the listen backlog

    def __init__(self, owner: ChatServer) -> None:
        self.owner = owner
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__((owner.host, 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if self.owner.stopping or isinstance(exc, ConnectionError | TimeoutError):
            return  # clients hanging up (e.g. after their timeout) are normal here
        self.owner.note_error(f"handler error: {traceback.format_exc()}")

    def drop_connections(self) -> None:
        with self.connections_lock:
            sockets = list(self.connections)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle keep-alive connection never pins a thread for long
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # headers and body go out in separate writes: without this, Nagle's algorithm
        # and the client's delayed ACK add ~40 ms to every response
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        record = self._record(b"")
        self._send_error(HttpError(404, f"no route for GET {record.path}"), record)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        record = self._record(self.rfile.read(length))
        if record.path not in CHAT_PATHS and record.deployment is None:
            self._send_error(HttpError(404, f"no route for POST {record.path}"), record)
            return
        self._perform(self.server.owner.next_action(record), record)

    def _record(self, raw: bytes) -> RecordedRequest:
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        path, _, query = self.path.partition("?")
        return self.server.owner.record(
            method=self.command,
            path=path,
            query=dict(urllib.parse.parse_qsl(query)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            raw_body=raw,
        )

    def _perform(self, action: Action, record: RecordedRequest) -> None:
        if isinstance(action, Answer):
            payload = completion_body(action, record)
            self._send(200, json.dumps(payload).encode(), record, action.headers)
        elif isinstance(action, HttpError):
            self._send_error(action, record)
        elif isinstance(action, RawBody):
            self._send(action.status, action.body, record, {}, content_type=action.content_type)
        elif isinstance(action, Stall):
            stopped = self.server.owner.wait_stopping(action.seconds)
            if action.then is not None and not stopped:
                self._perform(action.then, record)
            else:
                self.close_connection = True
        elif isinstance(action, Reset):
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()

    def _send_error(self, error: HttpError, record: RecordedRequest) -> None:
        if error.body is not None:
            payload = error.body.encode()
        else:
            payload = json.dumps(
                {
                    "error": {
                        "message": error.message,
                        "type": error.type,
                        "param": None,
                        "code": error.code,
                    }
                }
            ).encode()
        self._send(error.status, payload, record, error.headers)

    def _send(
        self,
        status: int,
        payload: bytes,
        record: RecordedRequest,
        headers: Mapping[str, str],
        *,
        content_type: str = "application/json",
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("x-request-id", f"req_{record.index}")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away (e.g. it timed out)


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


class ChatServer:
    """The loopback Chat Completions server (see the module docstring).

    ``with ChatServer() as server: ... server.base_url ...`` or ``start()``/``stop()``.
    Thread-safe: handlers run in their own threads.
    """

    def __init__(self, responder: Responder | None = None, *, host: str = "127.0.0.1") -> None:
        self.host = host
        self._responder = responder
        self._queue: deque[Action] = deque()
        self._requests: list[RecordedRequest] = []
        self._errors: list[str] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> ChatServer:
        if self._httpd is not None:
            raise RuntimeError("ChatServer already started")
        self._stopping.clear()
        self._httpd = _HTTPServer(self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.01},
            name=f"chat-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake stalled handlers, drop open connections, join threads."""
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.drop_connections()
        httpd.server_close()
        thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> ChatServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("ChatServer not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """What to give the client as ``base_url`` (ends in ``/v1``)."""
        return f"http://{self.host}:{self.port}/v1"

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def wait_stopping(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True if the server started stopping meanwhile."""
        return self._stopping.wait(seconds)

    # scripting

    def enqueue(self, *actions: Action) -> None:
        """Answer the next requests with ``actions``, in order, before the responder."""
        with self._lock:
            self._queue.extend(actions)

    @property
    def responder(self) -> Responder | None:
        return self._responder

    @responder.setter
    def responder(self, responder: Responder | None) -> None:
        self._responder = responder

    @property
    def pending(self) -> int:
        """Queued actions not used yet."""
        with self._lock:
            return len(self._queue)

    def next_action(self, request: RecordedRequest) -> Action:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            responder = self._responder
        if responder is not None:
            return responder(request)
        self.note_error(f"unscripted request #{request.index} to {request.path}")
        return HttpError(500, "chat_server: no scripted response for this request")

    # records

    def record(
        self,
        *,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: Any,
        raw_body: bytes,
        query: Mapping[str, str] | None = None,
    ) -> RecordedRequest:
        with self._lock:
            request = RecordedRequest(
                index=len(self._requests),
                method=method,
                path=path,
                query=dict(query or {}),
                headers=dict(headers),
                body=body,
                raw_body=raw_body,
                received_at=time.monotonic(),
            )
            self._requests.append(request)
            return request

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    def note_error(self, message: str) -> None:
        with self._lock:
            self._errors.append(message)

    @property
    def errors(self) -> list[str]:
        """Unscripted requests and unexpected handler exceptions."""
        with self._lock:
            return list(self._errors)

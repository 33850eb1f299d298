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

The request record, the actions and their helpers live in ``tests.chat_actions``
and are re-exported here.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import sys
import threading
import time
import traceback
import urllib.parse
from collections import deque
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from tests.chat_actions import (
    AZURE_DEPLOYMENT_PATH,
    DEFAULT_MODEL,
    Action,
    Answer,
    FaultInjector,
    HttpError,
    RawBody,
    RecordedRequest,
    Reset,
    Responder,
    Stall,
    completion_body,
    context_length_exceeded,
    rate_limited,
    server_error,
)

__all__ = [
    "AZURE_DEPLOYMENT_PATH",
    "CHAT_PATHS",
    "DEFAULT_MODEL",
    "Action",
    "Answer",
    "ChatServer",
    "FaultInjector",
    "HttpError",
    "RawBody",
    "RecordedRequest",
    "Reset",
    "Responder",
    "Stall",
    "completion_body",
    "context_length_exceeded",
    "rate_limited",
    "server_error",
]

CHAT_PATHS = frozenset({"/v1/chat/completions", "/chat/completions", "/openai/v1/chat/completions"})


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

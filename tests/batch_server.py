"""A real OpenAI Files + Batches server on 127.0.0.1, for tests (and live chat calls).

``BatchServer`` answers what the openai client sends for a batch run:

- ``POST /v1/files`` (multipart, purpose ``batch``), ``GET /v1/files/{id}/content``;
- ``POST /v1/batches``, ``GET /v1/batches/{id}``, ``GET /v1/batches`` (one page);
- ``POST /v1/chat/completions``: a live call, answered by the responder.

A new batch is ``in_progress`` until the test calls ``finish``, which "processes"
it: each line of its input file is answered by the responder (the same
``chat_server`` actions and Chat Completions JSON as a live call), except the lines
``fail`` picks (an HTTP error result in the error file) and, for an ``expired`` or
``cancelled`` batch, the lines after the first ``answered`` ones (never attempted:
``batch_expired`` / ``batch_cancelled`` in the error file). ``status="failed"`` ends
the batch without any output, as a batch that failed validation. Every HTTP request
is recorded; an unknown route is a 404 noted in ``errors``. Its answers are made up
here, from each request's article (``extraction_responder``): they are written by
this module, never recorded from a model.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.chat_server import (
    Action,
    Answer,
    HttpError,
    RecordedRequest,
    Responder,
    completion_body,
)

Fail = Callable[[str], bool]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle(b"")

    def do_POST(self) -> None:
        self._handle(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

    def _handle(self, raw: bytes) -> None:
        owner = self.server.owner
        path = self.path.partition("?")[0]
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, payload = owner.route(self.command, path, headers, raw)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: BatchServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)


class BatchServer:
    def __init__(self, responder: Responder) -> None:
        self.responder = responder
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.requests: list[RecordedRequest] = []
        self.errors: list[str] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._httpd: _HTTPServer | None = None

    # -- lifecycle -------------------------------------------------------------------

    def __enter__(self) -> BatchServer:
        self._httpd = _HTTPServer(self)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._httpd is not None
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def count(self, method: str, path: str) -> int:
        """How many requests had this method and path (``*`` at the end: a prefix)."""
        prefix = path.endswith("*")
        stem = path.rstrip("*")
        return sum(
            1
            for r in self.requests
            if r.method == method and (r.path.startswith(stem) if prefix else r.path == path)
        )

    # -- routes ------------------------------------------------------------------------

    def route(
        self, method: str, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, bytes]:
        body: Any = None
        if raw and not headers.get("content-type", "").startswith("multipart/"):
            body = json.loads(raw)
        with self._lock:
            record = RecordedRequest(
                len(self.requests), method, path, headers, body, raw, time.monotonic()
            )
            self.requests.append(record)
        parts = path.strip("/").split("/")
        if method == "POST" and path == "/v1/chat/completions":
            action = self.responder(record)
            if isinstance(action, Answer):
                return 200, json.dumps(completion_body(action, record)).encode()
            assert isinstance(action, HttpError)
            return action.status, json.dumps({"error": {"message": action.message}}).encode()
        if method == "POST" and path == "/v1/files":
            return 200, self._upload(headers["content-type"], raw)
        if method == "GET" and parts[:2] == ["v1", "files"] and parts[-1] == "content":
            return 200, self.files[parts[2]]
        if method == "POST" and path == "/v1/batches":
            return 200, self._create(body)
        if method == "GET" and path == "/v1/batches":
            data = sorted(self.batches.values(), key=lambda b: -int(b["created_at"]))
            page = {"object": "list", "data": data, "has_more": False}
            return 200, json.dumps(page).encode()
        if method == "GET" and parts[:2] == ["v1", "batches"] and len(parts) == 3:
            return 200, json.dumps(self.batches[parts[2]]).encode()
        self.errors.append(f"no route for {method} {path}")
        return 404, json.dumps({"error": {"message": f"no route for {method} {path}"}}).encode()

    def _upload(self, content_type: str, raw: bytes) -> bytes:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw
        )
        fields: dict[str, bytes] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            fields[str(name)] = payload if isinstance(payload, bytes) else b""
        assert fields["purpose"] == b"batch", fields.get("purpose")
        file_id = self._store_file(fields["file"])
        return json.dumps(self._file_object(file_id, "batch")).encode()

    def _store_file(self, data: bytes) -> str:
        file_id = f"file-{next(self._ids)}"
        self.files[file_id] = data
        return file_id

    def _file_object(self, file_id: str, purpose: str) -> dict[str, Any]:
        return {
            "id": file_id,
            "object": "file",
            "bytes": len(self.files[file_id]),
            "created_at": int(time.time()),
            "filename": f"{file_id}.jsonl",
            "purpose": purpose,
            "status": "processed",
        }

    def _create(self, body: dict[str, Any]) -> bytes:
        assert body["endpoint"] == "/v1/chat/completions" and body["completion_window"] == "24h"
        assert body["input_file_id"] in self.files
        batch_id = f"batch_{next(self._ids)}"
        lines = self.lines(body["input_file_id"])
        self.batches[batch_id] = {
            "id": batch_id,
            "object": "batch",
            "endpoint": body["endpoint"],
            "input_file_id": body["input_file_id"],
            "completion_window": "24h",
            "status": "in_progress",
            "created_at": int(time.time() * 1000) + next(self._ids),  # newest last, distinct
            "metadata": body.get("metadata"),
            "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
        }
        return json.dumps(self.batches[batch_id]).encode()

    # -- processing ------------------------------------------------------------------

    def lines(self, file_id: str) -> list[dict[str, Any]]:
        """The parsed lines of an uploaded file."""
        return [json.loads(line) for line in self.files[file_id].splitlines() if line.strip()]

    def finish(
        self,
        batch_id: str | None = None,
        *,
        status: str = "completed",
        fail: Fail | None = None,
        answered: int | None = None,
    ) -> dict[str, Any]:
        """End a batch (the only one, when ``batch_id`` is None): see the module docstring."""
        if batch_id is None:
            (batch_id,) = [b for b, v in self.batches.items() if v["status"] == "in_progress"]
        batch = self.batches[batch_id]
        outputs: list[bytes] = []
        errors: list[bytes] = []
        if status == "failed":
            batch["errors"] = {"object": "list", "data": [{"code": "invalid", "message": "bad"}]}
        else:
            for n, line in enumerate(self.lines(batch["input_file_id"])):
                custom_id = line["custom_id"]
                if answered is not None and n >= answered:
                    code = "batch_expired" if status == "expired" else "batch_cancelled"
                    errors.append(_result(custom_id, error={"code": code, "message": "not run"}))
                elif fail is not None and fail(custom_id):
                    error = {"error": {"message": "server trouble", "type": "server_error"}}
                    errors.append(_result(custom_id, response=(500, error)))
                else:
                    outputs.append(_result(custom_id, response=(200, self._answer(n, line))))
        batch["status"] = status
        batch["request_counts"] = {
            "total": batch["request_counts"]["total"],
            "completed": len(outputs),
            "failed": len(errors),
        }
        if outputs:
            batch["output_file_id"] = self._store_file(b"".join(outputs))
        if errors:
            batch["error_file_id"] = self._store_file(b"".join(errors))
        return batch

    def _answer(self, n: int, line: dict[str, Any]) -> dict[str, Any]:
        record = RecordedRequest(
            n, "POST", line["url"], {}, line["body"], json.dumps(line).encode(), time.monotonic()
        )
        action = self.responder(record)
        assert isinstance(action, Answer), action
        return completion_body(action, record)


def _result(
    custom_id: str,
    *,
    response: tuple[int, dict[str, Any]] | None = None,
    error: dict[str, Any] | None = None,
) -> bytes:
    entry = {
        "id": f"batch_req_{custom_id[-8:]}",
        "custom_id": custom_id,
        "response": None
        if response is None
        else {"status_code": response[0], "request_id": "req_1", "body": response[1]},
        "error": error,
    }
    return json.dumps(entry).encode() + b"\n"


# -- articles and answers for the tests ------------------------------------------------

_REF = re.compile(r"REF(\d{3})")


def write_articles(folder: Path, n: int) -> Path:
    """``n`` short, distinct articles ``a000.txt``...; each names its number as REFnnn."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"a{i:03d}.txt").write_text(
            f"Ministers of Country{i} and Land{i} held talks in City{i} on March 3, 2024.\n\n"
            f"The talks, file REF{i:03d}, covered trade and border security.\n",
            encoding="utf-8",
        )
    return folder


def extraction_for(i: int) -> dict[str, Any]:
    return {
        "headline": f"Talks in City{i}",
        "events": [
            {
                "title": f"Country{i}-Land{i} talks in City{i}",
                "kind": "talks",
                "status": "held",
                "prominence": "primary",
                "date_text": "March 3, 2024",
                "start_date": "2024-03-03",
                "end_date": None,
                "location": f"City{i}",
                "participants": [],
                "agenda": [],
                "outcomes": [],
                "evidence": f"Ministers of Country{i} and Land{i} held talks in City{i}",
            }
        ],
    }


def extraction_responder(request: RecordedRequest) -> Action:
    """A valid extraction of the article the request is about (by its REFnnn)."""
    match = _REF.search(request.user_text)
    if match is None:
        return HttpError(400, "no article reference in the prompt")
    return Answer(
        json.dumps(extraction_for(int(match.group(1)))), prompt_tokens=900, completion_tokens=200
    )

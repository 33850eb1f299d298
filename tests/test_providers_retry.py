"""Retries as billed today: a read timeout is retried at most once, 409 and every
5xx are retried, against the loopback server."""

from __future__ import annotations

import pytest

from diplosum.llm.retry import RetryPolicy
from tests.chat_server import Answer, ChatServer, HttpError, Stall, server_error
from tests.openai_backend_helpers import GOOD, FakeTime, extract, extract_error, stats_of

pytestmark = pytest.mark.server


def test_a_read_timeout_is_retried_once(chat_server: ChatServer) -> None:
    chat_server.enqueue(Stall(30), Answer(GOOD))
    reply = extract(chat_server, timeout=0.3)
    assert reply.content == GOOD
    assert (reply.stats.calls, reply.stats.retries) == (2, 1)


def test_a_second_read_timeout_is_not_retried(chat_server: ChatServer) -> None:
    chat_server.enqueue(Stall(30), Stall(30), Answer(GOOD))
    error = extract_error(chat_server, timeout=0.3)
    assert stats_of(error) == (2, 1, 0)
    assert error.retryable
    assert "read timeout" in str(error)
    assert "retried at most 1 time(s)" in str(error)
    assert chat_server.pending == 1  # the answer was never asked for


def test_read_timeout_retries_can_be_raised(chat_server: ChatServer) -> None:
    chat_server.enqueue(Stall(30), Stall(30), Answer(GOOD))
    policy = RetryPolicy(max_attempts=5, initial_backoff=0.01, jitter=0, read_timeout_retries=2)
    reply = extract(chat_server, timeout=0.3, retry=policy)
    assert (reply.stats.calls, reply.stats.retries) == (3, 2)


def test_other_failures_do_not_use_up_the_read_timeout_retry(chat_server: ChatServer) -> None:
    chat_server.enqueue(server_error(503), Stall(30), server_error(500), Answer(GOOD))
    reply = extract(chat_server, timeout=0.3, time=FakeTime())
    assert (reply.stats.calls, reply.stats.retries) == (4, 3)


@pytest.mark.parametrize("status", [409, 500, 501, 502, 503, 504, 520, 529, 599])
def test_409_and_every_5xx_are_retried(chat_server: ChatServer, status: int) -> None:
    chat_server.enqueue(HttpError(status, "try again"), Answer(GOOD))
    reply = extract(chat_server)
    assert (reply.stats.calls, reply.stats.retries) == (2, 1)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_not_retried(chat_server: ChatServer, status: int) -> None:
    chat_server.enqueue(HttpError(status, "no"))
    assert stats_of(extract_error(chat_server)) == (1, 0, 0)


def test_policy_checks_read_timeout_retries() -> None:
    with pytest.raises(ValueError, match="read_timeout_retries"):
        RetryPolicy(read_timeout_retries=-1)
    assert RetryPolicy().retries_status(599) and not RetryPolicy().retries_status(600)

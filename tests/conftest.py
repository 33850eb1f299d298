"""Shared pytest fixtures. Each block below belongs to one part of diplosum."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.chat_server import ChatServer

# --- model client: loopback Chat Completions server ---------------------------------


@pytest.fixture
def chat_server() -> Iterator[ChatServer]:
    """A started ``ChatServer`` on 127.0.0.1; stopped after the test.

    Fails the test when the server saw unscripted requests or handler errors.
    """
    server = ChatServer().start()
    try:
        yield server
    finally:
        server.stop()
    assert not server.errors, "chat server problems:\n" + "\n".join(server.errors)


# --- end of model client block ----------------------------------------------------------

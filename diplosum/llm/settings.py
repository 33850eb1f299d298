"""Configuration of the live model client: one explicit, immutable value.

Nothing here reads the environment at import time. ``ClientSettings`` keeps the
API key out of its ``repr`` (and so out of logs and tracebacks that show it).
"""

from __future__ import annotations

import ipaddress
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from diplosum.errors import ConfigurationError
from diplosum.llm.base import MODES, Mode
from diplosum.llm.retry import RetryPolicy

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_TIMEOUT = 60.0
#: Upper bound of the TCP/TLS connect phase: an unroutable host fails in seconds.
MAX_CONNECT_TIMEOUT = 10.0
DEFAULT_UNREACHABLE_AFTER = 5
#: Sent as the key to local servers that need none (the SDK insists on some key).
LOCAL_DUMMY_KEY = "not-needed"


@dataclass(frozen=True)
class ClientSettings:
    """How to reach one OpenAI-compatible endpoint and how hard to try.

    - ``base_url``: None means ``$OPENAI_BASE_URL``, else ``https://api.openai.com/v1``.
    - ``api_key``: None means ``$OPENAI_API_KEY``; if that is unset too and the
      endpoint is local (loopback or private address, ``localhost``), a dummy key
      is sent; otherwise building the backend raises ``ConfigurationError``.
    - ``timeout``: seconds for one HTTP request (read, write, pool); None means
      ``DEFAULT_TIMEOUT`` (60 s). Connecting gets at most ``MAX_CONNECT_TIMEOUT``
      (10 s) of it (see ``connect_timeout``).
    - ``max_reasks``: how many times invalid output is sent back for correction.
    - ``retry``: the transient-failure policy (attempts, time budget, backoff).
    - ``mode``: the structured-output mode this endpoint supports. The backend obeys
      ``ExtractionRequest.mode`` (it is part of the request's fingerprint); this is
      what the caller should put there for this endpoint.
    - ``max_input_tokens``: fail fast when the rendered prompt is longer (None: no check).
    - ``token_encoding``: tiktoken encoding used for that check (None: the offline
      default, see ``diplosum.llm.tokens``).
    - ``default_headers``: extra HTTP headers for every request (e.g. for a proxy).
    - ``unreachable_after``: the circuit breaker shared by every request of one
      backend. After this many consecutive connection failures, whichever articles
      they came from (refused, reset or dropped connections, DNS failures, connect
      timeouts; not a read timeout once the server has accepted), the endpoint is
      taken as unreachable and every later attempt fails at once with a
      non-retryable ``ModelError`` without sending anything. Any HTTP answer, even
      an error status, resets the count. The default, 5, is more than the default
      concurrency (4), so a blip shorter than one backoff is still survived.
    """

    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    timeout: float | None = None
    max_reasks: int = 2
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    mode: Mode = "json_schema"
    max_input_tokens: int | None = None
    token_encoding: str | None = None
    default_headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    unreachable_after: int = DEFAULT_UNREACHABLE_AFTER

    def __post_init__(self) -> None:
        if self.timeout is not None and not (self.timeout > 0 and math.isfinite(self.timeout)):
            raise ConfigurationError(
                f"timeout must be a positive number of seconds, not {self.timeout!r}"
            )
        if self.max_reasks < 0:
            raise ConfigurationError(f"max_reasks must be >= 0, not {self.max_reasks!r}")
        if self.mode not in MODES:
            raise ConfigurationError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.max_input_tokens is not None and self.max_input_tokens < 1:
            raise ConfigurationError(
                f"max_input_tokens must be >= 1, not {self.max_input_tokens!r}"
            )
        if self.unreachable_after < 1:
            raise ConfigurationError(
                f"unreachable_after must be >= 1, not {self.unreachable_after!r}"
            )
        if self.base_url is not None:
            _check_url(self.base_url)

    @property
    def request_timeout(self) -> float:
        """Seconds for one HTTP request: ``timeout``, or ``DEFAULT_TIMEOUT`` when None."""
        return self.timeout if self.timeout is not None else DEFAULT_TIMEOUT

    @property
    def connect_timeout(self) -> float:
        """Seconds to establish a connection: ``request_timeout``, at most 10 s."""
        return min(self.request_timeout, MAX_CONNECT_TIMEOUT)

    def resolved_base_url(self) -> str:
        """The endpoint actually used: setting, then ``$OPENAI_BASE_URL``, then OpenAI."""
        url = self.base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
        _check_url(url)
        return url

    def resolved_api_key(self) -> str:
        """The key actually sent (see the class docstring). Never log it."""
        if self.api_key:
            return self.api_key
        from_env = os.environ.get("OPENAI_API_KEY")
        if from_env:
            return from_env
        url = self.resolved_base_url()
        if is_local_url(url):
            return LOCAL_DUMMY_KEY
        raise ConfigurationError(
            f"no API key for {url_host(url)}: set OPENAI_API_KEY (any value works for a "
            "server that needs none) or pass ClientSettings(api_key=...)"
        )


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"base URL must be an http(s) URL with a host, not {url_host(url)!r}"
        )


def url_host(url: str) -> str:
    """``host[:port]`` of a URL, without any user/password part: safe to show."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port is not None else host


def is_local_url(url: str) -> bool:
    """True for ``localhost`` and loopback or private-network addresses."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private

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
from diplosum.llm.models import REASONING_READ_TIMEOUT, is_reasoning_model
from diplosum.llm.retry import RetryPolicy

DEFAULT_BASE_URL = "https://api.openai.com/v1"
#: Seconds to wait for an answer (read timeout), for a model that does not reason.
DEFAULT_TIMEOUT = 60.0
#: The TCP/TLS connect phase: an unroutable host fails in seconds.
DEFAULT_CONNECT_TIMEOUT = 10.0
MAX_CONNECT_TIMEOUT = DEFAULT_CONNECT_TIMEOUT  # the old name
DEFAULT_UNREACHABLE_AFTER = 5
#: Sent as the key to servers that need none (the SDK insists on some key).
LOCAL_DUMMY_KEY = "not-needed"

#: The openai SDK's own environment names for Azure OpenAI (``AsyncAzureOpenAI``).
AZURE_ENDPOINT_ENV = "AZURE_OPENAI_ENDPOINT"
AZURE_KEY_ENV = "AZURE_OPENAI_API_KEY"
AZURE_AD_TOKEN_ENV = "AZURE_OPENAI_AD_TOKEN"
API_VERSION_ENV = "OPENAI_API_VERSION"
_AZURE_HOST_SUFFIXES = (".openai.azure.com", ".cognitiveservices.azure.com", ".ai.azure.com")
#: Hosts whose Chat Completions API takes ``prompt_cache_key``.
_PROMPT_CACHE_HOSTS = ("api.openai.com",)


@dataclass(frozen=True)
class ClientSettings:
    """How to reach one OpenAI-compatible endpoint and how hard to try.

    - ``base_url``: None means ``$OPENAI_BASE_URL``, else ``https://api.openai.com/v1``.
    - ``api_key``: None means ``$OPENAI_API_KEY`` (for an Azure host, then
      ``$AZURE_OPENAI_API_KEY``); if there is none and the endpoint is not OpenAI's
      own (a local server, a third-party gateway), a dummy key is sent; for
      api.openai.com building the backend raises ``ConfigurationError``.
    - ``azure_endpoint``, ``api_version``: Azure OpenAI through the SDK's own
      ``AsyncAzureOpenAI`` (deployment name as the model, ``api-version`` query,
      ``api-key`` header). None means ``$AZURE_OPENAI_ENDPOINT`` and
      ``$OPENAI_API_VERSION``; the key is ``api_key``, else ``$AZURE_OPENAI_API_KEY``
      (or ``$AZURE_OPENAI_AD_TOKEN``). Used when no ``base_url`` is set and
      ``$OPENAI_BASE_URL`` is not set either. Azure's v1 endpoint
      (``https://NAME.openai.azure.com/openai/v1/``) is an ordinary ``base_url``.
    - ``timeout``: seconds to wait for the answer once the request is sent (read,
      write and pool timeouts); None means ``DEFAULT_TIMEOUT`` (60 s), or 600 s for
      a reasoning model (o-series, gpt-5 and later), which may think for minutes.
    - ``connect_timeout``: seconds to establish the connection (10 s), set apart
      so an unreachable host fails fast whatever ``timeout`` is.
    - ``max_output_tokens``: a cap on the answer, sent as ``max_completion_tokens``
      (never the deprecated ``max_tokens``); None sends no cap.
    - ``prompt_cache``: send ``prompt_cache_key`` (one key per prompt template, so
      requests sharing the fixed prefix land on the same provider cache). None
      means where the API is known to take it: api.openai.com (Azure and other
      servers may reject an unknown parameter; turn it on for them with True).
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
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    max_reasks: int = 2
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    mode: Mode = "json_schema"
    max_input_tokens: int | None = None
    token_encoding: str | None = None
    default_headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    unreachable_after: int = DEFAULT_UNREACHABLE_AFTER
    max_output_tokens: int | None = None
    prompt_cache: bool | None = None
    azure_endpoint: str | None = None
    api_version: str | None = None

    def __post_init__(self) -> None:
        for name in ("timeout", "connect_timeout"):
            value = getattr(self, name)
            if value is not None and not (value > 0 and math.isfinite(value)):
                raise ConfigurationError(
                    f"{name} must be a positive number of seconds, not {value!r}"
                )
        if self.max_output_tokens is not None and self.max_output_tokens < 1:
            raise ConfigurationError(
                f"max_output_tokens must be >= 1, not {self.max_output_tokens!r}"
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
        for url in (self.base_url, self.azure_endpoint):
            if url is not None:
                _check_url(url)

    @property
    def request_timeout(self) -> float:
        """Read timeout for a model that does not reason: ``timeout``, or 60 s."""
        return self.timeout if self.timeout is not None else DEFAULT_TIMEOUT

    def read_timeout(self, model: str) -> float:
        """Seconds to wait for ``model``'s answer (see ``timeout``)."""
        if self.timeout is not None:
            return self.timeout
        return REASONING_READ_TIMEOUT if is_reasoning_model(model) else DEFAULT_TIMEOUT

    def resolved_azure_endpoint(self) -> str | None:
        """The Azure endpoint to use through ``AsyncAzureOpenAI``, or None (see above)."""
        if self.azure_endpoint:
            return self.azure_endpoint
        if self.base_url or os.environ.get("OPENAI_BASE_URL"):
            return None
        url = os.environ.get(AZURE_ENDPOINT_ENV)
        if url:
            _check_url(url)
        return url or None

    def resolved_api_version(self) -> str:
        """The Azure ``api-version``: setting, then ``$OPENAI_API_VERSION``."""
        version = self.api_version or os.environ.get(API_VERSION_ENV)
        if not version:
            raise ConfigurationError(
                f"Azure OpenAI needs an API version: set {API_VERSION_ENV} (e.g. 2024-10-21) "
                "or pass ClientSettings(api_version=...)"
            )
        return version

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
        if is_azure_url(url) and os.environ.get(AZURE_KEY_ENV):
            return os.environ[AZURE_KEY_ENV]
        if not is_openai_url(url):
            return LOCAL_DUMMY_KEY
        raise ConfigurationError(
            f"no API key for {url_host(url)}: set OPENAI_API_KEY or pass "
            "ClientSettings(api_key=...)"
        )

    def resolved_azure_key(self) -> str | None:
        """The Azure key: setting, then ``$AZURE_OPENAI_API_KEY``; None lets the SDK
        use ``$AZURE_OPENAI_AD_TOKEN``. Raises when there is neither."""
        key = self.api_key or os.environ.get(AZURE_KEY_ENV)
        if key:
            return key
        if os.environ.get(AZURE_AD_TOKEN_ENV):
            return None
        raise ConfigurationError(
            f"no key for Azure OpenAI: set {AZURE_KEY_ENV} (or {AZURE_AD_TOKEN_ENV}) "
            "or pass ClientSettings(api_key=...)"
        )

    def sends_prompt_cache_key(self, base_url: str) -> bool:
        """Whether requests to ``base_url`` carry ``prompt_cache_key`` (see above)."""
        if self.prompt_cache is not None:
            return self.prompt_cache
        return is_openai_url(base_url)


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


def is_openai_url(url: str) -> bool:
    """True for OpenAI's own API host."""
    return (urlsplit(url).hostname or "").lower() in _PROMPT_CACHE_HOSTS


def is_azure_url(url: str) -> bool:
    """True for an Azure OpenAI / AI Foundry resource host."""
    host = (urlsplit(url).hostname or "").lower()
    return host.endswith(_AZURE_HOST_SUFFIXES)


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

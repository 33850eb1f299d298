"""Fetching feeds and pages over HTTP with httpx: bounded in time, size and manners.

Connect and read timeouts, at most ``MAX_REDIRECTS`` redirects, at most
``max_bytes`` of body (a bigger body is refused, not truncated), at most
``PER_HOST`` requests at once to one host, a User-Agent that names diplosum, and
conditional GET (``If-None-Match`` / ``If-Modified-Since``) when validators are known.
Every failure is a ``FetchError`` whose message names the URL and says why.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlsplit

import httpx

from diplosum._version import __version__

USER_AGENT = f"diplosum/{__version__} (news digest; +https://pypi.org/project/diplosum/)"
MAX_REDIRECTS = 5
PER_HOST = 2
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


class FetchError(Exception):
    """A URL that could not be fetched; the message says which and why."""


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int  # 200, or 304 when the validators still hold
    body: bytes
    content_type: str
    charset: str | None
    etag: str | None
    last_modified: str | None


class Fetcher:
    def __init__(self, *, timeout: float = 20.0, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            headers={"User-Agent": USER_AGENT},
        )
        self._max_bytes = max_bytes
        self._hosts: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(PER_HOST))

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._client.aclose()

    async def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> Fetched:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        host = (urlsplit(url).hostname or "").lower()
        async with self._hosts[host]:
            try:
                return await self._get(url, headers)
            except httpx.TimeoutException:
                raise FetchError(f"{url}: no answer in time (timeout)") from None
            except httpx.TooManyRedirects:
                raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from None

    async def _get(self, url: str, headers: dict[str, str]) -> Fetched:
        async with self._client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                body = b""
            elif response.status_code != 200:
                raise FetchError(f"{url}: HTTP {response.status_code} {response.reason_phrase}")
            else:
                body = await self._read(url, response)
            content_type = response.headers.get("content-type", "")
            return Fetched(
                url=str(response.url),
                status=response.status_code,
                body=body,
                content_type=content_type.split(";")[0].strip().lower(),
                charset=response.charset_encoding,
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
            )

    async def _read(self, url: str, response: httpx.Response) -> bytes:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self._max_bytes:
            raise FetchError(f"{url}: {int(declared):,} bytes, over the {self._max_bytes:,} limit")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self._max_bytes:
                raise FetchError(f"{url}: over the {self._max_bytes:,}-byte limit; not read")
            chunks.append(chunk)
        return b"".join(chunks)


def decode_body(fetched: Fetched) -> str:
    """The body as text: the declared charset, else UTF-8, bad bytes replaced."""
    encoding = fetched.charset or "utf-8"
    try:
        return fetched.body.decode(encoding, errors="replace")
    except LookupError:
        return fetched.body.decode("utf-8", errors="replace")

"""The digest's settings: a TOML file (``diplosum.toml``), every key also an option.

Keys (all optional except that there must be an inbox or a feed)::

    inbox = ["articles/"]            # folders (or files, globs) read every run
    feeds = ["https://example.org/rss.xml", "saved/feed.atom"]
    out_dir = "digests"              # YYYY-MM-DD.md/.json/.html and latest.*
    state = "digests/.diplosum-state.sqlite3"
    cache = "digests/.diplosum-cache.sqlite3"   # needed: same-day runs rebuild from it
    model = "gpt-4.1-mini"
    mode = "json_schema"
    base_url = "http://127.0.0.1:8000/v1"
    concurrency = 4
    max_articles = 50                # per run; the rest is deferred, listed
    max_cost_usd = 0.50              # per run, estimated before sending
    timezone = "Europe/Berlin"       # which day a run belongs to
    replay = "recordings.jsonl"      # answer from recordings only (tests, demos)
    fetch_timeout = 20               # seconds per feed or page request
    batch = false                    # true: send through the Batch API (half price, later)

Relative paths in the file are relative to the file's folder. An unknown key or a
value of the wrong type is a ``ConfigurationError`` naming the file and the key.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from diplosum.errors import ConfigurationError

DEFAULT_CONFIG = "diplosum.toml"
STATE_NAME = ".diplosum-state.sqlite3"
CACHE_NAME = ".diplosum-cache.sqlite3"


@dataclass(frozen=True)
class DigestConfig:
    inbox: tuple[Path, ...] = ()
    feeds: tuple[str, ...] = ()
    out_dir: Path = Path("digests")
    state: Path | None = None
    cache: Path | bool = True
    model: str | None = None
    mode: str | None = None
    base_url: str | None = None
    concurrency: int | None = None
    max_articles: int | None = None
    max_cost_usd: float | None = None
    timezone: str = "UTC"
    replay: Path | None = None
    fetch_timeout: float = 20.0
    batch: bool = False
    origin: str = field(default="options", compare=False)

    def __post_init__(self) -> None:
        where = self.origin
        if not self.inbox and not self.feeds:
            raise ConfigurationError(f"{where}: give at least one inbox folder or feed")
        if self.cache is False and self.replay is None:
            raise ConfigurationError(
                f"{where}: the digest needs its response cache (cache = false): a second "
                "run the same day rebuilds that day's digest from it, and a run killed "
                "halfway resumes from it; give cache a path, or leave it out"
            )
        if self.max_articles is not None and self.max_articles < 1:
            raise ConfigurationError(f"{where}: max_articles must be at least 1")
        if self.max_cost_usd is not None and not (
            math.isfinite(self.max_cost_usd) and self.max_cost_usd >= 0
        ):
            raise ConfigurationError(f"{where}: max_cost_usd must be a number >= 0")
        if not (math.isfinite(self.fetch_timeout) and self.fetch_timeout > 0):
            raise ConfigurationError(f"{where}: fetch_timeout must be a number of seconds > 0")
        if self.concurrency is not None and self.concurrency < 1:
            raise ConfigurationError(f"{where}: concurrency must be at least 1")
        self.zone()

    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigurationError(
                f"{self.origin}: timezone {self.timezone!r} is not an IANA time zone name"
            ) from None

    @property
    def state_path(self) -> Path:
        return self.state or self.out_dir / STATE_NAME

    @property
    def cache_path(self) -> Path | None:
        if self.cache is False:
            return None
        if self.cache is True:
            return self.state_path.parent / CACHE_NAME
        return Path(self.cache)


_PATH_LISTS = {"inbox"}
_PATHS = {"out_dir", "state", "replay"}
_TYPES: dict[str, tuple[type, ...]] = {
    "inbox": (list,),
    "feeds": (list,),
    "out_dir": (str,),
    "state": (str,),
    "cache": (str, bool),
    "model": (str,),
    "mode": (str,),
    "base_url": (str,),
    "concurrency": (int,),
    "max_articles": (int,),
    "max_cost_usd": (int, float),
    "timezone": (str,),
    "replay": (str,),
    "fetch_timeout": (int, float),
    "batch": (bool,),
}


def load_config(
    path: str | Path | None, overrides: Mapping[str, Any], *, required: bool = False
) -> DigestConfig:
    """The file's settings (if it exists) with ``overrides`` (options, not None) on top.

    ``required``: the file was named explicitly, so a missing file is an error.
    """
    config_path = Path(path) if path is not None else Path(DEFAULT_CONFIG)
    values: dict[str, Any] = {}
    origin = "options"
    if config_path.is_file():
        values = _read(config_path)
        origin = str(config_path)
    elif required:
        raise ConfigurationError(f"{config_path}: config file not found")
    for key, value in overrides.items():
        if value is not None and value != ():
            values[key] = value
    return _build(values, origin)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{path}: cannot read config file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path}: not valid TOML: {exc}") from None
    base = path.parent
    values: dict[str, Any] = {}
    for key, raw in data.items():
        expected = _TYPES.get(key)
        if expected is None:
            known = ", ".join(sorted(_TYPES))
            raise ConfigurationError(f"{path}: unknown key {key!r} (known: {known})")
        if (isinstance(raw, bool) and bool not in expected) or not isinstance(raw, expected):
            names = " or ".join(t.__name__ for t in expected)
            raise ConfigurationError(f"{path}: {key} must be {names}, not {raw!r}")
        value: Any = raw
        if key in _PATH_LISTS:
            if not all(isinstance(v, str) for v in value):
                raise ConfigurationError(f"{path}: {key} must be a list of strings")
            value = [base / v for v in value]
        elif key == "feeds":
            if not all(isinstance(v, str) for v in value):
                raise ConfigurationError(f"{path}: feeds must be a list of strings")
            value = [v if "://" in v else str(base / v) for v in value]
        elif key in _PATHS or (key == "cache" and isinstance(value, str)):
            value = base / value
        values[key] = value
    return values


def _build(values: dict[str, Any], origin: str) -> DigestConfig:
    fields = {f.name for f in dataclasses.fields(DigestConfig)}
    kwargs: dict[str, Any] = {k: v for k, v in values.items() if k in fields}
    kwargs["inbox"] = tuple(Path(p) for p in values.get("inbox", ()))
    kwargs["feeds"] = tuple(str(f) for f in values.get("feeds", ()))
    for key in ("out_dir", "state", "replay"):
        if kwargs.get(key) is not None:
            kwargs[key] = Path(kwargs[key])
    if isinstance(kwargs.get("cache"), str):
        kwargs["cache"] = Path(kwargs["cache"])
    for key in ("max_cost_usd", "fetch_timeout"):
        if key in kwargs:
            kwargs[key] = float(kwargs[key])
    return DigestConfig(**kwargs, origin=origin)

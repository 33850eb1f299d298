"""Encodings: UTF-8, UTF-16/32 with a byte-order mark, legacy single-byte text
detected, the encoding recorded in the Source; binary files refused by name."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

import diplosum
from diplosum.ingest.decode import Undecodable, decode_article
from diplosum.ingest.load import load_articles
from tests.fakes import FakeBackend

FRENCH = "Le ministre français des Affaires étrangères a rencontré son homologue à Bruxelles.\n"
POLISH = "Minister spraw zagranicznych spotkał się z kolegą w Brukseli; żadnych porozumień.\n"
RUSSIAN = "Министр иностранных дел встретился с коллегой в Брюсселе и заявил о прогрессе.\n"
WESTERN = "The minister’s “frank” talks – in Paris … at the café.\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (FRENCH.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + FRENCH.encode("utf-8"), "utf-8-sig"),
        (FRENCH.encode("utf-16"), "utf-16"),
        (codecs.BOM_UTF16_BE + FRENCH.encode("utf-16-be"), "utf-16"),
        (FRENCH.encode("utf-32"), "utf-32"),
        (FRENCH.encode("latin-1"), "cp1252"),
        (WESTERN.encode("cp1252"), "cp1252"),
        (POLISH.encode("cp1250"), "cp1250"),
        (RUSSIAN.encode("cp1251"), "cp1251"),
    ],
)
def test_text_is_decoded_and_its_encoding_named(data: bytes, encoding: str) -> None:
    decoded = decode_article(data, where="x.txt")
    assert decoded.text in (FRENCH, WESTERN, POLISH, RUSSIAN)
    assert decoded.encoding == encoding


def test_an_html_page_declared_charset_is_honoured() -> None:
    page = '<html><head><meta charset="iso-8859-15"></head><body>Prix: 5 €</body></html>'
    decoded = decode_article(page.encode("iso-8859-15"), where="p.html", html=True)
    assert decoded.encoding == "iso8859-15"
    assert "5 €" in decoded.text


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "looks like a binary file (it contains NUL bytes)",
        ),
        (b"\x1b[0m\x07\x08" * 50, "looks like a binary file (150 control characters)"),
        (codecs.BOM_UTF8 + b"ok \xff\xfe", "is not UTF-8-SIG text although it starts with"),
    ],
)
def test_binary_data_is_refused_by_name(data: bytes, reason: str) -> None:
    with pytest.raises(Undecodable) as caught:
        decode_article(data, where="in/scan.txt")
    assert str(caught.value).startswith(f"in/scan.txt {reason}")


def test_files_record_their_encoding_in_the_source(tmp_path: Path) -> None:
    (tmp_path / "latin.txt").write_bytes(FRENCH.encode("latin-1"))
    (tmp_path / "wide.txt").write_bytes(FRENCH.encode("utf-16"))
    (tmp_path / "plain.txt").write_text(FRENCH, encoding="utf-8")
    loaded = load_articles([tmp_path])
    assert {a.id: (a.encoding, a.text) for a in loaded.articles} == {
        "latin": ("cp1252", FRENCH),
        "plain": ("utf-8", FRENCH),
        "wide": ("utf-16", FRENCH),
    }
    answer: dict[str, object] = {"headline": None, "events": []}
    brief = diplosum.brief([tmp_path], backend=FakeBackend({}, default=answer))
    assert {s.id: s.encoding for s in brief.sources} == {
        "latin": "cp1252",
        "plain": "utf-8",
        "wide": "utf-16",
    }

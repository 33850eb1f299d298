"""Saved web pages go through trafilatura: the article text and its metadata reach the
Source, page furniture does not, and a page without article text is never sent.

The pages under tests/fixtures/inputs/ were made here, not scraped (each says so)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import diplosum
from diplosum.ingest.load import load_articles
from tests.fakes import FakeBackend

INPUTS = Path(__file__).parent / "fixtures" / "inputs"
PAGE = INPUTS / "herald-vienna-talks.html"
WALL = INPUTS / "consent-wall.html"
EMPTY: dict[str, object] = {"headline": None, "events": []}


def test_the_article_and_its_metadata_are_extracted() -> None:
    (article,) = load_articles([PAGE]).articles
    assert article.id == "herald-vienna-talks"
    assert article.text.startswith("Blinken and Wang hold six hours of talks in Vienna\n")
    assert "Secretary of State Antony Blinken met Chinese Foreign Minister Wang Yi" in article.text
    for furniture in ("cookies", "Accept all", "Subscribe", "Related stories", "Markets rally",
                      "Sign up", "All rights reserved", "gtag", "Share on"):  # fmt: skip
        assert furniture not in article.text, furniture
    assert (article.title, article.outlet, article.author, article.published, article.url) == (
        "Blinken and Wang hold six hours of talks in Vienna",
        "Example Herald",
        "Maria Example",
        "2024-05-14",
        "https://herald.example.org/world/2024/05/14/blinken-wang-vienna-talks",
    )
    assert article.encoding == "utf-8"


def test_the_source_carries_the_page_metadata_and_the_prompt_its_date() -> None:
    fake = FakeBackend({}, default=EMPTY)
    brief = diplosum.brief([PAGE], backend=fake)
    (source,) = brief.sources
    assert (source.outlet, source.author, source.published) == (
        "Example Herald",
        "Maria Example",
        "2024-05-14",
    )
    (request,) = fake.requests
    assert "Published: 2024-05-14\n" in request.user_prompt
    assert "<script" not in request.user_prompt and "cookie" not in request.user_prompt


def test_a_page_without_article_text_is_a_failure_and_never_sent(tmp_path: Path) -> None:
    shell = tmp_path / "shell.htm"
    shell.write_text("<html><body><div id='root'></div><script>boot()</script></body></html>")
    fake = FakeBackend({}, default=EMPTY)
    brief = diplosum.brief([WALL, shell, PAGE], backend=fake)
    assert [s.id for s in brief.sources] == ["herald-vienna-talks"]
    errors = {f.source_id: (f.stage, f.error) for f in brief.failures}
    assert errors["shell"] == (
        "ingest",
        f"{shell}: no article text in the page (at least 300 needed); "
        "is it a menu, a script shell or a consent wall? Not sent to the model",
    )
    stage, wall_error = errors["consent-wall"]
    assert stage == "ingest"
    assert wall_error.startswith(f"{WALL}: only ") and "characters of article text" in wall_error
    assert len(fake.requests) == 1


def test_folders_read_html_pages_and_skip_other_files(tmp_path: Path) -> None:
    shutil.copy(PAGE, tmp_path / "page.html")
    shutil.copy(PAGE, tmp_path / "other.HTM")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (tmp_path / "notes.json").write_text("{}")
    loaded = load_articles([tmp_path])
    assert [a.id for a in loaded.articles] == ["other", "page"]
    assert loaded.failures == []


def test_stdin_that_starts_like_a_page_is_read_as_one() -> None:
    loaded = load_articles(["-"], stdin=io.BytesIO(PAGE.read_bytes()))
    (article,) = loaded.articles
    assert article.outlet == "Example Herald" and "<html" not in article.text

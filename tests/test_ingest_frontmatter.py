"""YAML front matter: title, outlet, url, published and author reach the Source, the
published date reaches the prompt, and the text after it is what offsets refer to."""

from __future__ import annotations

from pathlib import Path

import diplosum
from diplosum.ingest.load import load_articles
from tests.fakes import FakeBackend

INPUTS = Path(__file__).parent / "fixtures" / "inputs"
ARTICLE = INPUTS / "wire-sullivan-front-matter.md"
ANSWER = {
    "headline": None,
    "events": [
        {
            "title": "Sullivan visit to Beijing",
            "kind": "visit",
            "status": "planned",
            "prominence": "primary",
            "date_text": "next week",
            "start_date": "2024-08-27",
            "end_date": "2024-08-29",
            "location": "Beijing, China",
            "participants": [],
            "agenda": [],
            "outcomes": [],
            "evidence": "Jake Sullivan will travel to Beijing next week",
        }
    ],
}


def test_fields_reach_the_source_and_the_date_the_prompt() -> None:
    fake = FakeBackend({}, default=ANSWER)
    brief = diplosum.brief([ARTICLE], backend=fake)
    (source,) = brief.sources
    assert source.model_dump(include={"title", "outlet", "url", "published", "author"}) == {
        "title": "Sullivan to travel to Beijing next week",
        "outlet": "Example Wire",
        "url": "https://wire.example.net/2024/08/20/sullivan-beijing",
        "published": "2024-08-20",
        "author": "J. Example, K. Sample",
    }
    (request,) = fake.requests
    assert request.user_prompt.startswith("Published: 2024-08-20\n")
    assert request.key_fields["published"] == "2024-08-20"
    assert "outlet:" not in request.user_prompt and "section" not in request.user_prompt


def test_offsets_refer_to_the_text_after_the_front_matter() -> None:
    (article,) = load_articles([ARTICLE]).articles
    assert article.text.startswith("National Security Advisor Jake Sullivan will travel")
    brief = diplosum.brief([ARTICLE], backend=FakeBackend({}, default=ANSWER))
    (attribution,) = brief.events[0].attributions
    assert attribution.verified and attribution.start is not None and attribution.end is not None
    quote = "Jake Sullivan will travel to Beijing next week"
    assert article.text[attribution.start : attribution.end] == quote


def test_a_file_without_front_matter_is_all_text(tmp_path: Path) -> None:
    path = tmp_path / "plain.md"
    path.write_text("Talks were held.\n\n---\n\ntitle: not front matter\n", encoding="utf-8")
    (article,) = load_articles([path]).articles
    assert article.title is None and "title: not front matter" in article.text


def test_broken_front_matter_is_an_ingest_failure_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.md"
    path.write_text("---\ntitle: [unclosed\npublished: 2024\n---\nText.\n", encoding="utf-8")
    loaded = load_articles([path])
    (failure,) = loaded.failures
    assert failure.source_id == "broken" and failure.stage == "ingest"
    assert failure.error.startswith(f"{path}: its front matter is not valid YAML (line ")

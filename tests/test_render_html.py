"""The HTML brief (diplosum.render.html), checked on the HTML string: structure, escaping,
links, ids, and odd dates. tests/test_html_browser.py loads the same pages in Chromium."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest

import diplosum
from diplosum.contracts.brief import (
    Attribution,
    Brief,
    BriefEvent,
    BriefItem,
    BriefOutcome,
    BriefParticipant,
    Claim,
    Conflict,
    Failure,
    Note,
    Provenance,
    Source,
)
from diplosum.merge.dates import parse_span
from diplosum.render.escape import safe_url, slug
from diplosum.safetext import has_unsafe
from tests.helpers import ROOT, SEEDS, SEEDS_RECORDING

XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'
JS_URL = "javascript:alert(3)"
BIDI = "\u202eevil\u202c\x07"
HTTP_XSS = 'https://example.org/?q=<script>"onerror=alert(7)'

SLUG = re.compile(r"^[a-z0-9-]+$")


@cache
def seeds_brief() -> Brief:
    return diplosum.brief([SEEDS], replay=SEEDS_RECORDING)


def _provenance() -> Provenance:
    return Provenance(
        model=f"m{XSS}",
        prompt_sha256="f" * 64,
        diplosum_version="0",
        generated_at="2026-01-01T00:00:00+00:00",
    )


def hostile_brief() -> Brief:
    """Script, event-handler and javascript: text in every field an article or a model fills."""
    bad = Attribution(source_id=f"001_{XSS}", quote=f"said {XSS}", verified=False, note=XSS)
    ok = Attribution(source_id="002_ok", quote=f"{JS_URL} {BIDI}", start=1, end=9, verified=True)
    return Brief(
        sources=[
            Source(
                id=f"001_{XSS}",
                sha256="a" * 64,
                title=f"Title {XSS}",
                outlet=XSS,
                url=JS_URL,
                published=XSS,
                path=f"/tmp/{XSS}.txt",
            ),
            Source(id="002_ok", sha256="b" * 64, title=BIDI, url=HTTP_XSS),
            Source(id="003_data", sha256="c" * 64, url="data:text/html,<script>alert(4)</script>"),
            Source(id="004_space", sha256="d" * 64, url=" JavaScript:alert(5)"),
        ],
        events=[
            BriefEvent(
                id=f'ev-1" onmouseover="alert(6){XSS}',
                title=f"Talks {XSS}",
                kind="talks",
                status="held",
                prominence="primary",
                start_date="2024-08-27",
                location=XSS,
                participants=[
                    BriefParticipant(
                        name=f"Name {XSS}",
                        aliases=[JS_URL],
                        role=XSS,
                        affiliation=BIDI,
                        attributions=[bad, ok],
                    )
                ],
                agenda=[BriefItem(topic=XSS, detail=JS_URL, attributions=[ok])],
                outcomes=[BriefOutcome(description=XSS, status="agreed", attributions=[bad])],
                attributions=[bad, ok],
            ),
            BriefEvent(
                id="ev-undated",
                title=f"Undated {XSS}",
                kind="call",
                status="planned",
                prominence="background",
                start_date=XSS,
                end_date=JS_URL,
                attributions=[ok],
            ),
        ],
        conflicts=[
            Conflict(
                kind=XSS,
                subject=f"Subject {XSS}",
                event_id=f'ev-1" onmouseover="alert(6){XSS}',
                claims=[
                    Claim(value=f"Claim {XSS}", attributions=[bad]),
                    Claim(value=JS_URL, attributions=[ok]),
                ],
            )
        ],
        failures=[Failure(source_id=f"009_{XSS}", stage="extract", error=f"boom\n{XSS}")],
        notes=[Note(source_id="002_ok", field=XSS, problem=f"dropped {JS_URL}")],
        provenance=_provenance(),
    )


class Page(HTMLParser):
    """Every tag with its attributes, the ids, and the text outside tags."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]

    @property
    def ids(self) -> list[str]:
        return [a["id"] or "" for _, a in self.tags if "id" in a]


def assert_inert(html: str) -> Page:
    page = Page(html)
    names = {name for name, _ in page.tags}
    assert "script" not in names and "img" not in names and "iframe" not in names
    for name, attrs in page.tags:
        handlers = [key for key in attrs if key.startswith("on")]
        assert not handlers, (name, attrs)
        assert "style" not in attrs and "src" not in attrs, (name, attrs)
    ids = page.ids
    assert len(ids) == len(set(ids)), "ids must be unique"
    for element_id in ids:
        assert SLUG.match(element_id), element_id
    for attrs in page.all("a"):
        href = attrs.get("href")
        if href is None:
            continue
        if href.startswith("#"):
            assert href[1:] in ids, f"dangling anchor {href}"
        else:
            assert re.match(r"^https?://", href), href
    assert not has_unsafe(html.replace("\n", "")), "control or bidi characters in the page"
    return page


def test_hostile_text_is_escaped_everywhere() -> None:
    html = hostile_brief().to_html()
    page = assert_inert(html)
    assert "<script" not in html.lower().replace("&lt;script", "")
    assert 'onerror="' not in html and 'onmouseover="' not in html  # quotes stay escaped
    assert "onerror=&#34;alert(2)&#34;" in html
    text = "".join(page.text)
    assert "Talks <script>alert(1)</script>" in text  # shown, as text
    assert JS_URL in text
    hrefs = [a["href"] for a in page.all("a") if a.get("href")]
    assert safe_url(HTTP_XSS) in hrefs  # an http(s) URL is linked, percent-encoded
    assert safe_url(HTTP_XSS) == "https://example.org/?q=%3Cscript%3E%22onerror=alert%287%29"
    assert not any(h and ("javascript" in h.lower() or h.startswith("data:")) for h in hrefs)
    assert "\u202e" not in html and "\x07" not in html


def test_seeds_page_has_every_section_event_and_mark() -> None:
    brief = seeds_brief()
    html = brief.to_html()
    page = assert_inert(html)
    assert html.startswith("<!DOCTYPE html>")
    assert '<meta name="viewport"' in html and "@media print" in html
    text = " ".join(page.text)
    for event in brief.events:
        assert event.title in text
        assert event.id in page.ids
    dated = [e for e in brief.events if parse_span(e.start_date, e.end_date)]
    marks = [a for a in page.all("a") if "dated" in (a.get("class") or "").split()]
    assert len(marks) == len(dated) == 12
    assert [m["href"] for m in marks] == [f"#{e.id}" for e in dated]
    undated = [a for a in page.all("a") if "undated" in (a.get("class") or "").split()]
    assert len(undated) == len(brief.events) - len(dated)
    svg = page.all("svg")[0]
    assert svg["role"] == "img" and svg["aria-labelledby"] == "timeline-title timeline-desc"
    for section in ("attention", "timeline", "events", "conflicts", "sources"):
        assert section in page.ids
    assert [f"source-{s.id.split('_')[0]}" for s in brief.sources] == [
        i for i in page.ids if i.startswith("source-")
    ]
    assert len(page.all("details")) >= len(brief.events)
    assert "Jake Carney" in text and "Jake Sullivan" in text


def test_unverified_quotes_notes_and_failures_are_shown() -> None:
    html = hostile_brief().to_html()
    text = " ".join(Page(html).text)
    assert "⚠" in text and "not found in source" not in text  # the note given is used
    assert f"⚠ {XSS}" in text
    assert "chars 1–9" in text
    assert "Needs attention" in text and "Notes" in text and "Failures" in text
    assert "1 value from the extractions was dropped or changed" in text
    assert "boom\n<script>" in text  # a multi-line error keeps its line break
    assert "(not a web link; not linked)" in text


def test_odd_dates_never_crash_and_fall_back_to_undated() -> None:
    dates = ["0001-01-01", "9999-12-31", "2024-13-01", "", "soon", "2024-02-30", "9" * 300]
    events = [
        BriefEvent(
            id=f"ev-{i}",
            title=f"E{i}",
            kind="other",
            status="unclear",
            prominence="primary",
            start_date=d,
            end_date=d,
        )
        for i, d in enumerate(dates)
    ]
    page = assert_inert(Brief(events=events, provenance=_provenance()).to_html())
    classes = [(a.get("class") or "").split() for a in page.all("a")]
    assert sum("dated" in c for c in classes) == 2
    assert sum("undated" in c for c in classes) == 5
    assert "9" * 300 not in " ".join(page.text)  # clipped


def test_empty_brief_renders() -> None:
    page = assert_inert(Brief(provenance=_provenance()).to_html())
    assert "No diplomatic events were reported." in " ".join(page.text)


def test_rendering_is_pure() -> None:
    brief = hostile_brief()
    assert brief.to_html() == brief.to_html()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/a?b=1", "https://example.org/a?b=1"),
        ("https://example.org/a(b)<c>", "https://example.org/a%28b%29%3Cc%3E"),
        ("HTTP://EXAMPLE.ORG", "HTTP://EXAMPLE.ORG"),
        ("javascript:alert(1)", None),
        (" javascript:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("data:text/html,x", None),
        ("file:///etc/passwd", None),
        ("//example.org/x", None),
        ("https:/no-host", None),
        ("https://exa mple.org", None),
        ("https://[::1", None),
        ("", None),
        (None, None),
    ],
)
def test_only_absolute_http_urls_are_links(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_slugs() -> None:
    assert slug("ev-7c8dbf7e525d") == "ev-7c8dbf7e525d"
    assert slug('A "b" <c>\u202e').startswith("a-b-c-")
    assert slug("a b") != slug("a-b")  # a hash keeps values apart that would fold together
    assert slug("---").startswith("x-") and slug("Ünïcode").startswith("n-code-")


def test_wheel_ships_the_templates(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("diplosum-*.whl")
    templates = ROOT / "diplosum" / "render" / "templates"
    with zipfile.ZipFile(wheel) as archive:
        for template in sorted(templates.iterdir()):
            packaged = archive.read(f"diplosum/render/templates/{template.name}")
            assert packaged == template.read_bytes(), template.name

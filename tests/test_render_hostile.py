"""Hostile strings in every field of a brief render as inert Markdown text.

The Markdown is rendered to HTML by a real CommonMark renderer (markdown-it-py, raw
HTML allowed, so anything that leaked would show) and the HTML is inspected.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from markdown_it import MarkdownIt

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
from diplosum.render.markdown import render_markdown
from diplosum.safetext import BIDI_CONTROLS

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "![pixel](data:image/png;base64,AAAA)",
    "</details><script>alert(2)</script>",
    "title\n# injected heading\n- injected item\n\n<div>block</div>",
    "\u202eevil\u202c \u2066isolate\u2069 \u200fmark",
    "nul\x00 esc\x1b[31m bell\x07 del\x7f c1\x85 sep\u2028par\u2029",
    "`code` *em* _under_ ~~strike~~ **bold**",
    "| cell | break |",
    "https://evil.example/x www.evil.example mail@evil.example",
    "&lt;script&gt; &amp; &#106;avascript:",
    "<!-- comment --> <a href='javascript:x'>y</a>",
    "[ref]: javascript:alert(3)",
    "trailing backslash \\",
    "## closing hashes ##",
]


def _attr(source_id: str, quote: str, verified: bool = True) -> Attribution:
    if verified:
        return Attribution(source_id=source_id, quote=quote, start=0, end=1, verified=True)
    return Attribution(source_id=source_id, quote=quote, note=quote)


def hostile_brief() -> Brief:
    ids = [f"{i:03d}_<b>{h[:12]}" for i, h in enumerate(HOSTILE)]
    events = []
    for i, text in enumerate(HOSTILE):
        a = _attr(ids[i], text, verified=i % 2 == 0)
        events.append(
            BriefEvent(
                id=f"ev-{text}",
                title=text,
                kind="talks",
                status="held",
                prominence="primary",
                start_date=text if i % 3 else "2024-05-01",
                end_date=text if i % 3 == 1 else None,
                location=text,
                participants=[
                    BriefParticipant(
                        name=text, aliases=[text], role=text, affiliation=text, attributions=[a]
                    )
                ],
                agenda=[BriefItem(topic=text, detail=text, attributions=[a])],
                outcomes=[BriefOutcome(description=text, status="agreed", attributions=[a])],
                attributions=[a],
            )
        )
    return Brief(
        sources=[
            Source(
                id=sid,
                title=text,
                outlet=text,
                url=text if i % 2 else "https://news.example/a(b)<c>",
                published=text,
                sha256=text,
                path=f"{text}.txt",
            )
            for i, (sid, text) in enumerate(zip(ids, HOSTILE, strict=True))
        ],
        events=events,
        conflicts=[
            Conflict(
                kind=text,
                subject=text,
                event_id=None,
                claims=[Claim(value=text, attributions=[_attr(ids[0], text)])],
            )
            for text in HOSTILE
        ],
        failures=[Failure(source_id=f"fail {t}", stage="extract", error=t) for t in HOSTILE],
        notes=[Note(source_id=ids[1], field=t, problem=t) for t in HOSTILE],
        provenance=Provenance(
            model=HOSTILE[0], prompt_sha256=HOSTILE[1], diplosum_version="0", generated_at="x"
        ),
    )


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


ALLOWED_TAGS = {
    "h1", "h2", "p", "ul", "li", "strong", "a", "details", "summary",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
SLUG = re.compile(r"^[a-z0-9-]+$")


def _html(markdown: str) -> _Collector:
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)
    collector = _Collector()
    collector.feed(html)
    return collector


def test_hostile_strings_render_as_inert_markdown() -> None:
    brief = hostile_brief()
    md = render_markdown(brief)
    parsed = _html(md)

    assert {tag for tag, _ in parsed.tags} <= ALLOWED_TAGS
    assert parsed.comments == []
    for tag, attrs in parsed.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if tag == "a":
            assert set(attrs) in ({"id"}, {"href"}), attrs
            if "id" in attrs:
                assert SLUG.match(attrs["id"] or ""), attrs
            href = attrs.get("href") or "#x"
            assert (href.startswith("#") and SLUG.match(href[1:])) or href == (
                "https://news.example/a%28b%29%3Cc%3E"
            ), href

    # Line breaks inside values never start a block: one h1, and one h2 per event plus
    # the fixed sections (attention, timeline, conflicts, sources, failures, notes).
    headings = [tag for tag, _ in parsed.tags if tag in ("h1", "h2")]
    assert headings.count("h1") == 1
    assert headings.count("h2") == len(brief.events) + 6

    assert not any(ch in BIDI_CONTROLS for ch in md)
    assert not any(ord(ch) < 32 and ch != "\n" for ch in md)
    assert "\x7f" not in md and "\x85" not in md and "\u2028" not in md

    # What was hostile markup is shown as text, not dropped.
    text = "".join(parsed.text)
    assert "<script>alert(1)</script>" in text
    assert "[click](javascript:alert(1))" in text
    assert "*em* _under_" in text


def test_markdown_makes_no_autolinks_from_data() -> None:
    md = render_markdown(hostile_brief())
    ours = md.replace("(https://news.example/a%28b%29%3Cc%3E)", "")
    # GFM would autolink these; every one from data carries a backslash escape.
    assert not re.search(r"(?<!\\)://", ours.replace("\\://", ""))
    assert not re.search(r"(?i)\bwww\.", ours)
    assert not re.search(r"(?<!\\)@", ours)
    assert not re.search(r"(?i)javascript:", ours)

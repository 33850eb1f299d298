"""The HTML brief in a real headless Chromium (Debian's chromium package, driven by
playwright; never ``playwright install``).

Outside CI these tests skip, with the reason, when /usr/bin/chromium (or
$DIPLOSUM_CHROMIUM) or playwright is missing; with the CI variable set they fail
instead, so CI can never pass by skipping them. Screenshots and the pages themselves
are kept under $DIPLOSUM_TEST_ARTIFACTS when set, else in pytest's tmp folder (the
path is printed; run with -s to see it).
"""

from __future__ import annotations

import importlib.util
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from diplosum.contracts.brief import Brief
from diplosum.merge.dates import parse_span
from diplosum.safetext import one_line
from tests.test_render_html import hostile_brief, seeds_brief

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Dialog, Page

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("DIPLOSUM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing() -> str | None:
    if not Path(CHROMIUM).is_file():
        return f"{CHROMIUM} not found: apt-get install -y --no-install-recommends chromium"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed: pip install -e '.[dev]'"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    problem = _missing()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests, but {problem}")
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    seeds_brief()  # diplosum.brief() refuses to run inside playwright's event loop: run it now
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("DIPLOSUM_TEST_ARTIFACTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("html-brief")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nHTML brief artifacts: {folder}")
    return folder


@dataclass
class Loaded:
    page: Page
    url: str
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def _open(
    browser: Browser, brief: Brief, folder: Path, name: str, width: int = 1100
) -> Iterator[Loaded]:
    path = folder / f"{name}.html"
    path.write_text(brief.to_html(), encoding="utf-8")
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    loaded = Loaded(page, path.as_uri())
    page.on("console", lambda m: loaded.console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: loaded.errors.append(str(e)))
    page.on("request", lambda r: loaded.requests.append(r.url))

    def on_dialog(dialog: Dialog) -> None:
        loaded.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(loaded.url, wait_until="load")
    try:
        yield loaded
    finally:
        context.close()


@pytest.fixture
def seeds_page(browser: Browser, artifacts: Path) -> Iterator[Loaded]:
    yield from _open(browser, seeds_brief(), artifacts, "seeds-brief")


@pytest.fixture
def hostile_page(browser: Browser, artifacts: Path) -> Iterator[Loaded]:
    yield from _open(browser, hostile_brief(), artifacts, "hostile-brief")


def distinct_pixel_bytes(png: bytes) -> int:
    """How many different byte values the image data holds: a blank page has a handful."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    data, offset = b"", 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind = png[offset + 4 : offset + 8]
        if kind == b"IDAT":
            data += png[offset + 8 : offset + 8 + length]
        offset += 12 + length
    return len(set(zlib.decompress(data)))


# Every element with its own text, its colour against the first opaque background up
# the tree (white at the root): the WCAG contrast ratio it reaches, and what it needs.
_CONTRAST_JS = """() => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = (el) => {
    for (; el && el.nodeType === 1; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.closest("title, desc, details:not([open]) > :not(summary)")) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") continue;
    const svg = el instanceof SVGElement;
    const fg = rgb(svg ? style.fill : style.color).slice(0, 3);
    const [a, b] = [lum(fg), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    out.push({ text: el.textContent.trim().slice(0, 40), ratio, need: large ? 3 : 4.5 });
  }
  return out;
}"""


def test_seeds_brief_in_chromium(seeds_page: Loaded, artifacts: Path) -> None:
    page, brief = seeds_page.page, seeds_brief()
    shot = artifacts / "seeds-brief.png"
    page.screenshot(path=str(shot), full_page=True)
    assert distinct_pixel_bytes(page.screenshot()) > 64, "the page looks blank"
    assert shot.stat().st_size > 20_000
    assert [m for m in seeds_page.console if m.startswith(("error", "warning"))] == []
    assert seeds_page.errors == []
    assert set(seeds_page.requests) == {seeds_page.url}, "the page fetched something"
    assert page.locator("script").count() == 0

    headings = page.locator("section.event h3").all_inner_texts()
    assert headings == [one_line(e.title) for e in brief.events]
    dated = [e for e in brief.events if parse_span(e.start_date, e.end_date)]
    marks: list[dict[str, Any]] = page.eval_on_selector_all(
        "svg a.mark.dated",
        """els => els.map(a => ({
            href: a.getAttribute("href"),
            title: a.querySelector(":scope > title")?.textContent ?? "",
            target: !!document.getElementById(a.getAttribute("href").slice(1)),
            box: a.getBoundingClientRect().width,
        }))""",
    )
    assert len(marks) == len(dated) == 12
    for mark, event in zip(marks, dated, strict=True):
        assert mark["href"] == f"#{event.id}" and mark["target"] and mark["box"] > 0
        assert mark["title"].startswith(event.title)
    assert page.locator("svg a.mark.undated").count() == len(brief.events) - len(dated)
    assert page.get_attribute("svg", "role") == "img"
    assert "dated events on a date axis" in (page.text_content("#timeline-desc") or "")

    low = [c for c in page.evaluate(_CONTRAST_JS) if c["ratio"] < c["need"]]
    assert low == [], "text below WCAG AA contrast"


def test_hostile_text_is_inert_in_the_dom(hostile_page: Loaded) -> None:
    page = hostile_page.page
    found: dict[str, Any] = page.evaluate(
        """() => {
        const all = [...document.querySelectorAll("*")];
        const handlers = all.filter(el => [...el.attributes].some(a => /^on/i.test(a.name)));
        const links = all.map(el => el.getAttribute("href") ?? el.getAttribute("xlink:href"))
                         .filter(h => h !== null);
        return {
            scripts: document.scripts.length + document.querySelectorAll("script").length,
            handlers: handlers.map(el => el.outerHTML.slice(0, 80)),
            badLinks: links.filter(h => !/^(https?:\\/\\/|#[a-z0-9-]+$)/.test(h)),
            embeds: document.querySelectorAll("img, iframe, object, embed, svg script").length,
            text: document.body.innerText,
        };
    }"""
    )
    assert found["scripts"] == 0
    assert found["handlers"] == []
    assert found["badLinks"] == []
    assert found["embeds"] == 0
    assert "Talks <script>alert(1)</script>" in found["text"]
    assert "javascript:alert(3)" in found["text"]  # shown as text, not as a link
    assert hostile_page.dialogs == [] and hostile_page.errors == []
    assert [m for m in hostile_page.console if m.startswith("error")] == []


def test_phone_width_has_no_page_overflow(browser: Browser, artifacts: Path) -> None:
    for loaded in _open(browser, seeds_brief(), artifacts, "seeds-brief-phone", width=375):
        page = loaded.page
        page.screenshot(path=str(artifacts / "seeds-brief-phone.png"))
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, "the page scrolls sideways on a phone"
        assert page.locator("svg").bounding_box() is not None


def test_print_unfolds_the_quotes(seeds_page: Loaded, artifacts: Path) -> None:
    page = seeds_page.page
    first_quote = page.locator("details.quotes li").first
    assert not first_quote.is_visible()
    page.emulate_media(media="print")
    assert first_quote.is_visible()
    pdf = page.pdf(format="A4")
    (artifacts / "seeds-brief.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000

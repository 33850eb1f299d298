"""Make the README's picture: the seeds brief as HTML, screenshotted in headless Chromium.

    .venv/bin/python scripts/readme_picture.py [-o docs/seeds-brief.png] [--html PATH]

Runs the real pipeline on seeds/ replayed from examples/recordings/seeds.jsonl (no
model, no network), renders ``Brief.to_html()`` and photographs the top of the page
(header, needs attention, timeline, first event). Needs Debian's chromium package and
the playwright Python package (from the dev extra); never ``playwright install``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

import diplosum

ROOT = Path(__file__).resolve().parent.parent
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "docs" / "seeds-brief.png")
    parser.add_argument("--html", type=Path, help="also keep the rendered page here")
    parser.add_argument("--width", type=int, default=1100)
    parser.add_argument("--height", type=int, default=1010)
    args = parser.parse_args()

    output = args.output.resolve()
    keep = args.html.resolve() if args.html else None
    os.chdir(ROOT)  # so the page shows the sources' paths as seeds/..., as the CLI would
    brief = diplosum.brief(["seeds/"], replay="examples/recordings/seeds.jsonl")
    page_html = brief.to_html()
    with tempfile.TemporaryDirectory() as tmp:
        page_file = keep or Path(tmp) / "seeds-brief.html"
        page_file.write_text(page_html, encoding="utf-8")
        output.parent.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(
                    viewport={"width": args.width, "height": args.height},
                    device_scale_factor=1,
                )
                page.goto(page_file.resolve().as_uri())
                page.screenshot(path=str(output), full_page=False)
            finally:
                browser.close()
    print(f"wrote {output} ({output.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()

"""An example user script: a short daily digest of the events in a folder of articles.

It calls ``diplosum.brief()`` with no recording options, as a real script would; its
test (``test_digest.py``) runs it offline by pointing diplosum at a recording file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import diplosum


def digest(folder: str | Path) -> str:
    brief = diplosum.brief([folder])
    lines = [f"{len(brief.events)} events from {len(brief.sources)} sources"]
    for event in brief.events:
        when = event.start_date or "undated"
        sources = len(event.source_ids)
        lines.append(f"- {when}: {event.title} ({sources} source{'s' if sources > 1 else ''})")
    for conflict in brief.conflicts:
        values = " / ".join(claim.value for claim in conflict.claims)
        lines.append(f"! sources disagree on {conflict.subject}: {values}")
    for failure in brief.failures:
        lines.append(f"! {failure.source_id} failed ({failure.stage}): {failure.error}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(digest(sys.argv[1] if len(sys.argv) > 1 else "seeds"))

"""How a user tests their own diplosum script offline, with the ``diplosum_recordings``
fixture that installing diplosum adds to pytest.

``recordings/seeds.jsonl`` holds hand-written responses (see the README); a user
would record theirs once with ``pytest --diplosum-record`` against a live endpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from digest import digest

from diplosum.testing import RecordingsInUse

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def test_digest_runs_offline_from_recordings(
    diplosum_recordings: Callable[[str], RecordingsInUse],
) -> None:
    used = diplosum_recordings("recordings/seeds.jsonl")
    assert used.mode == "replay"
    text = digest(SEEDS)
    events = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(events) >= 4
    assert text.startswith(f"{len(events)} events from 5 sources")
    assert "Sullivan" in text
    assert "sources disagree on" in text and "Jake Carney" in text
    assert "failed" not in text

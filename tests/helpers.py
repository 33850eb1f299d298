"""Paths and loaders shared by tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLD = ROOT / "examples" / "recordings" / "gold"
SEEDS_RECORDING = ROOT / "examples" / "recordings" / "seeds.jsonl"


def gold_answers() -> dict[str, Any]:
    """The hand-written gold extractions of the seeds, by article id."""
    answers: dict[str, Any] = {}
    for path in sorted(GOLD.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        answers[data["article_id"]] = data["extraction"]
    return answers

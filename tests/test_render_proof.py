"""``brief(formats=...)``: the brief is proved to render in the formats asked for, an
event a renderer cannot render costs its sources only, and the CLI proves only the
format it writes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import diplosum
from diplosum.cli import main
from diplosum.contracts.brief import Brief
from diplosum.errors import ConfigurationError
from diplosum.render import RENDERERS_BY_FORMAT
from tests.helpers import SEEDS, SEEDS_RECORDING

Renderer = Callable[[Brief], str]


def _spy(calls: list[str], name: str, real: Renderer, breaks_on: str | None = None) -> Renderer:
    def render(brief: Brief) -> str:
        calls.append(name)
        if breaks_on is not None and any(breaks_on in e.title for e in brief.events):
            raise RuntimeError(f"cannot render {breaks_on}")
        return real(brief)

    return render


def test_an_event_one_format_cannot_render_fails_its_sources_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    whole = diplosum.brief([SEEDS], replay=SEEDS_RECORDING, formats=())
    victim = next(e for e in whole.events if len(e.source_ids) == 1)
    calls: list[str] = []
    real = RENDERERS_BY_FORMAT["markdown"]
    spy = _spy(calls, "markdown", real, breaks_on=victim.title)
    monkeypatch.setitem(RENDERERS_BY_FORMAT, "markdown", spy)

    proved = diplosum.brief([SEEDS], replay=SEEDS_RECORDING, formats=["markdown"])
    assert [e.id for e in proved.events] == [e.id for e in whole.events if e.id != victim.id]
    (failure,) = [f for f in proved.failures if f.stage == "render"]
    assert failure.source_id in victim.source_ids and victim.title[:40] in failure.error
    assert "markdown" in calls

    calls.clear()
    unproved = diplosum.brief([SEEDS], replay=SEEDS_RECORDING, formats=())
    assert calls == [] and not unproved.failures
    assert [e.title for e in unproved.events] == [e.title for e in whole.events]


def test_an_unknown_format_is_named() -> None:
    with pytest.raises(ConfigurationError, match="'pdf'"):
        diplosum.brief([SEEDS], replay=SEEDS_RECORDING, formats=("markdown", "pdf"))


@pytest.mark.parametrize(
    ("fmt", "proved"), [("json", []), ("md", ["markdown"]), ("html", ["html"])]
)
def test_the_cli_proves_only_the_format_it_writes(
    fmt: str, proved: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    for name, real in list(RENDERERS_BY_FORMAT.items()):
        monkeypatch.setitem(RENDERERS_BY_FORMAT, name, _spy(calls, name, real))
    out = tmp_path / f"brief.{fmt}"
    argv = ["brief", str(SEEDS), "--replay", str(SEEDS_RECORDING), "--format", fmt]
    assert main([*argv, "-o", str(out)]) == 0
    assert calls == proved
    assert out.stat().st_size > 1000

import json
from pathlib import Path

import pytest

from diplosum.cli import main
from diplosum.contracts.brief import Brief
from tests.helpers import SEEDS, SEEDS_RECORDING


def test_brief_markdown_to_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "brief.md"
    code = main(["brief", str(SEEDS), "--replay", str(SEEDS_RECORDING), "-o", str(out)])
    assert code == 0
    assert out.read_text(encoding="utf-8").startswith("# Diplomatic brief: 5 sources")
    err = capsys.readouterr().err
    assert "5 sources" in err and "5 replayed" in err


def test_brief_json_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["brief", str(SEEDS), "--replay", str(SEEDS_RECORDING), "--format", "json"])
    assert code == 0
    brief = Brief.model_validate_json(capsys.readouterr().out)
    assert len(brief.sources) == 5


def _partial_recording(tmp_path: Path, keep: int) -> Path:
    lines = SEEDS_RECORDING.read_text(encoding="utf-8").splitlines()[:keep]
    path = tmp_path / "partial.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_exit_1_when_some_inputs_fail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "b.json"
    code = main(
        ["brief", str(SEEDS), "--replay", str(_partial_recording(tmp_path, 3)), "--format", "json",
         "-o", str(out)]
    )  # fmt: skip
    assert code == 1
    brief = Brief.model_validate_json(out.read_text(encoding="utf-8"))
    assert sorted(f.source_id[:3] for f in brief.failures) == ["003", "004"]
    assert "failed: 003_94abdc4792c95b2c" in capsys.readouterr().err


def test_exit_3_when_nothing_is_summarised(tmp_path: Path) -> None:
    empty = _partial_recording(tmp_path, 0)
    assert main(["brief", str(SEEDS), "--replay", str(empty), "-o", str(tmp_path / "b.md")]) == 3


def test_exit_2_on_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["brief", str(SEEDS), "--replay", str(tmp_path / "none.jsonl")]) == 2
    assert "none.jsonl: recording file not found" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["brief", str(SEEDS), "--format", "pdf"])
    assert info.value.code == 2


def test_output_file_gets_normal_permissions(tmp_path: Path) -> None:
    out = tmp_path / "brief.md"
    assert main(["brief", str(SEEDS), "--replay", str(SEEDS_RECORDING), "-o", str(out)]) == 0
    assert out.stat().st_mode & 0o044  # readable by group/others under a usual umask
    out.chmod(0o640)
    assert main(["brief", str(SEEDS), "--replay", str(SEEDS_RECORDING), "-o", str(out)]) == 0
    assert out.stat().st_mode & 0o777 == 0o640


def test_cache_stats_and_clear(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache = tmp_path / "c.sqlite3"
    assert main(["cache", "stats", "--cache", str(cache)]) == 0
    assert "entries: 0" in capsys.readouterr().out
    assert main(["cache", "clear", "--cache", str(cache)]) == 0
    assert "removed 0" in capsys.readouterr().out


def test_recordings_stamp_writes_handwritten_entries(tmp_path: Path) -> None:
    out = tmp_path / "seeds.jsonl"
    gold = sorted((SEEDS.parent / "examples" / "recordings" / "gold").glob("*.json"))
    assert (
        main(["recordings", "stamp", *map(str, gold), "--articles", str(SEEDS), "-o", str(out)])
        == 0
    )
    entries = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(entries) == 5
    assert {e["origin"] for e in entries} == {"handwritten"}
    committed = [json.loads(x) for x in SEEDS_RECORDING.read_text(encoding="utf-8").splitlines()]
    assert [e["fingerprint"] for e in entries] == [e["fingerprint"] for e in committed]

import asyncio
import json
from pathlib import Path

import pytest

from diplosum.article import Article
from diplosum.errors import MissingRecordingError, RecordingError, StaleRecordingError
from diplosum.llm.base import ExtractionRequest
from diplosum.prompts import Prompt, load_prompt
from diplosum.requests import build_request
from diplosum.store.handwritten import restamp, stamp_gold_files
from diplosum.store.recordings import RecordingBackend, RecordingFile, ReplayBackend
from tests.fakes import FakeBackend

ANSWER = {"headline": "H", "events": []}
ARTICLE = Article(id="a1", text="Alpha met Beta in Paris.\n")


def _request(prompt: Prompt | None = None, model: str = "m") -> ExtractionRequest:
    return build_request(
        ARTICLE, prompt=prompt or load_prompt(), model=model, mode="json_schema", temperature=0.0
    )


def test_record_then_replay_roundtrip(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    fake = FakeBackend({"a1": ANSWER})
    recorder = RecordingBackend(fake, RecordingFile.load(path, missing_ok=True), mode="record")
    asyncio.run(recorder.extract(_request()))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["origin"] == "recorded"
    assert entry["article_id"] == "a1"
    assert entry["response"] == ANSWER
    assert entry["usage"] == {
        "prompt_tokens": 100,
        "completion_tokens": 50,
        "cached_prompt_tokens": 0,
        "reasoning_tokens": 0,
    }

    reply = asyncio.run(ReplayBackend(RecordingFile.load(path)).extract(_request()))
    assert json.loads(reply.content) == ANSWER
    assert reply.origin == "replay"
    assert len(fake.requests) == 1


def test_auto_replays_what_exists_and_records_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    other = Article(id="a2", text="Gamma called Delta.\n")
    fake = FakeBackend({"a1": ANSWER, "a2": ANSWER})
    RecordingBackend(fake, RecordingFile.load(path, missing_ok=True), mode="record")
    asyncio.run(
        RecordingBackend(fake, RecordingFile.load(path, missing_ok=True), mode="record").extract(
            _request()
        )
    )
    auto = RecordingBackend(fake, RecordingFile.load(path), mode="auto")
    second = build_request(
        other, prompt=load_prompt(), model="m", mode="json_schema", temperature=0.0
    )
    asyncio.run(auto.extract(_request()))
    asyncio.run(auto.extract(second))
    assert [r.article_id for r in fake.requests] == ["a1", "a2"]
    assert [e.article_id for e in RecordingFile.load(path).entries] == ["a1", "a2"]


def test_missing_recording_names_article_and_fingerprint(tmp_path: Path) -> None:
    replay = ReplayBackend(RecordingFile(tmp_path / "empty.jsonl"))
    request = _request()
    with pytest.raises(MissingRecordingError) as info:
        asyncio.run(replay.extract(request))
    assert "a1" in str(info.value)
    assert request.fingerprint in str(info.value)


def test_changed_prompt_reports_stale_with_command(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    recorder = RecordingBackend(
        FakeBackend({"a1": ANSWER}), RecordingFile.load(path, missing_ok=True), mode="record"
    )
    asyncio.run(recorder.extract(_request()))
    base = load_prompt()
    changed = Prompt(
        system=base.system + "\nBe brief.", user_template=base.user_template, origin="x"
    )
    with pytest.raises(StaleRecordingError) as info:
        asyncio.run(ReplayBackend(RecordingFile.load(path)).extract(_request(changed)))
    message = str(info.value)
    assert "stale" in message and "prompt_sha256" in message
    assert f"--auto-record {path}" in message


def test_corrupt_line_is_reported_with_line_number(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"format": "diplosum.recording/1"}\n', encoding="utf-8")
    with pytest.raises(RecordingError, match=r"bad.jsonl:1: "):
        RecordingFile.load(path)
    with pytest.raises(RecordingError, match="not found"):
        RecordingFile.load(tmp_path / "absent.jsonl")


def test_rerecording_replaces_the_old_entry(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    base = load_prompt()
    changed = Prompt(system=base.system + "!", user_template=base.user_template, origin="x")
    for prompt in (base, changed):
        file = RecordingFile.load(path, missing_ok=True)
        recorder = RecordingBackend(FakeBackend({"a1": ANSWER}), file, mode="record")
        asyncio.run(recorder.extract(_request(prompt)))
    (entry,) = RecordingFile.load(path).entries
    assert entry.prompt_sha256 == changed.sha256


def test_handwritten_stamp_and_restamp(tmp_path: Path) -> None:
    gold = tmp_path / "a1.json"
    gold.write_text(
        json.dumps({"_comment": "Written by hand.", "article_id": "a1", "extraction": ANSWER}),
        encoding="utf-8",
    )
    prompt = load_prompt()
    (entry,) = stamp_gold_files([gold], {"a1": ARTICLE}, prompt=prompt)
    assert entry.origin == "handwritten" and entry.model == "handwritten"
    assert entry.note == "Written by hand."
    file = RecordingFile(tmp_path / "r.jsonl", [entry])
    changed = Prompt(system=prompt.system + "!", user_template=prompt.user_template, origin="x")
    assert restamp(file, prompt=changed) == 1
    assert restamp(file, prompt=changed) == 0
    request = _request(changed, model="handwritten")
    assert file.get(request.fingerprint) is not None


def test_stamp_rejects_invalid_gold(tmp_path: Path) -> None:
    gold = tmp_path / "g.json"
    gold.write_text(json.dumps({"article_id": "a1", "extraction": {"events": "x"}}), "utf-8")
    with pytest.raises(RecordingError, match=r"g\.json: extraction: .*headline"):
        stamp_gold_files([gold], {"a1": ARTICLE}, prompt=load_prompt())


def test_interrupted_recording_leaves_a_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    fake = FakeBackend({"a1": ANSWER, "a2": KeyboardInterrupt()})
    recorder = RecordingBackend(fake, RecordingFile.load(path, missing_ok=True), mode="record")
    other = Article(id="a2", text="Gamma called Delta.\n")

    async def run() -> None:
        await recorder.extract(_request())
        await recorder.extract(
            build_request(other, prompt=load_prompt(), model="m", mode="json_schema", temperature=0)
        )

    with pytest.raises(KeyboardInterrupt):
        asyncio.run(run())
    assert [e.article_id for e in RecordingFile.load(path).entries] == ["a1"]
    assert not list(tmp_path.glob(".rec.jsonl.*.tmp"))


def _recorder(path: Path, answers: dict[str, object]) -> RecordingBackend:
    return RecordingBackend(
        FakeBackend(answers), RecordingFile.load(path, missing_ok=True), mode="record"
    )


def _article_request(article_id: str, text: str) -> ExtractionRequest:
    article = Article(id=article_id, text=text)
    return build_request(
        article, prompt=load_prompt(), model="m", mode="json_schema", temperature=0
    )


def _response(path: Path, request: ExtractionRequest) -> dict[str, object]:
    entry = RecordingFile.load(path).get(request.fingerprint)
    assert entry is not None
    return entry.response


def _line_ids(path: Path) -> list[str]:
    return [json.loads(x)["article_id"] for x in path.read_text(encoding="utf-8").splitlines()]


def test_entries_are_appended_then_compacted_on_close(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    second = {"headline": "H2", "events": []}
    recorder = _recorder(path, {"a1": ANSWER, "a2": ANSWER})

    async def run() -> None:
        await recorder.extract(_article_request("a2", "Gamma called Delta.\n"))
        await recorder.extract(_request())
        recorder.inner = FakeBackend({"a1": second})
        await recorder.extract(_request())  # re-recorded: a later line for the same entry
        assert _line_ids(path) == ["a2", "a1", "a1"]  # appended in arrival order
        assert _response(path, _request()) == second
        await recorder.aclose()

    asyncio.run(run())
    assert _line_ids(path) == ["a1", "a2"]  # compacted: sorted, one line per entry
    assert _response(path, _request()) == second
    assert not list(tmp_path.glob(".rec.jsonl.*.tmp"))


def test_close_without_new_entries_leaves_the_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    asyncio.run(_recorder(path, {"a1": ANSWER}).extract(_request()))
    before = path.stat().st_mtime_ns, path.read_bytes()
    auto = RecordingBackend(FakeBackend({}), RecordingFile.load(path), mode="auto")

    async def run() -> None:
        await auto.extract(_request())  # replayed, not recorded
        await auto.aclose()

    asyncio.run(run())
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before


def test_torn_last_line_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "rec.jsonl"
    asyncio.run(_recorder(path, {"a1": ANSWER}).extract(_request()))
    whole = path.read_text(encoding="utf-8")
    with path.open("a", encoding="utf-8") as handle:
        handle.write(whole[: len(whole) // 2])  # a kill in the middle of the next write

    with caplog.at_level("WARNING", logger="diplosum"):
        (entry,) = RecordingFile.load(path).entries
    assert entry.article_id == "a1"
    (warning,) = [r.getMessage() for r in caplog.records]
    assert f"{path}:2: skipped an incomplete last line" in warning


def test_torn_line_before_the_last_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    asyncio.run(_recorder(path, {"a1": ANSWER}).extract(_request()))
    whole = path.read_text(encoding="utf-8")
    path.write_text(whole[: len(whole) // 2] + "\n" + whole, encoding="utf-8")
    with pytest.raises(RecordingError, match=r"rec\.jsonl:1: "):
        RecordingFile.load(path)


def test_recording_after_a_torn_line_keeps_the_file_loadable(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    asyncio.run(_recorder(path, {"a1": ANSWER}).extract(_request()))
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"format": "diplosum.recording/1", "note": "torn-tail')
    asyncio.run(
        _recorder(path, {"a2": ANSWER}).extract(_article_request("a2", "Gamma called Delta.\n"))
    )
    assert [e.article_id for e in RecordingFile.load(path).entries] == ["a1", "a2"]
    assert "torn-tail" not in path.read_text(encoding="utf-8")


def test_unicode_line_separators_inside_entries_survive(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    answer = {"headline": "Line\u2028separator\u2029and\x85next", "events": []}
    asyncio.run(_recorder(path, {"a1": answer}).extract(_request()))
    (entry,) = RecordingFile.load(path).entries
    assert entry.response == answer


def test_torn_last_line_inside_a_multibyte_character_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    asyncio.run(
        _recorder(path, {"a1": {"headline": "Genève — Zürich", "events": []}}).extract(_request())
    )
    whole = path.read_bytes()
    cut = whole.index("—".encode()) + 1  # in the middle of the dash's three bytes
    with path.open("ab") as handle:
        handle.write(whole[:cut])
    (entry,) = RecordingFile.load(path).entries
    assert entry.response["headline"] == "Genève — Zürich"

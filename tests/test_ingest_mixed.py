"""The "Real inputs" acceptance run, through the real openai client against the loopback
server: a folder mixing the seeds, saved HTML pages (made here, not scraped), a
front-matter article, latin-1 and UTF-16 files, a 50,000-word article and bad files
gives a brief, exit 1, every bad file listed with its reason and nothing else lost;
the long article goes out in chunks within the budget; ``estimate`` sends nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import diplosum
from diplosum.cli import main
from diplosum.ingest.chunks import count_tokens
from diplosum.llm.tokens import encoding_name
from tests.chat_server import Action, Answer, ChatServer, RecordedRequest
from tests.helpers import SEEDS, gold_answers
from tests.test_chunks import long_article

pytestmark = pytest.mark.server

INPUTS = Path(__file__).parent / "fixtures" / "inputs"
KEY = "sk-diplosum-test-0123456789"
LATIN = "Talks in Zürich: Foreign Minister José Álvarez met his Swiss counterpart on Friday. " * 5
WIDE = "Envoys from Seoul and Tokyo held a call on Thursday about the summit next month. " * 5
GOLD = {
    max(p.read_text(encoding="utf-8").splitlines(), key=len)[:80]: json.dumps(answer)
    for answer_id, answer in gold_answers().items()
    for p in [SEEDS / f"{answer_id}.txt"]
}


def _block(request: RecordedRequest) -> str:
    text = request.user_text
    fence = text.split("<<<ARTICLE ", 1)[1].split("\n", 1)[0]
    return text.split(f"<<<ARTICLE {fence}\n", 1)[1].rsplit(f"\nARTICLE {fence}>>>", 1)[0]


def responder(request: RecordedRequest) -> Action:
    """The gold extraction for a seed; for anything else one event whose evidence is the
    first sentence of the article block (so it is found in the article)."""
    for marker, answer in GOLD.items():
        if marker in request.user_text:
            return Answer(answer)
    first = _block(request).split(". ", 1)[0].split("\n", 1)[0]
    event: dict[str, object] = {
        "title": "Reported talks", "kind": "talks", "status": "held",
        "prominence": "primary", "date_text": None, "start_date": None, "end_date": None,
        "location": None, "participants": [], "agenda": [], "outcomes": [], "evidence": first,
    }  # fmt: skip
    return Answer(json.dumps({"headline": None, "events": [event]}))


def _mixed_folder(root: Path) -> tuple[Path, dict[str, str]]:
    """The folder, and the bad files in it, by id, with a part of their reason."""
    folder = root / "inbox"
    shutil.copytree(SEEDS, folder)
    for name in ("herald-vienna-talks.html", "consent-wall.html", "wire-sullivan-front-matter.md"):
        shutil.copy(INPUTS / name, folder / name)
    (folder / "latin.txt").write_bytes(LATIN.encode("latin-1"))
    (folder / "wide.txt").write_bytes(WIDE.encode("utf-16"))
    (folder / "long-wire.txt").write_text(long_article(50_000), encoding="utf-8")
    (folder / "scan.txt").write_bytes(b"%PDF-1.7\x00\x01\x02\x03")
    (folder / "broken-front.md").write_text("---\ntitle: [oops\n---\nText.\n", encoding="utf-8")
    (folder / "empty.txt").write_text("Leave a Comment\n\n", encoding="utf-8")
    (folder / "gone.txt").symlink_to(root / "deleted.txt")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0")  # not an article: skipped
    bad = {
        "consent-wall": "characters of article text in the page",
        "scan": "looks like a binary file (it contains NUL bytes)",
        "broken-front": "its front matter is not valid YAML",
        "empty": "is empty after cleaning",
        "gone": "is a broken symlink",
    }
    return folder, bad


def test_a_mixed_folder_gives_a_brief_listing_every_bad_file(
    chat_server: ChatServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", chat_server.base_url)
    chat_server.responder = responder
    folder, bad = _mixed_folder(tmp_path)

    code = main(["estimate", str(folder), "--no-cache"])
    estimate_out = capsys.readouterr().out
    assert code == 1 and chat_server.requests == [], "estimate sends nothing"

    out = tmp_path / "brief.json"
    recording = tmp_path / "answers.jsonl"
    argv = ["brief", str(folder), "--no-cache", "--format", "json", "-o", str(out)]
    code = main([*argv, "--record", str(recording)])
    err = capsys.readouterr().err
    assert code == 1, err
    brief = diplosum.Brief.model_validate_json(out.read_text(encoding="utf-8"))

    failures = {f.source_id: f for f in brief.failures}
    assert set(failures) == set(bad)
    for source_id, reason in bad.items():
        assert failures[source_id].stage == "ingest" and reason in failures[source_id].error
        assert str(folder) in failures[source_id].error
        assert f"diplosum: failed: {source_id} (ingest): " in err
    good = {p.stem for p in SEEDS.glob("*.txt")}
    good |= {"herald-vienna-talks", "wire-sullivan-front-matter", "latin", "wide", "long-wire"}
    assert {s.id for s in brief.sources} == good
    assert {sid for e in brief.events for sid in e.source_ids} == good, "nothing else lost"
    sources = {s.id: s for s in brief.sources}
    assert (sources["latin"].encoding, sources["wide"].encoding) == ("cp1252", "utf-16")
    assert sources["herald-vienna-talks"].outlet == "Example Herald"
    assert sources["wire-sullivan-front-matter"].published == "2024-08-20"

    long_calls = [r for r in chat_server.requests if "This is part " in r.user_text]
    encoding = encoding_name("gpt-4.1-mini")
    assert len(long_calls) >= 6
    assert all(count_tokens(_block(r), encoding) <= 8000 for r in long_calls)
    assert len(chat_server.requests) == len(good) - 1 + len(long_calls)
    # every chunk reported the event: combined into one, its quote found in the whole text
    (long_event,) = [e for e in brief.events if "long-wire" in e.source_ids]
    assert all(a.verified for a in long_event.attributions)

    calls = len(chat_server.requests)
    assert f"{calls} calls, 0 already held by the cache or recordings, {calls} to send" in (
        estimate_out
    )
    # the same requests answered from the recording are counted locally: as estimated
    replayed = diplosum.brief([folder], replay=recording)
    assert replayed.usage.replayed_calls == calls
    assert f"~{replayed.usage.estimated_prompt_tokens:,} prompt tokens" in estimate_out
    assert "~$" in estimate_out and "long-wire" in estimate_out

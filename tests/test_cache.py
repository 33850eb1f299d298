import asyncio
import subprocess
import sys
from pathlib import Path

from diplosum.article import Article
from diplosum.llm.base import ExtractionRequest
from diplosum.prompts import load_prompt
from diplosum.requests import build_request
from diplosum.store.cache import CachingBackend, ResponseCache
from tests.fakes import FakeBackend

ANSWER: dict[str, object] = {"headline": None, "events": []}


def _request(article_id: str = "a1", text: str = "Alpha met Beta.\n") -> ExtractionRequest:
    return build_request(
        Article(id=article_id, text=text),
        prompt=load_prompt(),
        model="m",
        mode="json_schema",
        temperature=0.0,
    )


def test_second_run_is_served_from_cache(tmp_path: Path) -> None:
    fake = FakeBackend({"a1": ANSWER})
    backend = CachingBackend(fake, ResponseCache(tmp_path / "c.sqlite3"))
    first = asyncio.run(backend.extract(_request()))
    again = CachingBackend(fake, ResponseCache(tmp_path / "c.sqlite3"))
    second = asyncio.run(again.extract(_request()))
    assert (first.origin, second.origin) == ("live", "cache")
    assert second.content == first.content
    assert len(fake.requests) == 1


def test_stats_and_clear(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite3")
    backend = CachingBackend(FakeBackend({"a1": ANSWER, "a2": ANSWER}), cache)
    asyncio.run(backend.extract(_request("a1", "One.\n")))
    asyncio.run(backend.extract(_request("a2", "Two.\n")))
    stats = cache.stats()
    assert stats.entries == 2 and stats.models == {"fake-model": 2}
    assert cache.clear() == 2
    assert cache.stats().entries == 0


def test_corrupt_cache_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not a sqlite database" * 100)
    cache = ResponseCache(path)
    assert cache.recovered_from is not None
    assert cache.recovered_from.read_bytes().startswith(b"this is not")
    assert cache.stats().entries == 0


_WRITER = """
import asyncio, sys
from diplosum.article import Article
from diplosum.prompts import load_prompt
from diplosum.requests import build_request
from diplosum.store.cache import CachingBackend, ResponseCache
from tests.fakes import FakeBackend

worker = sys.argv[2]
ids = [f"{worker}-{i}" for i in range(40)]
backend = CachingBackend(
    FakeBackend({i: {"headline": None, "events": []} for i in ids}), ResponseCache(sys.argv[1])
)
for i in ids:
    request = build_request(
        Article(id=i, text=f"Text {i}.\\n"), prompt=load_prompt(), model="m",
        mode="json_schema", temperature=0.0,
    )
    asyncio.run(backend.extract(request))
"""


def test_two_processes_write_one_cache(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    root = Path(__file__).resolve().parent.parent
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), w], cwd=root)
        for w in ("p", "q")
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    assert ResponseCache(path).stats().entries == 80

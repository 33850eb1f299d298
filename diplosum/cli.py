"""The ``diplosum`` command line.

Exit codes (design.md): 0 all inputs summarised; 1 brief written but some inputs
failed; 2 usage or configuration error; 3 nothing could be summarised; 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import sqlite3
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from diplosum._version import __version__
from diplosum.contracts.brief import Brief, Failure
from diplosum.errors import DiplosumError
from diplosum.llm.base import MODES
from diplosum.llm.models import DEFAULT_MODEL

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_NOTHING, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
log = logging.getLogger("diplosum")

EPILOG = """exit codes:
  0    every input summarised
  1    brief written, but some inputs failed (listed in the brief and on stderr)
  2    usage or configuration error; nothing was sent
  3    nothing could be summarised (the brief still lists why)
  130  interrupted

examples:
  diplosum brief seeds/ --replay examples/recordings/seeds.jsonl -o brief.md
  OPENAI_BASE_URL=http://localhost:11434/v1 diplosum brief news/*.txt -m llama3.1 --mode auto
"""


def _log_flags(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """``-v``/``-q`` on the top parser and, without defaults, on each subcommand, so
    they work before or after it."""
    default: object = 0 if top else argparse.SUPPRESS
    parser.add_argument(
        "-v", "--verbose", action="count", default=default, help="more logging (-vv: debug)"
    )
    if not any("-q" in a.option_strings for a in parser._actions):
        parser.add_argument(
            "-q",
            "--quiet",
            dest="log_quiet",
            action="count",
            default=default,
            help="less logging (errors only)",
        )


def _temperature(text: str) -> float | None:
    if text.strip().lower() in ("none", "default"):
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number or 'none': {text!r}") from None


#: Commands whose parsers come from modules imported only to build them.
_IMPORTED_COMMANDS = ("digest", "batch")


def _command(argv: Sequence[str]) -> str | None:
    """The command word of ``argv``; None when there is none or top-level help or the
    version is asked for first (top-level options take no values)."""
    for arg in argv:
        if arg.startswith("--") and any(o.startswith(arg) for o in ("--help", "--version")):
            return None  # also an abbreviation argparse accepts
        if arg.startswith("-") and not arg.startswith("--") and "h" in arg:
            return None  # -h, or short flags ending in it
        if not arg.startswith("-"):
            return arg
    return None


def _parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; given ``argv`` of another command, the digest and batch commands
    are bare placeholders (building theirs imports far more than the brief needs)."""
    command = _command(argv) if argv is not None else None
    placeholders = command is not None and command not in _IMPORTED_COMMANDS
    parser = argparse.ArgumentParser(
        prog="diplosum",
        description=__doc__.splitlines()[0],
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"diplosum {__version__}")
    _log_flags(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("brief", help="summarise articles into one brief")
    b.add_argument("inputs", nargs="+", help="files (.txt, .md), folders, globs, or - for stdin")
    b.add_argument("--format", choices=("md", "json", "html"), default="md")
    b.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="write here, not stdout: a file is replaced atomically, a pipe or device "
        "written into; - is stdout. Checked before any model call",
    )
    b.add_argument(
        "-m", "--model", help=f"model name (default: $DIPLOSUM_MODEL or {DEFAULT_MODEL})"
    )
    b.add_argument(
        "--temperature",
        type=_temperature,
        default=0.0,
        metavar="T",
        help="sampling temperature (default 0; 'none' sends none); never sent to reasoning "
        "models (o-series, gpt-5 and later)",
    )
    b.add_argument("--base-url", help="OpenAI-compatible endpoint (default: $OPENAI_BASE_URL)")
    b.add_argument("--mode", choices=MODES, help="structured-output mode ($DIPLOSUM_MODE)")
    b.add_argument("--concurrency", type=int, help="articles at once ($DIPLOSUM_CONCURRENCY)")
    b.add_argument("--timeout", type=float, help="seconds per model request")
    b.add_argument(
        "--max-input-tokens", type=int, help="refuse (list as failed) longer article prompts"
    )
    b.add_argument(
        "--max-chunk-tokens",
        type=int,
        help="article tokens per model call (default 8000); longer articles are chunked",
    )
    rec = b.add_mutually_exclusive_group()
    rec.add_argument("--replay", type=Path, metavar="PATH", help="answer only from recordings")
    rec.add_argument("--record", type=Path, metavar="PATH", help="call the model, record all")
    rec.add_argument(
        "--auto-record", type=Path, metavar="PATH", help="replay what exists, record the rest"
    )
    cache = b.add_mutually_exclusive_group()
    cache.add_argument("--cache", type=Path, metavar="PATH", help="cache file ($DIPLOSUM_CACHE)")
    cache.add_argument("--no-cache", action="store_true", help="do not use the response cache")
    b.add_argument("--prompt-dir", type=Path, help="folder with the prompt templates")
    b.add_argument(
        "--batch",
        action="store_true",
        help="send what the cache lacks as a Batch API job (half price, within 24 h); "
        "once collected (diplosum batch collect), the same command writes the brief",
    )

    if placeholders:
        for name in _IMPORTED_COMMANDS:
            sub.add_parser(name)
    else:
        from diplosum.batch.command import add_parser as add_batch_parser
        from diplosum.digest.command import add_parser as add_digest_parser

        add_digest_parser(sub)
        add_batch_parser(sub)

    e = sub.add_parser("estimate", help="tokens, calls and cost of a brief; sends nothing")
    e.add_argument("inputs", nargs="+", help="files, folders, globs, or - for stdin")
    e.add_argument("--model", help=f"model name (default: $DIPLOSUM_MODEL or {DEFAULT_MODEL})")
    e.add_argument("--mode", choices=MODES, help="structured-output mode ($DIPLOSUM_MODE)")
    e.add_argument("--max-chunk-tokens", type=int, help="article tokens per call (default 8000)")
    e.add_argument("--recordings", type=Path, metavar="PATH", help="count its entries as held")
    e_cache = e.add_mutually_exclusive_group()
    e_cache.add_argument("--cache", type=Path, metavar="PATH", help="cache file ($DIPLOSUM_CACHE)")
    e_cache.add_argument("--no-cache", action="store_true", help="ignore the response cache")
    e.add_argument("--prompt-dir", type=Path, help="folder with the prompt templates")

    c = sub.add_parser("cache", help="inspect, locate or empty the response cache")
    c.add_argument("action", choices=("stats", "clear", "path"))
    c.add_argument("--cache", type=Path, metavar="PATH", help="cache file ($DIPLOSUM_CACHE)")

    r = sub.add_parser("recordings", help="make and maintain replay files")
    rsub = r.add_subparsers(dest="action", required=True)
    stamp = rsub.add_parser("stamp", help="turn hand-written gold extractions into a replay file")
    stamp.add_argument("gold", nargs="+", type=Path, help="gold extraction JSON files")
    stamp.add_argument("--articles", nargs="+", required=True, help="the articles they describe")
    stamp.add_argument("-o", "--output", type=Path, required=True, help="replay file to write")
    stamp.add_argument("--prompt-dir", type=Path)
    restamp = rsub.add_parser("restamp", help="update hand-written entries for a changed prompt")
    restamp.add_argument("file", type=Path)
    restamp.add_argument("--prompt-dir", type=Path)
    for parser_ in (*sub.choices.values(), *rsub.choices.values()):
        _log_flags(parser_, top=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; ``argv`` defaults to ``sys.argv[1:]``."""
    code = _main(argv)
    if argv is None:
        # Run as the program, which exits next: exempt what is left from the final
        # garbage collection at interpreter exit, which walks every object of the run
        # (a third of a second after a large brief, all of it after the work is done).
        gc.freeze()
    return code


def _main(argv: Sequence[str] | None) -> int:
    args = _parser(sys.argv[1:] if argv is None else argv).parse_args(argv)
    quiet = args.log_quiet + (1 if getattr(args, "quiet", False) is True else 0)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2) + 10 * min(quiet, 1),
        format="diplosum: %(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        if args.command == "brief":
            return _brief(args)
        if args.command == "cache":
            return _cache(args)
        if args.command == "estimate":
            return _estimate(args)
        if args.command == "digest":
            from diplosum.digest.command import run as run_digest_command

            return run_digest_command(args)
        if args.command == "batch":
            from diplosum.batch.command import run as run_batch_command

            return run_batch_command(args)
        return _recordings(args)
    except (DiplosumError, OSError) as exc:
        print(f"diplosum: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("diplosum: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except sqlite3.Error as exc:  # a state, cache or batch file: locked, full disk, damaged
        print(f"diplosum: error: SQLite: {exc}; the run stopped", file=sys.stderr)
        return EXIT_NOTHING
    except Exception as exc:  # a bug: an unattended run still ends with one clear line
        from diplosum.assemble import describe_unexpected

        log.debug("internal error", exc_info=True)
        print(
            f"diplosum: internal error, the run stopped: {describe_unexpected(exc)}; "
            "please report it (run with -vv for the traceback)",
            file=sys.stderr,
        )
        return EXIT_NOTHING


def _brief(args: argparse.Namespace) -> int:
    from diplosum.llm.settings import ClientSettings
    from diplosum.output import OutputTarget
    from diplosum.pipeline import brief
    from diplosum.render import FORMATS_TO_PROVE

    if args.concurrency is not None and args.concurrency < 1:
        raise _usage("--concurrency must be at least 1")
    target = OutputTarget.prepare(args.output)
    if args.batch:
        from diplosum.batch.command import brief_or_submit

        outcome = brief_or_submit(args)
        if isinstance(outcome, int):
            return outcome  # submitted, or still waiting: no brief yet
        result = outcome
    else:
        with progress_bar():
            result = brief(
                args.inputs,
                model=args.model,
                replay=args.replay,
                record=args.record,
                auto_record=args.auto_record,
                mode=args.mode,
                base_url=args.base_url,
                concurrency=args.concurrency,
                cache=False if args.no_cache else (args.cache or True),
                prompt_dir=args.prompt_dir,
                temperature=args.temperature,
                timeout=args.timeout,
                client=ClientSettings(max_input_tokens=args.max_input_tokens),
                max_chunk_tokens=args.max_chunk_tokens,
                formats=FORMATS_TO_PROVE[args.format],
            )
    text = _render(result, args.format)
    try:
        target.write(text)
    except OSError as exc:  # after the calls were paid for: not a usage error
        where = target.describe() or "stdout"
        print(
            f"diplosum: error: the brief could not be written to {where}: "
            f"{exc.strerror or exc} (with the response cache on, running again costs nothing)",
            file=sys.stderr,
        )
        return EXIT_NOTHING
    print_failures(result.failures)
    print(_summary(result, target.describe()), file=sys.stderr)
    return _exit_code(result)


def _render(result: Brief, fmt: str) -> str:
    """The brief as text; Markdown and HTML as rendered when ``brief()`` proved they
    render (the very text ``to_markdown``/``to_html`` would give), not a second time."""
    if fmt == "json":
        return result.to_json() + "\n"
    from diplosum.assemble import rendered
    from diplosum.render import render_html
    from diplosum.render.markdown import render_markdown

    return rendered(result, render_markdown if fmt == "md" else render_html)


class _Bar:
    """A rich progress bar of answered requests (``diplosum.llm.progress.Reporter``)."""

    def __init__(self, progress: Any) -> None:
        self._progress = progress
        self._task: Any = None

    def start(self, total: int) -> None:
        self._task = self._progress.add_task("extracting", total=total)

    def advance(self) -> None:
        if self._task is not None:
            self._progress.advance(self._task)


@contextlib.contextmanager
def progress_bar() -> Iterator[None]:
    """A progress bar on stderr while the brief runs, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from diplosum.llm import progress

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with bar, _logging_above(), progress.reporting(_Bar(bar)):
        yield


@contextlib.contextmanager
def _logging_above() -> Iterator[None]:
    """Log lines printed above the bar while it is shown, not over it.

    The log handler keeps the stderr it was given, so its lines went straight to the
    terminal and left the half-drawn bar in front of each of them. While the bar is
    live, rich's ``sys.stderr`` prints above it; the handlers write there meanwhile."""
    proxy = sys.stderr
    real = getattr(proxy, "rich_proxied_file", None)  # set only while the bar is live
    if real is None:
        yield
        return
    handlers = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler) and h.stream is real
    ]
    for handler in handlers:
        handler.setStream(proxy)
    try:
        yield
    finally:
        for handler in handlers:
            handler.setStream(real)


def print_failures(failures: Iterable[Failure]) -> None:
    """One line on stderr for each input that did not make it (cron mails stderr)."""
    for failure in failures:
        print(
            f"diplosum: failed: {failure.source_id} ({failure.stage}): {failure.error}",
            file=sys.stderr,
        )


def _usage(message: str) -> DiplosumError:
    from diplosum.errors import ConfigurationError

    return ConfigurationError(message)


def _summary(result: Brief, output: str | None) -> str:
    u = result.usage
    where = f" -> {output}" if output else ""
    batched = f" ({u.batch_calls} through the Batch API)" if u.batch_calls else ""
    return (
        f"diplosum: {len(result.sources)} sources, {len(result.events)} events, "
        f"{len(result.conflicts)} conflicts, {len(result.failures)} failures; "
        f"{u.calls} calls{batched}, {u.cached_calls} cached, {u.replayed_calls} replayed{where}"
    )


def _exit_code(result: Brief) -> int:
    if not result.failures:
        return EXIT_OK
    failed = {f.source_id for f in result.failures}
    summarised = [s for s in result.sources if s.id not in failed]
    return EXIT_PARTIAL if summarised else EXIT_NOTHING


def _estimate(args: argparse.Namespace) -> int:
    from diplosum.estimate import estimate, render_estimate

    result = estimate(
        args.inputs,
        model=args.model,
        mode=args.mode,
        prompt_dir=args.prompt_dir,
        max_chunk_tokens=args.max_chunk_tokens,
        recordings=args.recordings,
        cache=False if args.no_cache else (args.cache or True),
    )
    sys.stdout.write(render_estimate(result))
    return EXIT_PARTIAL if result.failures else EXIT_OK


def _cache(args: argparse.Namespace) -> int:
    from diplosum.store.cache import ResponseCache

    if args.action == "path":
        from diplosum.store.cache import default_cache_path

        print(args.cache if args.cache is not None else default_cache_path())
        return EXIT_OK
    cache = ResponseCache(args.cache)
    if args.action == "clear":
        print(f"removed {cache.clear()} cached responses from {cache.path}")
        return EXIT_OK
    stats = cache.stats()
    print(f"cache: {stats.path}")
    print(f"entries: {stats.entries}  size: {stats.bytes:,} bytes")
    for model, count in sorted(stats.models.items()):
        print(f"  {model}: {count}")
    return EXIT_OK


def _recordings(args: argparse.Namespace) -> int:
    from diplosum.ingest.load import load_articles
    from diplosum.prompts import load_prompt
    from diplosum.store.handwritten import restamp, stamp_gold_files
    from diplosum.store.recordings import RecordingFile

    prompt = load_prompt(args.prompt_dir)
    if args.action == "stamp":
        loaded = load_articles(args.articles)
        for failure in loaded.failures:
            raise _usage(f"{failure.source_id}: {failure.error}")
        entries = stamp_gold_files(args.gold, {a.id: a for a in loaded.articles}, prompt=prompt)
        recordings = RecordingFile.load(args.output, missing_ok=True)
        for entry in entries:
            recordings.add(entry)
        recordings.save()
        print(f"wrote {len(entries)} hand-written entries to {args.output}")
        return EXIT_OK
    recordings = RecordingFile.load(args.file)
    changed = restamp(recordings, prompt=prompt)
    recordings.save()
    print(f"re-stamped {changed} hand-written entries in {args.file}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

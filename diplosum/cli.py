"""The ``diplosum`` command line.

Exit codes (design.md): 0 all inputs summarised; 1 brief written but some inputs
failed; 2 usage or configuration error; 3 nothing could be summarised; 130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from diplosum._version import __version__
from diplosum.contracts.brief import Brief
from diplosum.errors import DiplosumError
from diplosum.llm.base import MODES

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_NOTHING, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
log = logging.getLogger("diplosum")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="diplosum", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"diplosum {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
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
    b.add_argument("--model", help="model name (default: $DIPLOSUM_MODEL or gpt-4.1-mini)")
    b.add_argument("--base-url", help="OpenAI-compatible endpoint (default: $OPENAI_BASE_URL)")
    b.add_argument("--mode", choices=MODES, help="structured-output mode ($DIPLOSUM_MODE)")
    b.add_argument("--concurrency", type=int, help="articles at once ($DIPLOSUM_CONCURRENCY)")
    b.add_argument("--timeout", type=float, help="seconds per model request")
    b.add_argument(
        "--max-input-tokens", type=int, help="refuse (list as failed) longer article prompts"
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

    c = sub.add_parser("cache", help="inspect or empty the response cache")
    c.add_argument("action", choices=("stats", "clear"))
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="diplosum: %(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        if args.command == "brief":
            return _brief(args)
        if args.command == "cache":
            return _cache(args)
        return _recordings(args)
    except (DiplosumError, OSError) as exc:
        print(f"diplosum: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("diplosum: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: an unattended run still ends with one clear line
        from diplosum.assemble import describe_unexpected

        log.debug("internal error", exc_info=True)
        print(
            f"diplosum: internal error, nothing written: {describe_unexpected(exc)}; "
            "please report it (run with -vv for the traceback)",
            file=sys.stderr,
        )
        return EXIT_NOTHING


def _brief(args: argparse.Namespace) -> int:
    from diplosum.llm.settings import ClientSettings
    from diplosum.output import OutputTarget
    from diplosum.pipeline import brief

    if args.concurrency is not None and args.concurrency < 1:
        raise _usage("--concurrency must be at least 1")
    target = OutputTarget.prepare(args.output)
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
        timeout=args.timeout,
        client=ClientSettings(max_input_tokens=args.max_input_tokens),
    )
    text = {
        "md": result.to_markdown,
        "json": lambda: result.to_json() + "\n",
        "html": result.to_html,
    }[args.format]()
    target.write(text)
    for failure in result.failures:
        print(
            f"diplosum: failed: {failure.source_id} ({failure.stage}): {failure.error}",
            file=sys.stderr,
        )
    print(_summary(result, target.describe()), file=sys.stderr)
    return _exit_code(result)


def _usage(message: str) -> DiplosumError:
    from diplosum.errors import ConfigurationError

    return ConfigurationError(message)


def _summary(result: Brief, output: str | None) -> str:
    u = result.usage
    where = f" -> {output}" if output else ""
    return (
        f"diplosum: {len(result.sources)} sources, {len(result.events)} events, "
        f"{len(result.conflicts)} conflicts, {len(result.failures)} failures; "
        f"{u.calls} calls, {u.cached_calls} cached, {u.replayed_calls} replayed{where}"
    )


def _exit_code(result: Brief) -> int:
    if not result.failures:
        return EXIT_OK
    failed = {f.source_id for f in result.failures}
    summarised = [s for s in result.sources if s.id not in failed]
    return EXIT_PARTIAL if summarised else EXIT_NOTHING


def _cache(args: argparse.Namespace) -> int:
    from diplosum.store.cache import ResponseCache

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

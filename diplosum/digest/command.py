"""``diplosum digest``: the command-line face of one digest run."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from diplosum.errors import ConfigurationError

HELP = """\
Summarise what arrived since the last run into YYYY-MM-DD.md/.json/.html (and latest.*)
in the output folder. Settings come from --config (default ./diplosum.toml, if it
exists); every option overrides the file.

exit codes: 0 done (or nothing new, or another run holds the lock); 1 digest written
but some inputs failed; 2 usage or configuration error; 3 nothing could be summarised

examples:
  diplosum digest --inbox articles/ --out-dir digests/
  diplosum digest --config /etc/diplosum.toml --quiet   # from cron
"""


def add_parser(sub: Any) -> None:
    d = sub.add_parser(
        "digest",
        help="summarise what is new into today's digest (for cron)",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    d.add_argument("--config", type=Path, help="TOML settings file (default ./diplosum.toml)")
    d.add_argument("--inbox", action="append", type=Path, metavar="DIR", help="inbox folder")
    d.add_argument("--feed", action="append", metavar="URL", help="RSS/Atom feed URL or file")
    d.add_argument("--out-dir", type=Path, metavar="DIR", help="where the digests go")
    d.add_argument("--state", type=Path, metavar="PATH", help="state file (SQLite)")
    d.add_argument("--cache", type=Path, metavar="PATH", help="response cache file")
    d.add_argument("--model", help="model name")
    d.add_argument("--mode", help="structured-output mode")
    d.add_argument("--base-url", help="OpenAI-compatible endpoint")
    d.add_argument("--concurrency", type=int, help="articles at once")
    d.add_argument("--max-articles", type=int, help="at most this many new articles per run")
    d.add_argument("--max-cost-usd", type=float, help="at most this estimated cost per run")
    d.add_argument("--timezone", help="IANA time zone that decides the day (default UTC)")
    d.add_argument("--replay", type=Path, metavar="PATH", help="answer only from recordings")
    d.add_argument("--fetch-timeout", type=float, metavar="S", help="seconds per feed/page request")
    d.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD",
                   help="only files modified / entries published since then")  # fmt: skip
    d.add_argument("--day", metavar="YYYY-MM-DD", help="file the digest under this day")
    d.add_argument("--dry-run", action="store_true", help="say what would be done; send nothing")
    d.add_argument("--wait", action="store_true", help="wait for a running digest to finish")
    d.add_argument("-q", "--quiet", action="store_true", help="print only when something failed")
    d.add_argument(
        "--batch",
        action="store_true",
        help="collect finished batches, submit what is missing as a Batch API job (half "
        "price) and defer those articles to a later run; never calls the model live",
    )


def run(args: argparse.Namespace) -> int:
    from diplosum.digest.config import load_config
    from diplosum.digest.run import run_digest

    if args.day is not None:
        try:
            date.fromisoformat(args.day)
        except ValueError:
            raise ConfigurationError(f"--day {args.day!r} is not a YYYY-MM-DD date") from None
    overrides: dict[str, Any] = {
        "inbox": args.inbox or (),
        "feeds": args.feed or (),
        "out_dir": args.out_dir,
        "state": args.state,
        "cache": args.cache,
        "model": args.model,
        "mode": args.mode,
        "base_url": args.base_url,
        "concurrency": args.concurrency,
        "max_articles": args.max_articles,
        "max_cost_usd": args.max_cost_usd,
        "timezone": args.timezone,
        "replay": args.replay,
        "fetch_timeout": args.fetch_timeout,
        "batch": True if args.batch else None,
    }
    config = load_config(args.config, overrides, required=args.config is not None)
    from diplosum.cli import print_failures, progress_bar

    with progress_bar():
        result = run_digest(
            config,
            day=args.day,
            since=args.since,
            dry_run=args.dry_run,
            wait=args.wait,
            batch=config.batch,
        )
    if result.brief is not None:
        print_failures(result.brief.failures)
        for deferred in result.deferred:
            print(f"diplosum: deferred: {deferred.source_id}: {deferred.reason}", file=sys.stderr)
    if not args.quiet or result.exit_code != 0:
        print(result.summary, file=sys.stderr if not args.dry_run else sys.stdout)
    return result.exit_code

"""The openai SDK is imported only when a live call is needed (checked in a fresh
interpreter, through ``sys.modules``)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
RECORDING = ROOT / "examples" / "recordings" / "seeds.jsonl"

_CHECK = """
import sys
from diplosum.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
loaded = sorted(m for m in sys.modules if m == "openai" or m.startswith("openai."))
print("OPENAI" if loaded else "NO-OPENAI", code)
"""


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["brief", str(SEEDS), "--replay", str(RECORDING), "-o", "-"],
        ["cache", "stats", "--cache", "{tmp}/c.sqlite3"],
    ],
    ids=["help", "replay", "cache"],
)
def test_the_sdk_is_not_imported(argv: list[str], tmp_path: Path) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    done = subprocess.run(
        [sys.executable, "-c", _CHECK, *args], capture_output=True, text=True, check=False
    )
    last = done.stdout.strip().splitlines()[-1]
    assert last == "NO-OPENAI 0", done.stderr[-2000:]


def test_the_check_sees_the_sdk_when_it_is_imported() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import diplosum.llm.openai_backend\n" + _CHECK, "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout.strip().splitlines()[-1] == "OPENAI 0"


_BEFORE_THE_FIRST_REQUEST = """
import sys
import diplosum
from diplosum.pipeline import brief
from diplosum.cli import main
later = ("diplosum.merge", "diplosum.assemble", "diplosum.verify", "diplosum.combine",
         "jinja2", "frontmatter", "yaml", "semchunk", "trafilatura", "genai_prices")
print(sorted(m for m in sys.modules if m.split(".")[0] in later or m in later))
"""


def test_what_is_needed_only_after_the_answers_is_not_imported_before_sending() -> None:
    """Importing diplosum and its CLI loads no merge, verify, renderer templates,
    front-matter, chunking or price modules: a run loads them while its answers are
    awaited, or only for an input that needs them, never on the way to its first
    request."""
    done = subprocess.run(
        [sys.executable, "-c", _BEFORE_THE_FIRST_REQUEST],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"

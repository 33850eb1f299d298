"""The project's own tool settings (pyproject.toml) hold for the whole tree."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

BIN = Path(sys.executable).parent  # the environment running pytest has the dev tools


@pytest.mark.parametrize(
    "command",
    [("ruff", "check", "."), ("ruff", "format", "--check", "."), ("mypy",)],
    ids=["ruff-check", "ruff-format", "mypy-strict"],
)
def test_tool_is_clean(command: tuple[str, ...]) -> None:
    tool = shutil.which(command[0], path=str(BIN))
    assert tool, f"{command[0]} is not installed next to {sys.executable}: pip install -e '.[dev]'"
    result = subprocess.run(
        [tool, *command[1:]], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr

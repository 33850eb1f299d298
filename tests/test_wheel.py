"""The top-level prompts/ folder must ship inside the wheel (as diplosum/_prompts)."""

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.helpers import ROOT


def test_wheel_ships_the_prompts_and_py_typed(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("diplosum-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert "diplosum/py.typed" in names
        for prompt in sorted((ROOT / "prompts").glob("*.txt")):
            packaged = archive.read(f"diplosum/_prompts/{prompt.name}")
            assert packaged == prompt.read_bytes(), prompt.name

"""Print pip constraints pinning every runtime dependency to its lowest allowed version.

Reads ``[project.dependencies]`` of pyproject.toml and turns each ``name>=X`` into
``name==X``, so ``pip install --constraint`` installs exactly the floors the project
claims (the dev tools stay at their newest). Used by ``.ci/run``.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

FLOOR = re.compile(r"^\s*([A-Za-z0-9_.\[\]-]+?)\s*>=\s*([^,;\s]+)")


def main() -> int:
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    for requirement in project["dependencies"]:
        match = FLOOR.match(requirement)
        if match is None:
            print(f"# no floor: {requirement}")
            continue
        name = match.group(1).split("[", 1)[0]
        print(f"{name}=={match.group(2)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

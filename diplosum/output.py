"""Where a command writes its result: stdout, a stream (pipe, device), or a file.

``OutputTarget.prepare`` is called before any model call, so a location that cannot
be written fails the run while nothing has been paid for yet. Regular files are
replaced atomically (through a symlink, the file it points to); a named pipe, a
device or a descriptor link (``/dev/stdout``, ``/dev/fd/1``) is written into, never
replaced; a regular file under ``/dev/shm`` is replaced atomically like any other.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from diplosum.errors import ConfigurationError
from diplosum.store.atomic import write_atomic

_STREAM_ROOTS = ("/dev/", "/proc/")


@dataclass(frozen=True)
class OutputTarget:
    kind: Literal["stdout", "stream", "file"]
    path: Path | None = None

    @classmethod
    def prepare(cls, output: str | os.PathLike[str] | None) -> OutputTarget:
        """Check that ``output`` (None or ``-``: stdout) can be written, and how."""
        if output is None or os.fspath(output) == "-":
            return cls("stdout")
        path = Path(output)
        try:
            info = os.stat(path)
        except FileNotFoundError:
            info = None
        except OSError as exc:
            raise _error(path, exc) from None
        if info is not None and stat.S_ISDIR(info.st_mode):
            raise ConfigurationError(f"cannot write output {path}: it is a folder")
        real = Path(os.path.realpath(path))
        streaming = info is not None and not stat.S_ISREG(info.st_mode)
        # /dev/stdout, /dev/fd/1, /proc/self/fd/1 are links to whatever the descriptor is,
        # a file opened for appending included: write into it, never replace it.
        descriptor = os.path.islink(path) and str(path).startswith(_STREAM_ROOTS)
        if streaming or descriptor or str(real).startswith("/proc/"):
            if not os.access(path, os.W_OK):
                raise ConfigurationError(f"cannot write output {path}: permission denied")
            return cls("stream", path)
        ensure_writable_folder(real.parent, shown=path)
        return cls("file", real)

    def write(self, text: str) -> None:
        if self.kind == "stdout":
            sys.stdout.write(text)
            sys.stdout.flush()
        elif self.kind == "stream":
            assert self.path is not None
            # Append: a descriptor link to a file opened with >> must not be truncated.
            with open(self.path, "a", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        else:
            assert self.path is not None
            write_atomic(self.path, text)

    def describe(self) -> str | None:
        return None if self.path is None else str(self.path)


def _error(path: Path, exc: OSError) -> ConfigurationError:
    return ConfigurationError(f"cannot write output {path}: {exc.strerror or exc}")


def ensure_writable_folder(folder: Path, *, shown: Path | None = None) -> None:
    """Create the folder if needed and prove a file can be made in it, or raise
    ``ConfigurationError`` naming ``shown`` (default: the folder)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".diplosum-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise _error(shown or folder, exc) from None

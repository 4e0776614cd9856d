"""Writing a user's file safely: all of it or none of it, never half."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from core.errors import MicrogptError


def write_atomic(path: str | Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, flush it to disk, then rename it
    over `path`: a crash at any moment leaves either the old file or the new one."""
    target = Path(path)
    fd, temp = _temporary_beside(target)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, target)
    except BaseException as err:
        Path(temp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise MicrogptError(f"cannot write {path}: {err.strerror}") from None
        raise


@contextmanager
def replacing_stream(path: str | Path) -> Iterator[TextIO]:
    """A text stream for a log written as work proceeds: the lines go to a temporary file
    that replaces `path` when the block ends, however it ends (an interrupted run keeps
    the lines of the steps it completed; `path` never holds a half-written line)."""
    target = Path(path)
    fd, temp = _temporary_beside(target)
    stream = os.fdopen(fd, "w", encoding="utf-8")
    try:
        yield stream
    finally:
        stream.flush()
        os.fsync(stream.fileno())
        stream.close()
        os.replace(temp, target)


def _temporary_beside(target: Path) -> tuple[int, str]:
    """A new temporary file in the target's folder (a rename within one file system is
    atomic), hidden by its leading dot."""
    try:
        return tempfile.mkstemp(
            prefix=f".{target.name}.",
            suffix=".tmp",
            dir=target.parent if str(target.parent) else ".",
        )
    except OSError as err:
        raise MicrogptError(f"cannot write {target}: {err.strerror}") from None

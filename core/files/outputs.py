"""Writing a user's files: the one place that decides whether a path may be written, and
writes it all or not at all.

`check_output` runs before any work starts, so that a mistake costs nothing: an output
may not be one of the command's inputs or another of its outputs; it must be a regular
file of the kind we write, or a new file in an existing, writable folder (never a
device, a pipe or a folder). A symlink is written through to its target, and an existing
file keeps its permissions. Writes go to a temporary file beside the target, renamed
over it at the end: a crash leaves the old file or the new one, never half of either.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from core.errors import MicrogptError


class OutputError(MicrogptError):
    """A path that must not, or cannot, be written."""


@dataclass(frozen=True)
class Output:
    """A checked place to write."""

    given: str
    """The path as the user wrote it (for messages)."""
    target: Path
    """Where the bytes go: the path with every symlink resolved."""
    kind: str
    """What is written there, for messages: "model file", "log", "run file"."""


@dataclass(frozen=True)
class Input:
    """A file the command reads, which its outputs must leave alone."""

    path: str
    what: str
    """For messages: "the corpus", "the model file"."""


def check_output(
    path: str | Path, kind: str, inputs: Iterable[Input] = (), others: Sequence[Output] = ()
) -> Output:
    """Where `path` would be written, or an OutputError that names it and says what to do.
    Existing files may only be replaced by a file of the same kind (a model by a model):
    a corpus or a note given by mistake is refused, not destroyed."""
    output = _checked_place(path, kind, inputs, others)
    fd, temp = _create_writable(output)  # the folder takes a file: this one, then a real one
    os.close(fd)
    os.unlink(temp)
    return output


def _checked_place(
    path: str | Path, kind: str, inputs: Iterable[Input] = (), others: Sequence[Output] = ()
) -> Output:
    """Every check but whether the folder can be written (creating the file tells that)."""
    given = str(path)
    if not given.strip():
        raise OutputError(f"the {kind}'s file name is empty; give a file name")
    if "\x00" in given:
        raise OutputError(f"the {kind}'s file name {given!r} holds a NUL byte; give a file name")
    target = Path(os.path.realpath(given))
    existing = _stat(target, given)
    for source in inputs:  # first: the reason to give for the corpus is that it is the corpus
        if _same_file(target, existing, Path(source.path)):
            raise OutputError(
                f"{given} is {source.what} this command reads; writing the {kind} there "
                "would destroy it: choose another file name"
            )
    if existing is not None:
        _check_existing(existing, target, given, kind)
    for other in others:
        if other.target == target:
            raise OutputError(
                f"{given} is named for both the {other.kind} and the {kind}; give each its own file"
            )
    _check_folder(target.parent, given)
    return Output(given, target, kind)


def _stat(target: Path, given: str) -> os.stat_result | None:
    try:
        return os.stat(target)
    except (FileNotFoundError, NotADirectoryError):
        return None  # the folder's check says what is wrong
    except OSError as err:
        raise OutputError(f"cannot write {given}: {err.strerror}") from None


def _check_existing(st: os.stat_result, target: Path, given: str, kind: str) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(
            f"{given} is a folder; give a file name inside it, e.g. {Path(given) / _example(kind)}"
        )
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(
            f"{given} is a device or a pipe, not a regular file: microgpt writes the {kind} "
            "only to regular files (it would replace the device); give a file name"
        )
    if st.st_size and not _looks_like_json(target):
        raise OutputError(
            f"{given} exists and is not a {kind} (it is not JSON): microgpt will not "
            "overwrite it; choose another file name, or delete it first"
        )


def _looks_like_json(target: Path) -> bool:
    """Our model, run and log files all begin with "{" (so do the tutorial's)."""
    try:
        with open(target, "rb") as f:
            head = f.read(4096).lstrip()
    except OSError:
        return False
    return head[:1] in (b"{", b"")


def _example(kind: str) -> str:
    return {"log": "log.jsonl", "run file": "run.json"}.get(kind, "model.json")


def _same_file(target: Path, existing: os.stat_result | None, source: Path) -> bool:
    try:
        other = os.stat(source)
    except OSError:
        return Path(os.path.realpath(source)) == target
    if existing is None:
        return False
    return (existing.st_dev, existing.st_ino) == (other.st_dev, other.st_ino)


def _check_folder(folder: Path, given: str) -> None:
    if folder.exists() and not folder.is_dir():
        raise OutputError(
            f"cannot write {given}: {folder} is a file, not a folder; choose another place"
        )
    if not folder.is_dir():
        raise OutputError(
            f"cannot write {given}: the folder {folder} does not exist; create it first "
            "or choose another place"
        )


def _create_writable(output: Output) -> tuple[int, Path]:
    """A new temporary file beside the output, or an OutputError saying why the folder
    takes none."""
    try:
        return _create_beside(output.target)
    except OSError as err:
        raise OutputError(
            f"cannot write the {output.kind} to {output.given}: {_reason(err)} (in "
            f"{output.target.parent}); choose a place you can write to"
        ) from None


def _create_beside(target: Path) -> tuple[int, Path]:
    """A new file beside `target`, hidden by its leading dot; created with mode 0o666 so
    that the umask applies, as for any new file."""
    while True:
        temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        except FileExistsError:
            continue
        return fd, temp


def _keep_owner_and_mode(fd: int, target: Path) -> None:
    try:
        st = os.stat(target)
    except OSError:
        return  # a new file: the umask decided
    os.fchmod(fd, stat.S_IMODE(st.st_mode))
    with contextlib.suppress(PermissionError):  # only root may give a file away
        os.fchown(fd, st.st_uid, st.st_gid)


def _reason(err: OSError) -> str:
    if err.errno == 28:  # ENOSPC
        return "the disk is full"
    return err.strerror or str(err)


class AtomicFile:
    """A text file being written: lines go to a temporary file beside the target, which
    `commit` renames over it; `discard` (or any failure) removes it, leaving the old file."""

    def __init__(self, output: Output) -> None:
        # Checked again now: the place may have changed since the command started.
        self.output = _checked_place(output.given, output.kind)
        fd, self._temp = _create_writable(self.output)
        self._stream: TextIO = os.fdopen(fd, "w", encoding="utf-8")
        self.closed = False

    @contextlib.contextmanager
    def _or_discard(self) -> Iterator[None]:
        """A failed write leaves the old file: the temporary one goes, and the error says
        which file and why."""
        try:
            yield
        except OSError as err:
            self.discard()
            raise OutputError(f"cannot write {self.output.given}: {_reason(err)}") from None

    def write(self, text: str) -> None:
        with self._or_discard():
            self._stream.write(text)

    def flush(self) -> None:
        with self._or_discard():
            self._stream.flush()

    def commit(self) -> None:
        with self._or_discard():
            self._stream.flush()
            os.fsync(self._stream.fileno())
            _keep_owner_and_mode(self._stream.fileno(), self.output.target)
            self._stream.close()
            os.replace(self._temp, self.output.target)
        self.closed = True

    def discard(self) -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(OSError):  # the bytes are being thrown away anyway
            self._stream.close()
        self._temp.unlink(missing_ok=True)


def write_atomic(output: Output | str | Path, text: str, kind: str = "file") -> None:
    """Write all of `text` to a checked output, or leave the old file as it was."""
    file = AtomicFile(output if isinstance(output, Output) else _checked_place(output, kind))
    try:
        file.write(text)
        file.commit()
    finally:
        file.discard()

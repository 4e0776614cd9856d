"""Reading a user's files: the one place that opens them. Only regular files are read (a
pipe or a device could block forever or never end), up to a size limit, and JSON is
parsed strictly: numbers must fit a double, nesting must be shallow, no NaN or Infinity.
Every refusal is the caller's error type, with a message naming the file."""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path
from typing import Any

from core.errors import MicrogptError

MB = 1 << 20
MAX_INT_DIGITS = 19  # a seed, a step or a generator state fits; 10**400 does not
MAX_CONTAINERS = 10_000  # our files hold a handful of lists and objects, and brackets in text
MAX_FLOAT_CHARS = 64  # the longest a double needs is 24; more is not a number we wrote


def read_bytes(path: str | Path, what: str, limit: int, error: type[MicrogptError]) -> bytes:
    """The bytes of the regular file at `path` (at most `limit` of them), or `error`
    saying why not. `what` names the kind of file in messages ("corpus", "model file")."""
    name = str(path)
    if not name:
        raise error(f"no {what} given: the file name is empty")
    if "\x00" in name:
        raise error(f"the {what}'s file name {name!r} holds a NUL byte; give a file name")
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; regular files ignore it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise error(f"{name}: no such file; give the path of a {what}") from None
    except OSError as err:
        raise error(f"{name}: the {what} cannot be read: {err.strerror}") from None
    except ValueError:  # a lone surrogate, which JSON can hold and no path can
        raise error(
            f"{name!r} cannot be a file name: it holds a character no path can hold; give "
            f"the path of a {what}"
        ) from None
    try:
        st = os.fstat(fd)
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            raise error(f"{name} is a folder, not a {what}; give the path of a file")
        if not stat.S_ISREG(mode):
            raise error(
                f"{name} is {_kind_of(mode)}, not a regular file; give the path of a {what} "
                "(microgpt reads only regular files)"
            )
        data = _read_at_most(fd, limit + 1, st.st_size)
    except OSError as err:
        raise error(f"{name}: the {what} cannot be read: {err.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise error(
            f"{name} is larger than {limit // MB} MB, the most microgpt reads as a {what}; "
            "is it the right file?"
        )
    return data


def _read_at_most(fd: int, count: int, expected: int) -> bytes:
    """Up to `count` bytes; read in pieces of about the file's size (a small file must
    not cost a large buffer), and on to the end (a file may grow while it is read)."""
    chunks, total = [], 0
    piece = max(min(expected + 1, 4 * MB), 64 * 1024)
    while total < count:
        chunk = os.read(fd, min(count - total, piece))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _kind_of(mode: int) -> str:
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


class _Refused(ValueError):
    """A JSON value strict parsing refuses."""


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _Refused(f"a whole number with {len(text.lstrip('-')):,} digits")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > MAX_FLOAT_CHARS:
        raise _Refused(f"a number written with {len(text):,} characters")
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {text}, beyond the range of a double")
    return value


def _parse_constant(text: str) -> float:
    raise _Refused(f"{text}, which is not a number JSON allows")


def parse_json(
    data: bytes, name: str, what: str, error: type[MicrogptError], max_values: int
) -> Any:
    """Strict JSON: what `json.dumps` writes and the tutorial's `JSON.stringify` writes,
    and nothing a reader could choke on. `max_values` bounds the values the file may hold,
    counted before parsing (a file of `[],[],...` within the size limit would otherwise
    build tens of millions of lists)."""
    containers = data.count(b"[") + data.count(b"{")
    if containers > MAX_CONTAINERS or data.count(b",") > max_values:
        raise error(
            f"{name} is not a valid {what}: it holds more values or lists than any {what} "
            "microgpt writes; is it the right file?"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise error(f"{name} is not a {what}: it is not UTF-8 text (byte {err.start:,})") from None
    try:
        return json.loads(
            text,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
        )
    except _Refused as err:
        raise error(f"{name} is not a valid {what}: it holds {err}") from None
    except json.JSONDecodeError as err:
        raise error(
            f"{name} is not a {what}: it is not complete JSON (line {err.lineno:,}, "
            f"column {err.colno:,}: {err.msg}); it may be truncated or not JSON at all"
        ) from None
    except RecursionError:
        raise error(f"{name} is not a {what}: its JSON is nested too deeply") from None
    except ValueError as err:  # e.g. Python's own limit on digits in a number
        raise error(f"{name} is not a valid {what}: {err}") from None


def read_json(
    path: str | Path, what: str, limit: int, error: type[MicrogptError], max_values: int
) -> Any:
    data = read_bytes(path, what, limit, error)
    return parse_json(data, str(path), what, error, max_values)

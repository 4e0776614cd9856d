"""What a folder holds, precisely enough to tell that nothing in it changed: each entry's
type, permissions and contents (or symlink target)."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path


def file_state(root: Path) -> dict[str, tuple[str, int, str]]:
    state = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            st = os.lstat(path)
            mode = stat.S_IMODE(st.st_mode)
            key = str(path.relative_to(root))
            if stat.S_ISLNK(st.st_mode):
                state[key] = ("symlink", mode, os.readlink(path))
            elif stat.S_ISREG(st.st_mode):
                state[key] = ("file", mode, hashlib.sha256(path.read_bytes()).hexdigest())
            elif stat.S_ISDIR(st.st_mode):
                state[key] = ("folder", mode, "")
            elif stat.S_ISFIFO(st.st_mode):
                state[key] = ("fifo", mode, "")
            elif stat.S_ISCHR(st.st_mode):
                state[key] = ("char device", mode, str(st.st_rdev))
            else:
                state[key] = ("other", mode, "")
    return state


def changed(before: dict, after: dict) -> set[str]:
    """Entries added, removed or altered."""
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}

"""Key files kept outside the database: created with mode 0600 when absent, refused when their
mode lets anyone but the owner read them.

Shared by every key the backend keeps on disk (G2: the personal-data keys,
services/personal_data.py; G1: the ticket signing keys) — use `read_or_create_key`, don't
write key files another way. A key file's default place is beside the database:
`default_key_path("var/backend.db", "personal-data")` -> `var/backend.personal-data.key`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

KEY_FILE_MODE = 0o600


class KeyFileError(RuntimeError):
    """A key file that must not be used (its mode is looser than 0600, or it is not a file)."""


def default_key_path(db_path: str | os.PathLike[str], name: str) -> Path:
    """`<db dir>/<db stem>.<name>.key`: one key file per database, beside it."""
    db = Path(db_path)
    return db.with_name(f"{db.stem}.{name}.key")


def check_key_file(path: Path) -> None:
    """Refuse a key file that group or others may read or write, or that is not a file."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise KeyFileError(f"key file {path} is not a regular file")
    loose = stat.S_IMODE(info.st_mode) & 0o077
    if loose:
        raise KeyFileError(
            f"key file {path} has mode {stat.S_IMODE(info.st_mode):04o}; it must be 0600 "
            f"(chmod 600 {path})"
        )


def read_or_create_key(path: str | os.PathLike[str], create: Callable[[], bytes]) -> bytes:
    """The bytes of the key file at `path`; when absent, `create()` is written there first
    (mode 0600, its folder created 0700 if missing, fsynced). KeyFileError when the file's
    mode is looser than 0600."""
    path = Path(path)
    try:
        check_key_file(path)
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    content = create()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_FILE_MODE)
    except FileExistsError:  # another process made it meanwhile: use theirs
        check_key_file(path)
        return path.read_bytes()
    try:
        os.write(fd, content)
        os.fsync(fd)
    finally:
        os.close(fd)
    return content

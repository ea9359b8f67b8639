"""Writing exports: atomically, so a reader (a web server, a feed reader, a cron job's next run)
never sees a half-written file, and a failed export leaves the previous file as it was.

The file a user names is the one that changes: through a symbolic link the link's target is
replaced (the link stays), a file's permissions are kept (a private 0600 report stays private),
and what is not a regular file (a FIFO, /dev/stdout, /dev/full) is written to directly, since
renaming over it would replace the device node or the pipe with a file.
"""

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from tracker.errors import OutputError


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside `path` (or beside the file a link points to), flush it
    to disk, then rename it over that file; write other kinds of file in place."""
    target = path.resolve() if path.is_symlink() else path
    try:
        existing = os.stat(target)
    except OSError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        _write_in_place(target, text)
        return
    mode = stat.S_IMODE(existing.st_mode) if existing else 0o666 & ~_umask()
    _replace(target, text, mode)


def _write_in_place(path: Path, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _replace(path: Path, text: str, mode: int) -> None:
    """The atomic write: a new file with `mode`, renamed over `path`."""
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)  # mkstemp makes it private; new exports are for sharing
        os.replace(temp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


def prepare_folder(path: Path) -> Path:
    """The folder that per-story files go into, created when missing."""
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path} is a file: give a folder for one file per story")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create folder {path}: {exc.strerror or exc}") from None
    return path


def _umask() -> int:
    """The process umask (read by setting it, then putting it back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask

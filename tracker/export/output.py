"""Writing exports: atomically, so a reader (a web server, a feed reader, a cron job's next run)
never sees a half-written file, and a failed export leaves the previous file as it was."""

import contextlib
import os
import tempfile
from pathlib import Path

from tracker.errors import OutputError


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it over `path`."""
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes it private; exports are for sharing
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

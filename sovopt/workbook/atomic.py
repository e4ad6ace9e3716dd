"""Atomic file writes: a workbook is either fully written or not touched at all.

sovopt never writes a workbook in place. It writes a temporary file in the
same folder (so the final rename stays on one file system), flushes it to
disk, then renames it over the target with :func:`os.replace`, which is
atomic on POSIX and Windows. If anything fails on the way (the target is open
in Excel, the folder is read-only, the disk is full) the earlier file is left
exactly as it was, the temporary file is removed, and a :class:`SovoptError`
says what happened in words a planner can act on.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from sovopt.errors import SovoptError

#: Temporary files start with this, so a stray one is recognisable (and hidden on POSIX).
TEMP_PREFIX = ".sovopt-tmp-"


def save_workbook_atomic(wb: Any, path: str | os.PathLike[str]) -> Path:
    """Save the openpyxl workbook ``wb`` to ``path`` atomically; return the path."""
    return _write_atomic(Path(path), wb.save)


def write_bytes_atomic(data: bytes, path: str | os.PathLike[str]) -> Path:
    """Write ``data`` to ``path`` atomically; return the path."""
    return _write_atomic(Path(path), lambda fh: fh.write(data))


def temp_files(folder: str | os.PathLike[str]) -> list[Path]:
    """Temporary files left in ``folder`` by an interrupted atomic write (for tests
    and clean-up)."""
    return sorted(Path(folder).glob(TEMP_PREFIX + "*"))


def _write_atomic(path: Path, write: Callable[[IO[bytes]], Any]) -> Path:
    """Run ``write`` on a temporary file beside ``path``, then move it into place."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise SovoptError(f"cannot write {path}: the folder {folder} does not exist")
    if path.is_dir():
        raise SovoptError(f"cannot write {path}: it is a folder")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=path.suffix, dir=folder)
    except OSError as exc:
        raise _explain(exc, path) from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise _explain(exc, path) from exc
        raise
    _fsync_folder(folder)
    return path


def _mode_for(path: Path) -> int:
    """The permissions the new file gets: the old file's, else the usual ones.

    mkstemp creates files readable by their owner only; a workbook should be
    as shareable as any other file the user creates.
    """
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX only; a no-op where unsupported)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _explain(exc: OSError, path: Path) -> SovoptError:
    """One clear sentence for a failed write; the earlier file is always intact."""
    kept = " (any earlier file there is unchanged)"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        why = "the disk is full"
    elif isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM):
        why = ("permission denied: the file may be open in Excel or another program "
               "(close it and try again), or the folder is not writable")
    elif exc.errno == errno.EROFS:
        why = "the folder is on a read-only file system"
    elif exc.errno == errno.EBUSY:
        why = "the file is locked by another program (close it and try again)"
    else:
        why = exc.strerror or str(exc)
    return SovoptError(f"cannot write {path}: {why}{kept}")

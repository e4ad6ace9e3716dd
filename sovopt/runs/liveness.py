"""Whether the process that recorded a ``running`` run is still alive.

``begin`` records the host name, the process id and, where the system tells it
(Linux), the process start time. A ``running`` run on this host whose process
is gone (or whose pid now belongs to a newer process) is *shown* as
``interrupted``; the stored status is not rewritten, so reading never writes.
A run started on another host stays ``running``: its process cannot be checked
from here.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from sovopt.status import Status

INTERRUPTED = Status.INTERRUPTED


def process_start(pid: int) -> str | None:
    """A token that changes when ``pid`` is reused: the Linux process start time
    (field 22 of /proc/<pid>/stat), or None where it is not available."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2:].split()
    return f"linux:{fields[19]}" if len(fields) > 19 else None


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this host (without signalling it)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill would terminate the process on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return bool(ok) and code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_gone(host: str | None, pid: int | None, proc_start: str | None) -> bool:
    """True when the process that recorded a run is known to have ended: it ran on
    this host and its pid is gone or now belongs to a process started later."""
    if host != socket.gethostname() or pid is None:
        return False
    if not pid_alive(pid):
        return True
    return proc_start is not None and process_start(pid) not in (None, proc_start)


def shown_status(status: str, host: str | None, pid: int | None,
                 proc_start: str | None) -> str:
    """The status to show: ``interrupted`` for a running run whose process is gone."""
    if status == "running" and process_gone(host, pid, proc_start):
        return INTERRUPTED
    return status

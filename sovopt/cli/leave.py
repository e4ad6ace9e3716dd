"""How the command ends: with its exit code, whatever Ctrl-C does meanwhile.

Once the exit code is known, Ctrl-C is ignored: a second one pressed while the
interpreter shuts down would otherwise end the process by SIGINT (-2) rather
than with the code the command chose (130 for an interrupted solve). If a
HiGHS run could not be stopped in time (:func:`sovopt.highs.runs_left`, a run
abandoned inside an uninterruptible presolve), the process leaves without the
interpreter's shutdown, after flushing its output: the shutdown would end that
run's thread by force and abort the process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading


def leave(code: int) -> None:
    """Exit with ``code`` (never returns)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    highs = sys.modules.get("sovopt.highs")  # loaded only by commands that solve
    if highs is not None and highs.runs_left():
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)
    sys.exit(code)

"""A Ctrl-C during a run-store write acts once the write has ended: the write is
committed, the KeyboardInterrupt comes after it, and the next write finds the store
free (before, an interrupt inside the driver could leave SQLite's write lock with
the abandoned connection: the run then recorded as interrupted waited out the busy
timeout, and the command ended with exit 1 instead of 130)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from sovopt.runs import RunStore


@pytest.fixture
def python_ctrl_c():
    """Python's own Ctrl-C handling (an in-process command run by an earlier test may
    have left SIGINT ignored, as a command does once its exit code is known)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_a_ctrl_c_mid_write_waits_for_the_commit_and_the_store_stays_free(
        tmp_path: Path, python_ctrl_c) -> None:
    with RunStore(tmp_path) as store:
        def interrupted_write(conn) -> None:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C between two statements
            time.sleep(0.1)  # the signal has arrived: the default handler would raise here
            conn.execute(text("INSERT INTO t VALUES (1)"))

        with pytest.raises(KeyboardInterrupt):
            store.db.write(interrupted_write)
        t0 = time.monotonic()
        store.db.write(lambda conn: conn.execute(text("INSERT INTO t VALUES (2)")))
        assert time.monotonic() - t0 < 5.0  # not the busy timeout
        rows = store.db.read(lambda conn: conn.execute(
            text("SELECT x FROM t ORDER BY x")).scalars().all())
    assert rows == [1, 2]


"""A HiGHS run in a process of its own, ended at its deadline whatever HiGHS is doing.

HiGHS stops a run at its next interrupt check, and some of its work has none: on
bench R (seed 0) the cost level, given 5.4 s, spent 26 s in one root round of
path-aggregation cuts (no clock check, no callback) and the command returned at
66–70 s of a 60 s limit. A run in a child process can be ended at any moment:
asked first (the child's interrupt callback sees the request at HiGHS's next
check), then killed after :data:`GRACE` seconds. Whatever the child reported
before (its best plan and bound, streamed as it finds them) is kept; the caller
verifies the plan like any other.

The child gets the model as arrays, the instance's options (non-default ones,
through an options file) and the MIP start, and imports nothing but numpy and
highspy, so it starts in a fraction of a second (0.16 s measured for a bare
interpreter with both imported). It ignores Ctrl-C: the parent decides, and a
second Ctrl-C kills it before the parent leaves.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection

import highspy
import numpy as np

from sovopt.supervise import RunState, Stop, highs_log

#: Seconds a child asked to stop may take before it is killed.
GRACE = 1.0
#: Least seconds between two progress messages of the child (bound and gap).
REPORT_EVERY = 0.5


@dataclass
class ChildRun:
    """What a run in a child process ended with (solver units).

    ``status`` is HiGHS's model status, or ``kInterrupt`` for a run killed at its
    deadline (``killed``); ``values`` the best plan the child reported (None: none).
    """

    status: highspy.HighsModelStatus
    values: np.ndarray | None
    objective: float | None
    bound: float | None
    killed: bool = False


def run_in_child(h: highspy.Highs, start: np.ndarray | None, stop: Stop,
                 heartbeat: Callable[[RunState, float, bool], None] | None = None,
                 every: float = 4.0, target: str | None = None) -> ChildRun:
    """Run the model and options ``h`` holds, from ``start``, in a child process.

    ``stop`` is read as :func:`sovopt.supervise.supervised_run` reads it; once it is
    due the child is asked to stop and killed :data:`GRACE` seconds later.
    ``heartbeat`` is called as there. ``target`` ("module:function") replaces the
    child's main function (tests use it to stand for a run that does not stop when
    asked). The child is a fresh interpreter (``python -m sovopt.isolated``), not a
    copy of this one: a script without a ``__main__`` guard is not run again in it.
    """
    model = _model_arrays(h)
    fd, options_file = tempfile.mkstemp(prefix="sovopt-highs-", suffix=".txt")
    os.close(fd)
    from_parent, to_child = os.pipe()
    from_child, to_parent = os.pipe()
    process = None
    try:
        h.writeOptions(options_file)
        process = subprocess.Popen(
            [sys.executable, "-m", "sovopt.isolated", str(from_parent), str(to_parent),
             target or ""], pass_fds=(from_parent, to_parent),
            stdin=subprocess.DEVNULL, stdout=2 if highs_log() else subprocess.DEVNULL)
        os.close(from_parent)
        os.close(to_parent)
        from_parent = to_parent = -1
        send, conn = Connection(to_child, readable=False), Connection(from_child, writable=False)
        to_child = from_child = -1
        with send, conn:
            with contextlib.suppress(OSError):  # a child gone already: _watch sees it
                send.send((model, options_file, start))
            try:
                return _watch(process, send, conn, stop, heartbeat, every)
            except BaseException:
                _end(process)
                raise
    finally:
        for f in (to_child, from_parent, from_child, to_parent):
            if f >= 0:
                os.close(f)
        if process is not None:
            _end(process)
        os.unlink(options_file)


def _watch(process: subprocess.Popen, send: Connection, conn: Connection, stop: Stop,
           heartbeat, every: float) -> ChildRun:
    """Read the child's messages until it ends, or kill it once asked and overdue."""
    state = RunState()
    best: tuple[float, np.ndarray] | None = None
    t0 = last = time.monotonic()
    seen, asked = 0, None
    while True:
        if conn.poll(0.1):
            try:
                kind, *payload = conn.recv()
            except (EOFError, OSError):
                break
            if kind == "improved":
                best = (payload[0], payload[1])
                state.incumbent, state.improved = payload[0], state.improved + 1
            elif kind == "progress":
                state.bound, state.gap = payload
            elif kind == "done":
                status, objective, bound, values = payload
                if values is None and best is not None:
                    objective, values = best
                return ChildRun(highspy.HighsModelStatus(status), values, objective, bound)
        elif process.poll() is not None:
            break
        now = time.monotonic()
        if stop.due and asked is None:
            asked = now
            with contextlib.suppress(OSError):
                send.send("stop")
        if asked is not None and now - asked > GRACE:
            break
        if heartbeat is not None and (state.improved != seen or now - last >= every):
            heartbeat(state, now - t0, state.improved != seen)
            seen, last = state.improved, now
    objective, values = best if best is not None else (None, None)
    return ChildRun(highspy.HighsModelStatus.kInterrupt, values, objective, state.bound,
                    killed=True)


def cpu_seconds() -> float:
    """CPU seconds of this process and of its children that have ended (a level run
    in a child process counts where the level's CPU time is reported)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _end(process: subprocess.Popen) -> None:
    """Kill the child if it still runs, and reap it."""
    if process.poll() is None:
        process.kill()
    process.wait()


def _model_arrays(h: highspy.Highs) -> dict[str, np.ndarray]:
    """The model ``h`` holds, as arrays a child process can rebuild it from."""
    lp = h.getLp()
    a = lp.a_matrix_
    return {"num_col": lp.num_col_, "num_row": lp.num_row_,
            "rowwise": a.format_ == highspy.MatrixFormat.kRowwise,
            "start": np.asarray(a.start_), "index": np.asarray(a.index_),
            "value": np.asarray(a.value_), "cost": np.asarray(lp.col_cost_),
            "col_lower": np.asarray(lp.col_lower_), "col_upper": np.asarray(lp.col_upper_),
            "row_lower": np.asarray(lp.row_lower_), "row_upper": np.asarray(lp.row_upper_),
            "integrality": np.asarray([int(k) for k in lp.integrality_], dtype=np.int8),
            "offset": float(lp.offset_), "sense": int(lp.sense_)}


def child_main(conn: Connection, model: dict, options_file: str,
               start: np.ndarray | None) -> None:
    """The child: rebuild the model, run HiGHS, report as it goes, send the end."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readOptions(options_file)
    h.passModel(_lp(model))
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = list(map(float, start))
        sol.value_valid = True
        h.setSolution(sol)
    asked = [False]
    last = [0.0]

    def interrupt(event) -> None:
        if not asked[0] and conn.poll():
            asked[0] = conn.recv() == "stop"
        if event.callback_type == highspy.cb.HighsCallbackType.kCallbackMipInterrupt:
            now = time.monotonic()
            if now - last[0] >= REPORT_EVERY:
                last[0] = now
                out = event.data_out
                conn.send(("progress", _finite(out.mip_dual_bound), _finite(out.mip_gap)))
        event.interrupt(asked[0])

    def improving(event) -> None:
        out = event.data_out
        conn.send(("improved", float(out.objective_function_value),
                   np.asarray(out.mip_solution, dtype=float).copy()))

    for hook, fn in ((h.cbSimplexInterrupt, interrupt), (h.cbIpmInterrupt, interrupt),
                     (h.cbMipInterrupt, interrupt), (h.cbMipImprovingSolution, improving)):
        hook.subscribe(fn)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    values = (np.asarray(h.getSolution().col_value, dtype=float)
              if info.primal_solution_status == 2 else None)
    conn.send(("done", int(status), float(info.objective_function_value),
               _finite(info.mip_dual_bound), values))


def _lp(model: dict) -> highspy.HighsLp:
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = model["num_col"], model["num_row"]
    lp.col_cost_ = model["cost"]
    lp.col_lower_, lp.col_upper_ = model["col_lower"], model["col_upper"]
    lp.row_lower_, lp.row_upper_ = model["row_lower"], model["row_upper"]
    lp.a_matrix_.format_ = (highspy.MatrixFormat.kRowwise if model["rowwise"]
                            else highspy.MatrixFormat.kColwise)
    lp.a_matrix_.start_ = model["start"]
    lp.a_matrix_.index_ = model["index"]
    lp.a_matrix_.value_ = model["value"]
    lp.offset_ = model["offset"]
    lp.sense_ = highspy.ObjSense(model["sense"])
    if len(model["integrality"]):
        kinds = [highspy.HighsVarType(k) for k in range(int(model["integrality"].max()) + 1)]
        lp.integrality_ = [kinds[k] for k in model["integrality"].tolist()]
    return lp


def _finite(value: float) -> float | None:
    value = float(value)
    return value if abs(value) < 1e20 else None


def _main(argv: list[str]) -> None:
    """``python -m sovopt.isolated IN OUT [module:function]``: read the model from the
    pipe ``IN``, run it (by ``child_main`` or the named function), answer on ``OUT``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    inbound, outbound = int(argv[0]), int(argv[1])
    main = child_main
    if len(argv) > 2 and argv[2]:
        module, name = argv[2].split(":")
        main = getattr(importlib.import_module(module), name)
    with Connection(inbound, writable=False) as read, Connection(outbound,
                                                                 readable=False) as write:
        model, options_file, start = read.recv()
        main(_Duplex(read, write), model, options_file, start)


class _Duplex:
    """The child's two pipe ends as one connection (``poll``/``recv`` read, ``send`` writes)."""

    def __init__(self, read: Connection, write: Connection) -> None:
        self.poll, self.recv, self.send = read.poll, read.recv, write.send


if __name__ == "__main__":
    _main(sys.argv[1:])

"""A HiGHS run in a process of its own, ended at its deadline whatever HiGHS is doing.

HiGHS stops a run at its next interrupt check, and some of its work has none: on
bench R (seed 0) the cost level, given 5.4 s, spent 26 s in one root round of
path-aggregation cuts (no clock check, no callback) and the command returned at
66–70 s of a 60 s limit. A run in a child process can be ended at any moment:
asked first (the child's interrupt callback sees the request at HiGHS's next
check), then killed after :data:`GRACE` seconds. Whatever the child reported
before (its best plan and bound, streamed as it finds them) is kept; the caller
verifies the plan like any other.

The child gets the model as arrays (:mod:`sovopt.highs_arrays`), the instance's
options (through an options file, with the few a race changes on top) and the MIP
start, and imports nothing heavier than numpy and highspy, so it starts in a
fraction of a second (0.16 s measured for a bare interpreter with both imported).
It runs in a session of its own and ignores Ctrl-C: the parent decides, and a
second Ctrl-C kills it before the parent leaves. HiGHS's own clock in it is set
to the level's deadline too, so a child whose parent died without a word still
ends.
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
from pathlib import Path

import highspy
import numpy as np

from sovopt.highs_arrays import LpArrays, highs_lp, read_lp
from sovopt.supervise import RunState, Stop, finite_or_none, highs_log

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
    return race(h, [(start, {})], stop, heartbeat, every, target)[0]


def race(h: highspy.Highs, runs: list[tuple[np.ndarray | None, dict[str, object]]],
         stop: Stop, heartbeat: Callable[[RunState, float, bool], None] | None = None,
         every: float = 4.0, target: str | None = None) -> list[ChildRun]:
    """Run the model ``h`` holds once per entry of ``runs`` (its start, and HiGHS
    options that differ from ``h``'s), each in its own child process, at once.

    All end at ``stop`` as in :func:`run_in_child`, and all are asked to stop as
    soon as one proves its plan optimal (a plan within the gap: the others cannot
    do better). ``heartbeat`` sees the best plan and the best bound of any of them.
    One result per run, in order.
    """
    model = read_lp(h)
    fd, options_file = tempfile.mkstemp(prefix="sovopt-highs-", suffix=".txt")
    os.close(fd)
    children: list[_Child] = []
    try:
        h.writeOptions(options_file)
        for start, options in runs:
            children.append(_Child(target))
            children[-1].begin((model, options_file, start, options))
        return _watch(children, stop, heartbeat, every)
    finally:
        for child in children:
            child.end()
        os.unlink(options_file)


class _Child:
    """One child process and its two pipes; what it has reported so far."""

    def __init__(self, target: str | None) -> None:
        from_parent, to_child = os.pipe()
        from_child, to_parent = os.pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "sovopt.isolated", str(from_parent), str(to_parent),
                 target or ""], pass_fds=(from_parent, to_parent),
                stdin=subprocess.DEVNULL, stdout=2 if highs_log() else subprocess.DEVNULL,
                env=_child_environment(),
                start_new_session=True)  # a Ctrl-C at the terminal reaches the parent only
        except BaseException:
            for f in (from_parent, to_child, from_child, to_parent):
                os.close(f)
            raise
        os.close(from_parent)
        os.close(to_parent)
        self.send = Connection(to_child, readable=False)
        self.conn = Connection(from_child, writable=False)
        self.best: tuple[float, np.ndarray] | None = None
        self.bound: float | None = None
        self.gap: float | None = None
        self.result: ChildRun | None = None
        self.asked: float | None = None

    def begin(self, payload: tuple) -> None:
        with contextlib.suppress(OSError):  # a child gone already: read() sees it
            self.send.send(payload)

    def ask_to_stop(self, now: float) -> None:
        if self.asked is None:
            self.asked = now
            with contextlib.suppress(OSError):
                self.send.send("stop")

    def read(self) -> bool:
        """Take in what the child has sent; False once it has nothing more to say."""
        while self.result is None and self.conn.poll(0):
            try:
                kind, *payload = self.conn.recv()
            except (EOFError, OSError):
                return False
            if kind == "improved":
                self.best = (payload[0], payload[1])
            elif kind == "progress":
                self.bound, self.gap = payload
            elif kind == "done":
                status, objective, bound, values = payload
                if values is None and self.best is not None:
                    objective, values = self.best
                self.result = ChildRun(highspy.HighsModelStatus(status), values, objective,
                                       bound)
        return self.result is None and self.process.poll() is None

    def killed(self) -> ChildRun:
        objective, values = self.best if self.best is not None else (None, None)
        return ChildRun(highspy.HighsModelStatus.kInterrupt, values, objective, self.bound,
                        killed=True)

    def end(self) -> None:
        """Kill the child if it still runs, reap it, close the pipes."""
        _end(self.process)
        self.send.close()
        self.conn.close()


def _watch(children: list[_Child], stop: Stop, heartbeat, every: float) -> list[ChildRun]:
    """Read the children's messages until each has ended, or kill those asked and
    overdue."""
    state = RunState()
    t0 = last = time.monotonic()
    seen = 0
    results: list[ChildRun | None] = [None] * len(children)
    while any(r is None for r in results):
        time.sleep(0.05)
        now = time.monotonic()
        for i, child in enumerate(children):
            if results[i] is not None:
                continue
            going = child.read()
            if child.result is not None:
                results[i] = child.result
            elif not going or (child.asked is not None and now - child.asked > GRACE):
                results[i] = child.killed()
        if stop.due or any(r is not None and r.status == highspy.HighsModelStatus.kOptimal
                           for r in results):
            for i, child in enumerate(children):
                if results[i] is None:
                    child.ask_to_stop(now)
        found = [c.best[0] for c in children if c.best is not None]
        bounds = [c.bound for c in children if c.bound is not None]
        if found and (state.incumbent is None or min(found) < state.incumbent):
            state.incumbent, state.improved = min(found), state.improved + 1
        state.bound = max(bounds) if bounds else None
        state.gap = min((c.gap for c in children if c.gap is not None), default=None)
        if heartbeat is not None and (state.improved != seen or now - last >= every):
            heartbeat(state, now - t0, state.improved != seen)
            seen, last = state.improved, now
    return [r for r in results if r is not None]


def _child_environment() -> dict[str, str]:
    """This process's environment, with the folder this sovopt is imported from first on
    the child's path: the child runs the same sovopt even where this one was found
    through a path set at run time (a notebook's ``sys.path``), not an install."""
    home = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (home, env.get("PYTHONPATH")) if p)
    return env


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


def child_main(conn: Connection, model: LpArrays, options_file: str,
               start: np.ndarray | None, options: dict[str, object]) -> None:
    """The child: rebuild the model, run HiGHS, report as it goes, send the end."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readOptions(options_file)
    for name, value in options.items():
        h.setOptionValue(name, value)
    h.passModel(highs_lp(model))
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
                conn.send(("progress", finite_or_none(out.mip_dual_bound),
                           finite_or_none(out.mip_gap)))
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
               finite_or_none(info.mip_dual_bound), values))


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
        model, options_file, start, options = read.recv()
        main(_Duplex(read, write), model, options_file, start, options)


class _Duplex:
    """The child's two pipe ends as one connection (``poll``/``recv`` read, ``send`` writes)."""

    def __init__(self, read: Connection, write: Connection) -> None:
        self.poll, self.recv, self.send = read.poll, read.recv, write.send


if __name__ == "__main__":
    _main(sys.argv[1:])

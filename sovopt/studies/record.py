"""The client side of a study: run its tasks, record each point once, show progress.

:func:`run_study` opens a group in the run store, hands the tasks to an
executor and records every point as its result comes back: a run with the
point's Report, or a ``failed`` run with the reason when its task could not be
run. The store refuses a second record of a point (``(group, point)`` is
unique), and the group is closed ``complete`` only when every point has a
result; a study stopped early (Ctrl-C, a lost cluster) leaves it
``incomplete`` with the points recorded so far.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sovopt.case import Case
from sovopt.executors import Executor
from sovopt.runs import RunStore
from sovopt.studies.tasks import PointResult, Task, pack_case, run_task

Say = Callable[[str], None]


class StudyProgress:
    """``sweep: 3/10 points (1 without a plan), about 29 s left`` on stderr."""

    def __init__(self, kind: str, total: int, say: Say | None):
        self.kind, self.total, self.say = kind, total, say
        self.done = self.failed = 0
        self.t0 = time.perf_counter()

    def start(self, workers: int, where: str) -> None:
        if self.say:
            self.say(f"{self.kind}: {self.total} points on {where} "
                     f"({workers} worker{'s' if workers != 1 else ''})")

    def point(self, failed: bool, text: str = "") -> None:
        self.done += 1
        self.failed += int(failed)
        if not self.say:
            return
        elapsed = time.perf_counter() - self.t0
        left = (self.total - self.done) * elapsed / self.done
        fails = f" ({self.failed} without a plan)" if self.failed else ""
        eta = f", about {left:.0f} s left" if self.done < self.total else \
            f", {elapsed:.1f} s in all"
        self.say(f"{self.kind}: {self.done}/{self.total} points{fails}{eta}"
                 + (f"; {text}" if text else ""))


@dataclass
class StudyOutcome:
    """The points of a finished (or stopped) study, by task index."""

    group: str
    status: str  # complete | incomplete
    points: dict[int, PointResult] = field(default_factory=dict)
    run_ids: dict[int, str] = field(default_factory=dict)
    failures: dict[int, str] = field(default_factory=dict)
    seconds: float = 0.0
    total: int = 0

    @property
    def solved(self) -> int:
        """Points with a verified plan; a point without one (infeasible, no solution
        within its time, failed, not run) is a failed point."""
        return sum(p.has_plan for p in self.points.values())

    @property
    def all_solved(self) -> bool:
        return self.total > 0 and self.solved == self.total

    def count_text(self, noun: str = "points") -> str:
        """``3 of 4 points solved, 1 without a plan`` (and how many are proven optimal)."""
        failed = self.total - self.solved
        proven = sum(p.status == "optimal" for p in self.points.values())
        text = f"{self.solved} of {self.total} {noun} solved"
        if failed:
            text += f", {failed} without a plan"
        if self.solved:
            text += (f"; {proven} proven optimal" if proven < self.solved else
                     "; all proven optimal")
        return text


class Recorder:
    """Records a study's points into one group of the store, each exactly once."""

    def __init__(self, store: RunStore, kind: str, case: Case, case_path: str | Path | None,
                 total: int, info: dict[str, Any], group: str | None = None):
        self.store, self.case, self.case_path = store, case, case_path
        self.group = store.begin_group(kind, total, case.settings.case_name, info, group)
        self.outcome = StudyOutcome(self.group, "incomplete", total=total)

    def record(self, task: Task, result: PointResult) -> str:
        report = result.report
        report.run["study"] = {"group": self.group, "point": task.index, "label": task.label,
                               "changes": [ch.describe() for ch in task.changes],
                               "seed": task.seed}
        if self.case_path is not None:
            report.run["input_file"] = Path(self.case_path).name
        run_id = self.store.begin(self.case_path, task.label, self.case.settings.case_name,
                                  report.run.get("settings") or {}, report.run.get("preset"),
                                  group=self.group, point=task.index)
        report.summary["run_id"] = report.run["run_id"] = run_id
        self.store.finish(run_id, report)
        self.outcome.points[task.index] = result
        self.outcome.run_ids[task.index] = run_id
        return run_id

    def record_failure(self, task: Task, error: str) -> str:
        run_id = self.store.begin(self.case_path, task.label, self.case.settings.case_name,
                                  self.case.settings.as_dict(), task.objective,
                                  group=self.group, point=task.index)
        self.store.fail(run_id, error)
        self.outcome.failures[task.index] = error
        self.outcome.run_ids[task.index] = run_id
        return run_id

    def close(self, message: str | None = None) -> StudyOutcome:
        self.outcome.status = self.store.finish_group(self.group, message)
        return self.outcome


def run_study(executor: Executor, store: RunStore, kind: str, case: Case,
              case_path: str | Path | None, tasks: Sequence[Task], info: dict[str, Any],
              group: str | None = None, say: Say | None = None,
              fn: Callable[[bytes, Task], PointResult] = run_task,
              where: str = "local") -> StudyOutcome:
    """Run ``tasks`` on ``executor``, recording each point in one new group of ``store``.

    ``fn`` is the worker function (the real solve unless a test wraps it).
    """
    t0 = time.perf_counter()
    rec = Recorder(store, kind, case, case_path, len(tasks), info, group)
    progress = StudyProgress(kind, len(tasks), say)
    progress.start(executor.workers, where)

    def on_done(i: int, result: PointResult | None, error: str | None) -> None:
        task = tasks[i]
        if i in rec.outcome.run_ids:  # an executor never reports twice; the store refuses too
            return
        if result is None:
            rec.record_failure(task, error or "no result")
            progress.point(True, f"{task.label} failed: {error}")
        else:
            rec.record(task, result)
            progress.point(not result.has_plan, f"{task.label}: {result.status_text()}")

    try:
        executor.run(fn, pack_case(case), list(tasks), on_done)
    except BaseException as exc:
        rec.close(f"stopped early: {type(exc).__name__}: {exc}")
        raise
    outcome = rec.close()
    outcome.seconds = time.perf_counter() - t0
    return outcome

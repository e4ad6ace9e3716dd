"""What a worker gets and gives back: a serialised case, a change, a tidy result.

A :class:`Task` names one point of a study: the changes to the case's inputs
(:class:`Change`: a sheet column scaled, or one cell set) and, for a robust
sample, the seed of its perturbation. :func:`run_task` is the function every
executor calls on a worker: it unpacks the case, applies the changes, solves
it exactly as ``sovopt solve`` does, and returns a :class:`PointResult`
holding the Report (plain pandas, no solver object). It never opens the run
store.
"""

from __future__ import annotations

import pickle
import time
import zlib
from dataclasses import dataclass, field

from sovopt.case import Case
from sovopt.report import WITH_PORTFOLIO, Report
from sovopt.variation import Change, apply_changes


@dataclass(frozen=True)
class Task:
    """One point of a study: its index, a label, the changes and the solve settings."""

    index: int
    label: str
    changes: tuple[Change, ...] = ()
    seed: int | None = None  # robust: the seed of the sample's perturbation
    objective: str | None = None
    time_limit: float | None = None
    gap: float | None = None
    base: bool = False  # the case as given (a sweep's base point)


@dataclass
class PointResult:
    """What a worker returns: the point's Report and how long it took."""

    index: int
    report: Report
    seconds: float
    extra: dict = field(default_factory=dict)

    @property
    def status(self) -> str:
        return str(self.report.summary.get("status"))

    @property
    def has_plan(self) -> bool:
        """The point's solve gave a verified plan (a point without one failed)."""
        return self.status in WITH_PORTFOLIO

    def status_text(self) -> str:
        """``optimal`` only where proven; otherwise the status and the gap left."""
        gap = self.report.summary.get("mip_gap")
        if self.status == "optimal" or not self.has_plan or gap is None:
            return self.status
        return f"{self.status}, not proven optimal (gap {float(gap):.1%})"


def pack_case(case: Case) -> bytes:
    """The case as compact bytes (pickle, zlib-compressed): sent once per worker."""
    return zlib.compress(pickle.dumps(case, protocol=pickle.HIGHEST_PROTOCOL), 6)


def unpack_case(blob: bytes) -> Case:
    return pickle.loads(zlib.decompress(blob))  # noqa: S301 - bytes made by pack_case


def solve_report(case: Case, objective: str | None = None, time_limit: float | None = None,
                 gap: float | None = None, source: str | None = None) -> Report:
    """Solve ``case`` as ``sovopt solve`` does (:func:`sovopt.pipeline.solve_and_report`)
    and return its Report."""
    from sovopt.pipeline import solve_and_report

    return solve_and_report(case, objective, time_limit=time_limit, gap=gap,
                            case_path=source).report


def run_task(blob: bytes, task: Task) -> PointResult:
    """Solve one point: unpack the case, apply the task's changes (and perturbation)."""
    t0 = time.perf_counter()
    case = apply_changes(unpack_case(blob), task.changes)
    if task.seed is not None:
        from sovopt.studies.perturb import perturb
        case = perturb(case, task.seed)
    report = solve_report(case, task.objective, task.time_limit, task.gap, case.source)
    return PointResult(task.index, report, time.perf_counter() - t0)

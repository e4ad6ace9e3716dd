"""Handing a Pyomo model to HiGHS: the one place that decides how.

Pyomo's ``LinearStandardFormCompiler`` turns the model into sparse arrays in
one pass (one cost row per active Objective, i.e. per term); the arrays go to
``highspy`` with ``passModel``. Measured on this kind of machine this was
about ten times faster than Pyomo's persistent HiGHS interfaces, which
register variables constraint by constraint. The same :class:`HighsModel`
then serves every lexicographic level, the LP re-solve for duals and the
elastic copy of the diagnosis, with in-place edits only.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler
from scipy import sparse

from sovopt.highs_arrays import LpArrays, highs_lp, read_lp
from sovopt.model.arrays import ArrayRowData, ArrayRows, array_blocks, array_costs
from sovopt.supervise import (
    HIGHS_LOG_ENV,
    LIMITS,
    RunState,
    Stop,
    highs_log,
    runs_left,
    supervised_run,
)

__all__ = ["HIGHS_LOG_ENV", "LIMITS", "RunState", "Stop", "highs_log", "runs_left",
           "supervised_run"]  # from supervise

INF = highspy.kHighsInf


@dataclass
class HighsModel:
    """A compiled model: HiGHS instance, matrix data and the Pyomo objects per column/row."""

    highs: highspy.Highs
    columns: list  # VarData per column
    rows: Sequence  # (ConstraintData or ArrayRowData, bound_type) per row
    costs: dict[str, np.ndarray]  # term name -> dense cost vector over columns
    A: sparse.csr_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integrality: np.ndarray
    column_of: dict[int, int] = field(default_factory=dict)  # id(VarData) -> column

    @property
    def num_col(self) -> int:
        return len(self.columns)

    @property
    def num_row(self) -> int:
        return len(self.rows)

    def positions(self, var: pyo.Var) -> np.ndarray:
        """Column positions of an indexed Var's entries, in the Var's index order."""
        return np.fromiter((self.column_of[id(v)] for v in var.values()), dtype=np.int64,
                           count=len(var))

    @property
    def binary(self) -> np.ndarray:
        """Mask of the binary columns (integer with bounds 0 and 1)."""
        return (self.integrality == 1) & (self.col_lower == 0) & (self.col_upper == 1)

    @property
    def num_integer(self) -> int:
        """How many columns are integer (binaries included)."""
        return int(np.sum(self.integrality == 1))

    def stats(self) -> dict[str, int]:
        return {"variables": self.num_col, "binaries": int(np.sum(self.binary)),
            "integers": self.num_integer, "constraints": self.num_row,
            "nonzeros": int(self.A.nnz)}


def solver_options(gap: float, time_limit: float | None = None, *, seed: int = 0,
                   threads: int | None = None,
                   extra: dict[str, object] | None = None) -> dict[str, object]:
    """The options a HiGHS instance of sovopt starts with: the one place they are made.

    ``gap`` is the relative MIP gap, ``time_limit`` HiGHS's own clock for its
    first run (later runs get theirs from :func:`set_time_limit`), ``seed`` its
    random seed (0, so a solve repeats), ``threads`` one core per worker process
    where a study runs several; ``extra`` (a caller's own HiGHS options) wins.
    The log is on only where :func:`highs_log` says so.
    """
    options: dict[str, object] = {"mip_rel_gap": float(gap), "random_seed": seed,
                                  "output_flag": highs_log(), "log_to_console": highs_log()}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    if threads is not None:
        options["threads"] = int(threads)
    return {**options, **(extra or {})}


def inherited_options(h: highspy.Highs) -> dict[str, object]:
    """The options a helper instance takes from ``h`` (a sub-model solved for it)."""
    return {key: h.getOptionValue(key)[1]
            for key in ("threads", "mip_rel_gap", "random_seed", "output_flag",
                        "log_to_console")}


@contextmanager
def options_set(h: highspy.Highs, options: dict[str, object]) -> Iterator[None]:
    """``options`` on ``h`` for the block, the earlier values back after it."""
    saved = {key: h.getOptionValue(key)[1] for key in options}
    try:
        for key, value in options.items():
            h.setOptionValue(key, value)
        yield
    finally:
        for key, value in saved.items():
            h.setOptionValue(key, value)


def set_gaps(h: highspy.Highs, relative: float, absolute: float) -> None:
    """The stopping gaps of the next run: relative and absolute (in solver units)."""
    h.setOptionValue("mip_rel_gap", float(relative))
    h.setOptionValue("mip_abs_gap", float(absolute))


@contextmanager
def _banner_muted():
    """Send file descriptor 1 away for the block: to stderr where HiGHS may log, else
    to the null device.

    HiGHS prints its banner ("Running HiGHS ... Copyright") from C++ straight
    to the process's stdout when an instance is created, before any option can
    silence it; with ``--json`` stdout must carry nothing but one JSON object,
    and without ``--debug`` stderr carries sovopt's own messages only.
    """
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no usable stdout: nothing to protect
        yield
        return
    target = os.dup(2) if highs_log() else os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(target, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(target)


def new_highs(options: dict[str, object] | None = None) -> highspy.Highs:
    """A HiGHS instance with ``options`` set (:func:`solver_options` by default);
    nothing ever reaches stdout, and stderr only with :func:`highs_log`."""
    with _banner_muted():
        h = highspy.Highs()
    h.setOptionValue("output_flag", highs_log())
    for key, value in (options if options is not None else solver_options(0.0)).items():
        h.setOptionValue(key, value)
    return h


def to_highs(model: pyo.ConcreteModel, term_names: list[str],
             options: dict[str, object] | None = None) -> HighsModel:
    """Compile ``model`` and pass it to a new HiGHS instance (cost vector left at zero).

    The Pyomo part goes through the standard-form compiler; the families' array
    blocks (:mod:`sovopt.model.arrays`) are appended below it, their columns
    mapped onto the compiled ones (a Var that only array rows use gets a column
    of its own after the compiled ones); array-built terms add to the cost rows.
    """
    info = LinearStandardFormCompiler().write(model, mixed_form=True)
    columns = list(info.columns)
    column_of = {id(v): j for j, v in enumerate(columns)}
    blocks = array_blocks(model)
    var_columns: dict[int, np.ndarray] = {}
    placed = [_place_columns(b.columns, columns, column_of, var_columns) for b in blocks]
    terms = array_costs(model)
    term_columns = [_place_columns(t.columns, columns, column_of, var_columns) for t in terms]
    n, n_compiled = len(columns), len(info.columns)
    A = sparse.csr_array(info.A)
    if A.shape[1] < n:
        A.resize((A.shape[0], n))
    rhs = np.asarray(info.rhs, dtype=float)
    kinds = np.fromiter((r.bound_type for r in info.rows), dtype=np.int8, count=len(info.rows))
    row_lower = np.where(kinds <= 0, rhs, -INF)
    row_upper = np.where(kinds >= 0, rhs, INF)
    if blocks:
        A = sparse.vstack([A] + [sparse.coo_array((b.A.data, (b.A.row, cols[b.A.col])),
                                                  shape=(b.num_row, n))
                                 for b, cols in zip(blocks, placed, strict=True)],
                          format="csr")
        row_lower = np.concatenate([row_lower] + [b.lower for b in blocks])
        row_upper = np.concatenate([row_upper] + [b.upper for b in blocks])
    col_lower, col_upper, integrality = _column_data(columns)

    c = sparse.csr_array(info.c)
    names = {id(obj): name for name in term_names
             if (obj := model.find_component(f"term_{name}")) is not None}
    costs = {}
    for i, obj in enumerate(info.objectives):
        row = np.zeros(n)
        row[:n_compiled] = c[[i], :].toarray().ravel()
        costs[names[id(obj)]] = row
    for name in term_names:
        costs.setdefault(name, np.zeros(n))
    for t, cols in zip(terms, term_columns, strict=True):
        np.add.at(costs[t.term], cols[t.cols], t.vals)

    h = new_highs(options)
    pass_arrays(h, A, np.zeros(n), col_lower, col_upper, row_lower, row_upper, integrality)
    return HighsModel(
        highs=h, columns=columns, rows=RowList(list(info.rows), blocks), costs=costs, A=A,
        row_lower=row_lower, row_upper=row_upper, col_lower=col_lower, col_upper=col_upper,
        integrality=integrality, column_of=column_of,
    )


def _column_data(columns: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower and upper bounds and integrality of each column.

    One ``bounds`` call per variable, and integrality once per domain (a few
    shared domain objects), instead of three property calls per variable: at
    XL's three million columns this saves seconds.
    """
    n = len(columns)
    bounds = [v.bounds for v in columns]
    lower = np.fromiter((-INF if lo is None else lo for lo, _ in bounds), float, n)
    upper = np.fromiter((INF if up is None else up for _, up in bounds), float, n)
    integer: dict[int, int] = {}

    def kind(v) -> int:
        key = id(v.domain)
        if key not in integer:
            integer[key] = 1 if v.is_integer() else 0
        return integer[key]

    return lower, upper, np.fromiter((kind(v) for v in columns), np.int32, n)


def _place_columns(segments: list, columns: list, column_of: dict[int, int],
                   var_columns: dict[int, np.ndarray]) -> np.ndarray:
    """Global column of each local column of ``segments`` (an array block's or term's),
    appending Vars not yet placed.

    ``var_columns`` caches each indexed Var's columns (in its index order); a
    segment of single variables (a list) is placed one by one.
    """
    out = []
    for var, pos in segments:
        where = None if isinstance(var, list) else var_columns.get(id(var))
        if where is None:
            where = np.empty(len(var), dtype=np.int64)
            for k, v in enumerate(var if isinstance(var, list) else var.values()):
                j = column_of.get(id(v))
                if j is None:
                    j = column_of[id(v)] = len(columns)
                    columns.append(v)
                where[k] = j
            if not isinstance(var, list):
                var_columns[id(var)] = where
        out.append(where[pos])
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


class RowList(Sequence):
    """The rows of a compiled model: (ConstraintData, bound_type) per row.

    Pyomo's rows first, then each array block's, whose entries are made on
    access (an :class:`~sovopt.model.arrays.ArrayRowData` each); bound_type is
    Pyomo's: 0 equality, 1 upper bound only, -1 lower bound only.
    """

    def __init__(self, compiled: list, blocks: list[ArrayRows]):
        self._compiled, self._blocks = compiled, blocks
        self._ends = np.cumsum([len(compiled)] + [b.num_row for b in blocks])

    def __len__(self) -> int:
        return int(self._ends[-1])

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        if i < len(self._compiled):
            return self._compiled[i]
        k = int(np.searchsorted(self._ends, i, side="right")) - 1
        b, local = self._blocks[k], i - int(self._ends[k])
        lo, up = b.lower[local], b.upper[local]
        kind = 0 if lo == up else (1 if lo == -INF else -1)
        return ArrayRowData(b, local), kind

    def __iter__(self):
        yield from self._compiled
        for b in self._blocks:
            kinds = np.where(b.lower == b.upper, 0, np.where(b.lower == -INF, 1, -1))
            for i in range(b.num_row):
                yield ArrayRowData(b, i), int(kinds[i])


def pass_arrays(h: highspy.Highs, A: sparse.sparray, cost: np.ndarray,
                col_lower: np.ndarray, col_upper: np.ndarray, row_lower: np.ndarray,
                row_upper: np.ndarray, integrality: np.ndarray) -> None:
    """Hand a model given as arrays (A any scipy sparse array) to ``h``."""
    csc = sparse.csc_array(A)
    h.passModel(highs_lp(LpArrays(csc.shape[1], csc.shape[0], cost, col_lower, col_upper,
                                  row_lower, row_upper, csc.indptr, csc.indices, csc.data,
                                  integrality)))


def set_time_limit(h: highspy.Highs, seconds: float, lp: bool = False) -> None:
    """Give the next run of ``h`` at most ``seconds`` by HiGHS's own clock.

    HiGHS measures a MIP's ``time_limit`` from the start of that run, but an
    LP's against the instance's run clock, which adds up over every run since
    the instance was created (``getRunTime``; measured with highspy 1.16): an LP
    solved after 120 s of levels with a 30 s limit stops at once. An LP run
    (``lp``) therefore gets the clock's reading plus ``seconds``.
    """
    h.setOptionValue("time_limit", float(seconds) + (h.getRunTime() if lp else 0.0))


def set_mip_lp_solver(h: highspy.Highs, method: str) -> bool:
    """Solve the MIP's LPs by ``method`` ("ipm", "simplex", "choose"); False where
    this HiGHS has no such option (it came after the oldest highspy sovopt runs on),
    which then keeps its own choice."""
    return h.setOptionValue("mip_lp_solver", method) == highspy.HighsStatus.kOk


def set_presolve_mode(h: highspy.Highs, mode: int) -> bool:
    """HiGHS's presolve effort: 0 its default (full), 2 light. False where this HiGHS
    has no such option (it came after the oldest highspy sovopt runs on)."""
    return h.setOptionValue("presolve_mode", mode) == highspy.HighsStatus.kOk


def has_solution(h: highspy.Highs) -> bool:
    """Whether the last run left a feasible primal solution (optimal or not)."""
    return h.getInfo().primal_solution_status == 2


def set_cost(hm: HighsModel, cost: np.ndarray) -> None:
    """Replace the whole cost vector in place."""
    idx = np.arange(hm.num_col, dtype=np.int32)
    hm.highs.changeColsCost(hm.num_col, idx, np.asarray(cost, dtype=float))


def add_row(hm: HighsModel, coef: np.ndarray, lower: float, upper: float) -> int:
    """Add the row lower ≤ coef·x ≤ upper (dense coefficients, zeros dropped); its index."""
    nz = np.flatnonzero(coef).astype(np.int32)
    hm.highs.addRow(lower, upper, len(nz), nz, coef[nz].astype(float))
    return hm.highs.getNumRow() - 1


def warm_start(hm: HighsModel, values: np.ndarray) -> None:
    """Offer a known feasible point (verified by the caller) as the MIP start."""
    sol = highspy.HighsSolution()
    sol.col_value = list(map(float, values))
    sol.value_valid = True
    hm.highs.setSolution(sol)


@dataclass
class HeldLp:
    """The model a HiGHS instance holds now, as arrays: its rows (held-level rows
    included), its current bounds and integrality (0 continuous, 1 integer)."""

    A: sparse.csc_array
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    integrality: np.ndarray

    @property
    def num_col(self) -> int:
        return self.A.shape[1]

    @property
    def num_row(self) -> int:
        return self.A.shape[0]


def held_lp(h: highspy.Highs) -> HeldLp:
    """What ``h`` holds now, read back from HiGHS (the one source: edits made in
    place after the hand-off, such as held levels and fixed columns, are in it)."""
    lp = read_lp(h)
    n, m = lp.num_col, lp.num_row
    if m and lp.rowwise:
        A = sparse.csc_array(sparse.csr_array((lp.value, lp.index, lp.start), shape=(m, n)))
    elif m:
        A = sparse.csc_array((lp.value, lp.index, lp.start), shape=(m, n))
    else:
        A = sparse.csc_array((0, n))
    return HeldLp(A, lp.col_lower, lp.col_upper, lp.row_lower, lp.row_upper, lp.integrality)


def check_vector(hm: HighsModel, values: np.ndarray, cost: np.ndarray | None = None,
                 claimed: float | None = None, tol: float = 1e-6,
                 lp: HeldLp | None = None) -> list[str]:
    """What is wrong with ``values`` as a solution of the model in ``hm.highs`` (empty: fine).

    Checked against the model HiGHS holds now (held-level rows included): column
    bounds, integrality, every row's bounds, and, when ``claimed`` is given, that
    ``cost @ values`` is the objective HiGHS reported. Tolerances are relative to
    the size of each row's terms, as HiGHS's own feasibility tolerances are.
    """
    lp = lp or held_lp(hm.highs)  # the caller's reading, if it has one
    n = lp.num_col
    v = np.asarray(values, dtype=float)
    if v.shape != (n,) or not np.all(np.isfinite(v)):
        return [f"the vector has {v.size} finite entries, the model {n} columns"]
    bad: list[str] = []
    lo, up = lp.col_lower, lp.col_upper
    col_tol = tol * np.maximum(1.0, np.abs(v))
    out = np.flatnonzero((v < lo - col_tol) | (v > up + col_tol))
    if out.size:
        j = int(out[0])
        bad.append(f"{out.size} column(s) outside their bounds, e.g. column {j} = {v[j]:.9g} "
                   f"not in [{lo[j]:.9g}, {up[j]:.9g}]")
    ints = np.flatnonzero(lp.integrality == 1)
    frac = ints[np.abs(v[ints] - np.round(v[ints])) > tol]
    if frac.size:
        bad.append(f"{frac.size} integer column(s) with a fractional value, e.g. column "
                   f"{int(frac[0])} = {v[frac[0]]:.9g}")
    if lp.num_row:
        A = lp.A
        activity = A @ v
        size = abs(A) @ np.abs(v)
        rlo, rup = lp.row_lower, lp.row_upper
        row_tol = tol * np.maximum(1.0, np.maximum(size, np.where(np.isfinite(rup), np.abs(rup),
                                                                   0.0)))
        off = np.flatnonzero((activity < rlo - row_tol) | (activity > rup + row_tol))
        if off.size:
            i = int(off[0])
            bad.append(f"{off.size} row(s) violated, e.g. row {i}: {activity[i]:.9g} not in "
                       f"[{rlo[i]:.9g}, {rup[i]:.9g}]")
    if claimed is not None and cost is not None:
        actual = float(np.asarray(cost) @ v)
        if abs(actual - claimed) > tol * max(1.0, abs(claimed)):
            bad.append(f"the objective of the vector is {actual:.9g}, HiGHS reported "
                       f"{claimed:.9g}")
    return bad


def clear_state(h: highspy.Highs) -> None:
    """Forget every solution, basis and MIP start, keeping the model and options."""
    h.clearSolver()

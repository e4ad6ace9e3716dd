"""Runs side by side: tidy tables with a run level, the first run being the base.

:func:`compare` takes two or more :class:`~sovopt.report.Report` (fresh or read
back from the run store) and, optionally, the bytes of each run's input
workbook, and returns a :class:`Comparison`. Every table carries a ``run_id``
column, so N runs are one table (as PyPSA's ``NetworkCollection`` adds a run
level), and every delta is "this run minus the base run":

- ``runs``: one row per run: position, run_id, label, status, objective (the
  preset's name), case, input file, input SHA-256, created, ``base``.
- ``kpis``: metric, run_id, value, delta, delta_pct, tolerance (``within the
  solver's tolerance`` where the difference is smaller than the two runs' gaps
  allow, :func:`sovopt.tolerance.within_tolerance`), for every Summary metric
  that is a number in at least one run.
- ``options``: one row per option and run for every option started in any run:
  ids, capability, supplier, country, mode, ``in_portfolio``, start_year,
  total_units, total_cost, units_delta, cost_delta and ``change``: ``started``
  (in this run, not in the base), ``dropped`` (in the base, not here),
  ``changed`` (both, but another start year, quantity or cost), ``same``,
  ``absent`` (in neither), ``base`` (the base run's own rows), ``no result``
  (the run is infeasible, failed...: numbers blank) or ``no base result``.
- ``spend``: country_id, year, run_id, amount, delta: spend summed over
  capabilities on the union of (country, year) pairs, missing pairs as 0.
- ``dependence``: one row per capability and run, over the horizon: hhi_mean,
  hhi_max, top_foreign_share (the largest over the years) and its country,
  worst_scenario_loss (largest), concentrated_years, single_source_years, and
  the deltas of hhi_max, top_foreign_share and worst_scenario_loss.
- ``inputs``: the cells that differ between the base input workbook and each
  other run's: run_id, sheet, id, column, change (``changed``, ``row added``,
  ``row removed``, ``column added``, ``column removed``, ``sheet added``,
  ``sheet removed``), base_value, other_value, base_cell and cell (such as
  ``Budget!B3``: where to look in the other run's workbook).

No Pyomo, no solver: plain pandas; stored workbooks are opened through
:func:`sovopt.workbook.open_safely.open_workbook`.
"""

from __future__ import annotations

import math
import numbers
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sovopt import schema
from sovopt.errors import SovoptError
from sovopt.outputs import SUMMARY_KEYS
from sovopt.report import Report
from sovopt.tolerance import WITHIN, within_tolerance

#: Summary keys that are not numeric metrics.
TEXT_METRICS = ("status", "run_id")

#: Statuses of a run that has no portfolio to compare.
NO_RESULT = ("infeasible", "no_solution", "failed", "running", "interrupted")

RTOL = 1e-9  # relative tolerance under which two numbers count as the same
ATOL = 1e-9

#: Columns that identify a row on each input sheet (the schema's key, or a
#: combination where the sheet has none); sheets not listed use their first column.
INPUT_KEYS: dict[str, tuple[str, ...]] = {
    "Settings": ("key",),
    "Inputs": ("option_id", "input"),
    "Scenarios": ("scenario_id", "country_id"),
    **{s.name: (s.key,) for s in schema.SHEETS if s.key is not None},
}

OPTION_COLUMNS = ("option_id", "capability_id", "supplier_id", "country_id", "mode")


@dataclass
class Comparison:
    """Tidy tables comparing runs; see the module docstring for their columns."""

    runs: pd.DataFrame
    kpis: pd.DataFrame
    options: pd.DataFrame
    spend: pd.DataFrame
    dependence: pd.DataFrame
    inputs: pd.DataFrame
    currency: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def run_ids(self) -> list[str]:
        """The run ids in order; the first is the base."""
        return self.runs["run_id"].tolist()

    @property
    def base(self) -> str:
        return self.run_ids[0]

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name, in the order of the comparison workbook."""
        return {"runs": self.runs, "kpis": self.kpis, "options": self.options,
                "spend": self.spend, "dependence": self.dependence, "inputs": self.inputs}


def compare(reports: Sequence[Report], inputs: Sequence[bytes | None] | None = None
            ) -> Comparison:
    """Compare ``reports`` (the first is the base) and, if given, their input
    workbooks' bytes (aligned with ``reports``; None where a run has none)."""
    if len(reports) < 2:
        raise ValueError("compare needs at least two runs")
    if inputs is not None and len(inputs) != len(reports):
        raise ValueError("inputs must have one entry per report")
    ids = run_labels(reports)
    notes: list[str] = []
    diff = input_differences(ids, inputs, notes) if inputs is not None else empty_input_diff()
    return Comparison(
        runs=runs_table(reports, ids),
        kpis=kpi_table(reports, ids),
        options=options_table(reports, ids),
        spend=spend_table(reports, ids),
        dependence=dependence_table(reports, ids),
        inputs=diff,
        currency=_currency(reports),
        notes=notes,
    )


# --------------------------------------------------------------------------- runs and KPIs


def run_labels(reports: Sequence[Report]) -> list[str]:
    """A unique id per report: its run_id (``run N`` if it has none), suffixed
    ``#2``, ``#3`` when the same run is compared with itself."""
    out: list[str] = []
    for i, r in enumerate(reports, start=1):
        rid = r.summary.get("run_id") or r.run.get("run_id") or f"run {i}"
        name, k = str(rid), 2
        while name in out:
            name, k = f"{rid}#{k}", k + 1
        out.append(name)
    return out


def runs_table(reports: Sequence[Report], ids: list[str]) -> pd.DataFrame:
    """One row per run: what it is and where it came from."""
    rows = []
    for i, (r, rid) in enumerate(zip(reports, ids, strict=True)):
        objective = r.summary.get("objective")
        rows.append({"position": i, "run_id": rid, "label": r.run.get("label"),
                     "status": r.summary.get("status"),
                     "objective": objective if isinstance(objective, str) else None,
                     "case_name": r.run.get("case_name"),
                     "input_name": r.run.get("input_name") or r.run.get("input_file"),
                     "input_sha256": r.run.get("input_sha256"),
                     "created": r.run.get("created"), "base": i == 0})
    return pd.DataFrame(rows)


def _number(value: Any) -> float:
    """``value`` as a float; NaN when it is missing or not a number."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return math.nan


def kpi_metrics(reports: Sequence[Report]) -> list[str]:
    """The numeric Summary metrics, in SUMMARY_KEYS order then any extra keys: those
    with a number in at least one run (``objective`` holds the preset's name, text,
    and is shown in the runs table instead)."""
    keys = [k for k in SUMMARY_KEYS if k not in TEXT_METRICS]
    for r in reports:
        keys += [k for k in r.summary if k not in keys and k not in TEXT_METRICS]
    return [k for k in keys if any(not math.isnan(_number(r.summary.get(k))) for r in reports)]


def kpi_table(reports: Sequence[Report], ids: list[str]) -> pd.DataFrame:
    """metric, run_id, value, delta, delta_pct (delta / |base|; NaN when the base is 0),
    tolerance (:data:`~sovopt.tolerance.WITHIN` where the runs' gaps allow the delta)."""
    rows = []
    for metric in kpi_metrics(reports):
        values = [_number(r.summary.get(metric)) for r in reports]
        base = values[0]
        for rep, rid, v in zip(reports, ids, values, strict=True):
            delta = v - base
            pct = delta / abs(base) if base and not math.isnan(base) else math.nan
            near = metric != "mip_gap" and within_tolerance(reports[0], rep, metric, delta)
            rows.append({"metric": metric, "run_id": rid, "value": v, "delta": delta,
                         "delta_pct": pct, "tolerance": WITHIN if near else ""})
    columns = ["metric", "run_id", "value", "delta", "delta_pct", "tolerance"]
    return pd.DataFrame(rows, columns=columns).astype(
        {"value": float, "delta": float, "delta_pct": float})


# --------------------------------------------------------------------------- options


def _portfolio(report: Report) -> pd.DataFrame:
    """The run's portfolio, one row per option (duplicates summed)."""
    cols = [*OPTION_COLUMNS, "start_year", "total_units", "total_cost"]
    df = report.tables.get("portfolio")
    if df is None or df.empty:
        return pd.DataFrame(columns=cols).set_index("option_id")
    df = df.reindex(columns=cols)
    return df.groupby("option_id", sort=False).agg(
        capability_id=("capability_id", "first"), supplier_id=("supplier_id", "first"),
        country_id=("country_id", "first"), mode=("mode", "first"),
        start_year=("start_year", "min"), total_units=("total_units", "sum"),
        total_cost=("total_cost", "sum"))


def _same(a: Any, b: Any) -> bool:
    """Equal numbers (within tolerance), both blank, or equal values."""
    if _blank(a) or _blank(b):
        return _blank(a) and _blank(b)
    fa, fb = _number(a), _number(b)
    if not (math.isnan(fa) or math.isnan(fb)):
        return math.isclose(fa, fb, rel_tol=RTOL, abs_tol=ATOL)
    return bool(a == b)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float | np.floating) and math.isnan(value)) \
        or value is pd.NA


def has_result(report: Report) -> bool:
    """Whether a run has a portfolio to compare (not infeasible, failed, running...)."""
    return str(report.summary.get("status") or "") not in NO_RESULT


def _option_change(is_base: bool, in_base: bool, here: bool, base_row: Any, row: Any) -> str:
    if is_base:
        return "base" if here else "absent"
    if here and not in_base:
        return "started"
    if in_base and not here:
        return "dropped"
    if not here:
        return "absent"
    same = all(_same(base_row[c], row[c]) for c in ("start_year", "total_units", "total_cost"))
    return "same" if same else "changed"


def options_table(reports: Sequence[Report], ids: list[str]) -> pd.DataFrame:
    """One row per (option started in any run, run) with the change against the base.

    A run without a result (infeasible, failed, ...) gets ``no result`` and blank
    numbers rather than every option ``dropped``; against a base without a result
    the change is ``no base result``.
    """
    ports = [_portfolio(r) for r in reports]
    results = [has_result(r) for r in reports]
    order: list[str] = []
    for p in ports:
        order += [o for o in p.index if o not in order]
    attrs: dict[str, dict[str, Any]] = {}
    for p in ports:
        for o, row in p.iterrows():
            attrs.setdefault(o, {c: row[c] for c in OPTION_COLUMNS[1:]})
    base = ports[0]
    rows = []
    for o in order:
        in_base = o in base.index
        b_units = (base.at[o, "total_units"] if in_base else 0.0) if results[0] else np.nan
        b_cost = (base.at[o, "total_cost"] if in_base else 0.0) if results[0] else np.nan
        for i, (p, rid) in enumerate(zip(ports, ids, strict=True)):
            here = o in p.index
            row = p.loc[o] if here else None
            units = (float(row["total_units"]) if here else 0.0) if results[i] else np.nan
            cost = (float(row["total_cost"]) if here else 0.0) if results[i] else np.nan
            if not results[i]:
                change = "no result"
            elif not results[0] and i > 0:
                change = "no base result"
            else:
                change = _option_change(i == 0, in_base, here,
                                        base.loc[o] if in_base else None, row)
            rows.append({
                "option_id": o, **attrs[o], "run_id": rid, "in_portfolio": here,
                "start_year": row["start_year"] if here else np.nan,
                "total_units": units, "total_cost": cost,
                "units_delta": units - float(b_units), "cost_delta": cost - float(b_cost),
                "change": change,
            })
    cols = [*OPTION_COLUMNS, "run_id", "in_portfolio", "start_year", "total_units",
            "total_cost", "units_delta", "cost_delta", "change"]
    df = pd.DataFrame(rows, columns=cols)
    df["start_year"] = pd.to_numeric(df["start_year"]).astype("Int64")
    return df.astype({"in_portfolio": bool, "total_units": float, "total_cost": float,
                      "units_delta": float, "cost_delta": float})


# --------------------------------------------------------------------------- spend


def spend_table(reports: Sequence[Report], ids: list[str]) -> pd.DataFrame:
    """Spend by country and year for every run (missing pairs as 0; blank for a run
    without a result) and the shift against the base."""
    per_run = []
    results = [has_result(r) for r in reports]
    for r in reports:
        df = r.tables.get("spend")
        if df is None or df.empty:
            per_run.append(pd.Series(dtype=float))
            continue
        per_run.append(df.groupby(["country_id", "year"])["amount"].sum())
    keys = sorted({k for s in per_run for k in s.index}, key=lambda k: (str(k[0]), k[1]))
    rows = []
    for country, year in keys:
        base = float(per_run[0].get((country, year), 0.0)) if results[0] else np.nan
        for s, rid, ok in zip(per_run, ids, results, strict=True):
            amount = float(s.get((country, year), 0.0)) if ok else np.nan
            rows.append({"country_id": country, "year": year, "run_id": rid,
                         "amount": amount, "delta": amount - base})
    df = pd.DataFrame(rows, columns=["country_id", "year", "run_id", "amount", "delta"])
    return df.astype({"amount": float, "delta": float})


def spend_shift_by_country(comparison: Comparison) -> pd.DataFrame:
    """Total spend per country and run over the horizon, with the delta against the
    base, largest shifts first (for the terminal summary)."""
    s = comparison.spend
    if s.empty:
        return pd.DataFrame(columns=["country_id", "run_id", "amount", "delta"])
    out = s.groupby(["country_id", "run_id"], sort=False)[["amount", "delta"]].sum(
        min_count=1)
    out = out.reset_index()
    out = out[out["run_id"] != comparison.base]
    return out.reindex(out["delta"].abs().sort_values(ascending=False).index
                       ).reset_index(drop=True)


# --------------------------------------------------------------------------- dependence

DEPENDENCE_COLUMNS = ["capability_id", "run_id", "hhi_mean", "hhi_max", "top_foreign_country",
                      "top_foreign_share", "worst_scenario_loss", "concentrated_years",
                      "single_source_years", "hhi_max_delta", "top_foreign_share_delta",
                      "worst_scenario_loss_delta"]


def _dependence_by_capability(report: Report) -> pd.DataFrame:
    """The run's dependence table summarised per capability over the years."""
    df = report.tables.get("dependence")
    if df is None or df.empty:
        return pd.DataFrame(columns=DEPENDENCE_COLUMNS[2:9]).rename_axis("capability_id")
    df = df.copy()
    for col in ("hhi", "top_foreign_share", "worst_scenario_loss"):
        df[col] = pd.to_numeric(df.get(col), errors="coerce").astype(float)
    rows = {}
    for cap, g in df.groupby("capability_id", sort=False):
        shares = g["top_foreign_share"]
        top = shares.idxmax() if shares.notna().any() else None
        rows[cap] = {
            "hhi_mean": g["hhi"].mean(), "hhi_max": g["hhi"].max(),
            "top_foreign_country": g.at[top, "top_foreign_country"] if top is not None
            and "top_foreign_country" in g else None,
            "top_foreign_share": shares.max(),
            "worst_scenario_loss": g["worst_scenario_loss"].max(),
            "concentrated_years": int(g["concentrated"].fillna(False).astype(bool).sum())
            if "concentrated" in g else 0,
            "single_source_years": int(g["single_source"].fillna(False).astype(bool).sum())
            if "single_source" in g else 0,
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("capability_id")


def dependence_table(reports: Sequence[Report], ids: list[str]) -> pd.DataFrame:
    """Per capability and run: HHI, largest foreign share, worst-scenario loss and
    their deltas against the base, side by side."""
    per_run = [_dependence_by_capability(r) for r in reports]
    caps: list[str] = []
    for d in per_run:
        caps += [c for c in d.index if c not in caps]
    base = per_run[0]
    rows = []
    for cap in caps:
        for d, rid in zip(per_run, ids, strict=True):
            row = d.loc[cap].to_dict() if cap in d.index else {}
            rec = {"capability_id": cap, "run_id": rid,
                   **{c: row.get(c, np.nan) for c in DEPENDENCE_COLUMNS[2:9]}}
            for c in ("hhi_max", "top_foreign_share", "worst_scenario_loss"):
                b = base.at[cap, c] if cap in base.index else np.nan
                rec[f"{c}_delta"] = _number(rec[c]) - _number(b)
            rows.append(rec)
    df = pd.DataFrame(rows, columns=DEPENDENCE_COLUMNS)
    floats = [c for c in DEPENDENCE_COLUMNS if c not in
              ("capability_id", "run_id", "top_foreign_country", "concentrated_years",
               "single_source_years")]
    return df.astype(dict.fromkeys(floats, float))


# --------------------------------------------------------------------------- input workbooks

INPUT_DIFF_COLUMNS = ["run_id", "sheet", "id", "column", "change", "base_value", "other_value",
                      "base_cell", "cell"]


def empty_input_diff() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in INPUT_DIFF_COLUMNS})


@dataclass
class SheetRows:
    """One input sheet read for diffing: header name -> column letter, and
    row id -> (workbook row, header name -> value)."""

    title: str
    letters: dict[str, str]
    headers: dict[str, str]  # normalised -> as written
    rows: dict[str, tuple[int, dict[str, Any]]]


def _norm_header(value: Any) -> str | None:
    """A header as the reader matches it: trimmed, lower case; 2027.0 -> ``2027``."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().lower()
    return text or None


def _norm_value(value: Any) -> Any:
    """A cell value for comparison: blank text is None, text trimmed, numbers float."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Real):
        return float(value)
    return value


def _cell_same(a: Any, b: Any) -> bool:
    a, b = _norm_value(a), _norm_value(b)
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=RTOL, abs_tol=ATOL)
    return a == b


def _id_text(value: Any) -> str:
    v = _norm_value(value)
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return "" if v is None else str(v)


def read_input_sheets(data: bytes) -> dict[str, SheetRows]:
    """The case sheets of a workbook (by schema sheet name) as :class:`SheetRows`.

    Values are the stored cell values (formulas as their last computed value).
    Sheets that are not part of the case contract (a results sheet added with
    ``--into-input``) are left out; blank rows are skipped, as the reader does.
    """
    from openpyxl.utils import get_column_letter

    # through the reader's checked opening (size, zip and XML limits), never raw openpyxl
    from sovopt.workbook.cell_values import MAX_COLUMNS, MAX_ROWS
    from sovopt.workbook.open_safely import SheetTooLarge, open_workbook

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.xlsx"
        path.write_bytes(data)
        with open_workbook(path) as book:
            titles = {t.strip().casefold(): t for t in book.sheetnames}
            out = {}
            for sh in schema.SHEETS:
                title = titles.get(sh.name.casefold())
                if title is None or not book.is_worksheet(title):
                    continue
                try:
                    rows = book.read_values(title, max_rows=MAX_ROWS,
                                            max_columns=MAX_COLUMNS).rows
                except SheetTooLarge as exc:
                    raise SovoptError(f"the stored input workbook's sheet {title} is too "
                                      f"large to compare ({exc})") from None
                out[sh.name] = _sheet_rows(sh.name, title, rows, get_column_letter)
            return out


def _sheet_rows(name: str, title: str, rows: list[tuple[Any, ...]], letter: Any) -> SheetRows:
    """Headers from row 1; each later non-blank row keyed by the sheet's id columns."""
    header = rows[0] if rows else ()
    letters, headers, index = {}, {}, {}
    for j, h in enumerate(header):
        key = _norm_header(h)
        if key is not None and key not in letters:
            letters[key], headers[key], index[key] = letter(j + 1), str(h).strip(), j
    keys = [k for k in INPUT_KEYS.get(name, ()) if k in index]
    if not keys and index:
        keys = [next(iter(index))]
    found: dict[str, tuple[int, dict[str, Any]]] = {}
    for r, values in enumerate(rows[1:], start=2):
        if all(_norm_value(v) is None for v in values):
            continue
        rec = {k: values[j] if j < len(values) else None for k, j in index.items()}
        rid = " / ".join(_id_text(rec[k]) for k in keys) if keys else f"row {r}"
        base, n = rid, 2
        while rid in found:
            rid, n = f"{base} #{n}", n + 1
        found[rid] = (r, rec)
    return SheetRows(title=title, letters=letters, headers=headers, rows=found)


def diff_workbooks(base: bytes, other: bytes) -> list[dict[str, Any]]:
    """The cell-level differences from workbook ``base`` to workbook ``other``."""
    a, b = read_input_sheets(base), read_input_sheets(other)
    out: list[dict[str, Any]] = []
    for sheet in [s.name for s in schema.SHEETS]:
        if sheet not in a and sheet not in b:
            continue
        if sheet not in b or sheet not in a:
            there = a.get(sheet) or b[sheet]
            out.append(_diff_row(sheet, None, None, "sheet removed" if sheet in a
                                 else "sheet added", None, None,
                                 there.title if sheet in a else None,
                                 there.title if sheet in b else None))
            continue
        out += _diff_sheet(sheet, a[sheet], b[sheet])
    return out


def _diff_row(sheet: str, rid: str | None, column: str | None, change: str, base_value: Any,
              other_value: Any, base_cell: str | None, cell: str | None) -> dict[str, Any]:
    return {"sheet": sheet, "id": rid, "column": column, "change": change,
            "base_value": base_value, "other_value": other_value, "base_cell": base_cell,
            "cell": cell}


def _diff_sheet(sheet: str, a: SheetRows, b: SheetRows) -> list[dict[str, Any]]:
    """Columns added/removed, rows added/removed, and changed cells of one sheet."""
    out = []
    for col in a.letters:
        if col not in b.letters:
            out.append(_diff_row(sheet, None, a.headers[col], "column removed", None, None,
                                 f"{a.title}!{a.letters[col]}1", None))
    for col in b.letters:
        if col not in a.letters:
            out.append(_diff_row(sheet, None, b.headers[col], "column added", None, None,
                                 None, f"{b.title}!{b.letters[col]}1"))
    shared = [c for c in a.letters if c in b.letters]
    for rid, (ra, rec_a) in a.rows.items():
        if rid not in b.rows:
            out.append(_diff_row(sheet, rid, None, "row removed", None, None,
                                 f"{a.title}!A{ra}", None))
            continue
        rb, rec_b = b.rows[rid]
        for col in shared:
            va, vb = rec_a[col], rec_b[col]
            if not _cell_same(va, vb):
                out.append(_diff_row(sheet, rid, b.headers[col], "changed", va, vb,
                                     f"{a.title}!{a.letters[col]}{ra}",
                                     f"{b.title}!{b.letters[col]}{rb}"))
    for rid, (rb, _) in b.rows.items():
        if rid not in a.rows:
            out.append(_diff_row(sheet, rid, None, "row added", None, None, None,
                                 f"{b.title}!A{rb}"))
    return out


def input_differences(ids: list[str], inputs: Sequence[bytes | None],
                      notes: list[str]) -> pd.DataFrame:
    """Cell-level differences of each run's input workbook against the base's.

    A run without stored input bytes, or a workbook that cannot be read, is
    named in ``notes`` instead of failing the comparison.
    """
    base = inputs[0]
    if base is None:
        notes.append(f"run {ids[0]} has no stored input workbook: inputs not compared")
        return empty_input_diff()
    rows = []
    for rid, data in zip(ids[1:], inputs[1:], strict=True):
        if data is None:
            notes.append(f"run {rid} has no stored input workbook: its inputs not compared")
            continue
        if data == base:
            continue
        try:
            diffs = diff_workbooks(base, data)
        except Exception as exc:  # noqa: BLE001 - a damaged blob must not stop the comparison
            notes.append(f"the input workbooks of {ids[0]} and {rid} could not be compared "
                         f"({type(exc).__name__}: {exc})")
            continue
        rows += [{"run_id": rid, **d} for d in diffs]
    if not rows:
        return empty_input_diff()
    return pd.DataFrame(rows, columns=INPUT_DIFF_COLUMNS)


def _currency(reports: Sequence[Report]) -> str | None:
    """The base run's currency (from its settings), if recorded."""
    settings = reports[0].run.get("settings")
    if isinstance(settings, dict) and settings.get("currency"):
        return str(settings["currency"])
    return None

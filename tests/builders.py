"""Builders the test modules share: hand-made cases, portfolios, reports and workbooks.

One home for them, so no test module imports another. Every number a test
asserts from these is worked out in that test's docstring or comments.

- :func:`hand_case`, :func:`hand_portfolio`: the metrics hand case (two
  capabilities, three options, three scenarios) and its portfolio;
- :func:`case_workbook`: a case written to .xlsx and read back (real cells);
- :func:`make_report`: a hand-made Report of the shape report_from_solve makes;
- :func:`base_and_other`: two Reports that differ in known ways (compare);
- :func:`comparison_case_bytes`: a small case workbook written with openpyxl;
- :func:`workbook_content`: what a planner sees in a workbook, for equality;
- :func:`injected_case`: the example with formula-like text in it;
- :func:`alias_bomb`, :func:`few_aliases_bomb`: YAML presets that expand explosively.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from openpyxl import Workbook

from sovopt.case import Case
from sovopt.case_records import build_case
from sovopt.example import example_case
from sovopt.outputs import SUMMARY_KEYS
from sovopt.portfolio import Portfolio
from sovopt.report import Report
from sovopt.workbook.case_reader import read_case
from sovopt.workbook.write_case import write_case_workbook

Y1, Y2 = 2027, 2028

BUDGET = [{"year": Y1, "budget": 60.0, "min_local_share": 0.2},
          {"year": Y2, "budget": 60.0, "min_local_share": 0.2}]


def hand_case(**overrides) -> Case:
    """Two years, home H, ally A (risk 0.2), partner B (risk 0.5, max share 0.65).

    Options and their value origin σ:
      R-BUY-A  R from SA (A), buy, p=1, local 0              σ: A 1
      R-LIC-B  R from SB (B), license, p=2, F=5, local 0.5,
               critical input from A worth 0.2               σ: H 0.5, A 0.2, B 0.3
      Q-DOM    Q from SH (H), domestic, p=3, local 0.75,
               non-critical input from B worth 0.25          σ: H 0.75, B 0.25
    Demand R 10/10 (criticality 2), Q 4/4 (criticality 1); budget 35/30 with a
    0.2 localization target; SB has activation cost 1. Scenarios:
      S1 A loses 1.0, whole horizon, π 0.10
      S2 B loses 0.5 in 2028,        π 0.20
      S3 A loses 0.4 in 2027,        π 0.05      (remainder 0.65 undisrupted)
    CVaR level β = 0.8.
    """
    tables = dict(
        countries=[
            {"country_id": "H", "name": "Home", "tier": "home", "risk_score": 0.0},
            {"country_id": "A", "name": "Ally", "tier": "ally", "risk_score": 0.2},
            {"country_id": "B", "name": "Partner", "tier": "partner", "risk_score": 0.5},
        ],
        suppliers=[
            {"supplier_id": "SH", "name": "home works", "country_id": "H"},
            {"supplier_id": "SA", "name": "ally arms", "country_id": "A"},
            {"supplier_id": "SB", "name": "partner yard", "country_id": "B",
             "activation_cost": 1.0},
        ],
        capabilities=[
            {"capability_id": "R", "name": "rounds", "criticality": 2.0},
            {"capability_id": "Q", "name": "radios", "criticality": 1.0},
        ],
        demand=[{"capability_id": "R", "year": Y1, "demand": 10},
                {"capability_id": "R", "year": Y2, "demand": 10},
                {"capability_id": "Q", "year": Y1, "demand": 4},
                {"capability_id": "Q", "year": Y2, "demand": 4}],
        options=[
            {"option_id": "R-BUY-A", "capability_id": "R", "supplier_id": "SA",
             "mode": "buy", "unit_cost": 1.0, "local_content": 0.0},
            {"option_id": "R-LIC-B", "capability_id": "R", "supplier_id": "SB",
             "mode": "license", "unit_cost": 2.0, "fixed_cost": 5.0, "local_content": 0.5},
            {"option_id": "Q-DOM", "capability_id": "Q", "supplier_id": "SH",
             "mode": "domestic", "unit_cost": 3.0, "local_content": 0.75},
        ],
        inputs=[
            {"option_id": "R-LIC-B", "input": "fuzes", "source_country_id": "A",
             "value_share": 0.2, "critical": True},
            {"option_id": "Q-DOM", "input": "chips", "source_country_id": "B",
             "value_share": 0.25, "critical": False},
        ],
        budget=[{"year": Y1, "budget": 35.0, "min_local_share": 0.2},
                {"year": Y2, "budget": 30.0, "min_local_share": 0.2}],
        scenarios=[
            {"scenario_id": "S1", "name": "embargo A", "probability": 0.10,
             "country_id": "A", "loss": 1.0},
            {"scenario_id": "S2", "name": "half of B", "probability": 0.20,
             "country_id": "B", "loss": 0.5, "from_year": Y2, "to_year": Y2},
            {"scenario_id": "S3", "name": "A partial", "probability": 0.05,
             "country_id": "A", "loss": 0.4, "from_year": Y1, "to_year": Y1},
        ],
    )
    settings = {"case_name": "hand case", "home_country": "H", "first_year": Y1,
                "last_year": Y2, "currency": "EUR m", "cvar_beta": 0.8}
    settings.update(overrides.pop("settings", {}))
    tables.update(overrides)
    return build_case(settings, **tables)


def hand_portfolio() -> Portfolio:
    """All three options start in 2027; R-BUY-A 6/4, R-LIC-B 4/6, Q-DOM 4/4."""
    return Portfolio(
        starts=pd.DataFrame({"option_id": ["R-BUY-A", "R-LIC-B", "Q-DOM"],
                             "start_year": [Y1, Y1, Y1]}),
        deliveries=pd.DataFrame({
            "option_id": ["R-BUY-A", "R-BUY-A", "R-LIC-B", "R-LIC-B", "Q-DOM", "Q-DOM"],
            "year": [Y1, Y2, Y1, Y2, Y1, Y2],
            "units": [6.0, 4.0, 4.0, 6.0, 4.0, 4.0]}),
    )


def case_workbook(case: Case, folder: Path, name: str = "case.xlsx") -> tuple[Path, Case]:
    """Write ``case`` to a workbook and read it back (rows and column letters filled in)."""
    path = folder / name
    write_case_workbook(path, case)
    read, _ = read_case(path)
    return path, read


def make_report(budget: float = 1000.0, scale: float = 1.0, status: str = "optimal",
                drop: str | None = None) -> Report:
    """A hand-made Report of the shape sovopt.report.report_from_solve produces.

    ``scale`` multiplies costs; ``drop`` leaves one option out of the portfolio.
    """
    portfolio = pd.DataFrame({
        "option_id": ["O1", "O2", "O3"],
        "capability_id": ["AD", "AD", "ART"],
        "supplier_id": ["S1", "S2", "S3"],
        "country_id": ["HOME", "US", "DE"],
        "mode": ["domestic", "buy", "license"],
        "start_year": [2027, 2027, 2028],
        "total_units": [10.0, 4.0, 6.0],
        "total_cost": [100.0 * scale, 80.0 * scale, 60.0 * scale],
    })
    if drop:
        portfolio = portfolio[portfolio["option_id"] != drop].reset_index(drop=True)
    deliveries = pd.DataFrame({"option_id": ["O1", "O1", "O2"], "year": [2027, 2028, 2027],
                               "units": [5.0, 5.0, 4.0], "cost": [50.0, 50.0, 80.0]})
    spend = pd.DataFrame({"year": [2027, 2027, 2028], "country_id": ["HOME", "US", "DE"],
                          "capability_id": ["AD", "AD", "ART"],
                          "amount": [100.0 * scale, 80.0 * scale, 60.0 * scale]})
    dependence = pd.DataFrame({
        "capability_id": ["AD", "ART"], "year": [2027, 2028], "hhi": [0.5, 0.2],
        "concentrated": [True, False], "top_foreign_country": ["US", None],
        "top_foreign_share": [0.45, np.nan], "suppliers": [2, 1],
        "single_source": [False, True], "worst_scenario_loss": [0.3, 0.0]})
    share_matrix = pd.DataFrame({"capability_id": ["AD", "AD"], "country_id": ["HOME", "US"],
                                 "share": [0.55, 0.45]})
    scenarios = pd.DataFrame({"scenario_id": ["EMB"], "capability_id": ["AD"],
                              "units_lost": [1.5], "share_lost": [0.1], "weighted_loss": [0.02]})
    constraints = pd.DataFrame({"constraint": ["budget", "budget"], "year": [2027, 2028],
                                "used": [180.0, 60.0], "limit": [budget / 2, budget / 2],
                                "slack": [budget / 2 - 180, budget / 2 - 60],
                                "marginal_value": [0.0, np.nan]})
    diagnostics = pd.DataFrame({"severity": pd.Series(dtype="str"),
                                "where": pd.Series(dtype="str"),
                                "message": pd.Series(dtype="str")})
    levels = pd.DataFrame({"level": [1, 2], "name": ["dependence", "cost"],
                           "status": ["optimal", "optimal"], "value": [0.25, 240.0],
                           "gap": [0.0, 0.001], "seconds": [0.12, 0.3]})
    total = float(portfolio["total_cost"].sum())
    summary = {k: None for k in SUMMARY_KEYS}
    summary.update(status=status, objective="min_dependence", total_cost=total,
                   budget_total=budget, local_share=0.4, exposure=0.12, hhi_mean=0.35, hhi_max=0.5,
                   max_country_share=0.45, expected_shortfall=0.02, worst_case_shortfall=0.3,
                   cvar=0.1, unmet_units=0.0, mip_gap=0.001, solve_seconds=0.42, run_id=None)
    run = {"run_id": None, "label": None, "command": "solve", "status": status,
           "created": "2026-11-22T01:42:00+00:00", "case_name": "Air defence",
           "input_file": "case.xlsx", "input_sha256": "x",
           "versions": {"pyomo": "6.8", "highs": "1.7"}, "settings": {"currency": "EUR"},
           "preset": "min_dependence", "timings": {"read": 0.1, "solve": 0.4},
           "stats": {"variables": 120, "constraints": 80}}
    tables = {"portfolio": portfolio, "deliveries": deliveries, "spend": spend,
              "dependence": dependence, "share_matrix": share_matrix, "scenarios": scenarios,
              "constraints": constraints, "diagnostics": diagnostics, "levels": levels}
    return Report(summary=summary, tables=tables, run=run)


def base_and_other() -> tuple[Report, Report]:
    """Base: O1, O2, O3 for 240 within 1000. Other: budget 1200, O1 the same, O2 with
    more units, O3 dropped, O4 started; spend moves from DE to home."""
    base = make_report(budget=1000.0)
    base.summary["run_id"] = "r0001-aaaa"
    other = make_report(budget=1200.0)
    other.summary["run_id"] = "r0002-bbbb"
    p = other.tables["portfolio"]
    p.loc[p["option_id"] == "O2", ["total_units", "total_cost"]] = [6.0, 120.0]
    p = p[p["option_id"] != "O3"]
    o4 = pd.DataFrame({"option_id": ["O4"], "capability_id": ["ART"], "supplier_id": ["S1"],
                       "country_id": ["HOME"], "mode": ["domestic"], "start_year": [2029],
                       "total_units": [6.0], "total_cost": [90.0]})
    other.tables["portfolio"] = pd.concat([p, o4], ignore_index=True)
    other.tables["spend"] = pd.DataFrame({
        "year": [2027, 2027, 2029], "country_id": ["HOME", "US", "HOME"],
        "capability_id": ["AD", "AD", "ART"], "amount": [100.0, 120.0, 90.0]})
    dep = other.tables["dependence"]
    dep.loc[dep["capability_id"] == "AD", ["hhi", "top_foreign_share"]] = [0.3, 0.55]
    other.summary.update(total_cost=310.0, local_share=0.5, hhi_max=0.3)
    return base, other


def comparison_case_bytes(budget_2028: float = 500.0, extra_country: bool = False,
                  swap_columns: bool = False, case_name: str = "Air defence") -> bytes:
    """A small case workbook written with openpyxl."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Settings"
    for row in (("key", "value"), ("case_name", case_name), ("home_country", "HOME"),
                ("first_year", 2027), ("last_year", 2029)):
        ws.append(row)
    ws = wb.create_sheet("Countries")
    headers = ["country_id", "name", "tier", "risk_score"]
    rows = [["HOME", "Home", "home", 0.0], ["US", "United States", "ally", 0.1]]
    if extra_country:
        rows.append(["DE", "Germany", "ally", 0.05])
    if swap_columns:  # same data, columns in another order: no difference
        headers = [headers[1], headers[0], *headers[2:]]
        rows = [[r[1], r[0], *r[2:]] for r in rows]
    ws.append(headers)
    for r in rows:
        ws.append(r)
    ws = wb.create_sheet("Budget")
    ws.append(["year", "budget", "min_local_share"])
    ws.append([2027, 400.0, 0.2])
    ws.append([2028, budget_2028, 0.2])
    ws.append([None, None, None])  # blank row: skipped
    ws.append([2029, 600, 0.3])
    ws = wb.create_sheet("Demand")
    ws.append(["capability_id", 2027, 2028, 2029])
    ws.append(["AD", 2, 4, 4])
    wb.create_sheet("Summary").append(["metric", "value"])  # a results sheet: ignored
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def workbook_content(path: Path) -> dict:
    """What a planner sees in a workbook, minus timestamps: every sheet's cell values,
    notes, data validations, frozen panes and merges, and the defined names."""
    wb = openpyxl.load_workbook(path)
    content: dict = {"sheets": wb.sheetnames,
                     "names": {n: d.attr_text for n, d in wb.defined_names.items()}}
    for ws in wb.worksheets:
        cells = {c.coordinate: c.value for row in ws.iter_rows() for c in row
                 if c.value is not None}
        notes = {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row
                 if c.comment is not None}
        dvs = sorted((str(dv.sqref), dv.type, dv.operator, dv.formula1, dv.formula2,
                      dv.allow_blank, dv.errorStyle)
                     for dv in ws.data_validations.dataValidation)
        content[ws.title] = {"cells": cells, "notes": notes, "validations": dvs,
                             "freeze": ws.freeze_panes,
                             "merged": sorted(str(r) for r in ws.merged_cells.ranges)}
    return content


#: Text a spreadsheet would run as a formula, were it not written as text.
INJECTIONS = [
    '=HYPERLINK("http://x")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\tleading tab",
    "\rleading CR",
    "#N/A",
]


def injected_case() -> Case:
    """The example with formula-like text in a supplier name and in every note."""
    case = example_case()
    case.suppliers.loc[0, "name"] = INJECTIONS[0]
    case.options["notes"] = [INJECTIONS[i % len(INJECTIONS)] for i in range(len(case.options))]
    return case


def alias_bomb(levels: int = 10, width: int = 10) -> str:
    """The 518-byte kind: each anchor a list of ``width`` aliases of the one before, so
    the description expands to width**levels values (10**10 here) when printed."""
    lines = ["a0: &a0 [lol]"]
    for k in range(1, levels):
        refs = ", ".join([f"*a{k - 1}"] * width)
        lines.append(f"a{k}: &a{k} [{refs}]")
    lines.append(f"description: *a{levels - 1}")
    lines.append("levels: [{name: cost, terms: {cost: 1}}]")
    return "\n".join(lines) + "\n"


def few_aliases_bomb() -> str:
    """Under the alias limit (48), but doubling 24 times: 2**25 values once expanded."""
    lines = ["a0: &a0 [x, x]"]
    for k in range(1, 25):
        lines.append(f"a{k}: &a{k} [*a{k - 1}, *a{k - 1}]")
    lines.append("description: *a24")
    lines.append("levels: [{name: cost, terms: {cost: 1}}]")
    return "\n".join(lines) + "\n"


def solved_hand_case(folder: Path):
    """The hand case (from a workbook, budget :data:`BUDGET`) solved with min_dependence:
    (case, SolveResult, Report, results workbook path)."""
    from sovopt.metrics import evaluate
    from sovopt.report import report_from_solve
    from sovopt.solver import solve_case  # the solver stack, for the tests that solve
    from sovopt.workbook.results import write_results

    path, case = case_workbook(hand_case(budget=BUDGET), folder)
    result = solve_case(case, "min_dependence")
    report = report_from_solve(result, evaluate(result.data, result.portfolio), path)
    out = write_results(report, folder / "case.results.xlsx", case.settings.currency)
    return case, result, report, out

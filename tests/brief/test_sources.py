"""Where a brief's numbers come from, and what it refuses: a results workbook read back
without the store, a frontier group with its hand-worked knee, a self-contained file,
and a clear message when Chromium is missing."""

from __future__ import annotations

import json
import math
import re
import shutil
from html import escape

import openpyxl
import pytest

from sovopt.brief.source import read_results_workbook
from sovopt.outputs import METRIC_KEYS
from tests.brief.conftest import sovopt
from tests.study_cases import write_two_capability_case


def test_a_results_workbook_without_the_store_gives_the_stored_numbers(example) -> None:
    stored = example.report
    rebuilt = read_results_workbook(example.results, store=None)
    for key in METRIC_KEYS:
        a, b = stored.summary[key], rebuilt.summary[key]
        assert (a is None and b is None) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), key
    for key in ("status", "objective", "status_detail", "run_id"):
        assert rebuilt.summary[key] == stored.summary[key], key
    assert rebuilt.summary["mip_gap"] == pytest.approx(stored.summary["mip_gap"])
    started = sorted(stored.tables["portfolio"]["option_id"])
    assert sorted(rebuilt.tables["portfolio"]["option_id"]) == started
    assert rebuilt.tables["levels"]["name"].tolist() == stored.tables["levels"]["name"].tolist()
    mv = stored.tables["constraints"]["marginal_value"].astype(float).to_numpy()
    got = rebuilt.tables["constraints"]["marginal_value"].astype(float).to_numpy()
    assert got == pytest.approx(mv, nan_ok=True)
    assert "rebuilt_note" not in rebuilt.run  # the case beside it is the one solved


def test_a_case_changed_since_is_said(example, tmp_path) -> None:
    shutil.copy(example.results, tmp_path / example.results.name)
    case = tmp_path / "example_case.xlsx"
    shutil.copy(example.folder / "example_case.xlsx", case)
    wb = openpyxl.load_workbook(case)
    ws = wb["Budget"]
    ws["B2"] = float(ws["B2"].value) + 100.0  # 100 more budget in the first year
    wb.save(case)
    rebuilt = read_results_workbook(tmp_path / example.results.name, store=None)
    assert rebuilt.summary["budget_total"] == pytest.approx(
        example.report.summary["budget_total"] + 100.0)
    note = rebuilt.run["rebuilt_note"]
    assert "not byte for byte" in note and "budget_total" in note


def test_a_results_workbook_without_its_case_is_refused(example, tmp_path) -> None:
    shutil.copy(example.results, tmp_path / example.results.name)
    code, out, err = sovopt("brief", str(tmp_path / example.results.name), "--store",
                            str(tmp_path / "none"), "--out", str(tmp_path / "b.html"),
                            "--json")
    assert code == 1
    doc = json.loads(out)
    assert "example_case.xlsx is not beside it" in doc["error"]
    assert not (tmp_path / "b.html").exists()


def test_the_html_is_self_contained(example, tmp_path) -> None:
    html = tmp_path / "b.html"
    code, _, err = sovopt("brief", str(example.results), "--store", str(example.store),
                          "--out", str(html))
    assert code == 0, err
    text = html.read_text()
    assert "<script" not in text and "<link" not in text and "@import" not in text
    refs = re.findall(r'(?:src|href)="([^"]*)"', text)
    assert all(r.startswith(("data:", "#")) for r in refs), refs
    # the only addresses are the XML namespaces of the inline pictures
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", text))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls
    assert text.count("<svg") == 4  # dependence, scenarios, fleet (SHORAD), spend


def test_pdf_without_chromium_says_how_to_install_it(example, tmp_path) -> None:
    code, out, _ = sovopt("brief", str(example.results), "--store", str(example.store),
                          "--out", str(tmp_path / "b.html"), "--pdf", str(tmp_path / "b.pdf"),
                          "--json", env={"PATH": str(tmp_path), "SOVOPT_CHROMIUM": ""})
    assert code == 1
    assert "apt-get install chromium" in json.loads(out)["error"]
    assert not (tmp_path / "b.pdf").exists()


def test_frontier_group_brief_has_the_hand_worked_knee(tmp_path) -> None:
    """tests/study_cases.py: spend 20 at exposure 0.10 down to 100 at 0; the slope
    changes most at exposure 0.02, spend 60 (point 4 of 6, least cost first)."""
    case = write_two_capability_case(tmp_path)
    store = tmp_path / "store"
    code, out, err = sovopt("frontier", str(case), "--points", "6", "--measure", "exposure",
                            "--store", str(store), "--json")
    assert code == 0, err
    group = json.loads(out)["group"]
    html = tmp_path / "f.html"
    code, out, err = sovopt("brief", "--group", group, "--store", str(store), "--out",
                            str(html), "--json")
    assert code == 0, err
    facts = json.loads(out)
    assert facts["kind"] == "frontier" and facts["points"] == 6
    assert facts["knee"]["point"] == 4
    assert facts["knee"]["cost"] == pytest.approx(60.0)
    assert facts["knee"]["measure"] == pytest.approx(0.02)
    assert set(facts["enters"]) == {"D1", "D2"}  # the home options enter along it
    text = html.read_text()
    assert 'aria-label="Cost against dependence, with the knee' in text
    assert "The knee is point 4" in text


def test_robust_and_sweep_group_briefs(tmp_path) -> None:
    """The hand case under min_cost buys abroad at 1 what costs 5 at home: no ±10 %
    perturbation of cost or risk changes that, so F1 and F2 are the core (index 1) and
    D1, D2 exterior; a sweep of the budget from 0.6 to 1.2 (60 to 120, all above the
    20 the plan costs) leaves the cost at 20 at every point."""
    case = write_two_capability_case(tmp_path)
    store = str(tmp_path / "store")
    code, out, err = sovopt("robust", str(case), "--samples", "4", "--store", store,
                            "--json")
    assert code == 0, err
    code, out, err = sovopt("brief", "--group", json.loads(out)["group"], "--store", store,
                            "--out", str(tmp_path / "r.html"), "--json")
    assert code == 0, err
    assert json.loads(out)["core"] == ["F1", "F2"]
    text = (tmp_path / "r.html").read_text()
    assert "4 options" not in text and "2 options are core" in text
    # a run's brief shows the robust core of its case's robust study in the store
    code, out, err = sovopt("solve", str(case), "--store", store, "--json")
    assert code == 0, err
    code, _, err = sovopt("brief", json.loads(out)["run_id"], "--store", store, "--out",
                          str(tmp_path / "run.html"))
    assert code == 0, err
    text = (tmp_path / "run.html").read_text()
    assert "Robust core: share of perturbed optima that start each option" in text
    assert "No robust study of this case" not in text
    code, out, err = sovopt("sweep", str(case), "--vary", "budget=0.6:1.2:3", "--store",
                            store, "--json")
    assert code == 0, err
    code, out, err = sovopt("brief", "--group", json.loads(out)["group"], "--store", store,
                            "--out", str(tmp_path / "s.html"), "--json")
    assert code == 0, err
    text = (tmp_path / "s.html").read_text()
    assert "from 20.00 EUR to 20.00 EUR" in text
    table = text[text.index(escape("The sweep's points")):]
    table = table[:table.index("</table>")]
    assert table.count("<tr>") == 1 + 4  # heading and the base plus three grid points


def test_against_a_run_compares_with_it(example, tmp_path) -> None:
    """Against its own run every headline measure reads "no change", and the headline
    shows each value before and after."""
    run_id = str(example.report.summary["run_id"])
    html = tmp_path / "same.html"
    code, out, err = sovopt("brief", str(example.results), "--against", run_id, "--store",
                            str(example.store), "--out", str(html), "--json")
    assert code == 0, err
    assert json.loads(out)["baseline"]["run_id"] == run_id
    text = html.read_text()
    table = text[text.index("Headline measures"):]
    table = table[:table.index("</table>")]
    assert table.count("<td>no change</td>") == 11  # every compared KPI
    cost = summary_text(example.report, "total_cost")
    assert f"{cost} → {cost}" in text


def summary_text(report, key: str) -> str:
    from sovopt.outputs import summary_quantity

    return summary_quantity(key).text(report.summary[key],
                                      report.run["settings"]["currency"])


def test_levels_of_a_workbook_written_before_bound_from_read_by_their_labels():
    """A results workbook from before the Levels table had 'Bound from' reads with
    every column where its label says, and that one empty."""
    from sovopt.brief.source import LEVELS_TITLE, _run

    old = ["Level", "Name", "Status", "Value", "Bound", "Gap", "Seconds", "CPU seconds",
           "Seconds given", "Found by", "Note"]
    rows = [("key", "value"), ("run_id", "r1"), (), (LEVELS_TITLE,), tuple(old),
            (1, "cost", "optimal", 0.5, 0.5, 0.0, 1.0, 1.0, 10.0, "MIP from scratch", "")]
    run, levels = _run(rows)
    assert run["run_id"] == "r1"
    row = levels.iloc[0]
    assert (row["name"], row["method"], row["seconds_given"]) == ("cost", "MIP from scratch",
                                                                   10.0)
    assert row.isna()["bound_from"]

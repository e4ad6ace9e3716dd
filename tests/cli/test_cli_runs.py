"""``sovopt runs`` (list, show, export, delete) and ``sovopt compare`` end to end,
through the real entry point (exit codes included)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from sovopt.cli import main
from sovopt.runs import DB_NAME, RunStore


def sovopt(*args: str, input: str | None = None, env: dict[str, str] | None = None
           ) -> tuple[int, str, str]:
    """Run ``sovopt args`` through :func:`sovopt.cli.main`; (exit code, stdout, stderr)."""
    runner = CliRunner()
    with runner.isolation(input=input, env=env) as (out, err, _):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        return code, out.getvalue().decode(), err.getvalue().decode()


def test_runs_lists_newest_first(store) -> None:
    folder, (a, b, c) = store
    code, out, err = sovopt("runs", "--store", str(folder))
    assert code == 0, err
    assert out.index(c) < out.index(b) < out.index(a)
    assert "bigger budget" in out and "failed" in out
    assert "3 runs" in err


def test_runs_json_and_filters(store) -> None:
    folder, (a, b, c) = store
    code, out, _ = sovopt("runs", "--json", "--store", str(folder))
    assert code == 0
    doc = json.loads(out)
    assert [r["run_id"] for r in doc["runs"]] == [c, b, a]
    assert doc["runs"][1]["total_cost"] == 310.0
    code, out, _ = sovopt("runs", "--json", "--status", "failed", env={"SOVOPT_STORE":
                                                                        str(folder)})
    assert [r["run_id"] for r in json.loads(out)["runs"]] == [c]
    code, out, _ = sovopt("runs", "--json", "--case", "air", "--label", "base",
                          "--store", str(folder))
    assert [r["run_id"] for r in json.loads(out)["runs"]] == [a]
    code, out, _ = sovopt("runs", "--json", "--limit", "1", "--store", str(folder))
    assert [r["run_id"] for r in json.loads(out)["runs"]] == [c]


def test_runs_without_a_store_creates_nothing(tmp_path: Path) -> None:
    code, out, err = sovopt("runs", "--store", str(tmp_path / "none"))
    assert code == 0 and out == "" and "no runs yet" in err
    assert not (tmp_path / "none").exists()
    code, _, err = sovopt("runs", "show", "r1", "--store", str(tmp_path / "none"))
    assert code == 2 and "no run store" in err


def test_runs_show(store) -> None:
    folder, (a, b, c) = store
    code, out, err = sovopt("runs", "show", "r2", "--store", str(folder))
    assert code == 0, err
    assert b in out and "bigger budget" in out and "case_b.xlsx" in out
    assert "Total cost" in out and "310" in out and "O4" in out  # labels, not keys
    code, out, _ = sovopt("runs", "--store", str(folder), "show", a[:5], "--json")
    assert code == 0  # --store given to the group, not the subcommand
    doc = json.loads(out)
    assert doc["summary"]["run_id"] == a and doc["summary"]["total_cost"] == 240.0
    assert doc["run"]["label"] == "baseline" and doc["tables"]["portfolio"] == 3
    code, out, _ = sovopt("runs", "show", c, "--store", str(folder))
    assert "the solver crashed" in out and "no results recorded" in out
    code, _, err = sovopt("runs", "show", "zzz", "--store", str(folder))
    assert code == 2 and "no run 'zzz'" in err
    code, _, err = sovopt("runs", "show", "r000", "--store", str(folder))
    assert code == 2 and "several runs" in err


def test_runs_delete(store) -> None:
    folder, (a, b, c) = store
    code, _, err = sovopt("runs", "delete", c, "--store", str(folder), input="n\n")
    assert code == 0 and "nothing deleted" in err
    code, _, err = sovopt("runs", "delete", c, "--store", str(folder))  # no answer: abort
    assert code == 2
    code, _, err = sovopt("runs", "delete", c, "--store", str(folder), input="y\n")
    assert code == 0 and f"deleted run {c}" in err
    code, _, err = sovopt("runs", "delete", "r1", "--yes", "--store", str(folder))
    assert code == 0
    with RunStore(folder) as st:
        assert st.list()["run_id"].tolist() == [b]
        assert st.blob_count() == 1


def test_runs_export(store, tmp_path: Path, monkeypatch) -> None:
    folder, (a, b, c) = store
    out = tmp_path / "exported.xlsx"
    inp = tmp_path / "input_copy.xlsx"
    code, _, err = sovopt("runs", "export", b, "--out", str(out), "--input", str(inp),
                          "--store", str(folder))
    assert code == 0, err
    wb = load_workbook(out)
    assert "Summary" in wb.sheetnames or "summary" in [s.lower() for s in wb.sheetnames]
    assert inp.read_bytes() == (tmp_path / "case_b.xlsx").read_bytes()
    monkeypatch.chdir(tmp_path)
    code, _, err = sovopt("runs", "export", "r1", "--store", str(folder))
    assert code == 0, err
    assert (tmp_path / f"case.{a}.results.xlsx").exists()
    code, _, err = sovopt("runs", "export", c, "--store", str(folder))
    assert code == 1 and "no results" in err


def test_compare_prints_and_writes_the_workbook(store, tmp_path: Path) -> None:
    folder, (a, b, c) = store
    out = tmp_path / "cmp.xlsx"
    code, text, err = sovopt("compare", "r1", "r2", "--out", str(out), "--store", str(folder))
    assert code == 0, err
    assert "KPIs" in text and "+70" in text  # total_cost 310 - 240
    for word in ("started", "dropped", "changed", "O4", "Budget!B3", "650"):
        assert word in text, word
    assert f"wrote the comparison workbook {out}" in err
    wb = load_workbook(out)
    assert wb.sheetnames == ["KPIs", "Options", "Spend", "Dependence", "Inputs"]


def test_compare_json(store) -> None:
    folder, (a, b, c) = store
    code, out, err = sovopt("compare", a, b, "--json", "--store", str(folder))
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) == {"runs", "kpis", "options", "spend", "dependence", "inputs", "notes"}
    cost = [k for k in doc["kpis"] if k["metric"] == "total_cost" and k["run_id"] == b]
    assert cost[0]["delta"] == 70.0
    assert [d["cell"] for d in doc["inputs"]] == ["Budget!B3"]


def test_compare_usage_errors(store) -> None:
    folder, (a, b, c) = store
    code, _, err = sovopt("compare", a, "--store", str(folder))
    assert code == 2 and "at least two" in err
    code, _, err = sovopt("compare", a, "nope", "--store", str(folder))
    assert code == 2 and "no run 'nope'" in err
    code, _, err = sovopt("compare", a, b, "--out", "x.csv", "--store", str(folder))
    assert code == 2 and "must end in .xlsx" in err
    code, _, err = sovopt("compare", a, c, "--store", str(folder))
    assert code == 0 and "has no results" in err


def test_store_folder_has_the_database(store) -> None:
    folder, _ = store
    assert (folder / DB_NAME).is_file()

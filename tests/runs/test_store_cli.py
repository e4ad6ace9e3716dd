"""The commands on a PostgreSQL store: solve, runs, runs show, compare, store copy and
store check, with the password never printed nor stored; an unreachable server
or a wrong password is one line naming the server, exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from sovopt.cli import main
from tests.builders import BUDGET, case_workbook, hand_case
from tests.runs.postgres import PASSWORD, ROLE, Cluster, free_port


def run(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def runs_json(store: str, capsys) -> list[dict]:
    code, out, err = run(["runs", "--json", "--store", store], capsys)
    assert code == 0, err
    return json.loads(out)["runs"]


def test_copy_sqlite_to_postgresql_and_back_keeps_the_runs(store, pg_url, tmp_path, capsys):
    """The conftest store (two finished runs, one failed) copied to PostgreSQL and back
    into a new folder lists the same runs, field for field; copying again skips all."""
    folder, ids = store
    back = tmp_path / "back"
    code, out, err = run(["store", "copy", str(folder), pg_url, "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["copied"] == sorted(ids)
    assert PASSWORD not in out + err
    code, out, err = run(["store", "copy", pg_url, str(back), "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["copied"] == sorted(ids)
    original = runs_json(str(folder), capsys)
    assert [r["run_id"] for r in original] == ids[::-1]
    assert runs_json(pg_url, capsys) == original
    assert runs_json(str(back), capsys) == original
    code, out, err = run(["store", "copy", str(folder), pg_url, "--json"], capsys)
    assert code == 0 and json.loads(out) | {"to": None} == {
        "from": str(folder), "to": None, "copied": [], "skipped": sorted(ids)}
    for where in (pg_url, str(back)):
        code, out, err = run(["store", "check", "--json", "--store", where], capsys)
        assert code == 0, err
        assert json.loads(out)["ok"] is True and json.loads(out)["runs"] == 3
    code, out, err = run(["runs", "show", ids[0], "--json", "--store", pg_url], capsys)
    assert code == 0, err
    shown = json.loads(out)
    assert shown["run"]["label"] == "baseline" and shown["tables"]["portfolio"] > 0


def test_solve_runs_and_compare_on_postgresql(postgres: Cluster, pg_url, tmp_path, capsys,
                                              monkeypatch):
    """Two solves of the hand case into a PostgreSQL store given by SOVOPT_STORE, then
    runs, runs show and compare on it; the store line masks the password and no
    stored text holds it."""
    case, _ = case_workbook(hand_case(budget=BUDGET), tmp_path)
    monkeypatch.setenv("SOVOPT_STORE", pg_url)
    for label in ("first", "second"):
        code, out, err = run(["solve", str(case), "--label", label, "--time-limit", "20",
                              "--out", str(tmp_path / f"{label}.xlsx")], capsys)
        assert code == 0, err
        masked = pg_url.replace(f":{PASSWORD}@", ":***@")
        assert f"run store: {masked}" in err
        assert PASSWORD not in out + err
    listed = runs_json(pg_url, capsys)
    assert [r["label"] for r in listed] == ["second", "first"]
    assert {r["status"] for r in listed} == {"optimal"}
    assert listed[0]["total_cost"] == pytest.approx(listed[1]["total_cost"])
    code, out, err = run(["compare", listed[1]["run_id"], listed[0]["run_id"], "--json"],
                         capsys)
    assert code == 0, err
    assert PASSWORD not in out + err
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as con:
        stored = " ".join(str(v) for row in con.execute(text("SELECT * FROM runs"))
                          for v in row)
    engine.dispose()
    assert PASSWORD not in stored and str(case.name) in stored


def test_stress_export_and_delete_on_postgresql(pg_url, tmp_path, capsys):
    """A solve, then a stress test of its stored portfolio against the same case (the
    plan keeps every limit: exit 0, status feasible), the results exported from the
    store, and the stress run deleted: all on one PostgreSQL store."""
    case, _ = case_workbook(hand_case(budget=BUDGET), tmp_path)
    code, _, err = run(["solve", str(case), "--time-limit", "20", "--out",
                        str(tmp_path / "s.xlsx"), "--store", pg_url], capsys)
    assert code == 0, err
    solved = runs_json(pg_url, capsys)[0]["run_id"]
    code, out, err = run(["stress", str(case), "--portfolio", solved[:5], "--json",
                          "--out", str(tmp_path / "st.xlsx"), "--store", pg_url], capsys)
    assert code == 0, err
    listed = runs_json(pg_url, capsys)
    assert [r["status"] for r in listed] == ["feasible", "optimal"]
    assert listed[0]["total_cost"] == pytest.approx(listed[1]["total_cost"])
    exported = tmp_path / "again.xlsx"
    code, out, err = run(["runs", "export", solved, "--out", str(exported), "--input",
                          str(tmp_path / "input.xlsx"), "--store", pg_url], capsys)
    assert code == 0, err
    assert exported.stat().st_size > 0
    assert (tmp_path / "input.xlsx").read_bytes() == case.read_bytes()
    code, out, err = run(["runs", "delete", listed[0]["run_id"], "--yes", "--json",
                          "--store", pg_url], capsys)
    assert code == 0, err
    assert [r["run_id"] for r in runs_json(pg_url, capsys)] == [solved]


def test_sslmode_passes_through(postgres: Cluster, pg_url, capsys):
    """libpq parameters in the URL reach the server: the throwaway cluster has no SSL,
    so sslmode=disable connects and sslmode=require is refused in one line."""
    code, out, err = run(["runs", "--json", "--store", pg_url + "?sslmode=disable"], capsys)
    assert code == 0, err
    code, out, err = run(["runs", "--store", pg_url + "?sslmode=require"], capsys)
    assert code == 1
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "SSL" in lines[0] and PASSWORD not in err


def test_wrong_password_and_unreachable_server_are_one_line(postgres: Cluster, pg_url,
                                                             capsys):
    database = pg_url.rsplit("/", 1)[1]
    wrong = f"postgresql://{ROLE}:not-the-pw-77@127.0.0.1:{postgres.port}/{database}"
    for args in (["runs"], ["runs", "show", "r1"], ["store", "check"]):
        code, out, err = run([*args, "--store", wrong], capsys)
        assert code == 1, err
        lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
        assert len(lines) == 1 and "Traceback" not in err
        assert f"127.0.0.1:{postgres.port}/{database}" in lines[0]
        assert "password authentication failed" in lines[0]
        assert "not-the-pw-77" not in out + err
    nobody = free_port()
    code, out, err = run(["runs", "--json", "--store",
                          f"postgresql://{ROLE}:{PASSWORD}@127.0.0.1:{nobody}/x"], capsys)
    assert code == 1
    doc = json.loads(out)
    assert f"127.0.0.1:{nobody}/x" in doc["error"] and doc["exit_code"] == 1
    assert PASSWORD not in out + err


def test_store_check_reports_problems_with_exit_1(store, capsys):
    """A result row removed behind sovopt's back: check names the table, exit 1."""
    import sqlite3

    folder, ids = store
    con = sqlite3.connect(Path(folder) / "runs.sqlite")
    con.execute("DELETE FROM result_spend WHERE run_id = ? AND row_index = 0", (ids[0],))
    con.commit()
    con.close()
    code, out, err = run(["store", "check", "--json", "--store", str(folder)], capsys)
    assert code == 1
    doc = json.loads(out)
    assert doc["ok"] is False
    assert doc["problems"] == [f"table spend: row counts differ from the catalogue for "
                               f"1 run(s) ({ids[0]})"]


def test_studies_and_the_brief_on_postgresql(postgres: Cluster, pg_url, tmp_path, capsys):
    """frontier, robust and brief use a PostgreSQL store like a folder: each study's
    points are recorded once in its group, and a run's brief and a group's brief are
    read back from the server."""
    case, _ = case_workbook(hand_case(budget=BUDGET), tmp_path)
    for args, group, points in (
            (["frontier", str(case), "--points", "3", "--measure", "exposure"], "f", 3),
            (["robust", str(case), "--samples", "2", "--seed", "1"], "r", 2)):
        code, out, err = run([*args, "--time-limit", "20", "--workers", "1", "--group",
                              group, "--store", pg_url, "--json",
                              "--out", str(tmp_path / f"{group}.xlsx")], capsys)
        assert code == 0, err
        assert PASSWORD not in out + err
        code, out, err = run(["runs", "--group", group, "--json", "--store", pg_url], capsys)
        assert code == 0, err
        listed = json.loads(out)["runs"]
        assert len(listed) >= points and len({r["run_id"] for r in listed}) == len(listed)
    run_id = listed[0]["run_id"]
    for target in ([run_id], ["--group", "f"]):
        html = tmp_path / f"brief-{len(target)}.html"
        code, out, err = run(["brief", *target, "--alone", "--store", pg_url,
                              "--out", str(html), "--json"], capsys)
        assert code == 0, err
        assert html.stat().st_size > 10_000 and PASSWORD not in html.read_text("utf-8")

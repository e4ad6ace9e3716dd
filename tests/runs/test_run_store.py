"""The run store's API on both back ends (a SQLite folder and a PostgreSQL database,
parametrised): round trips with dtypes, content-addressed inputs, the run list
and its filters, run ids, groups, the README's SQL, hostile text, and the
integrity check. Schema migrations of old SQLite stores are in tests/runs/."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from sovopt.errors import SovoptError
from sovopt.outputs import SUMMARY_KEYS
from sovopt.runs import DB_NAME, SCHEMA_VERSION, DuplicatePoint, RunStore, UnknownRun
from tests.builders import make_report
from tests.paths import REPO
from tests.runs.records import record


def sql_url(location: str) -> str:
    """A SQLAlchemy URL of the store's database, for queries as a user would write."""
    if "://" in location:
        return location.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"sqlite:///{Path(location) / DB_NAME}"


def test_run_round_trips(location: str, case_file: Path) -> None:
    report = make_report()
    with RunStore(location) as store:
        assert store.schema_version == SCHEMA_VERSION
        run_id = record(store, case_file, report)
        back = store.get(run_id)
    assert list(back.summary) == list(SUMMARY_KEYS)
    assert back.summary["run_id"] == back.run["run_id"] == run_id
    assert back.run["case_name"] == "Air defence"
    assert back.run["versions"]["pyomo"] == "6.8" and "sovopt" in back.run["versions"]
    for key in SUMMARY_KEYS:
        if key != "run_id":
            assert back.summary[key] == report.summary[key], key
    assert list(back.tables) == list(report.tables)
    for name, df in report.tables.items():
        pd.testing.assert_frame_equal(back.tables[name], df, check_dtype=True, obj=name)
    assert back.tables["portfolio"]["start_year"].dtype == np.int64
    assert back.tables["dependence"]["concentrated"].dtype == bool
    assert back.run["label"] == "base" and back.run["input_name"] == "case.xlsx"
    assert back.run["stats"] == {"variables": 120, "constraints": 80}
    assert back.run["settings"]["time_limit_s"] == 60.0
    assert back.run["preset"] == "min_dependence"
    assert back.run["timings"] == {"read": 0.1, "solve": 0.4}


def test_new_tables_and_columns_need_no_migration(location: str) -> None:
    report = make_report()
    report.tables["brand_new"] = pd.DataFrame({"anything": ["goes"], "n": [3]})
    with RunStore(location) as store:
        a = record(store, None, report)
        wider = make_report()
        wider.tables["brand_new"] = pd.DataFrame({"anything": ["more"], "n": [4],
                                                  "extra": [0.5]})
        b = record(store, None, wider)
        pd.testing.assert_frame_equal(store.get(a).tables["brand_new"],
                                      report.tables["brand_new"])
        pd.testing.assert_frame_equal(store.get(b).tables["brand_new"],
                                      wider.tables["brand_new"])


def test_object_columns_keep_their_values_types(location: str) -> None:
    """Object columns of floats, ints, booleans and a mix (as a result table may hold,
    e.g. leverage_over) come back as the same Python values on either back end."""
    report = make_report()
    odd = pd.DataFrame({"floats": pd.Series([0.0, 2.5, None], dtype=object),
                        "ints": pd.Series([1, None, 3], dtype=object),
                        "flags": pd.Series([True, False, None], dtype=object),
                        "mixed": pd.Series(["a", 1, None], dtype=object)})
    report.tables["odd"] = odd
    with RunStore(location) as store:
        back = store.get(record(store, None, report)).tables["odd"]
    for col in ("floats", "ints", "flags"):
        assert back[col].tolist() == odd[col].tolist(), col
        assert [type(v) for v in back[col]] == [type(v) for v in odd[col]], col
    assert back["mixed"].tolist()[0] == "a" and back["mixed"].tolist()[2] is None


def test_input_blob_is_stored_once(location: str, tmp_path: Path, case_file: Path) -> None:
    other = tmp_path / "other.xlsx"
    other.write_bytes(b"different bytes")
    with RunStore(location) as store:
        a = record(store, case_file, make_report())
        b = record(store, case_file, make_report(), label="again")
        assert store.blob_count() == 1
        assert store.input_bytes(a) == store.input_bytes(b) == case_file.read_bytes()
        c = record(store, other, make_report())
        store.delete(a)
        assert store.blob_count() == 2  # b still uses it
        store.delete(b)
        assert store.blob_count() == 1
        assert store.input_bytes(c) == b"different bytes"
        with pytest.raises(UnknownRun):
            store.get(a)
        assert store.integrity_check(blobs=True) == "ok"


def test_list_newest_first_with_filters(location: str) -> None:
    with RunStore(location) as store:
        r1 = record(store, None, make_report(), label="baseline", case_name="Air defence")
        r2 = record(store, None, make_report(status="feasible"), label="tight budget",
                    case_name="Air defence")
        r3 = record(store, None, make_report(), label="baseline", case_name="Artillery")
        r4 = store.begin(None, label="broken", case_name="Artillery")
        store.fail(r4, "the solver crashed")
        runs = store.list_runs()
        assert runs["run_id"].tolist() == [r4, r3, r2, r1]
        assert runs.loc[0, "status"] == "failed" and runs.loc[0, "message"] == "the solver crashed"
        assert runs.loc[1, "total_cost"] == 240.0  # make_report: 100 + 80 + 60
        assert runs.loc[1, "objective"] == "min_dependence"
        assert runs["hhi_max"].dtype == float
        assert pd.isna(runs.loc[0, "total_cost"])
        assert store.list_runs(case="artillery")["run_id"].tolist() == [r4, r3]
        assert store.list_runs(label="BASE")["run_id"].tolist() == [r3, r1]
        assert store.list_runs(status="feasible")["run_id"].tolist() == [r2]
        assert store.list_runs(limit=2)["run_id"].tolist() == [r4, r3]
        assert store.list_runs(case="nothing").empty
        assert store.list()["run_id"].tolist() == [r4, r3, r2, r1]  # the former name


def test_run_ids_and_prefixes(location: str) -> None:
    with RunStore(location) as store:
        ids = [record(store, None, make_report()) for _ in range(3)]
        assert [i.split("-")[0] for i in ids] == ["r0001", "r0002", "r0003"]
        assert store.resolve("r0002") == store.resolve("r2") == store.resolve("2") == ids[1]
        assert store.resolve(ids[2][:7]) == ids[2]
        with pytest.raises(UnknownRun, match="several runs"):
            store.resolve("r000")
        with pytest.raises(UnknownRun, match="no run"):
            store.resolve("zzz")
        store.delete(ids[2])
        assert record(store, None, make_report()).startswith("r0004-")  # never reused


def test_finish_twice_fail_after_finish_and_failed_finish(location: str) -> None:
    with RunStore(location) as store:
        run_id = record(store, None, make_report())
        with pytest.raises(SovoptError, match="already recorded"):
            store.finish(run_id, make_report())
        store.fail(run_id, "late error")
        assert store.get(run_id).summary["status"] == "optimal"
        report = make_report()
        report.tables["zzz_bad"] = "not a DataFrame"  # type: ignore[assignment]
        half = store.begin(None, label="x")
        with pytest.raises(AttributeError):
            store.finish(half, report)
        back = store.get(half)
        assert back.tables == {} and back.summary["status"] == "running"
        assert back.summary["total_cost"] is None
        assert store.integrity_check() == "ok"


def test_groups_record_each_point_once(location: str) -> None:
    with RunStore(location) as store:
        gid = store.begin_group("sweep", 3, "case", {"vary": ["budget=1:2:3"]}, "g1")
        for point in (0, 1):
            store.finish(store.begin(None, f"p{point}", group=gid, point=point), make_report())
        with pytest.raises(DuplicatePoint):
            store.begin(None, "again", group=gid, point=1)
        assert store.finish_group("g") == "incomplete"
        info = store.group_info("g1")
        assert (info["status"], info["done"], info["failed"]) == ("incomplete", 2, 0)
        assert info["info"] == {"vary": ["budget=1:2:3"]}
        assert store.list_runs(group="g1")["point"].tolist() == [0, 1]
        gid2 = store.begin_group("sweep", 1, name="g2")
        store.fail(store.begin(None, "x", group=gid2, point=0), "worker lost")
        assert store.finish_group("g2") == "incomplete"
        gid3 = store.begin_group("sweep", 1, name="g3")
        store.finish(store.begin(None, "x", group=gid3, point=0), make_report())
        assert store.finish_group("g3") == "complete"
        assert store.groups()["group"].tolist() == ["g3", "g2", "g1"]
        with pytest.raises(SovoptError, match="already has a group"):
            store.begin_group("sweep", 1, name="g3")


def test_readme_queries_run_unchanged(location: str) -> None:
    """Both SQL queries of the README run as printed there, on this back end, and
    give the numbers of the recorded reports: make_report's spend is HOME 100,
    US 80, DE 60; its dependence AD 0.5 (2027), ART 0.2 (2028)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    queries = re.findall(r"```sql\n(.*?)```", readme, re.S)
    assert len(queries) == 2
    with RunStore(location) as store:
        a = record(store, None, make_report())
        b = record(store, None, make_report())
    engine = create_engine(sql_url(location))
    with engine.connect() as con:
        spend = [tuple(r) for r in con.execute(text(queries[0]))]
        second = [tuple(r) for r in con.execute(text(queries[1]))]
    engine.dispose()
    want = {"DE": 60.0, "HOME": 100.0, "US": 80.0}
    assert spend == [(rid, c, want[c]) for rid in sorted((a, b)) for c in sorted(want)]
    assert second == [(rid, "base", cap, hhi) for rid in sorted((a, b))
                      for cap, hhi in (("AD", 0.5), ("ART", 0.2))]


HOSTILE = "x'); DROP TABLE runs; -- \" % _ \\ ; SELECT 1 /*"


def test_sql_metacharacters_are_only_text(location: str, tmp_path: Path) -> None:
    """Quotes, comment marks, LIKE wildcards and statement ends in labels, case names,
    group names, ids and table values are stored and found as text, never run."""
    case = tmp_path / f"case {HOSTILE[:8]}.xlsx".replace("/", "_")
    case.write_bytes(b"bytes")
    report = make_report()
    report.tables["spend"].loc[0, "country_id"] = HOSTILE
    with RunStore(location) as store:
        gid = store.begin_group("sweep", 1, case_name=HOSTILE, name=f"g{HOSTILE}")
        rid = store.begin(case, label=HOSTILE, case_name=HOSTILE, group=gid, point=0)
        store.finish(rid, report)
        plain = record(store, None, make_report(), label="100%_done", case_name="plain")
        assert store.list_runs(label=HOSTILE)["run_id"].tolist() == [rid]
        assert store.list_runs(case="drop table")["run_id"].tolist() == [rid]
        assert store.list_runs(label="0%_d")["run_id"].tolist() == [plain]
        assert store.list_runs(label="x%d").empty  # % and _ are no wildcards
        assert store.list_runs(label="x_)").empty
        assert store.list_runs(group=gid)["run_id"].tolist() == [rid]
        with pytest.raises(UnknownRun):
            store.resolve(HOSTILE)
        with pytest.raises(UnknownRun):
            store.resolve("%")
        back = store.get(rid)
        assert back.run["label"] == back.run["case_name"] == HOSTILE
        assert back.tables["spend"].loc[0, "country_id"] == HOSTILE
        assert len(store.list_runs()) == 2
        assert store.integrity_check() == "ok"


def test_store_check_finds_damage(location: str) -> None:
    """Rows of a result table whose count no longer matches the catalogue, and an
    input workbook whose size no longer matches, are found by the integrity check."""
    with RunStore(location) as store:
        rid = record(store, None, make_report())
        assert store.integrity_check(blobs=True) == "ok"
    engine = create_engine(sql_url(location))
    with engine.begin() as con:
        con.execute(text("DELETE FROM result_spend WHERE row_index = 0"))
        con.execute(text("INSERT INTO blobs (sha256, size, data) VALUES ('00ff', 2, :d)"),
                    {"d": b"abc"})
    engine.dispose()
    with RunStore(location) as store:
        found = store.integrity_check(blobs=True)
    assert "input workbook 00ff does not match its SHA-256 or size" in found
    assert f"table spend: row counts differ from the catalogue for 1 run(s) ({rid})" in found

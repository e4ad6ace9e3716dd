"""Damaged, foreign and read-only run stores: one clear line naming the store,
what is wrong and what to do, for `runs`, `runs show` and `solve`; a read-only store
still listed; a foreign database never written to."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from sovopt.cli import main
from sovopt.runs import DB_NAME, RunStore, StoreError
from tests.builders import BUDGET, case_workbook, hand_case


def run(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def one_clear_line(err: str, folder: Path) -> None:
    assert "internal error" not in err and "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, err
    assert str(folder) in lines[0]
    assert "--store" in lines[0]


def checkpointed(folder: Path) -> Path:
    """The store's database with the WAL folded in (a copy of the file is then whole)."""
    con = sqlite3.connect(folder / DB_NAME)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode = DELETE")
    con.close()
    return folder / DB_NAME


@pytest.mark.parametrize("fraction", [0.2, 0.45, 0.7])
def test_truncated_store(store, fraction, capsys, tmp_path):  # noqa: F811
    folder, ids = store
    db = checkpointed(folder)
    data = db.read_bytes()
    db.write_bytes(data[: int(len(data) * fraction)])
    case, _ = case_workbook(hand_case(budget=BUDGET), tmp_path)
    failed = 0
    for args in (["runs"], ["runs", "show", ids[0]], ["solve", str(case)]):
        code, _, err = run([*args, "--store", str(folder)], capsys)
        if code == 0:  # the pages this command read survived the cut
            continue
        failed += 1
        assert code == 1, err
        one_clear_line(err, folder)
    assert failed, "a store cut to {fraction:.0%} should fail somewhere"


def test_garbage_store(tmp_path, capsys):
    folder = tmp_path / "store"
    folder.mkdir()
    (folder / DB_NAME).write_bytes(b"this is not a database\n" * 200)
    for args in (["runs"], ["runs", "show", "r1"]):
        code, _, err = run([*args, "--store", str(folder)], capsys)
        assert code == 1
        one_clear_line(err, folder)
        assert "damaged" in err


def test_foreign_database_is_refused_and_never_written(tmp_path, capsys):
    """Another program's SQLite file with its own `runs` table: refused, byte for byte
    unchanged (no WAL switch, no migration)."""
    folder = tmp_path / "store"
    folder.mkdir()
    db = folder / DB_NAME
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, athlete TEXT, km REAL)")
    con.execute("INSERT INTO runs VALUES (1, 'ana', 10.5)")
    con.commit()
    con.close()
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    case, _ = case_workbook(hand_case(budget=BUDGET), tmp_path)
    for args in (["runs"], ["runs", "show", "r1"], ["solve", str(case)]):
        code, _, err = run([*args, "--store", str(folder)], capsys)
        assert code == 1
        assert "not a sovopt run store" in err and str(db) in err
        assert "internal error" not in err
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in folder.iterdir()) == [DB_NAME]


def test_read_only_store_can_be_listed_and_shown(store, capsys, read_only):  # noqa: F811
    folder, ids = store
    read_only(folder)
    code, out, err = run(["runs", "--store", str(folder)], capsys)
    assert code == 0, err
    assert all(i in out for i in ids)
    code, out, err = run(["runs", "show", ids[0], "--store", str(folder)], capsys)
    assert code == 0, err
    assert "baseline" in out
    code, _, err = run(["runs", "delete", ids[2], "--yes", "--store", str(folder)], capsys)
    assert code == 1
    one_clear_line(err, folder)
    assert "read-only" in err


def test_store_errors_from_the_api_are_store_errors(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / DB_NAME).write_bytes(b"\0" * 4096)
    with pytest.raises(StoreError, match="damaged"):
        RunStore(folder).list()

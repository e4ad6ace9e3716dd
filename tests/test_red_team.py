"""Red team: hostile, damaged and mutated inputs generated afresh on every run.

Each test builds its inputs from a random seed (printed, and fixed with
``SOVOPT_RED_TEAM_SEED=N`` to replay a failure): XML and zip bombs, YAML bombs,
named pipes, symbolic-link loops, damaged run stores, random mutations of the
example across every sheet and column, infinities written into the sheet XML,
kill -9 at random points of a solve and its write-back, four solves at once
into one store. What is asserted, everywhere:

- no traceback and no "internal error": every failure is a message for people;
- the exit code is one the README documents (0, 1, 2, 3, 4, 130);
- a refusal names a cell (``Sheet!Cell``) or the file;
- bounded time (each command under its own timeout) and memory (the peak
  resident size of every child process);
- nothing lost: the case workbook, earlier results and the run store survive
  a kill at any point, and concurrent runs are all recorded.

The whole module runs in well under two minutes on two shared cores.
"""

from __future__ import annotations

import io
import json
import os
import random
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from sovopt.errors import EXIT_CODES
from sovopt.runs import DB_NAME, RunStore
from sovopt.schema import SHEETS
from sovopt.workbook.case_reader import read_case
from tests.builders import BUDGET, alias_bomb, case_workbook, few_aliases_bomb, hand_case
from tests.hostile import column_cells, set_cells_xml, xml_bomb, zip_bomb

EXAMPLE = Path(__file__).resolve().parent.parent / "inputs" / "example_case.xlsx"
ENTRY = "from sovopt.cli import main; main()"
#: Peak resident memory any sovopt child process may reach.
MEMORY_LIMIT_MB = 1500
SEED = int(os.environ.get("SOVOPT_RED_TEAM_SEED") or int.from_bytes(os.urandom(4), "big"))


@pytest.fixture
def rng() -> random.Random:
    print(f"red team seed: SOVOPT_RED_TEAM_SEED={SEED}")
    return random.Random(SEED)


def sovopt(args: list[str], cwd: Path, store: Path, timeout: float = 60
           ) -> subprocess.CompletedProcess[str]:
    """``sovopt args`` in its own process, within ``timeout`` seconds."""
    env = {**os.environ, "SOVOPT_STORE": str(store)}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", ENTRY, *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert time.perf_counter() - t0 < timeout
    return proc


#: One child process running many commands in turn (a fresh interpreter per file would
#: spend the time budget on start-up): one JSON line per command.
BATCH = """
import contextlib, io, json, os, sys, time
results = os.fdopen(os.dup(1), "w")  # the lines for the test; C code's output goes to stderr
os.dup2(2, 1)
from sovopt.cli import main
for line in sys.stdin:
    args = json.loads(line)
    out, err = io.StringIO(), io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(args)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    print(json.dumps({"args": args, "returncode": code, "stdout": out.getvalue(),
                      "stderr": err.getvalue(), "seconds": time.perf_counter() - t0}),
          file=results, flush=True)
"""


def sovopt_many(commands: list[list[str]], cwd: Path, store: Path, timeout: float = 90,
                each: float = 20) -> list[subprocess.CompletedProcess[str]]:
    """Every command of ``commands`` run by :func:`sovopt.cli.main` in one child process,
    each within ``each`` seconds, all within ``timeout``."""
    env = {**os.environ, "SOVOPT_STORE": str(store)}
    stdin = "".join(json.dumps([str(a) for a in c]) + "\n" for c in commands)
    proc = subprocess.run([sys.executable, "-c", BATCH], cwd=cwd, env=env, input=stdin,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = []
    for line in proc.stdout.splitlines():
        r = json.loads(line)
        assert r["seconds"] < each, r
        results.append(subprocess.CompletedProcess(r["args"], r["returncode"], r["stdout"],
                                                   r["stderr"]))
    assert len(results) == len(commands), proc.stderr[-3000:]
    return results


def assert_clean(proc: subprocess.CompletedProcess[str], names: tuple[str, ...] = ()) -> None:
    """No traceback, a documented exit code, a cell or a file named on failure, and at
    most one JSON object on stdout."""
    text = proc.stderr + proc.stdout
    assert "Traceback" not in text, text[-3000:]
    assert "internal error" not in text, text[-3000:]
    assert proc.returncode in EXIT_CODES, (proc.returncode, text[-3000:])
    if proc.returncode not in (0, 3):
        assert "!" in proc.stderr or any(n in proc.stderr for n in names), proc.stderr[-2000:]
    if proc.stdout.strip().startswith("{"):
        json.loads(proc.stdout)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert peak_mb < MEMORY_LIMIT_MB


# --------------------------------------------------------------------------- hostile files


def test_hostile_files_are_refused(tmp_path: Path, rng: random.Random) -> None:
    """Bombs, pipes, links, devices, truncations and random bytes as the case."""
    files: list[Path] = []
    files.append(zip_bomb(tmp_path / "zipbomb.xlsx", size_mb=rng.randint(520, 700)))
    files.append(xml_bomb(EXAMPLE, tmp_path / "xmlbomb.xlsx",
                          sheet=rng.choice(["Settings", "Options", "Budget"])))
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    files.append(fifo)
    a, b = tmp_path / "loop_a.xlsx", tmp_path / "loop_b.xlsx"
    a.symlink_to(b)
    b.symlink_to(a)
    files.append(a)
    dev = tmp_path / "dev.xlsx"
    dev.symlink_to("/dev/urandom")
    files.append(dev)
    data = EXAMPLE.read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[: rng.randint(100, len(data) - 100)])
    files.append(cut)
    noise = tmp_path / "noise.xlsx"
    noise.write_bytes(b"PK\x03\x04" + rng.randbytes(rng.randint(1000, 50_000)))
    files.append(noise)
    flipped = bytearray(data)
    for _ in range(rng.randint(1, 20)):
        flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
    (tmp_path / "flipped.xlsx").write_bytes(bytes(flipped))
    files.append(tmp_path / "flipped.xlsx")
    results = sovopt_many([["validate", p.name, "--json"] for p in files], tmp_path,
                          tmp_path / "store")
    for path, proc in zip(files, results, strict=True):
        assert_clean(proc, (path.name,))
        assert proc.returncode in (0, 1)
        obj = json.loads(proc.stdout)
        if proc.returncode == 1:
            assert obj["exit_code"] == 1 and obj["problems"]


def test_yaml_bombs_as_the_objective(tmp_path: Path, rng: random.Random) -> None:
    path, _ = case_workbook(hand_case(budget=BUDGET), tmp_path)
    width = rng.randint(8, 12)
    bombs = {"alias.yaml": alias_bomb(10, width), "doubling.yaml": few_aliases_bomb(),
             "deep.yaml": "levels: " + "[" * rng.randint(1000, 30_000) + "\n",
             "self.yaml": "a: &a [*a]\nlevels: *a\n"}
    for name, text in bombs.items():
        (tmp_path / name).write_text(text)
    results = sovopt_many([["solve", path.name, "--objective", name] for name in bombs],
                          tmp_path, tmp_path / "store")
    for name, proc in zip(bombs, results, strict=True):
        assert_clean(proc, (name,))
        assert proc.returncode == 1
        assert name in proc.stderr


# --------------------------------------------------------------------------- mutations


def _hostile_values(rng: random.Random) -> list[tuple[str, str]]:
    """(kind, text) to write into a cell's XML: numbers no program saves, text where
    numbers belong, formulas, very long text, control characters."""
    return [
        ("n", rng.choice(["1e309", "-1E400", "1.797e308", "NaN", "inf", "-0",
                          f"{rng.uniform(-1e6, 1e6):.6g}", "4e-320", "1e300"])),
        ("s", rng.choice(["abc", "", " ", "=1+1", "@SUM(A1)", "-", "1,000", "50%",
                          "yes", "\u202e2027", "x" * rng.randint(33_000, 40_000),
                          "\x01\x02", "NaN", "1e5000", "２０２７"])),
    ]


def _mutated(sheet, folder: Path, rng: random.Random) -> Path:
    """The example with a hostile value in a random row of every column of ``sheet``."""
    by_kind: dict[str, dict[str, str]] = {"n": {}, "s": {}}
    columns = [*sheet.columns, *([sheet.year_column] if sheet.year_column else [])]
    for col in columns:
        cells = column_cells(EXAMPLE, sheet, col)
        if cells:
            kind, text = rng.choice(_hostile_values(rng))
            by_kind[kind][rng.choice(cells)] = text
    step = folder / f"{sheet.name}.step.xlsx"
    path = folder / f"{sheet.name}.xlsx"
    set_cells_xml(EXAMPLE, step, sheet.name, by_kind["n"], kind="n")
    set_cells_xml(step, path, sheet.name, by_kind["s"], kind="s")
    step.unlink()
    return path


def test_random_mutations_of_every_sheet_and_column_are_named(tmp_path: Path,
                                                              rng: random.Random) -> None:
    """Every column of every sheet gets a hostile value in a random row (one workbook per
    sheet); each case validates or every problem names a cell."""
    paths = []
    for round_ in range(1):
        folder = tmp_path / f"round{round_}"
        folder.mkdir()
        paths += [_mutated(sh, folder, rng) for sh in SHEETS if sh.columns]
    results = sovopt_many([["validate", p, "--json"] for p in paths], tmp_path,
                          tmp_path / "store")
    for path, proc in zip(paths, results, strict=True):
        assert_clean(proc, (path.name,))
        obj = json.loads(proc.stdout)
        if proc.returncode == 1:
            for p in obj["problems"]:
                assert p["sheet"] or path.name in p["message"], p


def test_infinity_in_the_xml_never_reaches_the_solver(tmp_path: Path,
                                                      rng: random.Random) -> None:
    """A random number cell of the example set to 1e309 in the XML: solve refuses it
    with its cell before building any model (exit 1), never an OverflowError."""
    from sovopt.schema import number_columns

    choices = [(s, c) for s, c in number_columns() if column_cells(EXAMPLE, s, c)]
    sheet, col = rng.choice(choices)
    cell = rng.choice(column_cells(EXAMPLE, sheet, col))
    path = set_cells_xml(EXAMPLE, tmp_path / "case.xlsx", sheet.name,
                         {cell: rng.choice(["1e309", "-1e309", "1E400"])})
    proc = sovopt(["solve", path.name, "--json"], tmp_path, tmp_path / "store", timeout=30)
    assert_clean(proc, (path.name,))
    assert proc.returncode == 1
    cells = {(p["sheet"], p["cell"]) for p in json.loads(proc.stdout)["problems"]}
    assert (sheet.name, cell) in cells


# --------------------------------------------------------------------------- stores


def test_damaged_stores(tmp_path: Path, rng: random.Random) -> None:
    """A real store cut short, with flipped bytes, replaced by noise, or foreign."""
    case, _ = case_workbook(hand_case(budget=BUDGET), tmp_path)
    good = tmp_path / "good"
    for proc in sovopt_many([["solve", case.name, "--store", good]] * 2, tmp_path, good):
        assert proc.returncode == 0, proc.stderr
    con = sqlite3.connect(good / DB_NAME)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = (good / DB_NAME).read_bytes()
    damaged = {
        "cut": data[: int(len(data) * rng.uniform(0.15, 0.8))],
        "flipped": bytes(b ^ (0xFF if rng.random() < 0.02 else 0) for b in data),
        "noise": rng.randbytes(len(data)),
        "header": b"SQLite format 3\x00" + rng.randbytes(200),
    }
    commands, folders = [], []
    for name, content in damaged.items():
        folder = tmp_path / name
        folder.mkdir()
        (folder / DB_NAME).write_bytes(content)
        for args in (["runs"], ["runs", "show", "r1"], ["solve", case.name]):
            commands.append([*args, "--store", folder])
            folders.append(folder)
    for folder, proc in zip(folders, sovopt_many(commands, tmp_path, good), strict=True):
        assert_clean(proc, (str(folder),))


# --------------------------------------------------------------------------- kill -9


def _kill_at_random(args: list[str], cwd: Path, store: Path, delay: float) -> int:
    env = {**os.environ, "SOVOPT_STORE": str(store)}
    proc = subprocess.Popen([sys.executable, "-c", ENTRY, *map(str, args)], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    return proc.returncode


def test_kill_9_during_solve_and_write_back_loses_nothing(tmp_path: Path,
                                                          rng: random.Random) -> None:
    """kill -9 at random moments of `solve --into-input`: the case workbook is always a
    readable case (its input unchanged), the earlier results workbook is either the
    old one or a complete new one, and the store is sound and lists every run."""
    case, _ = case_workbook(hand_case(budget=BUDGET), tmp_path)
    store = tmp_path / "store"
    proc = sovopt(["solve", case.name], tmp_path, store)
    assert proc.returncode == 0, proc.stderr
    results = tmp_path / "case.results.xlsx"
    inputs_before = read_case(case)[0].options
    for delay in (rng.uniform(0.3, 2.0), rng.uniform(2.0, 5.0)):
        _kill_at_random(["solve", case.name, "--into-input"], tmp_path, store, delay)
        read, _ = read_case(case)  # never half-written
        assert read.options.equals(inputs_before)
        openpyxl.load_workbook(results, read_only=True).close()
        for bak in tmp_path.glob("case.xlsx*.bak"):  # a backup is a whole workbook too
            openpyxl.load_workbook(io.BytesIO(bak.read_bytes()), read_only=True).close()
    with RunStore(store) as st:
        assert st.integrity_check() == "ok"
        listed = st.list()
    assert 1 <= len(listed) <= 3  # a process killed before it began records nothing
    assert listed["status"].iloc[-1] == "optimal"
    assert set(listed["status"]) <= {"optimal", "interrupted"}
    proc = sovopt(["runs"], tmp_path, store)
    assert_clean(proc)


def test_four_parallel_solves_into_one_store(tmp_path: Path) -> None:
    case, _ = case_workbook(hand_case(budget=BUDGET), tmp_path)
    store = tmp_path / "store"
    env = {**os.environ, "SOVOPT_STORE": str(store)}
    procs = [subprocess.Popen([sys.executable, "-c", ENTRY, "solve", case.name, "--out",
                               f"r{i}.xlsx", "--label", f"p{i}", "--json"], cwd=tmp_path,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for i in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert "Traceback" not in err
        json.loads(out)
    with RunStore(store) as st:
        listed = st.list()
        assert st.integrity_check() == "ok"
    assert sorted(listed["label"]) == ["p0", "p1", "p2", "p3"]
    assert listed["run_id"].is_unique
    assert set(listed["status"]) == {"optimal"}
    ids = {json.loads(out)["run_id"] for out, _ in outs}
    assert ids == set(listed["run_id"])

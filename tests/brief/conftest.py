"""What the brief's tests share: one solve per case for the whole run, the CLI runner.

The example is solved once (10 s time limit) and the real-data example once
(15 s), each into its own run store; every brief test briefs those runs.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from sovopt.cli import main
from sovopt.report import Report
from sovopt.runs import RunStore

INPUTS = Path(__file__).resolve().parents[2] / "inputs"


def sovopt(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run ``sovopt args`` through :func:`sovopt.cli.main`; (exit code, stdout, stderr)."""
    runner = CliRunner()
    with runner.isolation(env=env) as (out, err, _):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        return code, out.getvalue().decode(), err.getvalue().decode()


@dataclass
class Solved:
    """A case solved once: its folder, store, results workbook and the stored Report."""

    folder: Path
    store: Path
    results: Path
    report: Report


def solve(folder: Path, names: list[str], time_limit: str) -> Solved:
    for name in names:
        shutil.copy(INPUTS / name, folder / name)
    case = folder / names[0]
    results = folder / (case.stem + ".results.xlsx")
    store = folder / "store"
    code, out, err = sovopt("solve", str(case), "--time-limit", time_limit, "--store",
                            str(store), "--out", str(results), "--json")
    assert code == 0, err
    run_id = json.loads(out)["run_id"]
    with RunStore(store) as runs:
        report = runs.get(run_id)
    return Solved(folder, store, results, report)


@pytest.fixture(scope="session")
def example(tmp_path_factory) -> Solved:
    """The fictional example, solved once."""
    return solve(tmp_path_factory.mktemp("example"), ["example_case.xlsx"], "10")


@pytest.fixture(scope="session")
def poland(tmp_path_factory) -> Solved:
    """The real-data example with its status quo beside it, solved once."""
    return solve(tmp_path_factory.mktemp("poland"),
                 ["poland_materials.xlsx", "poland_materials.status-quo.xlsx"], "15")

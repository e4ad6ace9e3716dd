"""Usage errors exit 2 in every command (issue 24, item 4; README "Exit codes").

A word on the command line that names nothing (``--objective fastest``), a value out
of its range (``--gap 5``), a ``--vary`` that cannot be read, and a destructive
command that has no terminal to ask on are usage errors: exit 2, one clear message,
and under ``--json`` the one error object. A preset file that is missing stays exit 1
(a file sovopt cannot use).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sovopt.errors import EXIT_INVALID, EXIT_USAGE
from sovopt.runs import RunStore
from tests.cli.test_cli_runs import sovopt
from tests.paths import EXAMPLE


@pytest.fixture
def case(tmp_path: Path) -> list[str]:
    """A copy of the example and a throwaway store: were a check to let a command run,
    it would write nothing beside the shipped example or into a real store."""
    path = tmp_path / "case.xlsx"
    shutil.copy2(EXAMPLE, path)
    return [str(path), "--store", str(tmp_path / "store")]


@pytest.mark.parametrize("command", ["solve", "sweep", "robust"])
def test_an_unknown_preset_is_a_usage_error(command: str, case: list[str]) -> None:
    extra = ["--vary", "budget=1"] if command == "sweep" else []
    code, out, err = sovopt(command, *case, *extra, "--objective", "fastest")
    assert code == EXIT_USAGE, err
    assert "unknown objective 'fastest'" in err
    assert "min_dependence, min_cost, balanced" in err and out == ""


def test_a_misspelt_preset_names_the_closest_under_json(case: list[str]) -> None:
    code, out, _ = sovopt("solve", *case, "--objective", "min_cots", "--json")
    assert code == EXIT_USAGE
    doc = json.loads(out)
    assert doc["exit_code"] == EXIT_USAGE
    assert "did you mean 'min_cost'?" in doc["error"]


def test_a_missing_preset_file_is_a_file_sovopt_cannot_use(tmp_path: Path,
                                                            case: list[str]) -> None:
    code, _, err = sovopt("solve", *case, "--objective", str(tmp_path / "mine.yaml"))
    assert code == EXIT_INVALID
    assert "mine.yaml not found" in err


@pytest.mark.parametrize("args", [["solve", "--gap", "5"], ["solve", "--gap", "-0.1"],
                                  ["solve", "--time-limit", "0"],
                                  ["sweep", "--vary", "budget=1:2"],
                                  ["sweep", "--vary", "nothing=1:2:3"],
                                  ["sweep", "--vary", "budget"],
                                  ["sweep", "--vary", "scenario:NOPE.loss=0:1:3"]])
def test_bad_numbers_and_bad_vary_are_usage_errors(args: list[str], case: list[str]) -> None:
    command, *rest = args
    code, out, err = sovopt(command, *case, *rest)
    assert code == EXIT_USAGE, err
    assert rest[0] in err  # the message names the option
    assert out == ""


def _delete_without_terminal(folder: Path, *extra: str, answer: bytes | None = None
                             ) -> subprocess.CompletedProcess[str]:
    """``sovopt runs delete r1`` as a script runs it: stdin is no terminal (empty, or
    carrying ``answer``)."""
    env = {**os.environ, "SOVOPT_STORE": str(folder)}
    return subprocess.run([sys.executable, "-c", "from sovopt.cli import main; main()",
                           "runs", "delete", "r1", *extra],
                          input=answer.decode() if answer is not None else "",
                          capture_output=True, text=True, env=env, timeout=120)


def test_a_destructive_command_without_a_terminal_says_use_yes(store) -> None:
    folder, (a, b, c) = store
    proc = _delete_without_terminal(folder)
    assert proc.returncode == EXIT_USAGE, proc.stderr
    assert "use --yes" in proc.stderr and f"delete run {a}" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = _delete_without_terminal(folder, "--json")
    assert proc.returncode == EXIT_USAGE
    doc = json.loads(proc.stdout)
    assert doc["exit_code"] == EXIT_USAGE and "use --yes" in doc["error"]
    with RunStore(folder) as st:  # nothing was deleted
        assert sorted(st.list()["run_id"]) == sorted([a, b, c])
    # an answer piped in is still read, and --yes still deletes without asking
    proc = _delete_without_terminal(folder, answer=b"y\n")
    assert proc.returncode == 0 and f"deleted run {a}" in proc.stderr
    with RunStore(folder) as st:
        assert sorted(st.list()["run_id"]) == sorted([b, c])

"""The solve room by job (#20): the level optimiser, the marginal values and the starts
are modules of their own, so the constructive start (which solves blocks with the
level optimiser) no longer imports the solve that imports it, and no module of the
room is over 600 lines."""

from __future__ import annotations

import subprocess
import sys

from tests.paths import REPO

ROOM = ("sovopt/solver.py", "sovopt/level.py", "sovopt/duals.py", "sovopt/time_budget.py",
        "sovopt/status.py", "sovopt/highs.py", "sovopt/supervise.py", "sovopt/heuristics/starts.py",
        "sovopt/heuristics/construct.py", "sovopt/heuristics/relax_and_fix.py",
        "sovopt/heuristics/repair.py", "sovopt/heuristics/complete.py",
        "sovopt/cli/cmd_solve.py")


def test_the_heuristics_and_the_level_optimiser_do_not_load_the_solve() -> None:
    code = ("import sys\n"
            "import sovopt.heuristics.construct, sovopt.heuristics.starts, sovopt.level\n"
            "import sovopt.duals\n"
            "print('sovopt.solver' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_no_module_of_the_room_is_over_600_lines() -> None:
    sizes = {name: len((REPO / name).read_text().splitlines()) for name in ROOM}
    assert max(sizes.values()) <= 600, sizes

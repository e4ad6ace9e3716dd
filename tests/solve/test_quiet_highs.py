"""No HiGHS banner or log without --debug (#24 item 6), in any process.

HiGHS prints "Running HiGHS ... Copyright" from C++ when an instance is made;
every instance of sovopt is made by :func:`sovopt.highs.new_highs`, which sends
that to the null device unless SOVOPT_HIGHS_LOG=1 (what --debug sets, and what
a study's worker processes inherit). Checked on the process's own stdout and
stderr (file descriptors, not Python's streams), in a fresh process each.
"""

from __future__ import annotations

import os
import subprocess
import sys

from sovopt.highs import HIGHS_LOG_ENV

SCRIPT = """
import highspy, numpy as np
from scipy import sparse
from sovopt.highs import new_highs, pass_arrays, solver_options
h = new_highs(solver_options(0.0, 5.0))
pass_arrays(h, sparse.csr_array(np.ones((1, 2))), np.array([1.0, 2.0]), np.zeros(2),
            np.ones(2), np.array([1.0]), np.array([highspy.kHighsInf]),
            np.ones(2, dtype=np.int32))
h.run()
print("objective", h.getInfo().objective_function_value)
"""


def run(log: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != HIGHS_LOG_ENV}
    if log:
        env[HIGHS_LOG_ENV] = "1"
    return subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          env=env, timeout=120)


def test_highs_says_nothing_by_default() -> None:
    """min x1 + 2 x2, x1 + x2 ≥ 1, binaries: objective 1; nothing else is printed."""
    out = run(log=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "objective 1.0\n"
    assert "HiGHS" not in out.stderr and "Copyright" not in out.stderr


def test_the_debug_switch_lets_highs_log_to_stderr_only() -> None:
    out = run(log=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "objective 1.0"
    assert "Copyright" not in out.stdout  # stdout stays clean for --json
    assert "Running HiGHS" in out.stderr


def test_debug_sets_the_switch_for_the_workers_too() -> None:
    """--debug sets the variable in the environment, which worker processes inherit."""
    env = {k: v for k, v in os.environ.items() if k != HIGHS_LOG_ENV}
    out = subprocess.run([sys.executable, "-c",
                          "import os, sys\nfrom sovopt.cli.app import main\n"
                          "try:\n    main(['--debug', 'validate', 'no-such-case.xlsx'])\n"
                          "except SystemExit:\n    pass\n"
                          f"print(os.environ.get('{HIGHS_LOG_ENV}'))"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "1", out.stdout + out.stderr

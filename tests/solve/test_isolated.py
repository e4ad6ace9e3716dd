"""A level's MIP in a child process (sovopt.isolated): the same answers as in this
process, and a run that does not stop when asked is ended at its deadline with the
plan it had reported kept."""

from __future__ import annotations

import os
import time

import highspy
import numpy as np
import pytest

import sovopt.level_methods
from sovopt.isolated import GRACE, cpu_seconds, race, run_in_child
from sovopt.solver import solve_case
from sovopt.supervise import Stop
from tests.builders import hand_case
from tests.checker import check_portfolio

#: What the stubborn child reports before it stops listening (objective, plan).
STUBBORN_PLAN = (1.5, [0.0, 1.0, 0.0, 1.0])


def knapsack() -> highspy.Highs:
    """max 10a + 13b + 7c + 8d with 5a + 6b + 3c + 4d ≤ 10, binaries: by hand the best
    pair is b and d (weight 10, value 21); every other set of weight ≤ 10 is worth less
    (a+d 18, b+c 20, a+c 17, c+d 15, a+b and b+c+d too heavy)."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    cols = np.arange(4, dtype=np.int32)
    h.addVars(4, np.zeros(4), np.ones(4))
    h.changeColsCost(4, cols, -np.array([10.0, 13.0, 7.0, 8.0]))
    h.changeColsIntegrality(4, cols, np.array([highspy.HighsVarType.kInteger] * 4))
    h.addRow(-highspy.kHighsInf, 10.0, 4, cols, np.array([5.0, 6.0, 3.0, 4.0]))
    return h


def stubborn(conn, model, options_file, start, options) -> None:
    """Stands for HiGHS inside work without an interrupt check: reports one plan,
    then neither listens nor ends."""
    conn.send(("improved", STUBBORN_PLAN[0], np.array(STUBBORN_PLAN[1])))
    while True:
        time.sleep(1.0)


def test_a_child_run_proves_the_knapsack_optimum_worked_by_hand() -> None:
    run = run_in_child(knapsack(), None, Stop())
    assert run.status == highspy.HighsModelStatus.kOptimal and not run.killed
    assert run.objective == -21.0 and run.bound == -21.0
    assert np.allclose(run.values, [0, 1, 0, 1])
    assert float(np.dot([5, 6, 3, 4], run.values)) <= 10.0


def test_a_child_that_does_not_stop_is_killed_at_its_deadline_keeping_its_plan() -> None:
    stop = Stop()
    stop.deadline = time.monotonic() + 2.0
    t0 = time.monotonic()
    run = run_in_child(knapsack(), np.zeros(4), stop, target=f"{__name__}:stubborn")
    took = time.monotonic() - t0
    assert run.killed and run.status == highspy.HighsModelStatus.kInterrupt
    assert 2.0 + GRACE <= took < 2.0 + GRACE + 2.0
    assert run.objective == STUBBORN_PLAN[0]
    assert list(run.values) == STUBBORN_PLAN[1]


def test_a_child_run_counts_in_the_cpu_seconds() -> None:
    """The child's CPU time is counted once it has ended: a child that burns CPU for
    about a second adds about a second, while this process only waited."""
    before, own = cpu_seconds(), time.process_time()
    run_in_child(knapsack(), None, Stop(), target=f"{__name__}:busy")
    assert cpu_seconds() - before - (time.process_time() - own) >= 0.8


def busy(conn, model, options_file, start, options) -> None:
    """Burns about a second of CPU, then ends like a run that found nothing."""
    t = time.process_time()
    while time.process_time() - t < 1.0:
        pass
    conn.send(("done", int(highspy.HighsModelStatus.kTimeLimit), float("inf"), None, None))


def test_levels_run_in_a_child_give_the_same_verified_optima(monkeypatch) -> None:
    """The hand case's three levels, proven optimal in this process and in a child
    process each (every model counts as large), have the same values, and the plan
    satisfies every constraint."""
    here = solve_case(hand_case(), "min_dependence", 60)
    monkeypatch.setattr(sovopt.level_methods, "ISOLATE_MIN_ROWS", 0)
    child = solve_case(hand_case(), "min_dependence", 60)
    solved = [lv for lv in here.levels if lv.value is not None]
    assert len(solved) == 3
    for a, b in zip(solved, [lv for lv in child.levels if lv.value is not None], strict=True):
        assert a.status == b.status == "optimal"
        assert abs(a.value - b.value) <= 1e-9 * max(1.0, abs(a.value))
    assert check_portfolio(hand_case(), child.portfolio) == []


def named(conn, model, options_file, start, options) -> None:
    """Says its process id (as a bound), then neither listens nor ends."""
    conn.send(("progress", float(os.getpid()), None))
    while True:
        time.sleep(1.0)


def test_a_second_ctrl_c_while_waiting_kills_the_child_before_it_goes_on() -> None:
    """A KeyboardInterrupt raised while the parent waits (the second Ctrl-C; here from
    the heartbeat) ends the child before the exception leaves run_in_child, so no
    HiGHS run is left going when the command exits."""
    seen: list[int] = []

    def beat(state, elapsed, improved) -> None:
        if state.bound is not None:
            seen.append(int(state.bound))
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_in_child(knapsack(), None, Stop(), beat, every=0.0, target=f"{__name__}:named")
    assert seen
    with pytest.raises(ProcessLookupError):
        os.kill(seen[0], 0)


def test_a_race_of_two_seeds_gives_each_run_its_proven_optimum() -> None:
    """Two children at once, differing only in their random seed and a core each,
    both prove the knapsack's optimum (21, worked by hand above)."""
    runs = race(knapsack(), [(None, {"threads": 1}), (None, {"threads": 1, "random_seed": 1})],
                Stop())
    assert [r.status for r in runs] == [highspy.HighsModelStatus.kOptimal] * 2
    assert [r.objective for r in runs] == [-21.0, -21.0]
    assert all(np.allclose(r.values, [0, 1, 0, 1]) for r in runs)


def test_the_child_imports_the_sovopt_this_process_runs() -> None:
    """The folder this sovopt is imported from comes first on the child's path, so a
    sovopt found through a path set at run time is the one the child runs too."""
    import sovopt
    from sovopt.isolated import _child_environment

    first = _child_environment()["PYTHONPATH"].split(os.pathsep)[0]
    assert first == os.path.dirname(os.path.dirname(os.path.abspath(sovopt.__file__)))

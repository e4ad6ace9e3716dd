"""Where the build and hand-off time goes: ``python -m bench --profile-build SIZE``.

Builds the model of a generated case step by step, as
:func:`sovopt.model.build_model` does (variables, spend, each constraint
family, the objective terms), timing each step and counting the rows it adds;
then hands the model to HiGHS under cProfile and prints the functions that
take the most time in both.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time

import pyomo.environ as pyo

from bench.generate import generate_case


def _rows(m: pyo.ConcreteModel) -> int:
    from sovopt.model.arrays import array_blocks

    return (sum(len(c) for c in m.component_objects(pyo.Constraint, active=True))
            + sum(b.num_row for b in array_blocks(m)))


def _cols(m: pyo.ConcreteModel) -> int:
    return sum(len(v) for v in m.component_objects(pyo.Var, active=True))


def family_times(d, switched_off: frozenset[str] = frozenset()) -> tuple[
        pyo.ConcreteModel, list[tuple[str, float, int, int]]]:
    """Build the model of ``d`` step by step: (step, CPU seconds, rows added, columns added).

    Rows and columns count Pyomo components and array blocks alike."""
    from sovopt.model import FAMILIES
    from sovopt.model.constraints.budget import add_spend
    from sovopt.model.terms import add_terms
    from sovopt.model.variables import add_variables

    m = pyo.ConcreteModel(name=d.case.settings.case_name)
    steps = [("variables", lambda: add_variables(m, d)), ("spend", lambda: add_spend(m, d))]
    steps += [(name, lambda fam=fam: fam.add(m, d)) for name, fam in FAMILIES.items()
              if name not in switched_off]
    steps.append(("terms", lambda: setattr(m, "term_names", add_terms(m, d))))
    out = []
    for name, step in steps:
        rows, cols = _rows(m), _cols(m)
        t0 = time.process_time()
        step()
        out.append((name, time.process_time() - t0, _rows(m) - rows, _cols(m) - cols))
    return m, out


def nonzeros_by_family(hm) -> str:
    """Rows and non-zeros of the compiled matrix per constraint family, largest first."""
    import numpy as np

    names = np.array([con.parent_component().local_name for con, _ in hm.rows])
    per_row = np.diff(hm.A.indptr)
    total = int(per_row.sum()) or 1
    lines = [f"{'family':<22}{'rows':>11}{'non-zeros':>12}{'share':>8}"]
    fams = {n: (int((names == n).sum()), int(per_row[names == n].sum()))
            for n in dict.fromkeys(names.tolist())}
    for name, (rows, nnz) in sorted(fams.items(), key=lambda kv: -kv[1][1]):
        lines.append(f"{name:<22}{rows:>11,}{nnz:>12,}{100 * nnz / total:>7.1f}%")
    return "\n".join(lines)


def _top(profile: cProfile.Profile, sort: str, n: int) -> str:
    buf = io.StringIO()
    pstats.Stats(profile, stream=buf).strip_dirs().sort_stats(sort).print_stats(n)
    text = buf.getvalue()
    start = text.find("   ncalls")
    return text[start:] if start >= 0 else text


def profile_build(size: str, seed: int = 0, top: int = 25) -> None:
    """Print per-family build times and the cProfile of the build and the hand-off."""
    from sovopt.highs import to_highs
    from sovopt.model import build_model
    from sovopt.prepare import prepare

    t0 = time.perf_counter()
    case = generate_case(size, seed)
    print(f"generate {time.perf_counter() - t0:.2f} s")
    t0 = time.perf_counter()
    d = prepare(case)
    print(f"prepare {time.perf_counter() - t0:.2f} s: {len(d.options):,} options, "
          f"{len(d.deliveries):,} deliveries, {len(d.starts):,} starts, "
          f"{len(d.loss):,} scenario losses")

    m, steps = family_times(d)
    total = sum(s for _, s, _, _ in steps)
    print(f"\nbuild, step by step: {total:.2f} CPU s")
    print(f"{'step':<22}{'CPU s':>9}{'share':>8}{'rows':>11}{'columns':>10}{'us/row':>9}")
    for name, sec, rows, cols in steps:
        per = f"{1e6 * sec / rows:.0f}" if rows else "-"
        print(f"{name:<22}{sec:>9.2f}{100 * sec / total:>7.1f}%{rows:>11,}{cols:>10,}{per:>9}")

    t0 = time.process_time()
    hm = to_highs(m, m.term_names, {"output_flag": False})
    print(f"\nhand-off (to_highs): {time.process_time() - t0:.2f} CPU s; {hm.stats()}")
    print(nonzeros_by_family(hm))
    del hm
    prof = cProfile.Profile()
    prof.enable()
    hm = to_highs(m, m.term_names, {"output_flag": False})
    prof.disable()
    print("\nhand-off under cProfile (cProfile slows Python code about 2x)")
    print(_top(prof, "cumulative", top))
    del hm, m

    prof = cProfile.Profile()
    t0 = time.process_time()
    prof.enable()
    build_model(d)
    prof.disable()
    print(f"build_model under cProfile: {time.process_time() - t0:.2f} CPU s "
          "(cProfile slows Python code about 2x)")
    print(_top(prof, "tottime", top))

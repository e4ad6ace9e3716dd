"""Small planning cases for the model's known-answer tests, built on :func:`build_case`.

Every case has the same cast unless a test replaces it:

- countries: ``H`` home, ``A`` and ``B`` allies, ``P`` partner, ``N`` neutral,
  ``X`` adversary, ``Z`` prohibited (max_share left blank: the tier default);
- suppliers: one per country, ``S`` + the country id (``SH``, ``SA``, ...), no
  activation cost, unlimited capacity;
- one capability ``R`` (whole units) unless ``capabilities`` says otherwise;
- a budget of 100 a year and no localization target.

Options are written with :func:`option`, which fills the mode from the
supplier's country (``domestic`` at home, ``buy`` abroad) and gives domestic
options 100 % local content. The helpers at the end read a
:class:`~sovopt.solver.SolveResult` back as plain dicts.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from sovopt.case import Case
from sovopt.case_records import build_case
from sovopt.presets import Preset, parse_preset
from sovopt.solver import SolveResult, solve_case
from tests.checker import check_portfolio

HOME = "H"
FIRST_YEAR = 2027

#: country id -> tier of the default cast
TIERS = {"H": "home", "A": "ally", "B": "ally", "P": "partner", "N": "neutral",
         "X": "adversary", "Z": "prohibited"}


def countries(risk: Mapping[str, float] | None = None,
              max_share: Mapping[str, float] | None = None) -> list[dict]:
    """The default countries, with optional risk scores and max_share overrides."""
    risk, max_share = risk or {}, max_share or {}
    rows = []
    for cid, tier in TIERS.items():
        row: dict = {"country_id": cid, "name": f"country {cid}", "tier": tier,
                     "risk_score": float(risk.get(cid, 0.0))}
        if cid in max_share:
            row["max_share"] = float(max_share[cid])
        rows.append(row)
    return rows


def supplier(country: str, sid: str | None = None, activation_cost: float = 0.0,
             capacity: float | None = None) -> dict:
    """A supplier record based in ``country`` (id ``S<country>`` unless given)."""
    row: dict = {"supplier_id": sid or f"S{country}", "name": f"supplier {sid or country}",
                 "country_id": country, "activation_cost": float(activation_cost)}
    if capacity is not None:
        row["capacity_per_year"] = float(capacity)
    return row


def default_suppliers() -> list[dict]:
    """One supplier per default country: SH, SA, SB, SP, SN, SX, SZ."""
    return [supplier(c) for c in TIERS]


def option(oid: str, supplier_id: str, unit_cost: float, capability: str = "R",
           mode: str | None = None, **fields: object) -> dict:
    """An option record; mode defaults to domestic for ``SH`` and buy otherwise.

    Domestic options default to local_content 1; any other Options column may
    be given as a keyword (fixed_cost, lead_time_years, max_qty_per_year, ...).
    """
    if mode is None:
        mode = "domestic" if supplier_id == f"S{HOME}" else "buy"
    row: dict = {"option_id": oid, "capability_id": capability, "supplier_id": supplier_id,
                 "mode": mode, "unit_cost": float(unit_cost)}
    if mode == "domestic":
        row["local_content"] = 1.0
    row.update(fields)
    return row


def input_row(option_id: str, country: str, share: float, critical: bool = True,
              name: str = "part") -> dict:
    """An Inputs record: ``share`` of ``option_id``'s value sourced from ``country``."""
    return {"option_id": option_id, "input": name, "source_country_id": country,
            "value_share": float(share), "critical": critical}


def scenario(sid: str, country: str, loss: float, probability: float,
             from_year: int | None = None, to_year: int | None = None) -> dict:
    """A Scenarios record cutting ``loss`` of ``country``'s supply."""
    row: dict = {"scenario_id": sid, "name": f"scenario {sid}", "probability": probability,
                 "country_id": country, "loss": float(loss)}
    if from_year is not None:
        row["from_year"] = from_year
    if to_year is not None:
        row["to_year"] = to_year
    return row


def make_case(options: list[dict], *, years: Sequence[int] = (FIRST_YEAR,),
              demand: Mapping[str, float | Sequence[float]] | None = None,
              capabilities: list[dict] | None = None,
              suppliers: list[dict] | None = None,
              country_rows: list[dict] | None = None,
              inputs: list[dict] | None = None,
              budget: float | Sequence[float] = 100.0,
              local_share: float | Sequence[float] = 0.0,
              scenarios: list[dict] | None = None,
              **settings: object) -> Case:
    """A case from the default cast plus ``options``.

    ``demand`` maps a capability to one number (every year) or one number per
    year (default: 10 units of ``R`` a year); ``budget`` and ``local_share``
    are one number or one per year; ``settings`` override Settings keys
    (allow_unmet, cvar_beta, ...).
    """
    years = list(years)
    demand = {"R": 10.0} if demand is None else demand
    capabilities = capabilities or [{"capability_id": r, "name": f"capability {r}"}
                                    for r in demand]
    return build_case(
        {"case_name": "known answer", "home_country": HOME, "first_year": years[0],
         "last_year": years[-1], **settings},
        countries=country_rows or countries(),
        suppliers=suppliers or default_suppliers(),
        capabilities=capabilities,
        demand=[{"capability_id": r, "year": t, "demand": float(q)}
                for r, qs in demand.items() for t, q in zip(years, _per_year(qs, years),
                                                            strict=True)],
        options=options,
        inputs=inputs or [],
        budget=[{"year": t, "budget": float(b), "min_local_share": float(ls)}
                for t, b, ls in zip(years, _per_year(budget, years),
                                    _per_year(local_share, years), strict=True)],
        scenarios=scenarios or [],
    )


def _per_year(value: float | Sequence[float], years: list[int]) -> list[float]:
    if isinstance(value, int | float):
        return [float(value)] * len(years)
    values = [float(v) for v in value]
    if len(values) != len(years):
        raise ValueError(f"expected {len(years)} values, got {len(values)}")
    return values


def preset(levels: Iterable[Mapping[str, float]], relative: float = 0.0,
           absolute: float = 1e-6, switch_off: Iterable[str] = ()) -> Preset:
    """A preset with the given levels (term -> weight), by default held exactly."""
    return parse_preset({
        "name": "test preset",
        "tolerance": {"relative": relative, "absolute": absolute},
        "switch_off": list(switch_off),
        "levels": [{"name": f"level {i}", "terms": dict(lv)}
                   for i, lv in enumerate(levels, start=1)],
    }, source="test preset")


def solve(case: Case, objective: str | Preset = "min_cost", **kw: object) -> SolveResult:
    """Solve to proven optimality (gap 0), quietly, with a short time limit."""
    kw.setdefault("gap", 0.0)
    kw.setdefault("time_limit", 30.0)
    return solve_case(case, objective, **kw)


def units(result: SolveResult) -> dict[tuple[str, int], float]:
    """(option, year) -> units delivered."""
    d = result.portfolio.deliveries
    return {(o, int(t)): float(u)
            for o, t, u in zip(d["option_id"], d["year"], d["units"], strict=True)}


def totals(result: SolveResult) -> dict[str, float]:
    """option -> units delivered over the horizon."""
    out: dict[str, float] = {}
    for (o, _t), u in units(result).items():
        out[o] = out.get(o, 0.0) + u
    return out


def starts(result: SolveResult) -> dict[str, int]:
    """option -> start year (the portfolio's kept starts)."""
    s = result.portfolio.starts
    return {o: int(t) for o, t in zip(s["option_id"], s["start_year"], strict=True)}


def objective(result: SolveResult) -> float:
    """The value of the last level that was optimised."""
    values = [lv.value for lv in result.levels if lv.value is not None]
    assert values, f"no level was solved: {result.status}"
    return float(values[-1])


def level_value(result: SolveResult, name: str) -> float:
    """The optimised value of the level called ``name``."""
    for lv in result.levels:
        if lv.name == name:
            assert lv.value is not None, f"level {name} has no value ({lv.status})"
            return float(lv.value)
    raise KeyError(f"no level {name!r} in {[lv.name for lv in result.levels]}")


def covers(*families: str) -> Callable:
    """Mark the decorated test as a known-answer test of ``families`` (read by
    :func:`covered_families`)."""

    def mark(fn: Callable) -> Callable:
        return fn

    return mark


def covered_families(folder: Path | None = None) -> dict[str, list[str]]:
    """family -> the tests marked ``@covers(family)`` in the test modules of ``folder``.

    Read from the source (no test module imports another): every decorated
    function of every ``test_*.py``.
    """
    folder = folder or Path(__file__).resolve().parent
    found: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            for deco in node.decorator_list:
                if (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Name)
                        and deco.func.id == "covers"):
                    for arg in deco.args:
                        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                            found.setdefault(arg.value, []).append(node.name)
    return found


def feasible(case, result: SolveResult) -> None:
    """The solve is optimal and the independent checker finds nothing wrong."""
    assert result.status == "optimal", (result.status, result.diagnosis)
    assert check_portfolio(case, result.portfolio) == []


MIN_COST_WITHOUT = {fam: preset([{"cost": 1}], switch_off=[fam])
                    for fam in ("min_order", "supplier_capacity", "budget", "localization",
                                "country_share", "dual_sourcing")}

"""The output schema: every KPI and result column, with its key, label, unit and format.

This is the output side of :mod:`sovopt.schema`. Scripts see the keys (the
Summary's ``metric`` column, ``--json``, the run store, the tidy tables);
people see the labels ("Import concentration (HHI), mean"). Each quantity has
one number format, used everywhere it is shown: the Summary sheet (an Excel
number format, :meth:`Quantity.excel_format`), the terminal tables of
``sovopt solve``, ``sovopt stress``, ``sovopt runs`` and ``sovopt compare``
(:meth:`Quantity.text`) and the documentation (:func:`markdown_table`).

A new KPI is one :class:`Quantity` line in :data:`SUMMARY` (in the order the
Summary shows it) and its value in :func:`sovopt.metrics.evaluate`'s ``kpis``;
a new result column is one line in its table of :data:`TABLES`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

#: Number formats by kind: (Excel number format, Python format for the terminal).
#: ``money`` takes the case's currency in both (``{cur}``).
FORMATS: dict[str, tuple[str, str]] = {
    "text": ("@", "{}"),
    "money": ('#,##0.00 "{cur}"', "{:,.2f} {cur}"),
    "share": ("0.0%", "{:.1%}"),
    "share_fine": ("0.00%", "{:.2%}"),
    "hhi": ("0.000", "{:.3f}"),
    "units": ("#,##0.00", "{:,.2f}"),
    "count": ("0", "{:,.0f}"),
    "year": ("0", "{:.0f}"),
    "seconds": ('0.0 "s"', "{:.1f} s"),
    "number": ("0.000000", "{:.6g}"),
    "exact": ("General", "{:.10g}"),  # a value to be typed in as it is (diagnosis)
    "flag": ("@", "{}"),
}


@dataclass(frozen=True)
class Quantity:
    """One output quantity: ``key`` (what scripts read), ``label`` (what people read),
    ``unit`` (in words), ``kind`` (its number format, :data:`FORMATS`), ``meaning``."""

    key: str
    label: str
    unit: str
    kind: str
    meaning: str
    short: str = ""
    #: the kind of thing an id column names (country, capability, supplier, scenario):
    #: people see its name beside the id, from the run's ``names``
    entity: str = ""

    @property
    def brief(self) -> str:
        """A short label for a narrow table column (the label if none is given)."""
        return self.short or self.label

    def excel_format(self, currency: str = "") -> str | None:
        """The Excel number format (None for text)."""
        if self.kind in ("text", "flag"):
            return None
        fmt = FORMATS[self.kind][0]
        if self.kind == "money":
            cur = _plain_currency(currency)
            return fmt.format(cur=cur) if cur else "#,##0.00"
        return fmt

    def text(self, value: object, currency: str = "") -> str:
        """``value`` formatted for a terminal: ``-`` when blank."""
        if is_blank(value):
            return "-"
        if self.kind in ("text", "flag") or isinstance(value, str | bool):
            return str(value)
        fmt = FORMATS[self.kind][1]
        return fmt.format(float(value), cur=currency).strip()

    def delta_text(self, value: object, currency: str = "") -> str:
        """A change of this quantity for a terminal: signed; blank when zero or blank."""
        if is_blank(value) or isinstance(value, str) or value == 0:
            return ""
        if self.kind in ("text", "flag"):
            return str(value)
        fmt = FORMATS[self.kind][1].replace("{:", "{:+", 1)
        return fmt.format(float(value), cur=currency).strip()

    def heading(self, currency: str = "") -> str:
        """The label with its unit, for a table heading or the Summary's meaning column."""
        unit = self.unit.replace("currency", currency or "currency")
        return f"{self.label} ({unit})" if unit else self.label

    def described(self, currency: str = "") -> str:
        """The meaning, with ``{cur}`` replaced by the currency."""
        return self.meaning.replace("{cur}", currency or "currency")


def _plain_currency(currency: str) -> str:
    """The currency without characters that would break an Excel number format."""
    return str(currency or "").replace('"', "").replace("\\", "").strip()


#: The id columns of the case whose names a run keeps: entity -> (table, id, name column).
NAMED = {"country": ("countries", "country_id", "name"),
         "capability": ("capabilities", "capability_id", "name"),
         "supplier": ("suppliers", "supplier_id", "name"),
         "scenario": ("scenarios", "scenario_id", "name")}


def name_of(names: dict | None, entity: str, key: object) -> str | None:
    """The name of id ``key`` from a run's ``names`` (entity -> id -> name), or None."""
    if is_blank(key):
        return None
    return ((names or {}).get(entity) or {}).get(str(key))


def shown_name(names: dict | None, entity: str, key: object) -> str:
    """``Westmere (WES)``: an id as people read it, with its name from a run's ``names``
    (entity -> id -> name); the id alone when there is no other name."""
    if is_blank(key):
        return "-"
    name = name_of(names, entity, key)
    return f"{name} ({key})" if name and str(name) != str(key) else str(key)


#: Kinds rounded to a fixed number of decimals (what the data can tell apart) and the
#: size below which a value is 0 (a solver's 1e-10 is no quantity a planner has).
DECIMALS = {"units": 6, "share": 9, "share_fine": 9, "hhi": 9, "seconds": 3}
#: Below this size any number is shown and stored as 0.
NEAR_ZERO = 1e-9
#: Significant digits kept of plain numbers (marginal values, objective values).
SIGNIFICANT = 9


def rounded(value: object, kind: str = "number") -> object:
    """``value`` rounded as people write it, by its kind (:data:`FORMATS`): money to
    1e-6 relative but never coarser than a cent (5649.000000000001 -> 5649.0),
    units to 1e-6, shares and HHI to 1e-9, plain numbers to 9 significant digits,
    counts and years to whole numbers; near-zeros become 0. Kind ``snap`` (units a
    planner may edit and ``sovopt stress`` reads back) only loses the solver's noise
    (36.490000000001 -> 36.49, 4.285714285714286 kept), so the plan reads back
    exactly. Text, blanks and the diagnosis's exact values (kind ``exact``) are
    returned as they are."""
    if isinstance(value, bool) or not isinstance(value, int | float) or kind in (
            "text", "flag", "exact"):
        return _as_float(value) if kind != "exact" else value
    if isinstance(value, int):
        return value
    x = float(value)
    if not math.isfinite(x):
        return value
    if kind in ("count", "year"):
        return int(round(x)) if abs(x - round(x)) < 1e-6 else x
    if kind == "snap":  # a value read back (Portfolio units): only the solver's noise goes
        near = round(x, DECIMALS["units"])
        return near if abs(near - x) <= NEAR_ZERO * max(1.0, abs(x)) else x
    if abs(x) < NEAR_ZERO:
        return 0.0
    magnitude = math.floor(math.log10(abs(x)))
    if kind == "money":
        decimals = max(2, 6 - magnitude)
    elif kind in DECIMALS:
        decimals = DECIMALS[kind]
    else:
        decimals = SIGNIFICANT - 1 - magnitude
    out = round(x, max(-15, min(decimals, 15)))
    return 0.0 if out == 0 else out


def _as_float(value: object) -> object:
    """A numpy number as a plain Python number; anything else unchanged."""
    item = getattr(value, "item", None)
    return item() if callable(item) and not isinstance(value, str) else value


def rounded_summary(summary: dict[str, object]) -> dict[str, object]:
    """A Summary with each value rounded by its kind (:func:`rounded`)."""
    return {k: rounded(v, summary_quantity(k).kind) for k, v in summary.items()}


def is_blank(value: object) -> bool:
    """None, NaN, pandas' NA: a measure that does not exist."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return str(value) in ("<NA>", "nan", "NaT")


Q = Quantity

#: The Summary, in order (README, the output contract).
SUMMARY: tuple[Quantity, ...] = (
    Q("status", "Status", "", "text",
      "optimal, time_limit (a verified plan, not proven optimal), interrupted, infeasible, "
      "no_solution, solver_error (stress: feasible or violated)"),
    Q("objective", "Objective", "", "text",
      "Objective preset used (stress = fixed portfolio, nothing optimised)"),
    Q("total_cost", "Total cost", "currency", "money",
      "Total spending over the horizon ({cur})", "cost"),
    Q("budget_total", "Total budget", "currency", "money",
      "Total budget over the horizon ({cur})"),
    Q("local_share", "Local share", "share of unit spending", "share",
      "Local content share of unit spending", "local share"),
    Q("exposure", "Risk-weighted foreign exposure", "share of budget", "share_fine",
      "Risk-weighted foreign-origin spending, as a share of the total budget"),
    Q("hhi_mean", "Import concentration (HHI), mean", "0-1", "hhi",
      "Import concentration (HHI of foreign origin, 0-1), mean over capabilities and "
      "years"),
    Q("hhi_max", "Import concentration (HHI), worst", "0-1", "hhi",
      "Import concentration (HHI), worst capability and year; above 0.4 is concentrated",
      "HHI worst"),
    Q("max_country_share", "Largest foreign country share", "share of supply", "share",
      "Largest share of any capability's supply in a year from one foreign country"),
    Q("import_risk", "Import risk (GeoPolRisk)", "0-1", "hhi",
      "Risk-weighted (Countries risk_score) foreign-origin share of all supply, "
      "criticality-weighted mean over capabilities (the GeoPolRisk method's import risk)"),
    Q("expected_shortfall", "Expected loss", "weighted share of demand", "share_fine",
      "Expected weighted share of demand lost over the scenarios"),
    Q("worst_case_shortfall", "Worst-case loss", "weighted share of demand", "share_fine",
      "Weighted share of demand lost in the worst scenario", "worst-case loss"),
    Q("cvar", "Tail loss (CVaR)", "weighted share of demand", "share_fine",
      "CVaR of scenario loss (mean loss of the worst tail, Settings cvar_beta)"),
    Q("unmet_units", "Unmet demand", "units", "units", "Units of demand not delivered"),
    Q("mip_gap", "Optimality gap", "relative", "share_fine",
      "Largest relative optimality gap left on any level"),
    Q("solve_seconds", "Solve time", "seconds", "seconds", "Solver time over all levels"),
    Q("run_id", "Run id", "", "text", "Id of this run"),
    Q("status_detail", "What the status means", "", "text",
      "What the status means for this plan, in words: how much better each level not "
      "proven optimal could be"),
)

#: Summary keys, in order.
SUMMARY_KEYS: tuple[str, ...] = tuple(q.key for q in SUMMARY)
#: The KPIs a portfolio has (the Summary without what a run adds).
METRIC_KEYS: tuple[str, ...] = tuple(
    k for k in SUMMARY_KEYS
    if k not in ("status", "objective", "mip_gap", "solve_seconds", "run_id",
                 "status_detail"))
#: The KPI columns of ``sovopt runs`` and, on a narrow terminal, the first two of them.
RUN_LIST_KEYS: tuple[str, ...] = ("total_cost", "local_share", "hhi_max",
                                  "worst_case_shortfall")
RUN_LIST_NARROW: tuple[str, ...] = ("total_cost", "hhi_max")

#: The result tables of a Report: name -> its columns, in order.
TABLES: dict[str, tuple[Quantity, ...]] = {
    "portfolio": (
        Q("option_id", "Option", "", "text", "Option of the case (Options sheet)"),
        Q("capability_id", "Capability", "", "text", "Capability the option delivers"),
        Q("supplier_id", "Supplier", "", "text", "Supplier of the option"),
        Q("country_id", "Country", "", "text", "The supplier's country"),
        Q("mode", "Mode", "", "text", "buy, license, coproduce or domestic"),
        Q("start_year", "Start year", "", "year", "Year the option starts (blank: not "
                                                  "started)"),
        Q("total_units", "Units", "units", "units", "Units delivered over the horizon"),
        Q("total_cost", "Cost", "currency", "money",
          "Units × unit cost plus the fixed cost (activation costs are the supplier's)"),
    ),
    "deliveries": (
        Q("option_id", "Option", "", "text", "Option of the case"),
        Q("year", "Year", "", "year", "Delivery year"),
        Q("units", "Units", "units", "units", "Units delivered that year"),
        Q("cost", "Unit spending", "currency", "money", "Units × unit cost"),
    ),
    "spend": (
        Q("year", "Year", "", "year", "Year paid"),
        Q("country_id", "Country", "", "text", "The supplier's country (who is paid)"),
        Q("capability_id", "Capability", "", "text",
          "Capability (blank: a supplier's activation cost)"),
        Q("amount", "Amount", "currency", "money", "Unit, fixed and activation costs"),
    ),
    "spend_origin": (
        Q("year", "Year", "", "year", "Year paid"),
        Q("country_id", "Country of origin", "", "text",
          "Country the value originates in (σ)"),
        Q("capability_id", "Capability", "", "text",
          "Capability (blank: a supplier's activation cost)"),
        Q("amount", "Amount", "currency", "money", "The same money split by value origin"),
    ),
    "dependence": (
        Q("capability_id", "Capability", "", "text", "Capability with demand"),
        Q("year", "Year", "", "year", "Year with demand"),
        Q("hhi", "Import concentration (HHI)", "0-1", "hhi",
          "Σ of squared foreign-origin shares of the year's demand"),
        Q("concentrated", "Concentrated", "", "flag", "HHI above 0.4"),
        Q("top_foreign_country", "Top foreign country", "", "text",
          "Foreign country with the largest share"),
        Q("top_foreign_share", "Top foreign share", "share of demand", "share",
          "Its share of the year's demand"),
        Q("suppliers", "Suppliers", "", "count", "Suppliers delivering that year"),
        Q("single_source", "Single source", "", "flag", "Exactly one supplier delivering"),
        Q("worst_scenario_loss", "Worst scenario loss", "share of demand", "share",
          "Share of the year's demand lost in the worst scenario"),
        Q("import_risk", "Import risk (GeoPolRisk)", "0-1", "hhi",
          "Delivered units by value origin, each foreign country's weighted by its "
          "risk_score, over all delivered units (home origin is risk-free supply)"),
    ),
    "share_matrix": (
        Q("capability_id", "Capability", "", "text", "Capability"),
        Q("country_id", "Country of origin", "", "text", "Country the value originates in"),
        Q("share", "Share", "share of units", "share",
          "Value-origin share of the capability's units over the horizon"),
    ),
    "scenarios": (
        Q("scenario_id", "Scenario", "", "text", "Scenario of the case"),
        Q("capability_id", "Capability", "", "text", "Capability"),
        Q("units_lost", "Units lost", "units", "units", "Demand not covered in the scenario"),
        Q("share_lost", "Share lost", "share of demand", "share",
          "Units lost / demand over the horizon"),
        Q("weighted_loss", "Weighted loss", "weighted share of demand", "share_fine",
          "Criticality-weighted loss; sums to the scenario's loss over capabilities"),
    ),
    "constraints": (
        Q("constraint", "Limit", "", "text", "budget or localization"),
        Q("year", "Year", "", "year", "Year of the limit"),
        Q("used", "Used", "currency or share", "number", "Spending, or local share"),
        Q("limit", "Limit value", "currency or share", "number", "Budget, or target"),
        Q("slack", "Slack", "currency or share", "number", "Room left (≥ 0 when met)"),
        Q("marginal_value", "Marginal value", "objective per unit", "number",
          "Improvement of the primary level per unit more budget / per point of target"),
        Q("meaning", "Meaning", "", "text", "The marginal value in money and words"),
    ),
    # the sustainment families (rows only when the case has fleets, repair lines, stock or
    # licence and co-production lines)
    "repairs": (
        Q("repair_id", "Repair line", "", "text", "Repair line of the case (Repair sheet)"),
        Q("option_id", "Option", "", "text", "The fleet option whose support it takes home"),
        Q("capability_id", "Capability", "", "text", "The option's fleet capability"),
        Q("start_year", "Start year", "", "year", "Year the line is set up"),
        Q("supports_from", "Supports from", "", "year",
          "First year it supports the fleet (start year + lead time)"),
        Q("fixed_cost", "Fixed cost", "currency", "money",
          "Paid in the start year; local spend"),
    ),
    "fleet": (
        Q("capability_id", "Capability", "", "text", "Fleet capability"),
        Q("year", "Year", "", "year", "Year with a requirement"),
        Q("required", "Required", "units", "units", "Units that must be in service"),
        Q("in_service", "In service", "units", "units",
          "Units delivered within their service life"),
        Q("home_supported", "Supported at home", "units", "units",
          "Units in service a repair line at home keeps running"),
        Q("worst_available", "Available (worst scenario)", "units", "units",
          "Units still in service in the scenario that leaves fewest"),
        Q("availability", "Availability (worst scenario)", "share of requirement", "share",
          "Worst-scenario units available / units required (at most 1)"),
        Q("worst_scenario", "Worst scenario", "", "text",
          "The scenario that leaves fewest (blank: none takes any out)"),
    ),
    "stock": (
        Q("capability_id", "Capability", "", "text", "Capability that may hold stock"),
        Q("year", "Year", "", "year", "Horizon year"),
        Q("demand", "Demand", "units", "units", "Units required that year"),
        Q("delivered", "Delivered", "units", "units", "Units delivered that year"),
        Q("planned_stock", "Planned stock", "units", "units",
          "Units in stock at the end of the year under the plan"),
        Q("worst_draw", "Worst-scenario draw", "units", "units",
          "Most units any scenario takes out of its own stock that year"),
        Q("worst_scenario", "Drawn most by", "", "text",
          "The scenario drawing most, where it draws more than the plan"),
        Q("years_of_cover", "Years of cover", "years", "number",
          "Planned stock / average yearly demand"),
    ),
    "leverage": (
        Q("country_id", "Country", "", "text", "Foreign country"),
        Q("year", "Year", "", "year", "Year"),
        Q("dependence_on", "Dependence on it", "currency", "money",
          "Spending whose value originates in the country"),
        Q("leverage_over", "Leverage over it", "currency", "money",
          "Home-made value it takes from licence and co-production lines "
          "(home share × unit cost × partner offtake)"),
    ),
    "diagnostics": (
        Q("severity", "Severity", "", "text",
          "infeasible, violation, error, warning or note"),
        Q("where", "Where", "", "text", "Sheet!Cell a planner can change"),
        Q("message", "Message", "", "text", "What is wrong and what would fix it"),
        Q("sheet", "Sheet", "", "text", "Infeasible: the sheet of the limit to change"),
        Q("cell", "Cell", "", "text", "Infeasible: the cell of the limit to change"),
        Q("current", "Current", "the cell's unit", "exact", "Infeasible: its value now"),
        Q("needed", "Needed", "the cell's unit", "exact",
          "Infeasible: the value to type in (rounded in the safe direction); with every "
          "listed change typed in, the case becomes feasible"),
        Q("change", "Change", "the cell's unit", "exact", "Infeasible: needed - current"),
    ),
    "levels": (
        Q("level", "Level", "", "count", "Position in the preset"),
        Q("name", "Name", "", "text", "Level name in the preset"),
        Q("status", "Status", "", "text", "Solver status of the level"),
        Q("value", "Value", "objective", "number",
          "The level's objective value, of its own verified solution"),
        Q("bound", "Bound", "objective", "number",
          "The best bound proved on the level's objective (Bound from says by what)"),
        Q("gap", "Gap", "relative", "share_fine", "Relative gap left on the level"),
        Q("seconds", "Seconds", "seconds", "seconds", "Solver time of the level"),
        Q("cpu_seconds", "CPU seconds", "seconds", "seconds",
          "Processor time of the level: well below Seconds when the machine was busy "
          "(a level's share of the time limit is wall-clock)"),
        Q("seconds_given", "Seconds given", "seconds", "seconds",
          "The level's share of the time limit (a note names each level that ran well "
          "past it, and why)"),
        Q("method", "Found by", "", "text", "Which attempt found the level's solution"),
        Q("bound_from", "Bound from", "", "text",
          "What proved the bound: HiGHS's branch and bound, relax-and-fix's first window "
          "(the level with the later years relaxed), or column generation by capability "
          "(a Lagrangian bound)"),
        Q("note", "Note", "", "text", "Attempts that failed their check, and why"),
    ),
}

#: Id columns of result tables and the kind of thing each names (people see the name).
ENTITY_OF = {"country_id": "country", "top_foreign_country": "country",
             "capability_id": "capability", "supplier_id": "supplier",
             "scenario_id": "scenario"}
TABLES = {name: tuple(replace(q, entity=ENTITY_OF.get(q.key, "")) for q in cols)
          for name, cols in TABLES.items()}

#: Table name -> its column keys.
TABLE_COLUMNS: dict[str, list[str]] = {name: [q.key for q in cols]
                                       for name, cols in TABLES.items()}

#: Result table -> the id columns (a country, a scenario) beside which its sheet
#: (Dependence, Scenarios) shows the name in a column of its own; the tables
#: themselves, ``--json`` and the run store keep the ids only.
NAMED_BESIDE: dict[str, tuple[str, ...]] = {"dependence": ("top_foreign_country",),
                                            "scenarios": ("scenario_id",)}


def name_quantity(q: Quantity) -> Quantity:
    """The name column shown beside the id column ``q`` (``scenario_id`` →
    ``scenario_name``, ``top_foreign_country`` → ``top_foreign_country_name``)."""
    stem = q.key[:-3] if q.key.endswith("_id") else q.key
    return Quantity(f"{stem}_name", f"{q.label} name", "", "text",
                    f"Name of the {q.entity} in {q.key}, from the case", entity=q.entity)


def named_columns(table: str) -> list[tuple[Quantity, Quantity]]:
    """(id column, its name column) of result table ``table`` for each id column its
    sheet names (:data:`NAMED_BESIDE`), in column order."""
    named = NAMED_BESIDE.get(table, ())
    return [(q, name_quantity(q)) for q in TABLES.get(table, ()) if q.key in named]

_SUMMARY_BY_KEY = {q.key: q for q in SUMMARY}


def summary_quantity(key: str) -> Quantity:
    """The Quantity of a Summary key; an unknown (stored, newer) key reads as a number."""
    return _SUMMARY_BY_KEY.get(key) or Quantity(key, key, "", "number", key)


def summary_lines(summary: dict[str, object], currency: str = ""
                  ) -> list[tuple[Quantity, str]]:
    """Each Summary metric with its value formatted for a terminal, in Summary order
    (keys a newer version stored come last)."""
    keys = [k for k in SUMMARY_KEYS if k in summary]
    keys += [k for k in summary if k not in keys]
    return [(summary_quantity(k), summary_quantity(k).text(summary[k], currency))
            for k in keys]


def column(table: str, key: str) -> Quantity:
    """The Quantity of a result column (an unknown one reads as a number)."""
    for q in TABLES.get(table, ()):
        if q.key == key:
            return q
    return Quantity(key, key, "", "number", key)


#: The tables of the study workbooks (Sweep, Frontier, Robust sheets). A sweep's
#: table has, after ``point``, one column per varied input (headed as the input was
#: named; ``(×)`` for a scaled column), then these.
STUDY_TABLES: dict[str, tuple[Quantity, ...]] = {
    "sweep": (
        Q("point", "Point", "", "count", "Point of the grid (the case as given is solved once: "
          "the grid point that leaves it unchanged, else point 0)"),
        Q("status", "Status", "", "text", "Status of the point's solve"),
        *(q for q in SUMMARY if q.key in ("total_cost", "local_share", "exposure", "hhi_mean",
                                          "expected_shortfall", "worst_case_shortfall",
                                          "cvar", "unmet_units", "mip_gap")),
        Q("distinguishable", "Distinguishable", "", "text",
          "The points whose proven bands on the objective overlap this point's: the "
          "solver's gaps cannot tell them apart"),
        Q("run_id", "Run", "", "text", "The point's run in the run store"),
    ),
    "frontier": (
        Q("point", "Point", "", "count", "Point of the frontier, least cost first"),
        Q("role", "Role", "", "text", "least cost, level k, or least (measure)"),
        Q("measure_level", "Measure held at", "share", "share_fine",
          "The level the measure is held at, in the measure's own units: evenly between "
          "the ends' measured values (blank at the two ends)"),
        Q("measure", "Measure", "share", "share_fine", "The point's dependence measure"),
        Q("cost", "Total cost", "currency", "money", "Total spending of the point's plan"),
        Q("cost_per_point", "Cost per point bought", "currency per point", "money",
          "Extra cost over the previous point per point (hundredth) of measure lowered"),
        Q("cost_bound", "Least cost proven", "currency", "money",
          "The lowest cost proven possible at the point's bound: the true least cost "
          "lies between this and Total cost"),
        Q("found_by", "Found by", "", "text",
          "What found the point's plan: HiGHS from the previous plan, or column "
          "generation's master (the cheapest combination of pooled capability plans)"),
        Q("bound_from", "Proven by", "", "text",
          "What proved Least cost proven: HiGHS, or column generation by capability"),
        Q("columns_priced", "Columns priced", "plans", "count",
          "Capability plans column generation added to the frontier's pool for this "
          "point (blank where the frontier runs HiGHS alone): the pool is shared, so "
          "later points price what earlier ones did not"),
        Q("gap", "Gap", "relative", "share_fine", "Largest relative gap left on the point"),
        Q("status", "Status", "", "text", "Status of the point's solve"),
        Q("knee", "Knee", "", "flag", "The point where the slope changes most"),
        Q("knee_cost", "Knee cost", "currency", "money", "The knee's cost (for the chart)"),
        Q("enters", "Options entering", "", "text", "Started here, not at the previous point"),
        Q("leaves", "Options leaving", "", "text", "Started at the previous point, not here"),
        Q("note", "Note", "", "text",
          "When the point took another point's cheaper plan that keeps its bound"),
        Q("run_id", "Run", "", "text", "The point's run in the run store"),
    ),
    "robust": (
        Q("option_id", "Option", "", "text", "Option of the case"),
        Q("capability_id", "Capability", "", "text", "Capability it delivers"),
        Q("supplier_id", "Supplier", "", "text", "Its supplier"),
        Q("mode", "Mode", "", "text", "buy, license, coproduce or domestic"),
        Q("started_in", "Started in", "samples", "count", "Samples whose plan starts it"),
        Q("samples", "Samples", "samples", "count", "Samples with a plan"),
        Q("core_index", "Core index", "share of samples", "share",
          "Share of the samples with a plan whose plan starts it"),
        Q("class", "Class", "", "text", "core (≥ 0.9), borderline, exterior (≤ 0.1)"),
    ),
    "robust_samples": (
        Q("sample", "Sample", "", "count", "Sample number"),
        Q("seed", "Seed", "", "text", "Its seed (sovopt robust --sample-seed SEED)"),
        Q("status", "Status", "", "text", "Status of the sample's solve"),
        *(q for q in SUMMARY if q.key in ("total_cost", "cvar", "exposure")),
        Q("started", "Started options", "", "text", "The options its plan starts"),
        Q("run_id", "Run", "", "text", "The sample's run in the run store"),
    ),
}


def study_column(table: str, key: str) -> Quantity:
    """The Quantity of a study table's column (a varied input reads as a number)."""
    for q in STUDY_TABLES.get(table, ()):
        if q.key == key:
            return q
    return Quantity(key, key, "", "number", key)


def markdown_table() -> str:
    """The output schema as Markdown tables (README's results contract)."""
    lines = ["| Summary metric | label | unit | format | meaning |", "|---|---|---|---|---|"]
    lines += [f"| `{q.key}` | {q.label} | {q.unit} | {q.kind} | {q.described()} |"
              for q in SUMMARY]
    for name, cols in TABLES.items():
        lines += ["", f"Table `{name}`:", "", "| column | label | unit | format | meaning |",
                  "|---|---|---|---|---|"]
        lines += [f"| `{q.key}` | {q.label} | {q.unit} | {q.kind} | {q.described()} |"
                  for q in cols]
        ids = [q.key for q in cols if q.entity]
        if ids:
            lines += ["", "On the result sheets " + ", ".join(f"`{k}`" for k in ids)
                      + " show the name from the case with the id, \"Name (ID)\"; the "
                      "table (`--json`, the run store, SQL) keeps the id."]
    for name, cols in STUDY_TABLES.items():
        lines += ["", f"Study table `{name}`:", "", "| column | label | unit | format | meaning |",
                  "|---|---|---|---|---|"]
        lines += [f"| `{q.key}` | {q.label} | {q.unit} | {q.kind} | {q.described()} |"
                  for q in cols]
    return "\n".join(lines) + "\n"

"""The case workbook contract as data.

One definition of every sheet and column (kind, unit, default, whether it is
required, its range or allowed values, what it means, and which sheet's id it
refers to). The reader, the validator, the template writer and the README's
contract table are all generated from it, so they cannot drift apart.

Column kinds:

``id``      text identifier, stripped and NFC-normalised; unique on its sheet when
            ``unique`` is set, checked against ``ref``'s ids when ``ref`` is set
``text``    free text
``number``  a real number, bounded by ``minimum``/``maximum``
``integer`` a whole number, bounded likewise
``year``    a whole calendar year
``bool``    yes/no (accepts yes/no/true/false/1/0, y/n)
``choice``  one of ``choices`` (case-insensitive)

Every ``number`` and ``integer`` column has a finite bound (:attr:`Column.bound`):
infinities and typing errors (1e300) are refused with the cell named, instead of
a model that overflows or that the solver cannot handle. The bound is Excel's
largest number (:data:`EXCEL_MAX`) at most, and tighter where the quantity is
bounded in reality: a share or probability by its ``maximum`` 1, money by the
sanity bound :data:`MAX_MONEY` (state larger sums in thousands or millions),
units by :data:`MAX_UNITS`, a year by the reader's year range. Text and ids are at most
:data:`MAX_TEXT_CHARS` characters, what an Excel cell holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TEMPLATE_VERSION = "1.0"

TIERS = ("home", "ally", "partner", "neutral", "adversary", "prohibited")
MODES = ("buy", "license", "coproduce", "domestic")
OBJECTIVES = ("min_dependence", "min_cost", "balanced")
REQUIREMENTS = ("deliveries", "fleet")
#: Other spellings of choice words people type, and the word the workbook uses (British
#: spelling, hyphens and long forms); case, spaces, hyphens and underscores are ignored
#: as well (:func:`canonical_choice`).
CHOICE_SPELLINGS = {"licence": "license", "licenced": "license", "licensed": "license",
                    "licensing": "license", "coproduction": "coproduce",
                    "coproduced": "coproduce", "jointproduction": "coproduce",
                    "bought": "buy", "purchase": "buy",
                    "national": "domestic", "allied": "ally", "partners": "partner",
                    "adversarial": "adversary", "forbidden": "prohibited",
                    "delivery": "deliveries", "fleets": "fleet"}


def canonical_choice(word: str, choices: tuple[str, ...]) -> str | None:
    """The choice ``word`` stands for, or None: ``License`` and ``licence`` -> license,
    ``co-produce`` and ``Co Production`` -> coproduce, ``min-cost`` -> min_cost."""
    def compact(text: str) -> str:
        return "".join(ch for ch in text.lower() if ch.isalnum())
    by_compact = {compact(c): c for c in choices}
    key = compact(word)
    if key in by_compact:
        return by_compact[key]
    alias = CHOICE_SPELLINGS.get(key)
    return alias if alias in choices else None

#: Largest share of a capability's supply (by value origin) one country may hold,
#: by tier, when the Countries row leaves max_share blank. Partner 0.65 is the EU
#: Critical Raw Materials Act's benchmark for a single third country.
TIER_MAX_SHARE = {
    "home": 1.0,
    "ally": 1.0,
    "partner": 0.65,
    "neutral": 0.35,
    "adversary": 0.10,
    "prohibited": 0.0,
}


def tier_max_share(tier: str) -> float | None:
    """The default max_share of a country of ``tier`` (None for an unknown tier)."""
    return TIER_MAX_SHARE.get(tier)


def with_tier_default(max_share: Any, tiers: Any) -> Any:
    """A Countries max_share column (pandas Series) with blanks taking the tier default."""
    return max_share.astype(float).fillna(tiers.map(tier_max_share).astype(float))


#: The largest number Excel stores in a cell; no number column may exceed it.
EXCEL_MAX = 9.99e307
#: Sanity bounds of number columns by unit (see the module docstring).
MAX_MONEY = 1e15
MAX_UNITS = 1e12
MAX_WEIGHT = 1e3
MAX_SECONDS = 1e7
MAX_LEAD_YEARS = 100
MAX_SUPPLIERS = 1000
#: Most characters in a text or id cell (Excel's limit; results would be cut beyond it).
MAX_TEXT_CHARS = 32_767

#: Longest planning horizon a case may have, in years.
MAX_HORIZON_YEARS = 100


TRUE_WORDS = ("yes", "y", "true", "1")
FALSE_WORDS = ("no", "n", "false", "0")


@dataclass(frozen=True)
class Column:
    """One column of a table sheet (or one key of the Settings sheet)."""

    name: str
    kind: str
    description: str
    unit: str = ""
    required: bool = True
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    choices: tuple[str, ...] = ()
    ref: str | None = None
    unique: bool = False
    blank_means: str = ""

    #: Sanity bound of a number column (see the module docstring): a value above it is
    #: refused as a typing error, even where ``maximum`` (a bound of the quantity
    #: itself, such as 1 for a share) is not set.
    sanity_max: float | None = None

    @property
    def bound(self) -> float:
        """The largest value the reader accepts: the tighter of ``maximum`` and the sanity
        bound (``sanity_max``, or by default the one of the column's unit: money, units,
        seconds, years; Excel's largest number otherwise)."""
        sanity = self.sanity_max if self.sanity_max is not None else _unit_bound(self.unit)
        return min(sanity, self.maximum if self.maximum is not None else EXCEL_MAX)

    def range_text(self) -> str:
        """The allowed values in words, for messages, notes and docs."""
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "bool":
            return "yes or no"
        if self.kind == "year":
            return "a year such as 2027"
        if self.kind in ("number", "integer"):
            what = "a whole number" if self.kind == "integer" else "a number"
            lo, hi = self.minimum, self.maximum
            if lo is not None and hi is not None:
                lb = "(" if self.exclusive_minimum else "["
                rb = ")" if self.exclusive_maximum else "]"
                return f"{what} in {lb}{_fmt(lo)}, {_fmt(hi)}{rb}"
            if lo is not None:
                op = ">" if self.exclusive_minimum else ">="
                return f"{what} {op} {_fmt(lo)}"
            if hi is not None:
                op = "<" if self.exclusive_maximum else "<="
                return f"{what} {op} {_fmt(hi)}"
            return what
        if self.kind == "id":
            return f"an id from {self.ref}" if self.ref else "a text id"
        return "text"

    def default_text(self) -> str:
        if self.blank_means:
            return self.blank_means
        if self.required:
            return "required"
        if self.default is None:
            return "blank"
        if self.kind == "bool":
            return "yes" if self.default else "no"
        return str(self.default)


def _fmt(x: float) -> str:
    return f"{x:g}"


def _unit_bound(unit: str) -> float:
    """The sanity bound of a number column by its unit (``currency/unit`` is money)."""
    if "currency" in unit:
        return MAX_MONEY
    if unit.startswith("units"):
        return MAX_UNITS
    if unit == "s":
        return MAX_SECONDS
    if unit == "years":
        return MAX_LEAD_YEARS
    return EXCEL_MAX


def number_columns() -> list[tuple[Sheet, Column]]:
    """Every number and integer column of the contract (the Demand year columns as one)."""
    found = []
    for sh in SHEETS:
        cols = [*sh.columns, *([sh.year_column] if sh.year_column is not None else [])]
        found += [(sh, c) for c in cols if c.kind in ("number", "integer")]
    return found


@dataclass(frozen=True)
class Sheet:
    """One sheet of the case workbook.

    ``layout`` is ``table`` (header row then one row per record), ``settings``
    (``key``/``value`` rows, one per :class:`Column` in ``columns``) or
    ``years`` (a key column followed by one column per horizon year).
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    layout: str = "table"
    key: str | None = None
    may_be_empty: bool = False
    year_column: Column | None = None
    #: a workbook without this sheet reads it as empty, without a warning (a sheet
    #: added to the contract later, which older workbooks do not have)
    optional: bool = False

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name: str, kind: str, description: str, **kw: Any) -> Column:
    return Column(name=name, kind=kind, description=description, **kw)


SHARE = {"minimum": 0.0, "maximum": 1.0}

SETTINGS = Sheet(
    name="Settings",
    layout="settings",
    description="One row per setting: key in column A, value in column B.",
    columns=(
        _c("case_name", "text", "Name of the planning case, shown on every report."),
        _c("home_country", "id", "The country planning (its country_id).", ref="Countries"),
        _c("first_year", "year", "First year of the planning horizon."),
        _c("last_year", "year", "Last year of the planning horizon (inclusive)."),
        _c("currency", "text", "Currency code of every cost and budget figure.",
           required=False, default="EUR"),
        _c("objective", "choice", "Default objective preset.", required=False,
           default="min_dependence", choices=OBJECTIVES),
        _c("allow_unmet", "bool", "Allow demand to go unmet (as a last resort) instead of "
           "declaring the case infeasible.", required=False, default=False),
        _c("time_limit_s", "number", "Solver time limit per run.", unit="s", required=False,
           default=60.0, minimum=0.0, exclusive_minimum=True, sanity_max=MAX_SECONDS),
        _c("mip_gap", "number", "Relative optimality gap at which the solver may stop.",
           required=False, default=0.01, **SHARE),
        _c("cvar_beta", "number", "Confidence level of the CVaR of scenario loss.",
           required=False, default=0.9, minimum=0.0, maximum=1.0, exclusive_maximum=True),
    ),
)

#: Settings key -> its default (keys without one must be given).
SETTINGS_DEFAULTS: dict[str, Any] = {c.name: c.default for c in SETTINGS.columns
                                     if c.default is not None}

COUNTRIES = Sheet(
    name="Countries",
    key="country_id",
    description="Every country that supplies, assembles or sources an input; one row each.",
    columns=(
        _c("country_id", "id", "Short unique id of the country.", unique=True),
        _c("name", "text", "Country name."),
        _c("tier", "choice", "Relationship tier; sets the default max_share.", choices=TIERS),
        _c("risk_score", "number", "Supply-risk score used in the exposure measure.",
           required=False, default=0.0, **SHARE),
        _c("max_share", "number", "Largest share of any capability's supply (by value "
           "origin) that may come from this country in a year.", required=False,
           blank_means="tier default", **SHARE),
        _c("risk_low", "number", "Lowest plausible risk_score (sovopt robust perturbs "
           "within risk_low..risk_high).", required=False,
           blank_means="risk_score − 10 %", **SHARE),
        _c("risk_high", "number", "Highest plausible risk_score (sovopt robust).",
           required=False, blank_means="risk_score + 10 % (at most 1)", **SHARE),
    ),
)

SUPPLIERS = Sheet(
    name="Suppliers",
    key="supplier_id",
    description="Firms that deliver options; one row each.",
    columns=(
        _c("supplier_id", "id", "Short unique id of the supplier.", unique=True),
        _c("name", "text", "Supplier name."),
        _c("country_id", "id", "Country the supplier is based in.", ref="Countries"),
        _c("activation_cost", "number", "One-off cost of engaging the supplier (framework "
           "agreement, partnership), paid in the first year.", unit="currency",
           required=False, default=0.0, minimum=0.0, sanity_max=MAX_MONEY),
        _c("capacity_per_year", "number", "Units per year the supplier can deliver across "
           "all its options.", unit="units/year", required=False, minimum=0.0,
           sanity_max=MAX_UNITS, blank_means="unlimited"),
    ),
)

CAPABILITIES = Sheet(
    name="Capabilities",
    key="capability_id",
    description="Capabilities the country must field; one row each.",
    columns=(
        _c("capability_id", "id", "Short unique id of the capability.", unique=True),
        _c("name", "text", "Capability name."),
        _c("unit", "text", "What one unit is (round, system, vessel).", required=False,
           default="unit"),
        _c("criticality", "number", "Weight of this capability in the dependence measures.",
           required=False, default=1.0, minimum=0.0, exclusive_minimum=True,
           sanity_max=MAX_WEIGHT),
        _c("min_suppliers", "integer", "Least number of distinct suppliers to engage for it.",
           required=False, default=1, minimum=1, sanity_max=MAX_SUPPLIERS),
        _c("integer_units", "bool", "Deliveries are whole units.", required=False,
           default=True),
        _c("min_supplier_share", "number", "Least share of a year's demand a supplier must "
           "deliver to count towards min_suppliers that year.", required=False, default=0.1,
           minimum=0.01, maximum=1.0),
        _c("requirement", "choice", "What Demand states: deliveries (units delivered each "
           "year) or fleet (units that must be in service each year).", required=False,
           default="deliveries", choices=REQUIREMENTS),
        _c("stock_max", "number", "Most units that may be held in stock at the end of a "
           "year (deliveries capabilities only).", unit="units", required=False,
           default=0.0, minimum=0.0),
        _c("holding_cost", "number", "Cost of holding one unit in stock for a year.",
           unit="currency/unit/year", required=False, default=0.0, minimum=0.0),
        _c("initial_stock", "number", "Units in stock before the first year.",
           unit="units", required=False, default=0.0, minimum=0.0),
    ),
)

DEMAND = Sheet(
    name="Demand",
    layout="years",
    key="capability_id",
    description="Units of each capability to be delivered in each year: one row per "
    "capability, one column per year of the horizon.",
    columns=(
        _c("capability_id", "id", "The capability.", ref="Capabilities", unique=True),
    ),
    year_column=_c("year", "number", "Units to deliver in that year.", unit="units",
                   required=False, default=0.0, minimum=0.0, sanity_max=MAX_UNITS),
)

OPTIONS = Sheet(
    name="Options",
    key="option_id",
    description="Procurement options: one way of getting one capability from one supplier.",
    columns=(
        _c("option_id", "id", "Short unique id of the option.", unique=True),
        _c("capability_id", "id", "The capability it delivers.", ref="Capabilities"),
        _c("supplier_id", "id", "The supplier (prime contractor, licensor or partner).",
           ref="Suppliers"),
        _c("mode", "choice", "buy abroad, licensed production, co-production or domestic.",
           choices=MODES),
        _c("unit_cost", "number", "Cost per unit delivered.", unit="currency/unit",
           minimum=0.0, sanity_max=MAX_MONEY),
        _c("fixed_cost", "number", "One-off cost (contract, licence, production line), paid "
           "in the start year.", unit="currency", required=False, default=0.0, minimum=0.0,
           sanity_max=MAX_MONEY),
        _c("local_content", "number", "Share of the option's value made in the home "
           "country.", required=False, default=0.0, **SHARE),
        _c("lead_time_years", "integer", "Years from start to first delivery.",
           unit="years", required=False, default=0, minimum=0, sanity_max=MAX_LEAD_YEARS),
        _c("available_from", "year", "Earliest year the option can start.", required=False,
           blank_means="first_year"),
        _c("min_total_qty", "number", "Minimum units over the horizon if started.",
           unit="units", required=False, default=0.0, minimum=0.0, sanity_max=MAX_UNITS),
        _c("max_qty_per_year", "number", "Most units per year once delivering.",
           unit="units/year", required=False, minimum=0.0, sanity_max=MAX_UNITS,
           blank_means="largest yearly demand of the capability"),
        _c("mandatory", "bool", "The option must be started.", required=False,
           default=False),
        _c("service_life_years", "integer", "Years a delivered unit stays in service "
           "(the delivery year counts as the first).", unit="years", required=False,
           minimum=1, blank_means="required for a fleet capability, else unused"),
        _c("support_cost", "number", "Cost of keeping one unit in service for a year "
           "(spares, maintenance, repair).", unit="currency/unit/year", required=False,
           default=0.0, minimum=0.0),
        _c("support_country_id", "id", "Country that keeps the fleet running (spares, "
           "repair).", ref="Countries", required=False,
           blank_means="the supplier's country for buy, home otherwise"),
        _c("partner_offtake_per_year", "number", "Units a year the partner or licensor "
           "takes from this licence or co-production line (the leverage it buys).",
           unit="units/year", required=False, default=0.0, minimum=0.0),
        _c("notes", "text", "Free notes; ignored by the model.", required=False, default=""),
        _c("cost_low", "number", "Lowest plausible unit_cost (sovopt robust perturbs "
           "within cost_low..cost_high).", unit="currency/unit", required=False,
           minimum=0.0, blank_means="unit_cost − 10 %"),
        _c("cost_high", "number", "Highest plausible unit_cost (sovopt robust).",
           unit="currency/unit", required=False, minimum=0.0,
           blank_means="unit_cost + 10 %"),
    ),
)

INPUTS = Sheet(
    name="Inputs",
    may_be_empty=True,
    description="Foreign-sourced inputs of an option (bill of materials): one row per input.",
    columns=(
        _c("option_id", "id", "The option that uses the input.", ref="Options"),
        _c("input", "text", "What the input is (seeker, engine, chips, energetics)."),
        _c("source_country_id", "id", "Country the input comes from.", ref="Countries"),
        _c("value_share", "number", "Share of the option's value this input makes up.",
           **SHARE),
        _c("critical", "bool", "The option cannot be produced without it (no substitute).",
           required=False, default=True),
    ),
)

BUDGET = Sheet(
    name="Budget",
    key="year",
    description="Yearly budget and localization target: one row per year of the horizon.",
    columns=(
        _c("year", "year", "The year.", unique=True),
        _c("budget", "number", "Money available that year.", unit="currency", minimum=0.0,
           sanity_max=MAX_MONEY),
        _c("min_local_share", "number", "Least share of that year's unit spending that must "
           "be local content.", required=False, default=0.0, **SHARE),
    ),
)

SCENARIOS = Sheet(
    name="Scenarios",
    may_be_empty=True,
    description="Disruption scenarios; several rows with the same scenario_id combine "
    "countries.",
    columns=(
        _c("scenario_id", "id", "Id of the scenario (repeat it to add countries)."),
        _c("name", "text", "Scenario name."),
        _c("probability", "number", "Probability of the scenario over the horizon.", **SHARE),
        _c("country_id", "id", "Country whose supply is cut.", ref="Countries"),
        _c("loss", "number", "Share of that country's supply lost.", **SHARE),
        _c("from_year", "year", "First year of the disruption.", required=False,
           blank_means="first_year"),
        _c("to_year", "year", "Last year of the disruption.", required=False,
           blank_means="last_year (whole horizon)"),
        _c("probability_low", "number", "Lowest plausible probability (sovopt robust "
           "perturbs within probability_low..probability_high).", required=False,
           blank_means="probability − 25 %", **SHARE),
        _c("probability_high", "number", "Highest plausible probability (sovopt robust).",
           required=False, blank_means="probability + 25 % (at most 1)", **SHARE),
        _c("loss_low", "number", "Lowest plausible loss (sovopt robust perturbs within "
           "loss_low..loss_high).", required=False, blank_means="loss − 25 %", **SHARE),
        _c("loss_high", "number", "Highest plausible loss (sovopt robust).",
           required=False, blank_means="loss + 25 % (at most 1)", **SHARE),
    ),
)

REPAIR = Sheet(
    name="Repair",
    key="repair_id",
    may_be_empty=True,
    optional=True,
    description="Repair lines at home: each moves the support of one fleet option's units "
    "home from its start year plus lead time.",
    columns=(
        _c("repair_id", "id", "Short unique id of the repair line.", unique=True),
        _c("option_id", "id", "The option (of a fleet capability) whose fleet it supports; "
           "one repair line per option.", ref="Options", unique=True),
        _c("fixed_cost", "number", "One-off cost of setting the line up, paid in its start "
           "year (local spend).", unit="currency", required=False, default=0.0,
           minimum=0.0),
        _c("lead_time_years", "integer", "Years from start until the line supports the "
           "fleet.", unit="years", required=False, default=0, minimum=0),
        _c("support_cost_factor", "number", "Support cost of a unit supported at home, as a "
           "multiple of the option's support_cost.", required=False, default=1.0,
           minimum=0.0),
    ),
)

SHEETS: tuple[Sheet, ...] = (
    SETTINGS, COUNTRIES, SUPPLIERS, CAPABILITIES, DEMAND, OPTIONS, INPUTS, BUDGET, SCENARIOS,
    REPAIR,
)
SHEETS_BY_NAME = {s.name: s for s in SHEETS}


def sheet(name: str) -> Sheet:
    """The sheet definition called ``name``."""
    return SHEETS_BY_NAME[name]


def contract_markdown() -> str:
    """The workbook contract as Markdown tables (README and the template's About sheet)."""
    lines: list[str] = []
    for sh in SHEETS:
        lines.append(f"**{sh.name}**: {sh.description}")
        lines.append("")
        lines.append("| column | meaning | unit | allowed | blank means |")
        lines.append("|---|---|---|---|---|")
        cols = list(sh.columns)
        if sh.year_column is not None:
            cols.append(Column(name="one column per year", kind=sh.year_column.kind,
                               description=sh.year_column.description,
                               unit=sh.year_column.unit, required=False,
                               default=sh.year_column.default,
                               minimum=sh.year_column.minimum,
                               maximum=sh.year_column.maximum))
        for col in cols:
            name = f"`{col.name}`" if sh.layout != "settings" else f"`{col.name}` (key)"
            lines.append(
                f"| {name} | {col.description} | {col.unit} | {col.range_text()} "
                f"| {col.default_text()} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"

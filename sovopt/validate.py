"""Every rule across rows and sheets of a case: ``validate(case) -> problems``.

The workbook reader checks each cell against its column in the schema (kind,
range, required); the rules here are the ones that need more than one cell:
the schema's key rules (a ``unique`` column repeats no value, a ``ref`` column
names only ids of its sheet) and the rules across columns and sheets. They run
on a :class:`~sovopt.case.Case`, so every way of making a case goes through
them once: the workbook reader (on the case it has read, with unusable cells
blank), :func:`sovopt.case_records.build_case` (scripts, tests, the benchmark) and the
bundled example.

Each rule is NA-tolerant: a value the reader could not use is blank here and
was reported already, so a rule skips it rather than reporting it again.
Problems name the cell (``Options!G7``) when the case came from a workbook,
else the sheet and column. At most :data:`MAX_REPORTS` problems of one kind
are listed per column, then one line counts the rest.

Rules (severity):

- a ``unique`` column repeats no value (error, naming the first row); in the
  long-form demand of a case made in code the key is capability_id and year;
- a ``ref`` column, and the home_country setting, name an id of the sheet
  referred to (error, with the closest id as a suggestion). A repeated or
  dangling id is blank for the rules below, so it is reported once;
- home_country is a Countries row of tier home, and the only one of that
  tier (error);
- an option's local_content plus its inputs' value_share is at most 1 (error);
- an input sourced from the home country is local content (warning);
- available_from outside the horizon (warning);
- one probability per scenario, the scenarios' probabilities add up to at most
  1, from_year <= to_year (errors);
- one Budget row per horizon year (error); a row for another year is ignored
  (warning);
- a capability with no demand at all has demand 0 (warning);
- the sustainment families (errors): every option of a fleet capability has a
  service_life_years; a fleet capability holds no stock (stock_max,
  initial_stock, holding_cost blank or 0); initial_stock <= stock_max; a repair
  line is for an option of a fleet capability. (A support country not in
  Countries and a service life < 1 are cell checks of the schema.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sovopt import schema
from sovopt.errors import MAX_REPORTS, Problem, suggest

if TYPE_CHECKING:  # Case's what-ifs validate through this module: no Case at run time
    from sovopt.case import Case

#: Tolerance of sums of shares and probabilities.
TOLERANCE = 1e-9


class _Problems:
    """Problems in rule order, at most MAX_REPORTS per (column, kind), then a count."""

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self._counts: dict[tuple[str, str, str], int] = {}
        self._first_cut: dict[tuple[str, str, str], tuple[str, str]] = {}

    def add(self, where: str, message: str, expected: str | Callable[[], str] = "",
            severity: str = "error", kind: str = "") -> None:
        """One problem; ``expected`` may be a function, called only if it is listed."""
        column = where.rstrip("0123456789")
        key = (column, kind or message.split(" ")[0], severity)
        n = self._counts.get(key, 0)
        self._counts[key] = n + 1
        if n < MAX_REPORTS:
            text = expected() if callable(expected) else expected
            self.items.append(Problem(where, message, text, severity))
        elif n == MAX_REPORTS:
            self._first_cut[key] = (column, message)

    def done(self) -> list[Problem]:
        for key, n in self._counts.items():
            if n > MAX_REPORTS:
                column, message = self._first_cut[key]
                letter = column.split("!")[-1]
                self.items.append(Problem(
                    f"{column}:{letter}" if "!" in column else column,
                    f"{n - MAX_REPORTS} more cells in this column with the same kind of "
                    f"problem (the first not listed: {message})",
                    "correct the column as above", key[2]))
        return self.items


def validate(case: Case) -> list[Problem]:
    """Every problem of ``case`` beyond its single cells (errors and warnings), in rule
    order: the key rules first, then :data:`RULES` on the case with the repeated and
    dangling ids blank."""
    out = _Problems()
    case = check_keys(case, out)
    for rule in RULES:
        rule(case, out)
    return out.done()


def _rows(frame: pd.DataFrame) -> list:
    return frame["row"].tolist() if "row" in frame.columns else [None] * len(frame)


# ---------------------------------------------------------------------------
# Key rules of the schema: unique columns, references
# ---------------------------------------------------------------------------

#: The sheets whose ids are checked, in the order their problems are listed (Demand,
#: which only refers to Capabilities, last).
_KEY_SHEETS = tuple(sh for sh in schema.SHEETS[1:] if sh.layout == "table") + (schema.DEMAND,)


def _records(case: Case, sheet: schema.Sheet) -> tuple[pd.DataFrame, list[str]]:
    """The sheet's records as keys are checked, and the columns added to each unique key.

    The long-form demand holds one record per capability and year; read from a
    workbook, each workbook row is one record (its capability_id cell), in code
    each (capability_id, year) pair is.
    """
    frame = case.table(sheet.name)
    if sheet.layout != "years":
        return frame, []
    if len(frame) and "row" in frame.columns and frame["row"].notna().all():
        return frame.drop_duplicates("row"), []
    return frame, ["year"]


def _shown(value: object) -> str:
    return f"{value:g}" if isinstance(value, int | float | np.number) else repr(value)


def _was_read(case: Case, sheet: str, column: str) -> bool:
    """The column is in the case: always for a case made in code, and for one read from
    a workbook when the sheet had the column (a missing one was reported already)."""
    return not case.column_letters or column in case.column_letters.get(sheet, {})


def _unique_problems(case: Case, sheet: schema.Sheet, records: pd.DataFrame,
                     extra: list[str], out: _Problems) -> set:
    """Repeated values of the sheet's unique columns; returns the repeated records' rows
    (or record positions, in code)."""
    repeated: set = set()
    for col in sheet.columns:
        if not col.unique or col.name not in records.columns:
            continue
        keys = [col.name, *extra]
        usable = records[records[col.name].notna()]
        dup = usable.duplicated(keys, keep="first").to_numpy()
        if not dup.any():
            continue
        first = usable.drop_duplicates(keys)
        where_first = {tuple(k): (r, pos) for k, r, pos in zip(
            first[keys].itertuples(index=False), _rows(first), first.index, strict=True)}
        what = " and ".join(keys)
        for key, r, pos in zip(usable[keys][dup].itertuples(index=False),
                               np.asarray(_rows(usable), dtype=object)[dup],
                               usable.index[dup], strict=True):
            r0, pos0 = where_first[tuple(key)]
            also = case.cell(sheet.name, col.name, r0) if r0 is not None and not pd.isna(
                r0) else f"record {pos0 + 1}"
            years = "".join(f" for {k} {_shown(v)}" for k, v in zip(extra, key[1:],
                                                                      strict=True))
            out.add(case.cell(sheet.name, col.name, r),
                    f"duplicate {col.name} {_shown(key[0])}{years} (also in {also})",
                    f"expected each {what} once", kind="duplicate")
            repeated.add(r if r is not None and not pd.isna(r) else pos)
    return repeated


def _ids(case: Case, sheet: str) -> set | None:
    """The ids the sheet's key column defines (None when the column was not read)."""
    key = schema.sheet(sheet).key
    frame = case.table(sheet)
    if key is None or key not in frame.columns or not _was_read(case, sheet, key):
        return None
    return set(frame[key].dropna().tolist())


def _reference_problems(case: Case, sheet: schema.Sheet, records: pd.DataFrame,
                        out: _Problems) -> dict[str, set]:
    """Ids that name no row of the sheet referred to; returns column -> the unknown ids."""
    unknown: dict[str, set] = {}
    for col in sheet.columns:
        if not col.ref or col.name not in records.columns:
            continue
        valid = _ids(case, col.ref)
        if valid is None:
            continue
        values = records[col.name]
        bad = (values.notna() & ~values.isin(valid)).to_numpy()
        listed: set = set()
        for value, r in zip(values[bad], np.asarray(_rows(records), dtype=object)[bad],
                            strict=True):
            where = case.cell(sheet.name, col.name, r)
            if (where, value) in listed:  # a case made in code: one line per id
                continue
            listed.add((where, value))
            out.add(where, f"unknown {col.name} {value!r}",
                    lambda v=value, c=col, ids=valid: f"expected {c.range_text()}"
                    f"{suggest(v, ids)}", kind="unknown id")
        if bad.any():
            unknown[col.name] = set(values[bad].tolist())
    return unknown


def check_keys(case: Case, out: _Problems) -> Case:
    """The schema's key rules (module docstring); returns the case with each repeated
    and each dangling id blank, so that no later rule reports them again."""
    blanks: dict[str, pd.DataFrame] = {}
    for sheet in _KEY_SHEETS:
        records, extra = _records(case, sheet)
        repeated = _unique_problems(case, sheet, records, extra, out)
        unknown = _reference_problems(case, sheet, records, out)
        if repeated or unknown:
            blanks[sheet.name] = _blank_ids(case.table(sheet.name), sheet, repeated, unknown)
    settings = case.settings
    home = settings.home_country
    countries = _ids(case, "Countries")
    if home is not None and not pd.isna(home) and countries is not None \
            and home not in countries:
        column = schema.SETTINGS.column("home_country")
        out.add(case.setting_cell("home_country"), f"unknown home_country {home!r}",
                f"expected {column.range_text()}{suggest(home, countries)}", kind="unknown id")
        settings = replace(settings, home_country=None)
    if not blanks and settings is case.settings:
        return case
    return replace(case, settings=settings,
                   **{name.lower(): frame for name, frame in blanks.items()})


def _blank_ids(frame: pd.DataFrame, sheet: schema.Sheet, repeated: set,
               unknown: dict[str, set]) -> pd.DataFrame:
    """A copy of ``frame`` with the repeated records' unique ids and the unknown ids blank."""
    frame = frame.copy()
    by_row = "row" in frame.columns and frame["row"].notna().all() and len(frame)
    where = frame["row"] if by_row else pd.Series(frame.index, index=frame.index)
    again = where.isin(repeated).to_numpy() if repeated else np.zeros(len(frame), bool)
    for col in sheet.columns:
        if col.name not in frame.columns:
            continue
        mask = again.copy() if col.unique else np.zeros(len(frame), bool)
        if col.name in unknown:
            mask |= frame[col.name].isin(unknown[col.name]).to_numpy()
        if mask.any():
            frame[col.name] = frame[col.name].astype(object).where(~mask, None)
    return frame


def check_home_country(case: Case, out: _Problems) -> None:
    """home_country is a Countries row of tier home, and the only one of that tier."""
    home = case.settings.home_country
    if home is None or pd.isna(home):
        return
    c = case.countries
    rows = _rows(c)
    ids, tiers = c["country_id"].tolist(), c["tier"].tolist()
    where_home = case.setting_cell("home_country")
    at = [i for i, v in enumerate(ids) if v == home]
    if at and not pd.isna(tiers[at[0]]) and tiers[at[0]] != "home":
        out.add(where_home, f"home_country {home!r} has tier {tiers[at[0]]!r} in "
                f"{case.cell('Countries', 'tier', rows[at[0]])}",
                "expected the home country to have tier home")
    for i, (cid, tier) in enumerate(zip(ids, tiers, strict=True)):
        if tier == "home" and cid != home:
            out.add(case.cell("Countries", "tier", rows[i]), f"{cid!r} has tier home, but "
                    f"home_country is {home!r} ({where_home})",
                    "expected exactly one country of tier home: the home_country")


def check_option_shares(case: Case, out: _Problems) -> None:
    """An option's local_content plus its inputs' value_share must not exceed 1."""
    inputs, options = case.inputs, case.options
    if inputs.empty or options.empty:
        return
    usable = inputs[inputs["option_id"].notna() & inputs["value_share"].notna()]
    rows = _rows(usable)
    frame = pd.DataFrame({"option_id": usable["option_id"].to_numpy(),
                          "share": usable["value_share"].to_numpy(float),
                          "row": rows})
    groups = frame.groupby("option_id", sort=False)
    shares = groups["share"].sum()
    first = options[options["option_id"].notna()].drop_duplicates("option_id")
    local = dict(zip(first["option_id"], first["local_content"], strict=True))
    option_row = dict(zip(first["option_id"], _rows(first), strict=True))
    for option_id, share in shares.items():
        lc = local.get(option_id)
        if lc is None or pd.isna(lc) or lc + share <= 1 + TOLERANCE:
            continue
        cells = [case.cell("Inputs", "value_share", r)
                 for r in groups.get_group(option_id)["row"]]
        listed = ", ".join(cells[:10]) + (f" and {len(cells) - 10} more" if len(cells) > 10
                                          else "")
        out.add(case.cell("Options", "local_content", option_row[option_id]),
                f"local_content {lc:g} of option {option_id!r} plus the value_share of its "
                f"inputs ({listed}: {share:g}) adds up to {lc + share:g}",
                "expected at most 1: local content and foreign inputs are shares of the "
                "option's value", kind="local content")


def check_home_inputs(case: Case, out: _Problems) -> None:
    """An input sourced from the home country is local content: a warning."""
    home = case.settings.home_country
    if home is None or pd.isna(home) or case.inputs.empty:
        return
    inputs = case.inputs
    for r in np.asarray(_rows(inputs), dtype=object)[(inputs["source_country_id"]
                                                      == home).to_numpy()]:
        out.add(case.cell("Inputs", "source_country_id", r),
                f"the input comes from the home country {home!r}",
                "home inputs are local content: count them in the option's local_content "
                "instead", severity="warning", kind="home input")


def _horizon(case: Case) -> list[int] | None:
    first, last = case.settings.first_year, case.settings.last_year
    if first is None or last is None or pd.isna(first) or pd.isna(last) or last < first \
            or last - first + 1 > schema.MAX_HORIZON_YEARS:
        return None
    return list(range(int(first), int(last) + 1))


def check_available_from(case: Case, out: _Problems) -> None:
    """available_from outside the horizon is a warning."""
    years = _horizon(case)
    if years is None or case.options.empty:
        return
    o = case.options
    value = pd.to_numeric(o["available_from"], errors="coerce")
    outside = value.notna() & ((value < years[0]) | (value > years[-1]))
    for v, r in zip(value[outside], np.asarray(_rows(o), dtype=object)[outside.to_numpy()],
                    strict=True):
        out.add(case.cell("Options", "available_from", r),
                f"available_from {v:g} is outside the horizon {years[0]}..{years[-1]}",
                "expected a year in the horizon (before it: the option is available from "
                "the start; after it: never)", severity="warning", kind="horizon")


def check_scenarios(case: Case, out: _Problems) -> None:
    """One probability per scenario, summing to at most 1; from_year <= to_year."""
    sc = case.scenarios
    if sc.empty:
        return
    rows = _rows(sc)
    ids, prob = sc["scenario_id"].tolist(), sc["probability"].tolist()
    first: dict[str, int] = {}
    for i, (sid, p) in enumerate(zip(ids, prob, strict=True)):
        if sid is None or pd.isna(sid) or pd.isna(p):
            continue
        k = first.setdefault(sid, i)
        if abs(p - prob[k]) > TOLERANCE:
            out.add(case.cell("Scenarios", "probability", rows[i]),
                    f"probability {p:g} differs from {prob[k]:g} in "
                    f"{case.cell('Scenarios', 'probability', rows[k])} for scenario {sid!r}",
                    "expected one probability per scenario_id, the same on each of its "
                    "rows", kind="probability")
    total = sum(prob[k] for k in first.values())
    if total > 1 + TOLERANCE:
        given = [rows[k] for k in first.values() if rows[k] is not None and not pd.isna(
            rows[k])]
        where = "Scenarios, column probability"
        if given:
            top = case.cell("Scenarios", "probability", min(given))
            bottom = case.cell("Scenarios", "probability", max(given))
            where = f"{top}:{bottom.split('!')[-1]}"
        out.add(where, f"the probabilities of the {len(first)} scenarios add up to "
                f"{total:g}", "expected at most 1 (each scenario_id's probability counted "
                "once)", kind="probability total")
    fy = pd.to_numeric(sc["from_year"], errors="coerce")
    ty = pd.to_numeric(sc["to_year"], errors="coerce")
    last = case.settings.last_year
    for i in np.flatnonzero((fy > ty).to_numpy()):
        # to_year at last_year (typed, or a blank filled in): from_year is the cell to fix
        at_end = last is not None and ty.iloc[i] == last
        shown = " (last_year, the end of the horizon)" if at_end else ""
        out.add(case.cell("Scenarios", "from_year" if at_end else "to_year", rows[i]),
                f"from_year {fy.iloc[i]:g} is after to_year {ty.iloc[i]:g}{shown}",
                "expected from_year <= to_year", kind="years")


def check_budget_years(case: Case, out: _Problems) -> None:
    """One Budget row per horizon year; a row for another year is ignored (warning)."""
    years = _horizon(case)
    if years is None:
        return
    b = case.budget
    span = f"{years[0]}..{years[-1]}"
    year = pd.to_numeric(b["year"], errors="coerce") if len(b) else pd.Series(dtype=float)
    outside = (year.notna() & ~year.isin(years)).to_numpy()
    for v, r in zip(year[outside], np.asarray(_rows(b), dtype=object)[outside], strict=True):
        out.add(case.cell("Budget", "year", r), f"year {v:g} is outside the horizon {span}; "
                "the row is ignored", f"expected one row per year {span}",
                severity="warning", kind="horizon")
    present = set(year.dropna().astype(int).tolist())
    for t in years:
        if t not in present:
            out.add("Budget", f"no row for year {t}", f"expected one row per year {span}",
                    kind="no row")


def check_demand_rows(case: Case, out: _Problems) -> None:
    """A capability with no demand at all (no Demand row) has demand 0: a warning."""
    caps = case.capabilities
    if caps.empty or _horizon(case) is None:  # no horizon, no demand years to have
        return
    d = case.demand
    listed = d["capability_id"] if "row" not in d.columns else d.loc[
        d["row"].notna() | (d["row"].isna().all()), "capability_id"]
    have = set(listed.dropna().tolist())
    for cid, r in zip(caps["capability_id"], _rows(caps), strict=True):
        if cid is not None and not pd.isna(cid) and cid not in have:
            out.add(case.cell("Capabilities", "capability_id", r),
                    f"capability {cid!r} has no row in Demand; its demand is taken as 0",
                    "expected one Demand row per capability", severity="warning",
                    kind="no demand")


def _fleet_capabilities(case: Case) -> set:
    caps = case.capabilities
    if "requirement" not in caps.columns:
        return set()
    return set(caps.loc[caps["requirement"] == "fleet", "capability_id"])


def check_fleet_options(case: Case, out: _Problems) -> None:
    """Every option of a fleet capability needs a service life (sustainment)."""
    fleet, o = _fleet_capabilities(case), case.options
    if not fleet or o.empty or "service_life_years" not in o.columns:
        return
    missing = (o["capability_id"].isin(fleet) & o["service_life_years"].isna()).to_numpy()
    rows = np.asarray(_rows(o), dtype=object)[missing]
    for oid, cap, r in zip(o["option_id"][missing], o["capability_id"][missing], rows,
                           strict=True):
        out.add(case.cell("Options", "service_life_years", r),
                f"service_life_years is blank, but option {oid!r} is for the fleet "
                f"capability {cap!r}", "expected a whole number >= 1: the years a unit "
                "stays in service (required for a fleet capability's options)",
                kind="service life")


def check_stock(case: Case, out: _Problems) -> None:
    """Stock only for deliveries capabilities; initial_stock <= stock_max (sustainment)."""
    caps = case.capabilities
    if caps.empty or "stock_max" not in caps.columns:
        return
    rows = _rows(caps)
    fleet = (caps["requirement"] == "fleet").to_numpy()
    for column in ("stock_max", "initial_stock", "holding_cost"):
        value = pd.to_numeric(caps[column], errors="coerce")
        for i in np.flatnonzero(fleet & (value > 0).to_numpy()):
            out.add(case.cell("Capabilities", column, rows[i]),
                    f"{column} {value.iloc[i]:g} is given for {caps['capability_id'].iloc[i]!r}, "
                    "a fleet capability", "expected blank or 0: a fleet is kept in service, "
                    "not stocked (stock is for deliveries capabilities such as munitions)",
                    kind="fleet stock")
    smax = pd.to_numeric(caps["stock_max"], errors="coerce")
    init = pd.to_numeric(caps["initial_stock"], errors="coerce")
    for i in np.flatnonzero((~fleet) & (init > smax + TOLERANCE).to_numpy()):
        out.add(case.cell("Capabilities", "initial_stock", rows[i]),
                f"initial_stock {init.iloc[i]:g} is above stock_max {smax.iloc[i]:g} "
                f"({case.cell('Capabilities', 'stock_max', rows[i])})",
                "expected initial_stock <= stock_max", kind="initial stock")


def check_repair_lines(case: Case, out: _Problems) -> None:
    """A repair line supports the fleet of an option of a fleet capability (sustainment)."""
    rp = getattr(case, "repair", None)
    if rp is None or rp.empty:
        return
    fleet = _fleet_capabilities(case)
    first = case.options.drop_duplicates("option_id")
    capability = dict(zip(first["option_id"], first["capability_id"], strict=True))
    for rid, oid, r in zip(rp["repair_id"], rp["option_id"], _rows(rp), strict=True):
        cap = capability.get(oid)
        if cap is not None and not pd.isna(cap) and cap not in fleet:
            out.add(case.cell("Repair", "option_id", r),
                    f"repair line {rid!r} is for option {oid!r}, whose capability {cap!r} "
                    "is a deliveries capability", "expected an option of a capability with "
                    "requirement fleet: a repair line keeps a fleet in service",
                    kind="repair")


#: The rules, in the order their problems are listed.
RULES: tuple[Callable[[Case, _Problems], None], ...] = (
    check_home_country, check_option_shares, check_home_inputs, check_available_from,
    check_scenarios, check_budget_years, check_demand_rows, check_fleet_options,
    check_stock, check_repair_lines,
)

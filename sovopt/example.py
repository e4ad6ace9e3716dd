"""The bundled example case: Norland, a fictional mid-sized country, 2027-2036.

Every number is invented but of a plausible order (costs in EUR millions). The
tables are at the top of this module so they can be read and retuned in one
place; :func:`example_case` turns them into a :class:`~sovopt.case.Case`.

The case is built so that cost and dependence pull in different directions:

- The cheapest options are foreign and available at once: Sarkand (adversary)
  shells, Helvara (neutral) drones, radios and terminals, off-the-shelf buys
  from the allies. Their share is limited by tier caps and they fail in the
  disruption scenarios.
- Licensed production, co-production and domestic lines raise local content
  and survive most scenarios, but cost more per unit, need a fixed
  investment and take one to four years to deliver, so the early years must
  be bridged by imports.
- Hidden dependencies sit in the Inputs: domestic shells need Corvanian
  energetics, the licensed shells Sarkand energetics, radios and terminals
  Helvaran chips, vehicles and vessels Aldmark engines. Local assembly with
  high local content still stops when its one critical foreign input is cut.
- One drone offer carries a Dravost (prohibited) flight controller, so it is
  excluded before the model is built, and the exclusion is reported.
- The localization target rises from 15 % to 40 % of unit spending, which
  the early imports alone cannot meet later in the horizon.
- Short-range air-defence batteries are a fleet (the sustainment families): two, four,
  then six must be in service from 2029, 2030, 2031 on. The cheapest battery
  is Aldmark's, but it is kept running from Corvania (support_country_id),
  which the northern sea blockade cuts in 2031-2033; a Norland battery is
  supported at home but costs more and comes later; a repair line at home
  (Repair sheet) takes the Aldmark batteries' support home two years after it
  starts. Under min_dependence the line is the cheapest way to keep the
  batteries available through the blockade.
- Anti-tank missiles have a single supplier, Westmere, whose output is half
  committed to its own forces in 2028-2031; they may be stocked (stock_max,
  holding_cost), so a stock built in 2027 covers the missing deliveries.
"""

from __future__ import annotations

import pandas as pd

from sovopt import schema
from sovopt.case import Case, Settings
from sovopt.case_records import build_case

FIRST_YEAR = 2027
LAST_YEAR = 2036
YEARS = list(range(FIRST_YEAR, LAST_YEAR + 1))

SETTINGS = Settings.from_values(dict(
    case_name="Norland capability plan 2027-2036 (fictional example)",
    home_country="NOR",
    first_year=FIRST_YEAR,
    last_year=LAST_YEAR,
    currency="EUR m",
    objective="min_dependence",
    allow_unmet=False,
    time_limit_s=60.0,
    mip_gap=0.01,
    cvar_beta=0.9,
))

# country_id, name, tier, risk_score, max_share (None = tier default)
COUNTRIES = [
    ("NOR", "Norland", "home", 0.00, None),
    ("ALD", "Aldmark", "ally", 0.10, None),
    ("WES", "Westmere", "ally", 0.15, None),
    ("COR", "Corvania", "partner", 0.30, None),
    ("LUS", "Lusenia", "partner", 0.35, None),
    ("HEL", "Helvara", "neutral", 0.55, 0.25),  # a parliamentary cap below the tier default
    ("SAR", "Sarkand", "adversary", 0.90, None),
    ("DRA", "Dravost", "prohibited", 1.00, None),
]

# supplier_id, name, country_id, activation_cost (EUR m), capacity_per_year (None = unlimited)
SUPPLIERS = [
    ("NDS", "Norland Defence Systems", "NOR", 0.0, None),
    ("NVM", "Nordvik Munitions", "NOR", 0.0, 40.0),
    ("FJY", "Fjordyard Naval", "NOR", 0.0, 1.0),
    ("NCE", "NorCom Electronics", "NOR", 0.0, None),
    ("AMW", "Aldmark Missile Works", "ALD", 6.0, None),
    ("ALS", "Aldmark Land Systems", "ALD", 4.0, 25.0),
    ("WDI", "Westmere Defence Industries", "WES", 3.0, None),
    ("WAE", "Westmere Aerospace", "WES", 3.0, None),
    ("CSY", "Corvania Shipyards", "COR", 5.0, 1.0),
    ("LPH", "Lusenia Photonics", "LUS", 2.0, None),
    ("HDY", "Helvara Dynamics", "HEL", 1.0, None),
    ("SAE", "Sarkand Arms Export", "SAR", 0.0, None),
]

# capability_id, name, unit, criticality, min_suppliers, integer_units
CAPABILITIES = [
    ("AD_INT", "Air-defence interceptors", "missile", 3.0, 2, True),
    ("ART155", "155 mm artillery rounds", "1000 rounds", 3.0, 2, False),
    ("DRONE", "Tactical drones", "system", 2.0, 1, True),
    ("RADIO", "Secure tactical radios", "100 radios", 1.5, 1, False),
    ("ARMV", "Armoured vehicles", "vehicle", 1.5, 1, True),
    ("OPV", "Offshore patrol vessels", "vessel", 1.0, 1, True),
    ("SATT", "Satellite communication terminals", "terminal", 1.0, 1, True),
    ("CUAS", "Counter-drone systems", "system", 2.0, 1, True),
    ("SHORAD", "Short-range air-defence batteries", "battery", 2.0, 1, True),
    ("ATGM", "Anti-tank missiles", "10 missiles", 1.5, 1, True),
]

# Capabilities columns of the sustainment families, where not the default (deliveries, no stock):
# capability_id -> {requirement, stock_max, holding_cost, initial_stock}
CAPABILITY_SUSTAINMENT = {
    "SHORAD": {"requirement": "fleet"},
    "ATGM": {"stock_max": 60.0, "holding_cost": 0.02},
}

# Units to deliver per year, 2027..2036.
DEMAND = {
    "AD_INT": [16, 20, 24, 28, 32, 36, 40, 40, 40, 40],
    "ART155": [30, 36, 40, 44, 48, 50, 50, 50, 50, 50],
    "DRONE": [40, 50, 60, 70, 80, 80, 80, 80, 80, 80],
    "RADIO": [12, 14, 16, 18, 20, 22, 24, 25, 25, 25],
    "ARMV": [6, 10, 14, 16, 18, 20, 20, 20, 20, 20],
    "OPV": [0, 0, 0, 1, 0, 1, 0, 1, 0, 1],
    "SATT": [20, 25, 30, 35, 40, 45, 50, 50, 50, 50],
    "CUAS": [6, 8, 10, 12, 14, 16, 18, 20, 20, 20],
    "SHORAD": [0, 0, 2, 4, 6, 6, 6, 6, 6, 6],  # batteries in service (a fleet)
    "ATGM": [30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
}

# option_id, capability_id, supplier_id, mode, unit_cost (EUR m per unit), fixed_cost
# (EUR m), local_content, lead_time_years, available_from, min_total_qty,
# max_qty_per_year, mandatory, notes
OPTIONS = [
    ("AD-BUY-ALD", "AD_INT", "AMW", "buy", 1.25, 4.0, 0.05, 0, 2027, 0, 24, False,
     "Off-the-shelf interceptors from Aldmark stock; local integration only."),
    ("AD-LIC-ALD", "AD_INT", "AMW", "license", 1.40, 45.0, 0.45, 3, 2027, 60, 40, False,
     "Licensed final assembly in Norland; seeker supplied by the licensor."),
    ("AD-BUY-WES", "AD_INT", "WAE", "buy", 1.35, 3.0, 0.00, 1, 2027, 0, 16, False,
     "Westmere interceptor, next production slot in a year."),
    ("AD-DOM-NDS", "AD_INT", "NDS", "domestic", 1.85, 140.0, 0.75, 4, 2028, 60, 30, False,
     "National interceptor programme; development funding from 2028."),
    ("ART-BUY-WES", "ART155", "WDI", "buy", 4.20, 2.0, 0.00, 0, 2027, 0, 40, False,
     "Westmere shells from running production."),
    ("ART-LIC-WES", "ART155", "WDI", "license", 4.50, 30.0, 0.55, 2, 2027, 50, 35, False,
     "Westmere design filled in Norland; propellant from Sarkand is cheapest."),
    ("ART-DOM-NVM", "ART155", "NVM", "domestic", 5.30, 60.0, 0.85, 3, 2027, 50, 35, False,
     "New Nordvik shell line; energetics from Corvania."),
    ("ART-DOM-NVM-LINE", "ART155", "NVM", "domestic", 5.80, 0.0, 0.85, 0, 2027, 0, 6, False,
     "Nordvik's existing small line, available now."),
    ("ART-BUY-SAR", "ART155", "SAE", "buy", 2.40, 0.0, 0.00, 0, 2027, 0, 20, False,
     "Cheapest shells on the market; adversary origin."),
    ("DRN-BUY-WES", "DRONE", "WAE", "buy", 0.32, 2.0, 0.00, 0, 2027, 0, 60, False,
     "Westmere tactical drone."),
    ("DRN-BUY-HEL", "DRONE", "HDY", "buy", 0.18, 0.5, 0.00, 0, 2027, 0, 80, False,
     "Helvara drone: cheap, large stocks."),
    ("DRN-DOM-NCE", "DRONE", "NCE", "domestic", 0.30, 12.0, 0.65, 1, 2027, 40, 60, False,
     "NorCom drone; Helvara flight-control chips."),
    ("DRN-COP-LUS", "DRONE", "LPH", "coproduce", 0.26, 8.0, 0.40, 1, 2027, 40, 50, False,
     "Co-produced with Lusenia Photonics; airframes made in Norland."),
    ("DRN-DOM-NCE-X", "DRONE", "NCE", "domestic", 0.20, 6.0, 0.55, 1, 2027, 40, 60, False,
     "Low-cost NorCom variant; its flight controller is made in Dravost."),
    ("RAD-DOM-NCE", "RADIO", "NCE", "domestic", 2.60, 0.0, 0.70, 0, 2027, 0, 18, False,
     "NorCom radios from the running line; Lusenian crypto module."),
    ("RAD-BUY-LUS", "RADIO", "LPH", "buy", 1.90, 1.0, 0.00, 0, 2027, 0, 20, False,
     "Lusenia radios off the shelf."),
    ("RAD-BUY-HEL", "RADIO", "HDY", "buy", 1.20, 0.5, 0.00, 0, 2027, 0, 25, False,
     "Helvara radios: cheapest."),
    ("ARV-BUY-ALD", "ARMV", "ALS", "buy", 4.80, 5.0, 0.05, 0, 2027, 0, 20, False,
     "Aldmark vehicles from stock."),
    ("ARV-LIC-ALD", "ARMV", "ALS", "license", 5.10, 35.0, 0.50, 2, 2027, 30, 20, False,
     "Licensed assembly at a Norland plant."),
    ("ARV-COP-WES", "ARMV", "WDI", "coproduce", 5.40, 25.0, 0.40, 2, 2027, 30, 15, False,
     "Co-produced with Westmere; Aldmark engine."),
    ("ARV-DOM-NDS", "ARMV", "NDS", "domestic", 6.50, 80.0, 0.70, 3, 2027, 30, 20, False,
     "Norland-designed vehicle; Aldmark engine, Lusenian optics."),
    ("OPV-BUY-COR", "OPV", "CSY", "buy", 85.0, 5.0, 0.10, 2, 2027, 0, 1, False,
     "Corvanian patrol vessel, built in Corvania."),
    ("OPV-COP-COR", "OPV", "CSY", "coproduce", 92.0, 30.0, 0.45, 3, 2027, 2, 1, False,
     "Corvanian design, hull and outfitting at Fjordyard."),
    ("OPV-DOM-FJY", "OPV", "FJY", "domestic", 105.0, 60.0, 0.70, 4, 2027, 2, 1, False,
     "Fjordyard's own design."),
    ("SAT-BUY-WES", "SATT", "WAE", "buy", 0.35, 1.0, 0.00, 0, 2027, 0, 50, False,
     "Westmere terminals; Helvara modem chips."),
    ("SAT-BUY-HEL", "SATT", "HDY", "buy", 0.22, 0.5, 0.00, 0, 2027, 0, 40, False,
     "Helvara terminals: cheapest."),
    ("SAT-LIC-WES", "SATT", "WAE", "license", 0.38, 10.0, 0.45, 2, 2027, 60, 50, False,
     "Licensed assembly at NorCom."),
    ("CUA-BUY-LUS", "CUAS", "LPH", "buy", 2.20, 2.0, 0.00, 0, 2027, 0, 12, False,
     "Lusenia counter-drone system."),
    ("CUA-BUY-WES", "CUAS", "WAE", "buy", 2.40, 2.0, 0.00, 0, 2027, 0, 12, False,
     "Westmere counter-drone system."),
    ("CUA-DOM-NCE", "CUAS", "NCE", "domestic", 2.80, 25.0, 0.70, 2, 2027, 20, 20, False,
     "NorCom counter-drone system; Helvara radar chips."),
    ("SHO-BUY-ALD", "SHORAD", "AMW", "buy", 38.0, 4.0, 0.05, 1, 2027, 0, 6, False,
     "Aldmark battery: cheapest; spares and depot repair under the regional support "
     "contract in Corvania."),
    ("SHO-DOM-NDS", "SHORAD", "NDS", "domestic", 58.0, 30.0, 0.70, 2, 2027, 0, 6, False,
     "Norland battery, supported at home."),
    ("ATG-BUY-WES", "ATGM", "WDI", "buy", 0.45, 0.5, 0.00, 0, 2027, 0, 90, False,
     "Westmere anti-tank missiles; the only supplier."),
]

# Options columns of the sustainment families, where not the default:
# option_id -> {service_life_years, support_cost, support_country_id, partner_offtake_per_year}
OPTION_SUSTAINMENT = {
    "SHO-BUY-ALD": {"service_life_years": 20, "support_cost": 2.5,
                    "support_country_id": "COR"},
    "SHO-DOM-NDS": {"service_life_years": 20, "support_cost": 2.8},
    "DRN-COP-LUS": {"partner_offtake_per_year": 20.0},
    "ARV-COP-WES": {"partner_offtake_per_year": 4.0},
}

# repair_id, option_id, fixed_cost (EUR m), lead_time_years, support_cost_factor
REPAIR = [
    ("REP-SHO-NOR", "SHO-BUY-ALD", 18.0, 2, 1.2),
]

# option_id, input, source_country_id, value_share, critical
INPUTS = [
    ("AD-BUY-ALD", "seeker", "LUS", 0.12, True),
    ("AD-LIC-ALD", "seeker", "ALD", 0.20, True),
    ("AD-LIC-ALD", "rocket motor", "WES", 0.10, True),
    ("AD-BUY-WES", "guidance chips", "HEL", 0.05, True),
    ("AD-DOM-NDS", "seeker", "LUS", 0.10, True),
    ("AD-DOM-NDS", "guidance chips", "HEL", 0.05, False),
    ("ART-LIC-WES", "energetics (propellant)", "SAR", 0.06, True),
    ("ART-LIC-WES", "fuzes", "WES", 0.05, False),
    ("ART-DOM-NVM", "energetics (nitrocellulose)", "COR", 0.08, True),
    ("ART-DOM-NVM-LINE", "energetics (nitrocellulose)", "COR", 0.08, True),
    ("DRN-BUY-WES", "flight-control chips", "HEL", 0.06, True),
    ("DRN-DOM-NCE", "flight-control chips", "HEL", 0.08, True),
    ("DRN-DOM-NCE", "optics (EO turret)", "LUS", 0.07, False),
    ("DRN-DOM-NCE", "engines", "COR", 0.05, False),
    ("DRN-COP-LUS", "engines", "COR", 0.06, False),
    ("DRN-DOM-NCE-X", "flight controller", "DRA", 0.10, True),
    ("RAD-DOM-NCE", "crypto module", "LUS", 0.10, True),
    ("RAD-DOM-NCE", "chips", "HEL", 0.08, True),
    ("RAD-BUY-LUS", "chips", "HEL", 0.10, True),
    ("ARV-LIC-ALD", "engine", "WES", 0.12, True),
    ("ARV-LIC-ALD", "optics", "LUS", 0.05, False),
    ("ARV-COP-WES", "engine", "ALD", 0.10, True),
    ("ARV-COP-WES", "optics", "LUS", 0.05, False),
    ("ARV-DOM-NDS", "engine", "ALD", 0.12, True),
    ("ARV-DOM-NDS", "optics", "LUS", 0.06, False),
    ("ARV-DOM-NDS", "armour steel", "COR", 0.05, False),
    ("OPV-COP-COR", "engines", "ALD", 0.10, True),
    ("OPV-COP-COR", "radar", "WES", 0.08, False),
    ("OPV-DOM-FJY", "engines", "ALD", 0.10, True),
    ("OPV-DOM-FJY", "radar", "WES", 0.08, False),
    ("SAT-BUY-WES", "modem chips", "HEL", 0.10, True),
    ("SAT-LIC-WES", "RF chips", "LUS", 0.12, True),
    ("SAT-LIC-WES", "modem chips", "HEL", 0.08, True),
    ("CUA-DOM-NCE", "radar chips", "HEL", 0.08, True),
    ("CUA-DOM-NCE", "optics", "LUS", 0.06, False),
]

# year, budget (EUR m), min_local_share
BUDGET = [
    (2027, 460.0, 0.15),
    (2028, 470.0, 0.18),
    (2029, 520.0, 0.21),
    (2030, 565.0, 0.24),
    (2031, 515.0, 0.27),
    (2032, 655.0, 0.30),
    (2033, 575.0, 0.33),
    (2034, 685.0, 0.36),
    (2035, 595.0, 0.38),
    (2036, 695.0, 0.40),
]

# scenario_id, name, probability, country_id, loss, from_year, to_year
SCENARIOS = [
    ("EMB-HEL", "Helvara export embargo", 0.15, "HEL", 1.0, 2029, 2031),
    ("BLK-SEA", "Northern sea blockade", 0.10, "COR", 0.8, 2031, 2033),
    ("BLK-SEA", "Northern sea blockade", 0.10, "LUS", 0.8, 2031, 2033),
    ("COM-WES", "Westmere output committed to its own forces", 0.20, "WES", 0.5, 2028,
     2031),
    ("SAN-SAR", "Sanctions on Sarkand", 0.30, "SAR", 1.0, 2029, LAST_YEAR),
]


def example_case() -> Case:
    """The Norland example as a :class:`Case` (tables as the reader would give them),
    built and checked by :func:`sovopt.case_records.build_case`."""
    demand = pd.DataFrame(
        [(cap, year, float(q)) for cap, row in DEMAND.items()
         for year, q in zip(YEARS, row, strict=True)],
        columns=["capability_id", "year", "demand"],
    )
    return build_case(
        SETTINGS.as_dict(),
        countries=_frame("Countries", COUNTRIES),
        suppliers=_frame("Suppliers", SUPPLIERS),
        capabilities=_frame("Capabilities", CAPABILITIES, CAPABILITY_SUSTAINMENT),
        demand=demand,
        options=_frame("Options", OPTIONS, OPTION_SUSTAINMENT),
        inputs=_frame("Inputs", INPUTS),
        budget=_frame("Budget", BUDGET),
        scenarios=_frame("Scenarios", SCENARIOS),
        repair=_frame("Repair", REPAIR),
    )


def tiny_case() -> Case:
    """A case small enough to solve in a blink, for examples: one year, demand for 10
    rounds (fractional units), bought from home (``HOME``, unit cost 5, all local) or
    from an ally of risk 0.5 (``ALLY``, unit cost 1), a budget of 100.

    Least cost buys all 10 from the ally (cost 10, exposure 0.5 x 10 / 100 = 0.05);
    least exposure buys all at home (cost 50, exposure 0); each unit moved home costs 4.

    >>> tiny_case().options["option_id"].tolist()
    ['HOME', 'ALLY']
    """
    return build_case(
        {"case_name": "tiny", "home_country": "H", "first_year": 2027, "last_year": 2027,
         "currency": "EUR", "objective": "min_cost"},
        countries=[{"country_id": "H", "name": "Home", "tier": "home", "risk_score": 0.0},
                   {"country_id": "A", "name": "Ally", "tier": "ally", "risk_score": 0.5}],
        suppliers=[{"supplier_id": "SH", "name": "home works", "country_id": "H"},
                   {"supplier_id": "SA", "name": "ally arms", "country_id": "A"}],
        capabilities=[{"capability_id": "R", "name": "rounds", "integer_units": False}],
        demand=[{"capability_id": "R", "year": 2027, "demand": 10.0}],
        options=[{"option_id": "HOME", "capability_id": "R", "supplier_id": "SH",
                  "mode": "domestic", "unit_cost": 5.0, "local_content": 1.0},
                 {"option_id": "ALLY", "capability_id": "R", "supplier_id": "SA",
                  "mode": "buy", "unit_cost": 1.0}],
        budget=[{"year": 2027, "budget": 100.0}])


#: columns each table's tuples above leave out (the sustainment families, given per id instead)
_LEFT_OUT = {"Capabilities": ("min_supplier_share", "requirement", "stock_max", "holding_cost",
                              "initial_stock"),
             "Options": ("service_life_years", "support_cost", "support_country_id",
                         "partner_offtake_per_year")}


def _frame(sheet_name: str, rows: list[tuple],
           extra: dict[str, dict[str, object]] | None = None) -> pd.DataFrame:
    """A table with the sheet's schema columns, typed by kind, plus ``row`` (None).

    ``rows`` give every column but those of ``_LEFT_OUT``, which take the schema's
    default unless ``extra`` (record id -> column -> value) sets them.
    """
    sh = schema.sheet(sheet_name)
    left_out = _LEFT_OUT.get(sheet_name, ())
    given = [c for c in sh.column_names if c not in left_out]
    width = len(rows[0]) if rows else len(given)
    df = pd.DataFrame(rows, columns=given[:width])
    for name in given[width:]:  # optional columns the example leaves blank
        df[name] = None
    for name in left_out:
        col = sh.column(name)
        values = [(extra or {}).get(key, {}).get(name, col.default) for key in df[sh.key]]
        df[name] = values
    df = df[sh.column_names]
    for col in sh.columns:
        if col.kind in ("number",):
            df[col.name] = df[col.name].astype(float)
        elif col.kind in ("integer", "year") and df[col.name].notna().all():
            df[col.name] = df[col.name].astype("int64")
        elif col.kind in ("integer", "year"):  # an optional whole number left blank
            df[col.name] = df[col.name].astype(float)
        elif col.kind == "bool":
            df[col.name] = df[col.name].astype(bool)
    df["row"] = pd.Series([None] * len(df), dtype="object")
    return df

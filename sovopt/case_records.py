"""A Case from plain records, for scripts, tests and the benchmark.

:func:`build_case` fills in the schema's defaults (:mod:`sovopt.schema`) and checks
the rules across sheets (:func:`sovopt.validate.validate`), as the workbook reader
does for a case read from a file; it lives apart from :mod:`sovopt.case` so that the
Case and its validation do not import each other.
"""

from __future__ import annotations

import pandas as pd

from sovopt import schema
from sovopt.case import Case, Settings
from sovopt.errors import InvalidCase
from sovopt.validate import validate


def build_case(settings: dict, **tables: list[dict] | pd.DataFrame) -> Case:
    """A Case from plain records, with the schema's defaults filled in.

    For scripts, tests and the benchmark: ``tables`` are named as the Case's
    fields (countries, suppliers, ...); demand may be long form (capability_id,
    year, demand) records. The rules across sheets (:func:`sovopt.validate.validate`)
    are checked: any error raises :class:`~sovopt.errors.InvalidCase` listing them
    all. Cell types and ranges are the reader's: write the case to a workbook and
    read it back for those.
    """
    st = Settings.from_values(settings)
    frames: dict[str, pd.DataFrame] = {}
    for sh in schema.SHEETS[1:]:
        name = sh.name.lower()
        data = tables.get(name)
        df = pd.DataFrame(data) if data is not None else pd.DataFrame()
        if name == "demand":
            cols = ["capability_id", "year", "demand"]
            df = df.reindex(columns=cols) if not df.empty else pd.DataFrame(columns=cols)
            df = df.astype({"year": int, "demand": float})
        else:
            for col in sh.columns:
                if col.name not in df.columns:
                    df[col.name] = col.default
                elif col.default is not None:
                    df[col.name] = df[col.name].fillna(col.default).infer_objects()
            df = df[sh.column_names] if not df.empty else pd.DataFrame(columns=sh.column_names)
        if "row" not in df.columns:
            df["row"] = None
        frames[name] = df.reset_index(drop=True)
    c = frames["countries"]
    c["max_share"] = schema.with_tier_default(c["max_share"], c["tier"])
    o = frames["options"]
    o["available_from"] = o["available_from"].fillna(st.first_year).astype(int)
    o["max_qty_per_year"] = o["max_qty_per_year"].astype(float)
    o["service_life_years"] = o["service_life_years"].astype(float)
    frames["suppliers"]["capacity_per_year"] = frames["suppliers"]["capacity_per_year"].astype(
        float)
    sc = frames["scenarios"]
    sc["from_year"] = sc["from_year"].fillna(st.first_year)
    sc["to_year"] = sc["to_year"].fillna(st.last_year)
    for name, cols in {"inputs": ["critical"], "options": ["mandatory"],
                       "capabilities": ["integer_units"]}.items():
        for col in cols:
            frames[name][col] = frames[name][col].astype(bool)
    case = Case(settings=st, **frames)
    problems = validate(case)
    if any(p.is_error for p in problems):
        raise InvalidCase(problems)
    return case

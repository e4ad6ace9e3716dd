"""Round trips through the reader: what sovopt writes, sovopt reads back unchanged."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from sovopt import schema
from sovopt.example import example_case
from sovopt.workbook.case_reader import read_case
from sovopt.workbook.template import write_template
from sovopt.workbook.write_case import write_case_workbook

TABLES = [sh.name for sh in schema.SHEETS if sh.layout != "settings"]


def _comparable(df: pd.DataFrame, sheet_name: str) -> pd.DataFrame:
    """The table without ``row``, in a stable order, with plain object values."""
    df = df.drop(columns=["row"]).reset_index(drop=True)
    if sheet_name == "Demand":
        df = df.sort_values(["capability_id", "year"]).reset_index(drop=True)
    return df.astype(object).where(df.notna(), None)


def assert_same_case(got, want) -> None:
    assert got.settings == want.settings
    for name in TABLES:
        pd.testing.assert_frame_equal(
            _comparable(got.table(name), name), _comparable(want.table(name), name),
            check_dtype=False, obj=name)


def test_example_reads_back_unchanged(tmp_path):
    want = example_case()
    path = write_case_workbook(tmp_path / "example.xlsx", want)
    got, warnings = read_case(path)
    assert [str(w) for w in warnings] == []
    assert_same_case(got, want)
    # Rows point at the workbook: the first option is on row 2 of Options.
    assert got.cell("Options", "unit_cost", got.options["row"].iloc[0]) == "Options!E2"


def test_filled_template_reads_back(tmp_path):
    """Fill the blank template the way a planner would (typing into its cells) with
    the example's values, and read it back."""
    want = example_case()
    s = want.settings
    template = write_template(tmp_path / "template.xlsx", s.first_year, s.last_year)
    source = openpyxl.load_workbook(write_case_workbook(tmp_path / "example.xlsx", want))
    book = openpyxl.load_workbook(template)
    for sh in schema.SHEETS:
        src, dst = source[sh.name], book[sh.name]
        for row in src.iter_rows(min_row=2):
            for cell in row:
                if cell.value is not None:
                    dst[cell.coordinate] = cell.value
    book.save(tmp_path / "filled.xlsx")
    got, warnings = read_case(tmp_path / "filled.xlsx")
    assert [str(w) for w in warnings] == []
    assert_same_case(got, want)


def test_blank_template_asks_only_for_data(tmp_path):
    """Reading the untouched template fails on missing data only, never on its layout."""
    from sovopt.errors import InvalidCase

    path = write_template(tmp_path / "template.xlsx", 2027, 2036)
    with pytest.raises(InvalidCase) as info:
        read_case(path)
    texts = [str(p) for p in info.value.problems]
    assert texts
    assert all(("blank" in t) or ("no rows" in t) for t in texts), texts
    assert not any("About" in t or "unknown" in t.lower() for t in texts), texts

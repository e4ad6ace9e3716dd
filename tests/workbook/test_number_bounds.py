"""Infinite and absurd numbers are refused with their cell, for every number
column of the schema: 1e309 and 1E400 written into the sheet XML (they read as
infinity), 1.797e308 and 1e300 (finite, but beyond any real quantity), NaN. Before,
they validated and then the solve crashed (OverflowError in the diagnosis) or
ended in a false "no solution within the time limit". Text longer than a cell
holds (32,767 characters) was cut silently in the results; it is refused now."""

from __future__ import annotations

from pathlib import Path

import pytest

from sovopt.errors import InvalidCase
from sovopt.schema import EXCEL_MAX, MAX_MONEY, MAX_TEXT_CHARS, number_columns
from sovopt.workbook.case_reader import read_case
from tests.hostile import column_cells, set_cells_xml
from tests.paths import EXAMPLE

COLUMNS = [(sh, col) for sh, col in number_columns()]


def test_every_number_column_has_a_finite_bound_within_excel() -> None:
    for sh, col in COLUMNS:
        assert col.bound <= EXCEL_MAX, (sh.name, col.name)
        if "currency" in col.unit:  # money, whoever adds the column
            assert col.bound <= MAX_MONEY, (sh.name, col.name)
        if col.maximum is not None and col.maximum <= 1:  # shares, probabilities
            assert col.bound == col.maximum


def errors_at(path: Path) -> dict[str, str]:
    with pytest.raises(InvalidCase) as err:
        read_case(path)
    return {p.where: p.message for p in err.value.problems if p.is_error}


@pytest.mark.parametrize("sheet, column", COLUMNS, ids=[f"{s.name}.{c.name}" for s, c in
                                                         COLUMNS])
def test_absurd_numbers_are_refused_with_their_cell(sheet, column, tmp_path: Path) -> None:
    cells = column_cells(EXAMPLE, sheet, column)
    assert cells, f"the example has no {sheet.name} {column.name} cell"
    values = ["1e309", "-1E400", "1.797e308", "1e300", "NaN"]
    chosen = {cells[i % len(cells)]: values[i] for i in range(min(len(cells), len(values)))}
    path = set_cells_xml(EXAMPLE, tmp_path / "case.xlsx", sheet.name, chosen)
    found = errors_at(path)
    for cell, value in chosen.items():
        where = f"{sheet.name}!{cell}"
        assert where in found, f"{value} in {where} was accepted"


def test_an_id_longer_than_a_cell_holds_is_refused(tmp_path: Path) -> None:
    from sovopt.schema import sheet as schema_sheet

    options = schema_sheet("Options")
    (cell, *_) = column_cells(EXAMPLE, options, options.column("notes"))
    (id_cell, *_) = column_cells(EXAMPLE, options, options.column("option_id"))
    path = set_cells_xml(EXAMPLE, tmp_path / "case.xlsx", "Options",
                         {id_cell: "X" * (MAX_TEXT_CHARS + 1), cell: "n" * 40_000}, kind="s")
    found = errors_at(path)
    assert f"{MAX_TEXT_CHARS + 1:,} characters" in found[f"Options!{id_cell}"]
    assert "40,000 characters" in found[f"Options!{cell}"]

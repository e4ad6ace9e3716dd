"""Makers of hostile and damaged inputs, generated afresh by each test that uses them.

Everything here writes real files: workbooks whose sheet XML is edited directly
(values no spreadsheet program would save, such as 1e309), zip and XML bombs,
and case workbooks located cell by cell from the schema.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl

from sovopt.schema import SHEETS_BY_NAME, Column, Sheet
from sovopt.workbook.into_input import _sheet_parts


def sheet_parts(path: Path) -> dict[str, str]:
    """Sheet name -> its XML part (``xl/worksheets/sheet3.xml``)."""
    with zipfile.ZipFile(path) as zf:
        return _sheet_parts(zf)


def column_cells(path: Path, sheet: Sheet, column: Column) -> list[str]:
    """The data cells of ``column`` on ``sheet`` in the workbook (``Options!E2`` ...):
    the value cell of a setting; every year column's cells for the Demand years."""
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        ws = wb[sheet.name]
        rows = [list(r) for r in ws.iter_rows()]
    finally:
        wb.close()
    if sheet.layout == "settings":
        return [f"B{r[0].row}" for r in rows[1:]
                if r and str(r[0].value).strip().lower() == column.name]
    header = rows[0]
    if sheet.year_column is not None and column is sheet.year_column:
        cols = [c.column_letter for c in header if isinstance(c.value, int | float)]
    else:
        cols = [c.column_letter for c in header
                if str(c.value or "").strip().lower() == column.name]
    filled = [r[0].row for r in rows[1:] if r and r[0].value not in (None, "")]
    return [f"{letter}{row}" for letter in cols for row in filled]


def set_cells_xml(src: Path, dst: Path, sheet: str, values: dict[str, str],
                  kind: str = "n") -> Path:
    """Copy ``src`` to ``dst`` with cells of ``sheet`` replaced in the sheet XML itself:
    ``kind`` ``n`` writes ``<v>text</v>`` (so 1e309 reaches the reader as written),
    ``s`` an inline string. Cells not yet in the XML are not added."""
    part = sheet_parts(src)[sheet]
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == part:
                xml = data.decode("utf-8")
                for ref, text in values.items():
                    new = (f'<c r="{ref}"><v>{escape(text)}</v></c>' if kind == "n" else
                           f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>')
                    xml, n = re.subn(rf'<c r="{ref}"(?:[^>]*/>|[^>]*>.*?</c>)', new, xml,
                                     count=1, flags=re.S)
                    assert n == 1, f"{sheet}!{ref} is not in the sheet XML"
                data = xml.encode("utf-8")
            zout.writestr(info, data)
    return dst


def zip_bomb(path: Path, size_mb: int = 600) -> Path:
    """An .xlsx-named archive whose one sheet expands to ``size_mb`` MB of zeros."""
    chunk = b"0" * 2**20
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/content-types"><Override PartName="/xl/workbook.xml" '
                    'ContentType="application/vnd.openxmlformats-officedocument.'
                    'spreadsheetml.sheet.main+xml"/></Types>')
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            for _ in range(size_mb):
                fh.write(chunk)
    return path


def xml_bomb(src: Path, dst: Path, sheet: str = "Settings") -> Path:
    """``src`` with a billion-laughs entity declaration at the top of a sheet's XML."""
    part = sheet_parts(src)[sheet]
    entities = ['<!ENTITY l0 "lol">'] + [
        f'<!ENTITY l{k} "{f"&l{k - 1};" * 10}">' for k in range(1, 10)]
    doctype = f"<!DOCTYPE worksheet [{''.join(entities)}]>"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == part:
                xml = data.decode("utf-8")
                xml = re.sub(r"^(<\?xml[^>]*\?>)?", lambda m: (m.group(0) or "") + doctype,
                             xml, count=1)
                xml = xml.replace("<sheetData>", "<sheetData><row r=\"999\"><c r=\"Z999\" "
                                  "t=\"inlineStr\"><is><t>&l9;</t></is></c></row>", 1)
                data = xml.encode("utf-8")
            zout.writestr(info, data)
    return dst


def number_columns_of_example() -> list[tuple[Sheet, Column]]:
    """Every number column of the contract, for tests driven by the schema."""
    from sovopt.schema import number_columns

    return [(SHEETS_BY_NAME[sh.name], col) for sh, col in number_columns()]

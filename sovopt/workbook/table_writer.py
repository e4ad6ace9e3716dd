"""Writing tables and charts onto a worksheet: what every result and study sheet shares.

A table is written with a styled header (the labels and units of the output
schema, :mod:`sovopt.outputs`, where the caller passes them), numbers rounded
to what the data can tell apart (:func:`sovopt.outputs.rounded`) and given
the schema's number format, and column widths that fit what is shown. The
sheet layouts (:mod:`sovopt.workbook.results` and the modules it names, the
compare and study sheets) call these helpers and nothing else lays out cells.

Charts use one palette (:data:`PALETTE`) whose colours differ in hue and in
lightness, so that series stay apart when printed in grey.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from openpyxl.chart.series import SeriesLabel
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sovopt import outputs
from sovopt.workbook import style

FMT_PERCENT = "0.0%"
FMT_PERCENT_FINE = "0.00%"
FMT_UNITS = "#,##0"
FMT_UNITS_FRACTION = "#,##0.00"

GOOD_FILL = PatternFill("solid", fgColor="E2EFDA")
BAD_FILL = PatternFill("solid", fgColor="F8CBAD")
WARN_FILL = PatternFill("solid", fgColor="FFF2CC")
FLAG_FONT = Font(bold=True, color="9C0006")

#: Most series in a stacked chart (and columns of the pivot behind it); the rest are
#: summed into one "other" column. The tidy tables keep every detail.
CHART_SERIES = 12

#: Colour scales: white (none) to a strong colour (a lot).
SCALE_RED = "F8696B"
SCALE_BLUE = "5B9BD5"

#: Series colours, in order: hues far apart whose grey values (luminance) also differ,
#: alternating dark and light, so neighbours in a stack stay apart on a grey print.
PALETTE = ("1F3864", "F4B183", "548235", "FFD966", "7030A0", "9DC3E6", "C00000",
           "A9D18E", "404040", "F8CBAD", "2E75B6", "D9D9D9")


def summary_formats(currency: str) -> dict[str, str]:
    """Number format of each numeric Summary metric (from the output schema)."""
    return {q.key: fmt for q in outputs.SUMMARY
            if (fmt := q.excel_format(currency)) is not None}


def table_formats(table: str, currency: str) -> dict[str, str]:
    """Number format of each numeric column of a result table (from the output schema)."""
    return {q.key: fmt for q in outputs.TABLES[table]
            if (fmt := q.excel_format(currency)) is not None}


def table_headings(table: str, columns: Sequence[Any], currency: str) -> list[str]:
    """The heading of each column of result table ``table``: its label with its unit
    (:meth:`sovopt.outputs.Quantity.heading`); a column the schema does not know (a
    year, a name column) keeps its own text, a name column reads "<label> name"."""
    known = {q.key: q for q in outputs.TABLES.get(table, ())}
    known.update({n.key: n for _, n in outputs.named_columns(table)})
    return [known[c].heading(currency) if c in known else str(c) for c in columns]


def money_format(currency: str) -> str:
    """``#,##0.00 "EUR m"``: amounts with the case's currency (quotes removed from it)."""
    return outputs.Quantity("", "", "", "money", "").excel_format(
        style.safe_text(currency)) or "#,##0.00"


def write_table(ws: Worksheet, df: pd.DataFrame, row: int = 1, col: int = 1,
                formats: dict[str, str] | None = None, headers: Sequence[str] | None = None,
                widths: bool = True, kinds: dict[str, str] | None = None) -> tuple[int, int]:
    """Write ``df`` with a styled header at (row, col); return (first, last) data row.

    ``formats`` maps a column name to its number format; ``headers`` overrides
    the header texts; ``kinds`` maps a column to its kind in the output schema
    (money, units, share, ...), by which its numbers are rounded
    (:func:`sovopt.outputs.rounded`; a column with a number format and no kind
    is rounded as a plain number). Column widths fit the longest value (when
    ``widths``); headers wrap, so a long label takes two lines, not the width.
    """
    formats = formats or {}
    kinds = kinds or {}
    heads = list(headers) if headers is not None else [str(c) for c in df.columns]
    for j, head in enumerate(heads):
        style.style_header(style.write_cell(ws, row, col + j, head))
    records = df.itertuples(index=False, name=None)
    for i, rec in enumerate(records, start=row + 1):
        for j, (name, value) in enumerate(zip(df.columns, rec, strict=True)):
            kind = kinds.get(str(name), "number")
            style.write_cell(ws, i, col + j, outputs.rounded(value, kind),
                             number_format=formats.get(str(name)))
    if widths:
        for j, name in enumerate(df.columns):
            values = [_head_width(str(heads[j])),
                      *display_values(df[name], formats.get(str(name)))]
            current = ws.column_dimensions[get_column_letter(col + j)].width or 0
            style.set_width(ws, col + j, max(current, style.fit_width(values)))
    return row + 1, row + len(df)


def _head_width(head: str) -> str:
    """The widest word run of a header that wraps onto at most two lines."""
    words = head.split()
    if len(words) < 2:
        return head
    half = len(head) // 2
    cut = min(range(1, len(words)), key=lambda k: abs(len(" ".join(words[:k])) - half))
    return max(" ".join(words[:cut]), " ".join(words[cut:]), key=len)


def display_values(values: pd.Series, number_format: str | None) -> list[Any]:
    """Values as roughly displayed, for column widths (percent and money are longer)."""
    out = []
    for v in values:
        if style.is_blank(v):
            continue
        if isinstance(v, float) and number_format and "%" in number_format:
            out.append(f"{v:.1%}")
        elif isinstance(v, int | float) and number_format and '"' in number_format:
            out.append(f"{v:,.2f} {number_format.split(chr(34))[1]}")
        elif isinstance(v, float) and number_format:
            out.append(f"{v:,.2f}")
        else:
            out.append(v)
    return out


def title(ws: Worksheet, row: int, col: int, text: str) -> None:
    """A bold title line above a block."""
    cell = style.write_cell(ws, row, col, text)
    cell.font = style.LABEL_FONT


def color_scale(ws: Worksheet, ref: str, colour: str, lo: float | None = 0.0,
                hi: float | None = None) -> None:
    """White at ``lo`` (or the minimum) to ``colour`` at ``hi`` (or the maximum)."""
    start = ({"start_type": "num", "start_value": lo} if lo is not None
             else {"start_type": "min"})
    end = ({"end_type": "num", "end_value": hi} if hi is not None else {"end_type": "max"})
    ws.conditional_formatting.add(
        ref, ColorScaleRule(**start, start_color="FFFFFF", **end, end_color=colour))


def flag_yes(ws: Worksheet, ref: str) -> None:
    """Highlight cells that say ``yes`` (a flag such as concentrated, single source)."""
    ws.conditional_formatting.add(
        ref, CellIsRule(operator="equal", formula=['"yes"'], fill=BAD_FILL, font=FLAG_FONT))


def units_format(values: pd.Series) -> str:
    """Whole units without decimals; fractional units with two."""
    v = pd.to_numeric(values, errors="coerce").dropna()
    return FMT_UNITS if ((v - v.round()).abs() < 1e-6).all() else FMT_UNITS_FRACTION


def pivot(df: pd.DataFrame, index: str, columns: str, values: str, rows: list,
          order: list | None = None, blank: str = "") -> pd.DataFrame:
    """``df`` pivoted to ``rows`` × ``columns`` (sum of ``values``; missing = 0)."""
    data = df.assign(**{columns: df[columns].astype(object).where(df[columns].notna(), blank)})
    table = data.pivot_table(index=index, columns=columns, values=values, aggfunc="sum",
                             fill_value=0.0, sort=False) if len(data) else pd.DataFrame()
    table = table.reindex(index=rows, fill_value=0.0)
    cols = order if order is not None else sorted(
        table.columns, key=lambda c: -float(table[c].sum()))
    return table.reindex(columns=cols, fill_value=0.0).fillna(0.0)


def top_columns(table: pd.DataFrame, other: str, keep: int = CHART_SERIES) -> pd.DataFrame:
    """The ``keep`` - 1 largest columns and one ``other`` column summing the rest, when
    there are more than ``keep``: a stacked chart of 60 series is unreadable."""
    if table.shape[1] <= keep:
        return table
    order = table.sum(axis=0).sort_values(ascending=False).index
    out = table[list(order[:keep - 1])].copy()
    out[other] = table[list(order[keep - 1:])].sum(axis=1)
    return out


def series_title(text: str) -> SeriesLabel:
    """A chart series title given as text (not a cell reference)."""
    return SeriesLabel(v=text)


def colour_series(chart: Any, start: int = 0) -> None:
    """Give each series of ``chart`` the next colour of :data:`PALETTE` (filled bars and
    lines alike), so series differ in colour and in grey."""
    for k, series in enumerate(chart.series):
        colour = PALETTE[(start + k) % len(PALETTE)]
        props = series.graphicalProperties
        props.solidFill = colour
        props.line.solidFill = colour

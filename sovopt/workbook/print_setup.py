"""How each result, compare and study sheet prints (and converts to PDF).

A printed sheet must be readable: its header rows repeat on every page,
a wide sheet prints landscape, and a sheet is scaled down to the page width
only as far as its type stays at least :data:`MIN_POINTS` points (Calibri 11
at 73 %); a wider sheet prints at that scale over several pages across, its
first column repeated. The scale is fixed rather than "fit to page", which a
spreadsheet program may also use to enlarge a sheet. Every page's footer
names the case, the run and the page number.

The width of a sheet is measured from its column widths (in characters) and
its charts (in centimetres), both converted to millimetres of paper.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

#: Body type size of the sheets (Calibri 11) and the smallest printed size allowed.
BODY_POINTS, MIN_POINTS = 11.0, 8.0
#: The smallest scale (percent) at which a sheet prints.
MIN_SCALE = int(100 * MIN_POINTS / BODY_POINTS) + 1
#: Millimetres of paper one character of column width takes at 100 %.
MM_PER_CHAR = 1.95
#: Printable width (mm) of an A4 page, portrait and landscape, inside the margins.
MARGIN_MM = 15.0
PORTRAIT_MM, LANDSCAPE_MM = 210.0 - 2 * MARGIN_MM, 297.0 - 2 * MARGIN_MM


def sheet_width_mm(ws: Worksheet) -> float:
    """The printed width of ``ws`` at 100 %: its used columns and its charts."""
    widths = [(ws.column_dimensions[get_column_letter(j)].width or 8.43) * MM_PER_CHAR
              for j in range(1, ws.max_column + 1)]
    edge = sum(widths)
    for chart in getattr(ws, "_charts", []):
        marker = getattr(chart.anchor, "_from", None)
        col = marker.col if marker is not None else 0
        edge = max(edge, sum(widths[:col]) + 10.0 * float(chart.width))
    return edge


def set_print(ws: Worksheet, repeat_rows: str | None = "1:1", case_name: str = "",
              run_id: str = "", repeat_cols: str | None = "A:A") -> int:
    """Give ``ws`` its print setup (see the module docstring); return the print scale in
    percent (100 unless the sheet is fitted or scaled down, never below MIN_SCALE)."""
    width = sheet_width_mm(ws)
    setup = ws.page_setup
    setup.paperSize = ws.PAPERSIZE_A4
    setup.orientation = "portrait" if width <= PORTRAIT_MM else "landscape"
    page = PORTRAIT_MM if setup.orientation == "portrait" else LANDSCAPE_MM
    for side in ("left", "right"):
        setattr(ws.page_margins, side, MARGIN_MM / 25.4)
    fit = page / width if width > page else 1.0
    # a fixed scale, never "fit to page": a spreadsheet program fitting a page may scale
    # a narrow sheet up or a wide one below the legible size
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    scale = max(MIN_SCALE, min(100, int(fit * 100)))
    if fit < MIN_SCALE / 100 and repeat_cols:  # pages across: the first column on each
        ws.print_title_cols = repeat_cols
    setup.scale = scale
    if repeat_rows:
        ws.print_title_rows = repeat_rows
    footer = ws.oddFooter
    footer.left.text = _footer_text(case_name)
    footer.center.text = _footer_text(f"run {run_id}" if run_id else "")
    footer.right.text = "Page &P of &N"
    for part in (footer.left, footer.center, footer.right):
        part.size = 8
    return scale


def _footer_text(text: str) -> str:
    """Text for a footer: ``&`` starts a code there, so it is doubled."""
    return str(text or "").replace("&", "&&")[:80]

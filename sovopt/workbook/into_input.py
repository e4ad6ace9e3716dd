"""``sovopt solve --into-input``: the result sheets added to the case workbook itself.

This is the one place sovopt loads, modifies and saves a planner's workbook,
so it is careful:

1. The workbook is checked first (:func:`sovopt.workbook.open_safely.check_workbook_file`),
   and refused, before anything is written, when it holds something openpyxl
   would silently drop on saving (Excel-extension drop-downs, sparklines or
   conditional formats; pictures or charts on an input sheet). The separate
   results workbook is the way out then.
2. A byte-for-byte backup is written next to it: ``CASE.xlsx.bak``, or
   ``CASE.xlsx.<UTC time>.bak`` when that exists already (an earlier backup is
   never overwritten). Backups are bounded: the first ``CASE.xlsx.bak`` and the
   newest :data:`KEEP_TIMESTAMPED` timestamped ones are kept, older timestamped
   ones are removed, so repeated write-backs do not fill the folder.
3. Only sheets named ``Result <name>`` (``Result Summary``, ``Result
   Portfolio``...) are removed and written again; the prefix keeps them apart
   from the input sheets (the case has a Scenarios sheet, so does a results
   workbook) and the case reader ignores them. Input sheets, their values,
   styles, data validations, notes and the defined names are not touched.
4. The workbook is saved atomically (:mod:`sovopt.workbook.atomic`): if the
   file is open in Excel, it stays exactly as it was.

:func:`check_into_input` runs every one of these checks (and refuses a workbook
a spreadsheet program has open: a lock file beside it) before any solving, so
a long solve never ends in a refusal.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from pathlib import Path

import openpyxl
from defusedxml import ElementTree

from sovopt.errors import SovoptError
from sovopt.report import Report
from sovopt.workbook.atomic import save_workbook_atomic, write_bytes_atomic
from sovopt.workbook.open_safely import check_workbook_file
from sovopt.workbook.results import RESULT_SHEETS, add_result_sheets
from sovopt.workbook.targets import check_not_open, check_target

#: Prefix of the result sheets in a case workbook.
RESULT_PREFIX = "Result "
RESULT_SHEET_NAMES = tuple(RESULT_PREFIX + name for name in RESULT_SHEETS)

#: Sheet XML that openpyxl does not keep on load and save, and what it is.
_DROPPED = {
    b"x14:dataValidation": "drop-down lists stored as an Excel extension",
    b"x14:sparklineGroup": "sparklines",
    b"x14:conditionalFormatting": "conditional formats stored as an Excel extension",
    b"<drawing ": "pictures, shapes or charts",
}
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
#: Timestamped backups kept besides the first CASE.xlsx.bak (older ones are removed).
KEEP_TIMESTAMPED = 4
_STAMP = re.compile(r"\.(\d{8}-\d{6})(?:-(\d+))?\.bak")


def check_into_input(case_path: str | Path) -> Path:
    """Every reason the result sheets could not be added to the case workbook, checked
    up front: a workbook sovopt can open, nothing openpyxl would drop, not open in a
    spreadsheet program, a folder the backup and the new file can be written to."""
    path = check_workbook_file(case_path)
    _refuse_lossy(path)
    check_target(path, "--into-input")
    return path


def write_into_input(report: Report, case_path: str | Path,
                     currency: str | None = None) -> Path:
    """Add (or replace) the result sheets in the case workbook; return the backup's path."""
    path = check_workbook_file(case_path)
    _refuse_lossy(path)
    check_not_open(path, "--into-input")
    backup = backup_path(path)
    write_bytes_atomic(path.read_bytes(), backup)
    prune_backups(path)
    wb = openpyxl.load_workbook(path)
    for name in wb.sheetnames:
        if name in RESULT_SHEET_NAMES:
            del wb[name]
    if currency is None:
        currency = str((report.run.get("settings") or {}).get("currency") or "")
    add_result_sheets(wb, report, currency, prefix=RESULT_PREFIX)
    save_workbook_atomic(wb, path)
    return backup


def backup_path(path: Path, now: dt.datetime | None = None) -> Path:
    """``CASE.xlsx.bak``, or ``CASE.xlsx.<UTC time>.bak`` if that file exists."""
    plain = path.with_name(path.name + ".bak")
    if not plain.exists():
        return plain
    stamp = f"{(now or dt.datetime.now(dt.UTC)):%Y%m%d-%H%M%S}"
    candidate = path.with_name(f"{path.name}.{stamp}.bak")
    n = 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.{stamp}-{n}.bak")
    return candidate


def prune_backups(path: Path, keep: int = KEEP_TIMESTAMPED) -> list[Path]:
    """Remove all but the newest ``keep`` timestamped backups of ``path`` (the first
    ``CASE.xlsx.bak`` always stays); return the removed files."""
    stamped = []
    for p in path.parent.glob(f"{glob_escape(path.name)}.*.bak"):
        m = _STAMP.fullmatch(p.name[len(path.name):])
        if m and p.is_file():
            stamped.append(((m.group(1), int(m.group(2) or 1)), p))
    stamped.sort()
    old = stamped[:-keep] if keep > 0 else stamped
    removed = [p for _, p in old]
    for old in removed:
        old.unlink(missing_ok=True)
    return removed


def glob_escape(name: str) -> str:
    """``name`` with glob's special characters taken literally."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _refuse_lossy(path: Path) -> None:
    """Raise if saving through openpyxl would lose something on an input sheet."""
    found: list[str] = []
    with zipfile.ZipFile(path) as zf:
        for sheet, part in _sheet_parts(zf).items():
            if sheet in RESULT_SHEET_NAMES or part not in zf.namelist():
                continue
            xml = zf.read(part)
            found += [f"{what} on sheet {sheet}" for marker, what in _DROPPED.items()
                      if marker in xml]
    if found:
        raise SovoptError(
            f"{path.name}: cannot add the result sheets without losing "
            f"{'; '.join(found)} (the library that edits the workbook does not keep them); "
            "the workbook is unchanged. Use the separate results workbook (leave out "
            "--into-input).")


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML part in the package (``xl/worksheets/sheet1.xml``)."""
    try:
        book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    parts = {}
    for sheet in book.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_NS_REL}id"), "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join("xl", target))
        parts[sheet.get("name", "")] = part
    return parts

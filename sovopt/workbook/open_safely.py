"""Opening a planner's workbook safely, with one clear line for every way it can fail.

Before openpyxl sees a file, :func:`check_workbook_file` rules out what is not
an .xlsx workbook (a folder, .xls, .xlsm, .xlsb, .csv, Excel's ``~$`` lock
file, a renamed file, a truncated zip, a password-protected file) and checks
the archive against zip bombs (member count, total uncompressed size,
compression ratio). :func:`open_workbook` then loads it with openpyxl in
read-only mode with the stored values (``data_only``), and scans each sheet's
XML once for formulas, merged ranges and hidden rows (read-only mode does not
expose the last two). Only sheets that hold formulas get a second, formula
pass, so the reader can tell a formula that
was never computed from a blank cell.

Every failure is a :class:`~sovopt.errors.SovoptError` whose message starts
with the file name; nothing else escapes.
"""

from __future__ import annotations

import errno
import os
import posixpath
import re
import stat
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import openpyxl
from openpyxl.chartsheet import Chartsheet
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet import _reader as _worksheet_reader

from sovopt.errors import SovoptError

#: Caps on the archive, checked before anything is decompressed. A case with
#: 30,000 options is about 20 MB of XML; these leave a wide margin.
MAX_MEMBERS = 10_000
MAX_UNCOMPRESSED_BYTES = 512 * 2**20
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_MIN_BYTES = 2**20

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
#: Stream names of an encrypted (password-protected) OOXML file, as stored in
#: the OLE directory (UTF-16LE).
ENCRYPTION_STREAMS = ("EncryptedPackage".encode("utf-16-le"),
                      "EncryptionInfo".encode("utf-16-le"))
CONVERT_HINT = "convert it with `soffice --headless --convert-to xlsx {name}` or save it " \
               "as .xlsx (Excel Workbook) in Excel"

def _cast_number(value: str) -> int | float:
    """openpyxl's reading of a numeric cell's text, except that text which is no number
    (``NaN``, ``inf``, garbage a program wrote) becomes NaN instead of an exception that
    loses the whole sheet; the reader then names the cell ("is not a finite number")."""
    try:
        return _openpyxl_cast_number(value)
    except (TypeError, ValueError):
        return float("nan")


_openpyxl_cast_number = _worksheet_reader._cast_number
_worksheet_reader._cast_number = _cast_number

_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"

_SUFFIX_ADVICE = {
    ".xls": "is an Excel 97-2003 workbook (.xls), which sovopt cannot read; " + CONVERT_HINT,
    ".xlsm": "is a macro-enabled workbook (.xlsm); save it as .xlsx (Excel Workbook, "
             "without macros) and validate that file",
    ".xlsb": "is a binary Excel workbook (.xlsb); save it as .xlsx (Excel Workbook) "
             "and validate that file",
    ".xltx": "is an Excel template (.xltx); save it as .xlsx (Excel Workbook)",
    ".xltm": "is a macro-enabled Excel template (.xltm); save it as .xlsx (Excel Workbook)",
    ".csv": "is a CSV file; a case is a workbook with one sheet per table: start from "
            "`sovopt template case.xlsx`",
    ".ods": "is an OpenDocument spreadsheet (.ods); " + CONVERT_HINT,
}


def _fail(path: Path, what: str) -> SovoptError:
    """The error for ``path``: its name, then what is wrong and what to do."""
    return SovoptError(f"{path.name}: {what}")


def check_workbook_file(path: str | Path) -> Path:
    """Check that ``path`` is an .xlsx workbook sovopt can safely open; return it as a Path.

    Raises :class:`SovoptError` with one line naming the file for every other case.
    """
    path = Path(path)
    if path.name.startswith("~$"):
        raise _fail(path, "is Excel's lock file (Excel creates ~$ files while a workbook is "
                          "open), not a workbook; validate the workbook itself")
    _check_regular_file(path)
    suffix = path.suffix.lower()
    if suffix != ".xlsx":
        advice = _SUFFIX_ADVICE.get(suffix)
        if advice is None:
            advice = (f"has the extension {suffix or '(none)'}; sovopt reads Excel workbooks "
                      "saved as .xlsx")
        raise _fail(path, advice.format(name=path.name))
    _check_content(path)
    check_archive(path)
    return path


def _check_regular_file(path: Path) -> None:
    """Accept only a regular file: a named pipe would block the reader forever, a
    device would stream without end, a symbolic-link loop never resolves."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise _fail(path, f"is a symbolic link to a file that does not exist "
                              f"({os.readlink(path)})") from None
        raise _fail(path, f"file not found (looked for {path})") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _fail(path, "is a symbolic link that loops (it points, through other "
                              "links, back to itself); give the workbook itself") from None
        raise _fail(path, f"cannot be opened ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise _fail(path, "is a folder, not a workbook; give the path of an .xlsx file")
    if not stat.S_ISREG(info.st_mode):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(info.st_mode) else
                "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else
                "a socket" if stat.S_ISSOCK(info.st_mode) else "not a regular file")
        raise _fail(path, f"is {kind}, not a workbook file; save the workbook as an .xlsx "
                          "file and give its path")


def _check_content(path: Path) -> None:
    """Reject an .xlsx-named file whose bytes are not a zip archive (renamed, encrypted)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise _fail(path, f"cannot be opened ({exc.strerror or exc})") from None
    if not head:
        raise _fail(path, "is empty (0 bytes); save the workbook again from Excel")
    if head.startswith(ZIP_MAGICS):
        return
    if head == OLE_MAGIC:
        if _is_encrypted_ole(path):
            raise _fail(path, "is password-protected; remove the password (Excel: File > Info "
                              "> Protect Workbook > Encrypt with Password, clear it) and save")
        raise _fail(path, "is an Excel 97-2003 workbook (.xls) with an .xlsx name; "
                    + CONVERT_HINT.format(name=path.name))
    kind = "text (a CSV or text file renamed to .xlsx?)" if _looks_like_text(path) \
        else "not an Excel workbook (another kind of file renamed to .xlsx?)"
    raise _fail(path, f"is {kind}; save the workbook from Excel as .xlsx")


def _is_encrypted_ole(path: Path) -> bool:
    """True when an OLE compound file holds the streams of an encrypted workbook."""
    with path.open("rb") as fh:
        data = fh.read(64 * 2**20)  # the directory of a workbook-sized OLE file is in here
    return any(name in data for name in ENCRYPTION_STREAMS)


def _looks_like_text(path: Path) -> bool:
    """True when the file's first 4 KB decode as UTF-8 text without NUL bytes."""
    with path.open("rb") as fh:
        chunk = fh.read(4096)
    if b"\x00" in chunk:
        return False
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(chunk) - 4  # a multi-byte character cut at the end
    return True


def check_archive(path: Path) -> None:
    """Check the zip archive before loading it: not truncated, not a bomb, a spreadsheet."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            _check_sizes(path, infos)
            _check_package_type(path, zf)
            bad = zf.testzip()
    except SovoptError:
        raise
    except Exception as exc:  # BadZipFile, zlib.error, EOFError, OSError, ...
        raise _fail(path, "is damaged: it is not a complete .xlsx archive (was it cut off "
                          f"while copying or downloading?) ({exc})") from None
    if bad is not None:
        raise _fail(path, f"is damaged: the part {bad} is corrupt; save the workbook again "
                          "from Excel")


def _check_sizes(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Member count, total uncompressed size and per-member compression ratio caps."""
    if len(infos) > MAX_MEMBERS:
        raise _fail(path, f"holds {len(infos)} parts (at most {MAX_MEMBERS} are accepted); "
                          "it is not a normal case workbook")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise _fail(path, f"would expand to {total / 2**20:.0f} MB when opened (at most "
                          f"{MAX_UNCOMPRESSED_BYTES // 2**20} MB); it is not a normal case "
                          "workbook")
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_CHECK_MIN_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise _fail(path, f"the part {info.filename} is compressed {ratio:.0f} times (at "
                              f"most {MAX_COMPRESSION_RATIO}); it looks like a zip bomb, not a "
                              "case workbook")


def _check_package_type(path: Path, zf: zipfile.ZipFile) -> None:
    """Name the kind of zip archive when it is not a spreadsheet (.docx, .ods, plain zip)."""
    names = set(zf.namelist())
    if "[Content_Types].xml" not in names:
        if "mimetype" in names and b"spreadsheet" in zf.read("mimetype"):
            raise _fail(path, "is an OpenDocument spreadsheet (.ods) with an .xlsx name; "
                        + CONVERT_HINT.format(name=path.name))
        raise _fail(path, "is a zip archive but not an Excel workbook; save the workbook "
                          "from Excel as .xlsx")
    types = zf.read("[Content_Types].xml")
    if b"spreadsheetml" in types or b"ms-excel.sheet" in types or b"ms-excel.template" in types:
        return
    for marker, kind in ((b"wordprocessingml", "a Word document"),
                         (b"presentationml", "a PowerPoint presentation")):
        if marker in types:
            raise _fail(path, f"is {kind}, not an Excel workbook")
    raise _fail(path, "is an Office file but not an Excel workbook; save the workbook from "
                      "Excel as .xlsx")


@dataclass(frozen=True)
class SheetLayout:
    """What a table reader needs to know about a sheet beyond its values.

    ``merged`` holds (min_row, min_col, max_row, max_col), 1-based.
    """

    has_formulas: bool
    merged: tuple[tuple[int, int, int, int], ...] = ()
    hidden_rows: frozenset[int] = frozenset()


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row(?=[\s>/])([^>]*)>")
_MERGE_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell(?=[\s>/])([^>]*)>")
_ATTR_R = re.compile(rb"""(?:^|\s)r\s*=\s*["'](\d+)["']""")
_ATTR_HIDDEN = re.compile(rb"""(?:^|\s)hidden\s*=\s*["'](?:1|true)["']""")
_ATTR_REF = re.compile(rb"""(?:^|\s)ref\s*=\s*["']([A-Za-z]+\d+(?::[A-Za-z]+\d+)?)["']""")


def scan_layout(xml: bytes) -> SheetLayout:
    """Formulas, merged ranges and hidden rows of one sheet, from its XML bytes.

    A byte scan instead of a parse: the values are read by openpyxl in
    read-only mode, which does not expose merges or row attributes, and a
    second full parse would double the reading time of a large sheet.
    """
    hidden = set()
    row = 0
    for match in _ROW_TAG.finditer(xml):
        attrs = match.group(1)
        number = _ATTR_R.search(attrs)
        row = int(number.group(1)) if number else row + 1
        if _ATTR_HIDDEN.search(attrs):
            hidden.add(row)
    merged = []
    for match in _MERGE_TAG.finditer(xml):
        ref = _ATTR_REF.search(match.group(1))
        if ref and b":" in ref.group(1):
            min_col, min_row, max_col, max_row = range_boundaries(ref.group(1).decode())
            merged.append((min_row, min_col, max_row, max_col))
    return SheetLayout(has_formulas=_FORMULA_TAG.search(xml) is not None,
                       merged=tuple(merged), hidden_rows=frozenset(hidden))


def scan_sheets(path: Path) -> dict[str, SheetLayout] | None:
    """Sheet title -> :class:`SheetLayout`, or ``None`` if the package cannot be mapped."""
    # deliberate: without defusedxml, _require_defusedxml says so in one line; an
    # import at module level would be an ImportError when the module loads
    from defusedxml.ElementTree import fromstring

    try:
        with zipfile.ZipFile(path) as zf:
            wb_part = _office_document_part(zf, fromstring)
            rels = _relationships(zf, wb_part, fromstring)
            root = fromstring(zf.read(wb_part))
            names = set(zf.namelist())
            out = {}
            for sheet in root.iter(f"{{{_NS_MAIN}}}sheet"):
                target = rels.get(sheet.get(f"{{{_NS_REL}}}id", ""))
                if target is None or target not in names:
                    return None
                out[sheet.get("name", "")] = scan_layout(zf.read(target))
            return out
    except Exception:  # an unusual package: the caller falls back to openpyxl
        return None


def _office_document_part(zf: zipfile.ZipFile, fromstring: Any) -> str:
    """The workbook part named by the package relationships (normally xl/workbook.xml)."""
    root = fromstring(zf.read("_rels/.rels"))
    for rel in root.iter(f"{{{_NS_PKG_REL}}}Relationship"):
        if rel.get("Type", "").endswith("/officeDocument"):
            return rel.get("Target", "").lstrip("/")
    return "xl/workbook.xml"


def _relationships(zf: zipfile.ZipFile, part: str, fromstring: Any) -> dict[str, str]:
    """Relationship id -> target part path, for the relationships of ``part``."""
    folder, name = posixpath.split(part)
    root = fromstring(zf.read(posixpath.join(folder, "_rels", name + ".rels")))
    out = {}
    for rel in root.iter(f"{{{_NS_PKG_REL}}}Relationship"):
        target = rel.get("Target", "")
        if target.startswith("/"):
            target = target.lstrip("/")
        else:
            target = posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id", "")] = target
    return out


class SheetTooLarge(Exception):
    """A sheet reaches beyond the row or column cap (``rows``/``columns`` seen so far)."""

    def __init__(self, rows: int, columns: int):
        super().__init__(f"{rows} rows, {columns} columns")
        self.rows = rows
        self.columns = columns


#: Cell types of a formula whose computed value is empty text (stored without a value).
EMPTY_TEXT_TYPES = ("s", "str", "inlineStr")


@dataclass
class SheetValues:
    """One sheet's stored values as equal-length tuples (``rows[0]`` is row 1).

    ``empty_text`` holds the 0-based (row, column) of cells typed as text
    with no value: a formula whose result is empty text.
    """

    rows: list[tuple[Any, ...]]
    width: int
    empty_text: frozenset[tuple[int, int]] = frozenset()


@dataclass
class OpenedWorkbook:
    """A checked workbook, loaded read-only with stored values.

    Formulas (a second read-only load) and, when the package could not be
    scanned, a full load for merges and hidden rows, happen only on demand.
    Use as a context manager: read-only workbooks keep the file open.
    """

    path: Path
    values: Workbook
    layouts: dict[str, SheetLayout] | None
    _formulas: Workbook | None = field(default=None, repr=False)
    _full: Workbook | None = field(default=None, repr=False)

    @property
    def sheetnames(self) -> list[str]:
        return list(self.values.sheetnames)

    def is_worksheet(self, title: str) -> bool:
        """False for chart sheets."""
        return not isinstance(self.values[title], Chartsheet)

    def layout(self, title: str) -> SheetLayout:
        """Formulas, merges and hidden rows of sheet ``title``."""
        if self.layouts is not None and title in self.layouts:
            return self.layouts[title]
        if self._full is None:
            self._full = _load(self.path, read_only=False, data_only=True)
        ws = self._full[title]
        merged = tuple((r.min_row, r.min_col, r.max_row, r.max_col)
                       for r in ws.merged_cells.ranges)
        hidden = frozenset(r for r, dim in ws.row_dimensions.items() if dim.hidden)
        return SheetLayout(has_formulas=True, merged=merged, hidden_rows=hidden)

    def read_values(self, title: str, *, max_rows: int, max_columns: int,
                    with_types: bool = False) -> SheetValues:
        """Stored values of sheet ``title``, padded to one width.

        ``with_types`` also records formulas computed to empty text (slower:
        cell objects instead of plain values). Raises :class:`SheetTooLarge`.
        """
        ws = self.values[title]
        ws.reset_dimensions()  # a sheet may declare its size wrongly (A1:A1)
        rows: list[tuple[Any, ...]] = []
        empty_text: set[tuple[int, int]] = set()
        width = 0
        for r, row in enumerate(ws.iter_rows(values_only=not with_types)):
            if r >= max_rows or len(row) > max_columns:
                raise SheetTooLarge(r + 1, max(width, len(row)))
            if with_types:
                empty_text.update((r, c) for c, cell in enumerate(row)
                                  if cell.value is None and cell.data_type in EMPTY_TEXT_TYPES)
                row = tuple(cell.value for cell in row)
            width = max(width, len(row))
            rows.append(tuple(row))
        padded = [row if len(row) == width else row + (None,) * (width - len(row))
                  for row in rows]
        return SheetValues(padded, width, frozenset(empty_text))

    def formula_rows(self, title: str, max_row: int, max_col: int) -> list[tuple[Any, ...]]:
        """The formula view of sheet ``title`` (formulas as ``=...`` text), rows 1..max_row."""
        if self._formulas is None:
            self._formulas = _load(self.path, read_only=True, data_only=False)
        ws = self._formulas[title]
        ws.reset_dimensions()
        return list(ws.iter_rows(min_row=1, max_row=max_row, min_col=1, max_col=max_col,
                                 values_only=True))

    def close(self) -> None:
        """Release the read-only workbooks' file handles."""
        for wb in (self.values, self._formulas):
            if wb is not None:
                wb.close()
        self._formulas = None

    def __enter__(self) -> OpenedWorkbook:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _require_defusedxml() -> None:
    """openpyxl parses XML safely only when defusedxml is installed and enabled."""
    if not getattr(openpyxl, "DEFUSEDXML", False):
        raise SovoptError("defusedxml is not installed (or OPENPYXL_DEFUSEDXML is off); "
                          "reinstall sovopt with its dependencies before opening workbooks")


def _defused_cause(exc: BaseException) -> BaseException | None:
    """The defusedxml error behind ``exc`` (openpyxl wraps it in a ValueError), if any."""
    from defusedxml import DefusedXmlException  # deliberate: see scan_sheets

    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 20:
        if isinstance(current, DefusedXmlException):
            return current
        current = current.__cause__ or current.__context__
        seen += 1
    return None


def _first_line(exc: BaseException, limit: int = 160) -> str:
    """``Type: message`` on one line, cut to ``limit`` characters."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _load(path: Path, *, read_only: bool, data_only: bool) -> Workbook:
    """Load with openpyxl; any failure becomes "not a valid workbook"."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unsupported extensions, odd styles
            return openpyxl.load_workbook(path, read_only=read_only, data_only=data_only,
                                          keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds of exception on odd files
        defused = _defused_cause(exc)
        if defused is not None:
            raise _fail(path, "is not a valid workbook: its XML declares entities or a "
                              f"document type, which is not allowed ({type(defused).__name__})"
                              "; save it again from Excel") from None
        raise _fail(path, f"is not a valid workbook ({_first_line(exc)}); open it in Excel "
                          "or LibreOffice and save it again as .xlsx") from None


def open_workbook(path: str | Path) -> OpenedWorkbook:
    """Check ``path`` and load it read-only with stored values.

    Raises :class:`SovoptError` (one line naming the file) when it is not a
    readable .xlsx workbook.
    """
    _require_defusedxml()
    checked = check_workbook_file(path)
    values = _load(checked, read_only=True, data_only=True)
    return OpenedWorkbook(path=checked, values=values, layouts=scan_sheets(checked))

"""Write the deliberately broken workbooks and non-workbook files in this folder.

Run from the repository root: ``.venv/bin/python tests/bad_workbooks/make_bad_workbooks.py``
(optionally with an output folder). The outputs are committed; the tests
read them and also run this script into a temporary folder.

Broken case workbooks (valid .xlsx files, invalid cases), each a copy of the
minimal case of tests/helpers_workbook.py with one kind of damage:

- wrong_type.xlsx: Options!E3 (unit_cost) is 'abc'
- five_errors.xlsx: five different errors (type, range, duplicate id,
  unknown reference, last_year before first_year)
- formula_no_value.xlsx: Budget!B2 is ``=100*2`` saved by openpyxl, so it
  has no computed value until a spreadsheet recalculates it
- excel_error.xlsx: Budget!B3 holds the error value #DIV/0!
- merged_cells.xlsx: Options!M2:M3 merged
- missing_sheet.xlsx: no Budget sheet
- missing_column.xlsx: Options has no unit_cost column
- bad_settings.xlsx: an unknown setting and an objective not allowed

Files that are not workbooks at all (each must give one clear line):

- old_format.xls: an Excel 97-2003 file (an OLE compound file header)
- table.csv: a CSV export
- renamed_text.xlsx: a text file renamed to .xlsx
- truncated.xlsx: the first half of a valid workbook
- password_protected.xlsx: an OLE file with the streams of an encrypted workbook
- renamed_xls.xlsx: an .xls file renamed to .xlsx
- macro_enabled.xlsm: a workbook with the macro-enabled extension
- empty.xlsx: zero bytes
- word_document.xlsx: a Word package renamed to .xlsx
- zip_bomb.xlsx: a 64 MB member of zeros compressed about 1000 times
- entity_expansion.xlsx: a workbook whose XML declares entities (billion laughs)

Excel's ``~$`` lock file is made by the tests themselves (``~$*`` is git-ignored).
"""

from __future__ import annotations

import io
import struct
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.helpers_workbook import CaseBook  # noqa: E402

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _case(edit: Callable[[CaseBook], object]) -> Callable[[Path], None]:
    """A builder writing the minimal case after ``edit``."""
    def build(path: Path) -> None:
        book = CaseBook()
        edit(book)
        book.save(path)
    return build


def _five_errors(book: CaseBook) -> None:
    book.set("Options", "E3", "abc")        # wrong type
    book.set("Options", "G2", 1.3)          # out of range
    book.append("Suppliers", ["S1", "Copy of HomeCo", "HOM", 0, None])  # duplicate id (row 6)
    book.set("Options", "C4", "S99")        # unknown reference
    book.set("Settings", "B5", 2020)        # last_year before first_year


def _bad_settings(book: CaseBook) -> None:
    book.append("Settings", ["horizon", 10])
    book.set("Settings", "B7", "cheapest")


def _merged(path: Path) -> None:
    CaseBook().save(path, edit=lambda wb: wb["Options"].merge_cells("M2:M3"))


def _ole(streams: list[str]) -> bytes:
    """An OLE compound file header followed by a directory sector naming ``streams``."""
    header = OLE_MAGIC + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
    header = header.ljust(512, b"\x00")
    entries = b""
    for name in ["Root Entry", *streams]:
        encoded = (name + "\x00").encode("utf-16-le")
        entry = encoded.ljust(64, b"\x00") + struct.pack("<H", len(encoded))
        entries += entry.ljust(128, b"\x00")
    return header + entries.ljust(512, b"\x00") + bytes(1024)


def _valid_bytes() -> bytes:
    buf = io.BytesIO()
    CaseBook().workbook().save(buf)
    return buf.getvalue()


def _truncated(path: Path) -> None:
    data = _valid_bytes()
    path.write_bytes(data[: len(data) // 2])


def _word(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.'
                    'openxmlformats.org/package/2006/content-types"><Override PartName="/word/'
                    'document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                    'wordprocessingml.document.main+xml"/></Types>')
        zf.writestr("word/document.xml", "<document/>")


def _zip_bomb(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as member:
            block = bytes(2**20)
            for _ in range(64):
                member.write(block)


_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
           b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
           b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n')


def _entities(path: Path) -> None:
    """A valid workbook whose workbook.xml starts with an entity-expansion DTD."""
    with zipfile.ZipFile(io.BytesIO(_valid_bytes())) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/workbook.xml":
                body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
                data = _LAUGHS + body.replace(b"<sheets>", b"<sheets>&lol3;", 1)
            dst.writestr(info.filename, data)


BUILDERS: dict[str, Callable[[Path], None]] = {
    "wrong_type.xlsx": _case(lambda b: b.set("Options", "E3", "abc")),
    "five_errors.xlsx": _case(_five_errors),
    "formula_no_value.xlsx": _case(lambda b: b.set("Budget", "B2", "=100*2")),
    "excel_error.xlsx": _case(lambda b: b.set("Budget", "B3", "#DIV/0!")),
    "merged_cells.xlsx": _merged,
    "missing_sheet.xlsx": _case(lambda b: b.drop_sheet("Budget")),
    "missing_column.xlsx": _case(lambda b: b.drop_column("Options", "unit_cost")),
    "bad_settings.xlsx": _case(_bad_settings),
    "old_format.xls": lambda p: p.write_bytes(_ole(["Workbook", "\x05SummaryInformation"])),
    "table.csv": lambda p: p.write_text("option_id,capability_id,unit_cost\nO1,C1,10\n"),
    "renamed_text.xlsx": lambda p: p.write_text("These are my notes about the case.\n"),
    "truncated.xlsx": _truncated,
    "password_protected.xlsx": lambda p: p.write_bytes(
        _ole(["EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"])),
    "renamed_xls.xlsx": lambda p: p.write_bytes(_ole(["Workbook"])),
    "macro_enabled.xlsm": lambda p: p.write_bytes(_valid_bytes()),
    "empty.xlsx": lambda p: p.write_bytes(b""),
    "word_document.xlsx": _word,
    "zip_bomb.xlsx": _zip_bomb,
    "entity_expansion.xlsx": _entities,
}


def make_all(folder: Path) -> list[Path]:
    """Write every file into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, build in BUILDERS.items():
        path = folder / name
        build(path)
        out.append(path)
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent
    for written in make_all(target):
        print(written)

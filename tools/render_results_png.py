"""Render docs/results-{summary,spend,fleet,stock}.png from a real results workbook.

Usage (from the repository root)::

    .venv/bin/python tools/render_results_png.py [CASE.xlsx] [--out-dir docs]

It solves the example case (inputs/example_case.xlsx by default) with its
own settings, writes the results workbook, and for each pictured sheet saves
a workbook holding that sheet alone (charts included), converts it to PDF
with LibreOffice (``soffice``) and rasterises the first page with
``pdftoppm``. The picture is cropped to the printed content and written as
PNG with the standard library, so no imaging package is needed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sovopt.pipeline import solve_and_report  # noqa: E402
from sovopt.report import WITH_PORTFOLIO, Report  # noqa: E402
from sovopt.workbook.case_reader import read_case  # noqa: E402
from sovopt.workbook.results import add_result_sheets, write_results  # noqa: E402

#: Sheet pictured -> file name under the output folder.
PICTURES = {"Summary": "results-summary.png", "Spend": "results-spend.png",
            "Fleet": "results-fleet.png", "Stock": "results-stock.png"}
DPI = 110
MARGIN = 12


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", nargs="?", default=str(ROOT / "inputs" / "example_case.xlsx"))
    parser.add_argument("--out-dir", default=str(ROOT / "docs"))
    parser.add_argument("--sheets", default=None, metavar="SHEET=FILE,...",
                        help="pictures to make instead of the default ones, such as "
                             "Summary=results-summary-after.png")
    args = parser.parse_args(argv)
    pictures = (dict(item.split("=", 1) for item in args.sheets.split(","))
                if args.sheets else PICTURES)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftoppm") is None:
        print("needs LibreOffice (soffice) and pdftoppm (poppler-utils): make libreoffice",
              file=sys.stderr)
        return 1
    case_path = Path(args.case)
    case, _ = read_case(case_path)
    outcome = solve_and_report(case, case_path=case_path,
                               progress=lambda phase: print(phase, file=sys.stderr))
    if outcome.result.status not in WITH_PORTFOLIO:
        print(f"the case is {outcome.result.status}; nothing to picture", file=sys.stderr)
        return 1
    report = outcome.report
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_results(report, work / "results.xlsx", case.settings.currency)
        for sheet, name in pictures.items():
            single = _single_sheet(report, sheet, case.settings.currency, work)
            pixels = _render(single, soffice, work)
            _write_png(_crop(pixels), out_dir / name)
            print(f"wrote {out_dir / name}", file=sys.stderr)
    return 0


def _single_sheet(report: Report, sheet: str, currency: str, work: Path) -> Path:
    """A workbook holding only ``sheet`` of the results (built in memory: charts kept)."""
    wb = Workbook()
    wb.remove(wb.active)
    add_result_sheets(wb, report, currency)
    for ws in list(wb.worksheets):
        if ws.title != sheet:
            wb.remove(ws)
    path = work / f"{sheet.lower()}.xlsx"
    wb.save(path)
    return path


def _render(xlsx: Path, soffice: str, work: Path) -> np.ndarray:
    """First page of ``xlsx`` printed by LibreOffice, as an RGB array."""
    profile = (work / "profile").resolve().as_uri()
    env = dict(os.environ, HOME=str(work))
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(work), str(xlsx)],
                   check=True, capture_output=True, env=env, timeout=180)
    pdf = xlsx.with_suffix(".pdf")
    stem = work / xlsx.stem
    subprocess.run(["pdftoppm", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(stem)], check=True, capture_output=True, timeout=120)
    return _read_ppm(stem.with_suffix(".ppm"))


def _read_ppm(path: Path) -> np.ndarray:
    """A binary PPM (P6, 8 bits) as an array of shape (height, width, 3)."""
    data = path.read_bytes()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    magic, width, height, _ = fields[0], int(fields[1]), int(fields[2]), int(fields[3])
    if magic != b"P6":
        raise ValueError(f"{path}: not a binary PPM")
    pixels = np.frombuffer(data, dtype=np.uint8, count=width * height * 3, offset=pos + 1)
    return pixels.reshape(height, width, 3)


def _crop(pixels: np.ndarray) -> np.ndarray:
    """The printed content with a small white margin."""
    ink = (pixels < 245).any(axis=2)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if not len(rows):
        return pixels
    top, bottom = max(rows[0] - MARGIN, 0), min(rows[-1] + MARGIN + 1, pixels.shape[0])
    left, right = max(cols[0] - MARGIN, 0), min(cols[-1] + MARGIN + 1, pixels.shape[1])
    return pixels[top:bottom, left:right]


def _write_png(pixels: np.ndarray, path: Path) -> None:
    """Write an RGB array as PNG (zlib and struct only)."""
    height, width, _ = pixels.shape
    raw = b"".join(b"\x00" + pixels[y].tobytes() for y in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    png = (b"\x89PNG\r\n\x1a\n"
           + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    path.write_bytes(png)


if __name__ == "__main__":
    raise SystemExit(main())

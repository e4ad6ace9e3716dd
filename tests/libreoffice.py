"""LibreOffice as the real spreadsheet client in tests.

Every workbook sovopt writes must open in LibreOffice: :func:`convert_to_pdf`
converts one headlessly and fails the test on any error. :func:`recalculate`
opens a workbook, recalculates every formula and saves it again as .xlsx, as a
planner's spreadsheet would, so tests can check that computed values are read.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

#: Marks a test that opens workbooks in LibreOffice. It is not skipped when LibreOffice
#: is missing: the test fails naming `make libreoffice` (deselect such tests explicitly
#: with ``-m "not libreoffice"`` where no spreadsheet client can be installed).
needs_libreoffice = pytest.mark.libreoffice

# Always recalculate formulas on load, so stale stored values never survive.
_RECALC_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def _profile(workdir: Path) -> str:
    profile = workdir / "lo-profile"
    user = profile / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(_RECALC_XCU)
    return profile.resolve().as_uri()


def _run(args: list[str], workdir: Path) -> subprocess.CompletedProcess:
    if SOFFICE is None:
        raise AssertionError("LibreOffice (soffice) is not installed; run `make libreoffice`")
    env = dict(os.environ, HOME=str(workdir))
    cmd = [SOFFICE, f"-env:UserInstallation={_profile(workdir)}", "--headless",
           "--norestore", "--nologo", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=env)


def pdf_text(pdf: Path) -> str:
    """The text of a PDF (pdftotext, from poppler-utils); fails the test when the tool
    is missing, so a content check can never pass by not running."""
    tool = shutil.which("pdftotext")
    if tool is None:
        raise AssertionError("pdftotext (poppler-utils) is not installed; run "
                             "`make libreoffice`")
    return subprocess.run([tool, "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True, timeout=120).stdout


def convert_to_pdf(xlsx: Path, outdir: Path) -> Path:
    """Convert ``xlsx`` to PDF with LibreOffice; fail the test if it does not open."""
    outdir.mkdir(parents=True, exist_ok=True)
    proc = _run(["--convert-to", "pdf", "--outdir", str(outdir), str(xlsx)], outdir)
    pdf = outdir / (Path(xlsx).stem + ".pdf")
    assert proc.returncode == 0 and pdf.exists() and pdf.stat().st_size > 0, (
        f"LibreOffice could not open {xlsx}: rc={proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    )
    return pdf


def recalculate(xlsx: Path, outdir: Path) -> Path:
    """Open ``xlsx`` in LibreOffice, recalculate, and save as .xlsx in ``outdir``."""
    outdir.mkdir(parents=True, exist_ok=True)
    proc = _run(["--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(outdir),
                 str(xlsx)], outdir)
    out = outdir / (Path(xlsx).stem + ".xlsx")
    assert proc.returncode == 0 and out.exists(), (
        f"LibreOffice could not recalculate {xlsx}: {proc.stdout}\n{proc.stderr}"
    )
    return out


#: Height (pt) of pdftotext's word box for the sheets' Calibri 11 printed at 100 %
#: (measured); printed at scale s a word measures s times this.
FULL_SIZE_HEIGHT = 10.4
_WORD_BOX = re.compile(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"')


def reading_order_text(pdf: Path) -> str:
    """The PDF's text in reading order (a wrapped cell's lines together), not laid out."""
    tool = shutil.which("pdftotext")
    if tool is None:
        raise AssertionError("pdftotext (poppler-utils) is not installed")
    return subprocess.run([tool, str(pdf), "-"], capture_output=True, text=True,
                          check=True, timeout=120).stdout


def page_word_heights(pdf: Path) -> list[float]:
    """Per page with text, the median height (pt) of its words' boxes: the printed type
    size, so a page scaled down shows as a smaller number (see FULL_SIZE_HEIGHT)."""
    tool = shutil.which("pdftotext")
    if tool is None:
        raise AssertionError("pdftotext (poppler-utils) is not installed")
    html = subprocess.run([tool, "-bbox", str(pdf), "-"], capture_output=True, text=True,
                          check=True, timeout=120).stdout
    heights = []
    for page in html.split("<page ")[1:]:
        sizes = [float(y1) - float(y0) for y0, y1 in _WORD_BOX.findall(page)]
        if sizes:
            heights.append(statistics.median(sizes))
    return heights

"""The PDF of a brief, printed from its HTML by headless Chromium.

Chromium (Debian's ``chromium`` package) is the engine because it is the
browser the brief is tested in: the PDF is exactly what a reader's browser
prints (CSS grid, page margin boxes for the running footer, ``break-inside``),
and it adds no Python dependency. It runs with a throwaway profile, no
network-facing background services, and Chromium's own header and footer
switched off (the brief's footer is in its CSS). The HTML is self-contained,
so printing it fetches nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from sovopt.errors import EXIT_INVALID, SovoptError
from sovopt.workbook.atomic import write_bytes_atomic

#: Where Debian installs Chromium; ``$SOVOPT_CHROMIUM`` names another.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
PRINT_SECONDS = 120


def chromium() -> str:
    """The Chromium program, or an error saying how to install it."""
    given = os.environ.get("SOVOPT_CHROMIUM")
    if given:
        return given
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise SovoptError("--pdf needs Chromium to print the brief: install Debian's chromium "
                      "package (sudo apt-get install chromium) or set SOVOPT_CHROMIUM to "
                      "a Chromium program; the HTML brief needs nothing", exit_code=EXIT_INVALID)


def chromium_args(program: str, profile: str) -> list[str]:
    """The headless, offline command line every Chromium run of sovopt uses."""
    return [program, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-default-apps", "--mute-audio",
            f"--user-data-dir={profile}"]


def print_pdf(html_path: Path, pdf_path: Path) -> Path:
    """Print the HTML file to ``pdf_path`` (written atomically); return the path."""
    program = chromium()
    with tempfile.TemporaryDirectory(prefix="sovopt-chromium-") as profile:
        tmp = str(Path(profile) / "brief.pdf")
        args = [*chromium_args(program, profile), f"--print-to-pdf={tmp}",
                "--no-pdf-header-footer", html_path.resolve().as_uri()]
        try:
            done = subprocess.run(args, capture_output=True, text=True,
                                  timeout=PRINT_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            raise SovoptError(f"Chromium did not print {html_path.name} within "
                              f"{PRINT_SECONDS} s") from None
        if done.returncode != 0 or not Path(tmp).is_file() or Path(tmp).stat().st_size == 0:
            tail = (done.stderr or "").strip().splitlines()[-3:]
            raise SovoptError(f"Chromium could not print {html_path.name} (exit "
                              f"{done.returncode}): {' / '.join(tail)}")
        return write_bytes_atomic(Path(tmp).read_bytes(), pdf_path)

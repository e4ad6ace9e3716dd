"""The brief in a real browser and on paper: the example and the real-data example.

Each HTML brief is opened in headless Chromium over the DevTools pipe
(tests/brief/cdp.py): the screenshot is not blank, the decision paragraph is
within the first screen, the page requested nothing but itself (the data: URLs of
the inline pictures are part of the file) and logged no console error. The PDF,
printed by the same Chromium, has one page per section (seven: the decision,
dependence, where the value comes from, disruptions, money, how sure, provenance),
the running footer with the run id on every page, and its text holds the headline
KPIs as the output schema formats them, the status sentence and the plan's
largest options.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from sovopt.brief.plan import PLAN_ROWS, started, status_sentence
from sovopt.outputs import summary_quantity
from tests.brief.cdp import Browser, chromium_program
from tests.brief.conftest import Solved, sovopt

#: The sections of a run's brief, each printed from the top of a page.
PAGES = 7
VIEW_W, VIEW_H = 1280, 900


def brief_of(solved: Solved, ref: str, name: str, *extra: str) -> tuple[dict, Path, Path]:
    html, pdf = solved.folder / f"{name}.html", solved.folder / f"{name}.pdf"
    code, out, err = sovopt("brief", ref, "--store", str(solved.store), "--out", str(html),
                            "--pdf", str(pdf), "--json", *extra)
    assert code == 0, err
    return json.loads(out), html, pdf


@pytest.fixture(scope="module")
def example_brief(example) -> tuple[dict, Path, Path]:
    chromium_program()
    return brief_of(example, str(example.report.summary["run_id"]), "example")


@pytest.fixture(scope="module")
def poland_brief(poland) -> tuple[dict, Path, Path]:
    chromium_program()
    return brief_of(poland, str(poland.results), "poland")


def pdf_pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def flat(text: str) -> str:
    """Text with line breaks and runs of spaces as one space, hyphen breaks joined."""
    return re.sub(r"-\s+", "-", " ".join(text.split()))


def check_in_browser(html: Path) -> None:
    from matplotlib.image import imread

    with Browser(chromium_program(), VIEW_W, VIEW_H) as b:
        b.open(html.resolve().as_uri())
        requests = [u for u in b.requests() if not u.startswith("data:")]
        assert requests == [html.resolve().as_uri()], requests
        assert b.console_errors() == []
        box = b.evaluate("JSON.stringify(document.querySelector('#decision .lead')"
                         ".getBoundingClientRect())")
        shot = imread(io.BytesIO(b.screenshot()), format="png")[:, :, :3]
    box = json.loads(box)
    assert box["top"] >= 0 and box["bottom"] <= VIEW_H, box  # above the fold
    assert shot.shape[:2] == (VIEW_H, VIEW_W)
    pixels = np.round(shot.reshape(-1, 3) * 255).astype(int)
    inked = float((pixels.sum(axis=1) < 600).mean())
    assert inked > 0.02, f"only {inked:.1%} of the screenshot is not white"
    colours = len(np.unique(pixels, axis=0))
    assert colours > 50, colours  # text, the accent colour and the headline tiles


def check_pdf(pdf: Path, solved: Solved, facts: dict, html: Path) -> None:
    report = solved.report
    pages = pdf_pages(pdf)
    assert html.read_text().count(" new-page\"") + 1 == PAGES
    assert len(pages) == PAGES
    run_id = str(report.summary["run_id"])
    for k, page in enumerate(pages, start=1):
        assert f"run {run_id}" in page and f"page {k} of {PAGES}" in page, k
    text = flat("\n".join(pages))
    cur = report.run["settings"]["currency"]
    for key in ("total_cost", "local_share", "import_risk", "worst_case_shortfall"):
        shown = summary_quantity(key).text(report.summary[key], cur)
        assert shown in text, (key, shown)
    assert flat(status_sentence(report)) in text
    assert facts["status_sentence"] == status_sentence(report)
    for option in started(report)["option_id"].head(PLAN_ROWS):
        assert option in text, option


def test_example_brief_in_chromium(example_brief) -> None:
    _, html, _ = example_brief
    check_in_browser(html)


def test_example_brief_pdf(example, example_brief) -> None:
    facts, html, pdf = example_brief
    assert facts["baseline"] is None  # the example has no status quo
    check_pdf(pdf, example, facts, html)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "pts (A4)" in info


def test_poland_brief_in_chromium(poland_brief) -> None:
    _, html, _ = poland_brief
    check_in_browser(html)


def test_poland_brief_against_its_status_quo(poland, poland_brief) -> None:
    facts, html, pdf = poland_brief
    assert facts["baseline"]["name"] == "Status quo"
    check_pdf(pdf, poland, facts, html)
    text = flat("\n".join(pdf_pages(pdf)))
    # the status quo's KPIs beside the plan's: the stress test of the status quo
    # breaks the case's limits (20 in the README) and keeps no one below max_share
    assert "Status quo" in text and "→" in text
    assert "BACI" in text and "CC BY 4.0" in text  # the data sources and a licence


def test_letter_paper_keeps_the_pages(example) -> None:
    chromium_program()
    facts, html, pdf = brief_of(example, str(example.results), "letter", "--paper", "letter")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "612 x 792 pts (letter)" in info
    assert len(pdf_pages(pdf)) == PAGES
    assert "size: letter" in html.read_text()

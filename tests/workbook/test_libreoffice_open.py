"""Every workbook sovopt writes opens in LibreOffice, the real spreadsheet client."""

from __future__ import annotations

import pytest

from sovopt.example import example_case
from sovopt.workbook.template import write_template
from sovopt.workbook.write_case import write_case_workbook
from tests.builders import injected_case
from tests.libreoffice import convert_to_pdf, needs_libreoffice, pdf_text

pytestmark = [needs_libreoffice, pytest.mark.libreoffice]


def test_template_opens(tmp_path):
    path = write_template(tmp_path / "template.xlsx", 2027, 2036)
    pdf = convert_to_pdf(path, tmp_path / "pdf")
    text = pdf_text(pdf)
    assert "sovopt case workbook" in text and "capability_id" in text


def test_example_opens(tmp_path):
    path = write_case_workbook(tmp_path / "example_case.xlsx", example_case())
    pdf = convert_to_pdf(path, tmp_path / "pdf")
    text = pdf_text(pdf)
    assert "Norland Defence Systems" in text and "AD-BUY-ALD" in text


def test_injected_text_is_shown_not_run(tmp_path):
    path = write_case_workbook(tmp_path / "injected.xlsx", injected_case())
    pdf = convert_to_pdf(path, tmp_path / "pdf")
    text = pdf_text(pdf)
    assert '=HYPERLINK("http://x")' in text
    assert "-2+3" in text and "@SUM(A1:A2)" in text


@pytest.mark.parametrize("args, sheet", [
    (["sweep", "--vary", "budget=0.9:1:2", "--workers", "1"], "Sweep"),
    (["frontier", "--points", "3", "--measure", "exposure"], "Frontier"),
    (["robust", "--samples", "2", "--workers", "1"], "Robust"),
])
def test_study_workbooks_open(tmp_path, args, sheet):
    """The sweep, frontier and robust workbooks (with their charts) open."""
    from sovopt.cli import main
    from tests.study_cases import write_two_capability_case

    case_path = write_two_capability_case(tmp_path)
    out = tmp_path / f"{sheet.lower()}.xlsx"
    with pytest.raises(SystemExit) as exit_:
        main([args[0], str(case_path), *args[1:], "--out", str(out)])
    assert exit_.value.code == 0
    text = pdf_text(convert_to_pdf(out, tmp_path / "pdf"))
    assert sheet in text and "group" in text

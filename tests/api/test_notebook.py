"""docs/examples/walkthrough.ipynb runs from top to bottom on every test run (so it cannot
rot), stays stored without outputs, and every figure it draws has something on it."""

from __future__ import annotations

import base64
import io
import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="nbclient is part of the test extra")
nbclient = pytest.importorskip("nbclient", reason="nbclient is part of the test extra")
pytest.importorskip("ipykernel", reason="ipykernel is part of the test extra")
pytest.importorskip("matplotlib", reason="the plot extra is part of the test extra")

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "examples" / "walkthrough.ipynb"


def _text(outputs) -> str:
    parts = []
    for o in outputs:
        if o.output_type == "stream":
            parts.append(o.text)
        elif "data" in o:
            parts.append(o["data"].get("text/plain", ""))
    return "\n".join(parts)


def test_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)


def _kernel_of_this_python(folder: Path, monkeypatch) -> str:
    """A kernel spec for the interpreter running the tests, found first (JUPYTER_PATH), so
    the notebook runs with the sovopt under test, whatever kernels the machine has."""
    spec = folder / "kernels" / "sovopt-tests"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "sovopt tests", "language": "python"}), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(folder))
    return "sovopt-tests"


def test_walkthrough_runs_and_its_figures_are_drawn(tmp_path, monkeypatch):
    from matplotlib.image import imread

    nb = nbformat.read(NOTEBOOK, as_version=4)
    kernel = _kernel_of_this_python(tmp_path, monkeypatch)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name=kernel,
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    figures = []
    for cell in nb.cells:
        for out in getattr(cell, "outputs", []):
            png = out.get("data", {}).get("image/png") if "data" in out else None
            if png:
                figures.append((cell.source, imread(io.BytesIO(base64.b64decode(png)))))
    drawn = {src.strip() for src, _ in figures}
    assert drawn == {"base.plot.spend()", "base.plot.dependence()", "base.plot.scenarios()",
                     "base.plot.fleet()", "fr.plot()"}
    for src, image in figures:
        height, width = image.shape[:2]
        assert height > 200 and width > 400, src
        assert image.std() > 0.05, f"{src}: the figure is blank"
    cells = {c.source.strip().splitlines()[0]: c for c in nb.cells if c.cell_type == "code"}
    said = _text(cells['base = sovopt.solve(case, time_limit=5, store=store, '
                       'label="as given")'].outputs)
    assert "<Result min_dependence: " in said and "run r0001-" in said
    assert "Scenarios loss would be 1.5; expected a number in [0, 1]" in \
        _text(cells["try:"].outputs)
    assert _text(cells['cut = sovopt.solve(case.scaled("budget", 0.9), time_limit=5)']
                 .outputs).startswith("infeasible")
    runs = _text(cells['store.runs()[["run_id", "label", "status", "total_cost", '
                       '"exposure", "cvar"]]'].outputs)
    assert "sanctions likelier" in runs and "as given" in runs

"""What `sovopt runs` and `sovopt runs show` print (issue #24, item 8): runs of one
case told apart by input file and label; a stored preset shown as its levels; the
portfolio headed with the output contract's labels, not raw column keys."""

from __future__ import annotations

import pytest

from sovopt.cli import main
from sovopt.cli.cmd_runs import preset_lines
from sovopt.presets import load_preset
from sovopt.runs import RunStore
from tests.builders import make_report


def run(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def test_runs_lists_input_file_and_label(store, capsys):
    """The conftest store: two runs of case "Air defence" from case.xlsx and
    case_b.xlsx, labelled baseline and bigger budget."""
    folder, ids = store
    code, out, err = run(["runs", "--store", str(folder)], capsys)
    assert code == 0, err
    header = next(line for line in out.splitlines() if "run" in line and "status" in line)
    assert header.split()[:6] == ["run", "created", "label", "input", "case", "status"]
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip().startswith("r0")}
    assert "baseline" in rows[ids[0]] and " case.xlsx " in rows[ids[0]]
    assert "bigger budget" in rows[ids[1]] and " case_b.xlsx " in rows[ids[1]]


def test_preset_is_shown_as_its_levels():
    """min_cost.yaml: level 1 unmet demand (its default absolute gap 0), level 2 cost
    with gap {absolute: 0.001}; both time weight 1 (the defaults for cost and unmet)."""
    preset = load_preset("min_cost").as_dict()
    assert preset_lines(preset) == [
        "min_cost: Unmet demand, then total cost (as a share of the total budget).",
        "level 1 unmet demand: unmet (absolute gap 0, time weight 1)",
        "level 2 cost: cost (absolute gap 0.001, time weight 1)",
    ]
    weighted = {"name": "mine", "levels": [{"name": "risk", "terms": {"cvar": 1.0,
                                                                      "worst_case": 0.1}}],
                "switch_off": ["budget"]}
    assert preset_lines(weighted) == ["mine", "level 1 risk: cvar + 0.1 × worst_case",
                                      "switched off: budget"]
    assert preset_lines("min_dependence") == ["min_dependence"]
    assert preset_lines(None) == []


def test_runs_show_prints_levels_and_labelled_portfolio(tmp_path, capsys):
    folder = tmp_path / "store"
    with RunStore(folder) as st:
        rid = st.begin(None, "cheap", "Air defence", {"currency": "EUR"},
                       load_preset("min_cost").as_dict())
        st.finish(rid, make_report())
    code, out, err = run(["runs", "show", rid, "--store", str(folder)], capsys)
    assert code == 0, err
    assert "level 1 unmet demand: unmet" in out and "level 2 cost: cost" in out
    assert '"levels"' not in out and "{" not in out  # no JSON blob
    # make_report's portfolio: O1 HOME domestic 2027, 10 units, cost 100
    heading = next(line for line in out.splitlines() if "Option" in line)
    assert heading.split()[:6] == ["Option", "Capability", "Supplier", "Country", "Mode",
                                   "Start"]
    assert "Cost (EUR)" in heading and "start_year" not in out and "total_cost" not in out
    o1 = next(line for line in out.splitlines() if line.split()[:1] == ["O1"])
    assert o1.split()[:6] == ["O1", "AD", "S1", "HOME", "domestic", "2027"]
    assert "100.00 EUR" in o1

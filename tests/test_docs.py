"""The generated documents are in step with the code that generates them."""

from sovopt import docs, schema
from sovopt.model.constraints import MODULES


def test_formulation_md_is_current():
    assert docs.FORMULATION.read_text(encoding="utf-8") == docs.formulation_markdown(), (
        "docs/FORMULATION.md is stale; run `make docs`"
    )


def test_formulation_has_every_family_with_its_maths():
    text = docs.formulation_markdown()
    for name, module in MODULES.items():
        assert f": {name}\n" in text
        assert "≤" in module.__doc__ or "≥" in module.__doc__ or "=" in module.__doc__, name


def test_readme_contract_is_current():
    readme = docs.README.read_text(encoding="utf-8")
    assert docs.readme_with_contract(readme) == readme, "README contract is stale; `make docs`"
    for sheet in schema.SHEETS:
        assert f"**{sheet.name}**" in readme
        for col in sheet.columns:
            assert f"`{col.name}`" in readme


def test_readme_output_contract_has_every_quantity():
    from sovopt import outputs

    readme = docs.README.read_text(encoding="utf-8")
    for q in outputs.SUMMARY:
        assert f"| `{q.key}` | {q.label} |" in readme
    for name, cols in outputs.TABLES.items():
        assert f"Table `{name}`" in readme
        for q in cols:
            assert f"| `{q.key}` | {q.label} |" in readme

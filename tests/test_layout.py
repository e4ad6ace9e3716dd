"""The package's layout: no import circle among sovopt's modules, no module over 600 lines,
no docstring or comment citing a file the repository does not have.

An import circle is counted from module-level imports only: an import inside a
function (a deliberate lazy import of the solver stack, an optional dependency) or
under ``if TYPE_CHECKING:`` (an annotation) runs no code when the module loads, so it
closes no circle. Importing ``sovopt.a.b`` counts as an edge to ``sovopt.a.b`` alone,
not to the package ``sovopt.a`` around it (Python has that one loading already).
"""

from __future__ import annotations

import ast
import re
import tokenize
from pathlib import Path

import sovopt

PACKAGE = Path(sovopt.__file__).resolve().parent
#: The most lines a module may have: a module does one job, and a reader holds it whole.
MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return ((isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
            or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def _module_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """The imports that run when the module loads: top level, and inside top-level
    ``if``/``try`` blocks, except ``if TYPE_CHECKING:``; never inside a function or class."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                found.append(node)
            elif isinstance(node, ast.If):
                if not _is_type_checking(node.test):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                visit(node.orelse)
                visit(node.finalbody)

    visit(tree.body)
    return found


def _imported(name: str, path: Path, node: ast.Import | ast.ImportFrom,
              known: dict[str, Path]) -> set[str]:
    """The sovopt modules one import statement of module ``name`` loads."""
    if isinstance(node, ast.Import):
        return {a.name for a in node.names if a.name in known}
    if node.level:
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    out = set()
    for alias in node.names:
        if f"{base}.{alias.name}" in known:  # `from sovopt import schema`: a submodule
            out.add(f"{base}.{alias.name}")
        elif base in known:
            out.add(base)
    return out


def import_graph() -> dict[str, set[str]]:
    """sovopt module -> the sovopt modules it imports when it loads."""
    known = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges: set[str] = set()
        for node in _module_level_imports(tree):
            edges |= _imported(name, path, node, known)
        edges.discard(name)
        graph[name] = edges
    return graph


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every set of modules that import one another in a circle (the strongly connected
    components with more than one module, Tarjan's algorithm), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return sorted(circles)


def test_circle_finder_finds_a_known_circle_and_ignores_a_chain():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"f"}, "f": set()}
    assert import_circles(graph) == [["a", "b", "c"]]


def test_only_module_level_imports_count():
    tree = ast.parse(
        "import sovopt.schema\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from sovopt.case import Case\n"
        "try:\n    from sovopt import errors\nexcept ImportError:\n    pass\n"
        "def f():\n    from sovopt.solver import solve_case\n")
    imported = set()
    for node in _module_level_imports(tree):
        imported |= _imported("sovopt.x", PACKAGE / "x.py", node, _modules())
    assert imported == {"sovopt.schema", "sovopt.errors"}


def test_no_import_circle_among_sovopt_modules():
    graph = import_graph()
    assert "sovopt.validate" in graph["sovopt.case_records"]  # the graph is read at all
    circles = import_circles(graph)
    assert not circles, "import circles among sovopt modules:\n" + "\n".join(
        " <-> ".join(c) for c in circles)


def test_no_module_over_600_lines():
    """sovopt's modules, the benchmark's and the tools'."""
    paths = {name: path for name, path in _modules().items()}
    for folder in ("bench", "tools"):
        for path in sorted((PACKAGE.parent / folder).rglob("*.py")):
            paths[f"{folder}/{path.relative_to(PACKAGE.parent / folder)}"] = path
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines())
             for name, path in paths.items()}
    over = {name: n for name, n in sizes.items() if n > MAX_LINES}
    assert not over, f"modules over {MAX_LINES} lines: " + ", ".join(
        f"{name} ({n})" for name, n in sorted(over.items(), key=lambda kv: -kv[1]))


REPO = PACKAGE.parent
#: A file path (folder/name.ext) or a bare document name ending in .md, in prose.
_CITED = re.compile(r"(?<![\w/.*-])((?:[A-Za-z_][\w.-]*/)+[\w.-]+\.(?:md|py|yaml|json|csv)"
                    r"|[\w.-]+\.md)\b")


def _prose(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every comment and triple-quoted string (docstrings) of a file."""
    found = []
    with path.open(encoding="utf-8") as fh:
        for tok in tokenize.generate_tokens(fh.readline):
            if tok.type == tokenize.COMMENT or (
                    tok.type == tokenize.STRING and tok.string.lstrip("rbfuRBFU")[:3]
                    in ('"""', "'''")):
                found.append((tok.start[0], tok.string))
    return found


def uncited_files() -> list[str]:
    """Every file a docstring or comment of sovopt/, tests/, bench/ or tools/ cites that the
    repository does not have (a path from the repository's root or from the citing file's
    folder; a bare document name ending in .md anywhere in the repository)."""
    names = {p.name for p in REPO.rglob("*.md") if ".venv" not in p.parts}
    missing = []
    for folder in ("sovopt", "tests", "bench", "tools"):
        for path in sorted((REPO / folder).rglob("*.py")):
            for line, text in _prose(path):
                for cited in _CITED.findall(text):
                    if "/" not in cited:
                        ok = cited in names
                    else:
                        ok = (REPO / cited).exists() or (path.parent / cited).exists()
                    if not ok:
                        missing.append(f"{path.relative_to(REPO)}:{line}: {cited}")
    return missing


def test_citation_finder_reads_docstrings_and_comments(tmp_path: Path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""See docs/FORMULATION.md and product.md."""\n'
                      "x = 'not/prose.md'  # and models/FORMULATION.md\n", encoding="utf-8")
    cited = [c for _, text in _prose(sample) for c in _CITED.findall(text)]
    assert cited == ["docs/FORMULATION.md", "product.md", "models/FORMULATION.md"]


def test_docstrings_cite_only_files_in_the_repository():
    missing = uncited_files()
    assert not missing, "cited but not in the repository:\n" + "\n".join(missing)

"""No import circle runs through a study module.

Every ``import`` of a sovopt module, at the top of a file or inside a function, is an
edge (those under ``if TYPE_CHECKING:`` never run and are not); a circle that passes
through ``sovopt.studies`` makes the order in which the study modules load matter
(record → tasks → robust → record was one; Case's what-ifs → the sweep's parser →
Case another).
"""

from __future__ import annotations

import ast
from pathlib import Path

import sovopt

ROOT = Path(sovopt.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Each sovopt module and the sovopt modules it imports (anywhere in the file)."""
    modules = {_module_name(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges: set[str] = set()
        for node in _runtime_nodes(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                subs = [f"{node.module}.{a.name}" for a in node.names]
                # ``from pkg import module`` loads that module; ``from pkg import name``
                # runs pkg itself
                targets = subs if all(t in modules for t in subs) else [node.module, *subs]
            edges.update(t for t in targets if t in modules and t != name)
        graph[name] = edges
    return graph


def _runtime_nodes(tree: ast.AST):
    """Every node of ``tree`` but those under ``if TYPE_CHECKING:`` (never run)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if (isinstance(child, ast.If) and isinstance(child.test, ast.Name)
                    and child.test.id == "TYPE_CHECKING"):
                stack.extend(child.orelse)
                continue
            stack.append(child)


def circles_through(graph: dict[str, set[str]], prefix: str) -> list[list[str]]:
    """Every shortest circle from a module named ``prefix...`` back to itself."""
    found = []
    for start in sorted(m for m in graph if m.startswith(prefix)):
        paths = {start: [start]}
        frontier = [start]
        while frontier:
            nxt = []
            for m in frontier:
                for n in sorted(graph[m]):
                    if n == start:
                        found.append(paths[m] + [start])
                        nxt = []
                        frontier = []
                        break
                    if n not in paths:
                        paths[n] = paths[m] + [n]
                        nxt.append(n)
                else:
                    continue
                break
            frontier = nxt
    return found


def test_the_graph_sees_imports_inside_functions():
    graph = import_graph()
    assert "sovopt.studies.tasks" in graph["sovopt.studies.record"]
    # cmd_studies imports the study modules only inside its commands
    assert "sovopt.studies.robust" in graph["sovopt.cli.cmd_studies"]


def test_no_import_circle_runs_through_a_study_module():
    assert circles_through(import_graph(), "sovopt.studies") == []


def test_no_import_circle_anywhere_in_the_package():
    """The same, for every sovopt module: not even an import inside a function closes a
    circle (tests/test_layout.py checks the module-level imports alone)."""
    assert circles_through(import_graph(), "sovopt") == []

"""The import graph of index/, search/ and web/: no cycles, nothing imported upward.

Every ``import`` statement counts, at module level or inside a function: an
import moved into a function to dodge a cycle still ties the two modules
together. The layers are web -> search -> index; a lower layer never imports a
higher one.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {"index": 0, "search": 1, "web": 2}

# Cycles in modules another line of work is changing, each with the edge that
# closes it. Remove an entry when its cycle is gone (the test says so).
KNOWN_CYCLES: set[frozenset[str]] = set()


def project_modules() -> dict[str, Path]:
    mods: dict[str, Path] = {}
    for pkg in LAYERS:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            mods[name] = path
    return mods


def imported_names(name: str, path: Path) -> list[tuple[str, int]]:
    """Every module name an import statement of ``path`` names, with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from index import segmenter` names the module index.segmenter.
            out += [(f"{base}.{a.name}", node.lineno) for a in node.names]
            out.append((base, node.lineno))
    return out


def import_graph() -> dict[str, dict[str, int]]:
    """module -> {project module it imports: first line}."""
    mods = project_modules()
    graph: dict[str, dict[str, int]] = {}
    for name, path in mods.items():
        deps: dict[str, int] = {}
        for target, line in imported_names(name, path):
            while target and target not in mods:
                target = target.rpartition(".")[0]
            # A package's __init__ is run by importing its modules: not an edge.
            if target and target != name and target not in LAYERS:
                deps.setdefault(target, line)
        graph[name] = deps
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(frozenset(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def _describe(comp: frozenset[str], graph: dict[str, dict[str, int]]) -> str:
    edges = [
        f"{v} (line {line}) -> {w}"
        for v in sorted(comp)
        for w, line in sorted(graph[v].items())
        if w in comp
    ]
    return "; ".join(edges)


def test_the_graph_sees_imports_inside_functions() -> None:
    graph = import_graph()
    # web/cli_common.py imports index.glossary and search.engine inside functions.
    assert {"index.glossary", "search.engine"} <= set(graph["web.cli_common"])
    # `from index import segmenter` is an edge to the module.
    assert "index.segmenter" in graph["search.expand"]


def test_no_import_cycles() -> None:
    graph = import_graph()
    found = cycles(graph)
    new = [c for c in found if c not in KNOWN_CYCLES]
    assert not new, "import cycles: " + " | ".join(_describe(c, graph) for c in new)
    gone = [sorted(c) for c in KNOWN_CYCLES if c not in found]
    assert not gone, f"these cycles are gone: remove them from KNOWN_CYCLES: {gone}"


def test_no_upward_imports() -> None:
    upward = [
        f"{v} (line {line}) imports {w}"
        for v, deps in import_graph().items()
        for w, line in deps.items()
        if LAYERS[w.split(".")[0]] > LAYERS[v.split(".")[0]]
    ]
    assert not upward, "imports against web -> search -> index: " + "; ".join(upward)


def test_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}
    assert cycles(graph) == [frozenset({"a", "b", "c"})]

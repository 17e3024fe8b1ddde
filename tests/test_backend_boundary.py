"""Nothing above a backend reaches into its engine.

Search and web code talk to an index only through the ``index.plan.Backend``
protocol, opened by ``index.backends.open_backend``; so a second engine (Xapian,
remote shards) serves every face unchanged. These tests read the source tree:
a module outside the Whoosh backend's own modules that imports ``whoosh`` or
``index.whoosh_backend``, or that uses a Whoosh-only attribute of a backend
(``.ix``, ``.searcher()``), fails here.

Exempt: ``tests/`` and ``benchmarks/`` (they test and measure Whoosh itself:
durability, crash recovery, the naive Whoosh baseline).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("index", "search", "web")

# The Whoosh backend's own modules, and why each may import Whoosh.
WHOOSH_MODULES = {
    "index/whoosh_backend.py": "the backend itself",
    "index/whoosh_lifecycle.py": "its open/create/lock/commit/recover",
    "index/whoosh_cache.py": "its per-commit reader cache",
    "index/whoosh_ranking.py": "its ranking paths (Whoosh queries, BM25F)",
    "index/storage.py": "its durable writer and storage (Whoosh subclasses)",
    "index/integrity.py": "its checksums, TOC verification and recovery",
    "index/schema.py": "its schema (pickled into every Whoosh index)",
    "index/title_rank.py": "its title-first ranking over Whoosh readers",
    "index/fast_scoring.py": "its vectorized scorer over Whoosh postings",
    # Duizhao's analysis chain is built from Whoosh's tokenizer classes (pickled
    # into the schema); other engines call its engine-free ``terms()``.
    "index/analysis.py": "the analyzer classes Whoosh pickles",
    "index/backends.py": "the factory: registers the built-in engine",
}
ENGINE_MODULES = ("whoosh", "index.whoosh_backend")
WHOOSH_ONLY_ATTRIBUTES = {"ix", "searcher", "whoosh_path"}


def _own(rel: str) -> bool:
    return rel in WHOOSH_MODULES or rel.startswith("index/whoosh_backend/")


def _sources() -> list[tuple[str, ast.Module]]:
    out = []
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            out.append((rel, ast.parse(path.read_text(encoding="utf-8"), filename=rel)))
    return out


def _imported(tree: ast.Module) -> list[str]:
    """Every module an import statement names (function-level imports too)."""
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
            names += [f"{node.module}.{a.name}" for a in node.names]
    return names


def _is_engine(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for m in ENGINE_MODULES)


SOURCES = _sources()


def test_the_scan_sees_the_tree() -> None:
    rels = {rel for rel, _ in SOURCES}
    assert {"search/engine.py", "web/cli.py", "index/plan.py"} <= rels
    # The scan does find an engine import where there is one.
    own = dict(SOURCES)["index/storage.py"]
    assert any(_is_engine(n) for n in _imported(own))
    for rel in WHOOSH_MODULES:
        assert (ROOT / rel).exists(), f"{rel} is listed as a Whoosh module but is gone"


@pytest.mark.parametrize(
    "rel,tree",
    [s for s in SOURCES if not _own(s[0])],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_no_engine_import_outside_the_backend(rel: str, tree: ast.Module) -> None:
    bad = sorted({n for n in _imported(tree) if _is_engine(n)})
    assert not bad, f"{rel} imports {bad}: use index.backends.open_backend and the Backend protocol"


@pytest.mark.parametrize(
    "rel,tree",
    [s for s in SOURCES if s[0].startswith(("search/", "web/"))],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_no_whoosh_only_attribute_above_index(rel: str, tree: ast.Module) -> None:
    used = sorted(
        {
            f"line {node.lineno}: .{node.attr}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr in WHOOSH_ONLY_ATTRIBUTES
        }
    )
    assert not used, f"{rel} uses Whoosh-only backend attributes {used}: use the protocol"

"""No function in the library is longer than MAX_LINES without saying why.

A long function is usually several jobs without names; split it into named
steps. Where length is the honest shape (a data table, a flat dispatch over
many cases), a comment containing ``long:`` and a reason, in the comment block
just above the ``def`` (or its decorators) or in the function's first lines (up
to its first statement after the docstring), keeps it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("index", "search", "web")
MAX_LINES = 60
# "long:" then a reason of a few words.
REASON = re.compile(r"#.*\blong:\s*\S.{8,}")


def _reason_given(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether a ``# long: why`` comment sits just above the def or in its first lines."""
    top = min([node.lineno] + [d.lineno for d in node.decorator_list])
    above = []
    i = top - 2  # 0-based index of the line just above
    while i >= 0 and lines[i].strip().startswith("#"):
        above.append(lines[i])
        i -= 1
    body = node.body
    first = body[0]
    is_doc = (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )
    if is_doc and len(body) > 1:
        first = body[1]
    head = lines[node.lineno - 1 : first.lineno]
    return any(REASON.search(line) for line in above + head)


def long_functions() -> list[str]:
    """``path:line name (N lines)`` for every unexplained function over MAX_LINES."""
    out = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            lines = text.splitlines()
            for node in ast.walk(ast.parse(text, filename=str(path))):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                n = node.end_lineno - node.lineno + 1
                if n > MAX_LINES and not _reason_given(lines, node):
                    rel = path.relative_to(ROOT)
                    out.append(f"{rel}:{node.lineno} {node.name} ({n} lines)")
    return out


def test_the_walker_sees_the_packages() -> None:
    # Guards against a walker that passes because it reads nothing.
    names = {
        node.name
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef)
    }
    assert {"index_paths", "records_for", "is_han"} <= names


def test_a_long_function_needs_a_reason() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    plain = f"def f():\n{body}\n"
    above = f"# long: one assignment per case, a table\ndef f():\n{body}\n"
    inside = f'def f():\n    """Doc."""\n    # long: one assignment per case, a table\n{body}\n'
    bare = f"def f():\n    # long:\n{body}\n"
    for src, ok in ((plain, False), (above, True), (inside, True), (bare, False)):
        node = ast.parse(src).body[0]
        assert isinstance(node, ast.FunctionDef)
        assert _reason_given(src.splitlines(), node) is ok, src[:60]


def test_no_function_is_long_without_a_reason() -> None:
    found = long_functions()
    assert not found, (
        f"{len(found)} function(s) over {MAX_LINES} lines: split them into named steps, "
        "or say why in a `# long: <reason>` comment just above the def or in its first "
        "lines:\n" + "\n".join(found)
    )

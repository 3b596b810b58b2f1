"""Imports run at the top of a module, where import-linter sees them; one inside a function must say why.

An import inside a function body (or under `if TYPE_CHECKING:`) hides a dependency from a reader and can hide a
cycle. In the four packages it is kept only for an optional dependency (an extra: LangChain, prometheus_client,
redis, slack_bolt, discord, trafilatura, …) or a measured start-up cost, and the line says which with a comment
`# optional: …` or `# start-up: …` on the import itself or in the comment right above it (one comment may head a
block of consecutive imports). A project module under `if TYPE_CHECKING:` is never allowed: that is a cycle in hiding.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "adapters", "knowledge", "briefbot")
REASON = re.compile(r"#\s*(optional|start-up):\s*\S")


def _module_of(node: ast.Import | ast.ImportFrom) -> str:
    if isinstance(node, ast.ImportFrom):
        return "." * node.level + (node.module or "")
    return node.names[0].name


def _is_project(module: str) -> bool:
    return module.startswith(".") or module.split(".")[0] in PACKAGES


def _imports_in_functions(tree: ast.Module) -> list[list[ast.Import | ast.ImportFrom]]:
    """Each run of consecutive import statements inside a function body."""
    blocks: list[list[ast.Import | ast.ImportFrom]] = []
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for parent in ast.walk(fn):
            for field in ("body", "orelse", "finalbody", "handlers"):
                stmts = getattr(parent, field, None)
                if not isinstance(stmts, list):
                    continue
                run: list[ast.Import | ast.ImportFrom] = []
                for stmt in stmts:
                    if isinstance(stmt, ast.Import | ast.ImportFrom):
                        run.append(stmt)
                    elif run:
                        blocks.append(run)
                        run = []
                if run:
                    blocks.append(run)
    return blocks


def _type_checking_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            found += [s for s in ast.walk(node) if isinstance(s, ast.Import | ast.ImportFrom)]
    return found


def _comment_above(lines: list[str], lineno: int) -> list[str]:
    """The comment lines right above line `lineno` (1-based), nearest last."""
    out: list[str] = []
    i = lineno - 2
    while i >= 0 and lines[i].strip().startswith("#"):
        out.insert(0, lines[i])
        i -= 1
    return out


def _sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def problems() -> list[str]:
    out = []
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        tree = ast.parse(text)
        name = path.relative_to(ROOT)
        seen: set[int] = set()
        for block in _imports_in_functions(tree):
            if id(block[0]) in seen:
                continue
            seen.update(id(s) for s in block)
            block_reason = any(REASON.search(line) for line in _comment_above(lines, block[0].lineno))
            for stmt in block:
                if not (block_reason or REASON.search(lines[stmt.lineno - 1])):
                    out.append(f"{name}:{stmt.lineno}: `{lines[stmt.lineno - 1].strip()}` inside a function without "
                               "`# optional: …` or `# start-up: …`")
        for stmt in _type_checking_imports(tree):
            if _is_project(_module_of(stmt)):
                out.append(f"{name}:{stmt.lineno}: project import under TYPE_CHECKING (a hidden cycle: use a "
                           "Protocol or move the dependency)")
    return out


def test_every_import_inside_a_function_says_why() -> None:
    found = problems()
    assert not found, "\n".join(found)


def test_the_check_sees_what_it_should(tmp_path: Path) -> None:
    tree = ast.parse(
        "def f():\n"
        "    # start-up: 300 ms\n"
        "    import a\n"
        "    import b\n"
        "    x = 1\n"
        "    import c\n"
    )
    blocks = _imports_in_functions(tree)
    assert [[s.lineno for s in b] for b in blocks] == [[3, 4], [6]]
    assert _is_project(".store") and _is_project("bot.core.bot") and not _is_project("redis")

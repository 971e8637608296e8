"""The shape of the library: imports go downward, one module talks to Streamlit, modules stay small."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cnrmap"
MAX_LINES = 500


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Modules imported by a file, at any depth (function-level imports count: they are still dependencies)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {
    name: {m for m in _imports(path) if m in MODULES and m != name and not name.startswith(m + ".")}
    for name, path in MODULES.items()
}


def test_no_import_cycle():
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])
    assert not cycles, "cycles d'imports : " + " ; ".join(" → ".join(c) for c in cycles)


def test_only_the_cached_module_imports_streamlit():
    users = sorted(n for n, p in MODULES.items() if any(m.split(".")[0] == "streamlit" for m in _imports(p)))
    assert users == ["cnrmap.cached"]


def test_the_library_never_imports_development_tools():
    assert not [n for n, p in MODULES.items() if any(m.split(".")[0] in ("tools", "tests") for m in _imports(p))]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_small(name):
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name} : {lines} lignes (au plus {MAX_LINES}) — à découper par sujet"


def test_pages_hold_no_data_shaping():
    """Pages compose widgets and call the library: no pandas, no file paths."""
    pages = [ROOT / "app.py", *sorted((ROOT / "views").glob("*.py"))]
    offenders = [p.name for p in pages if {"pandas", "pathlib", "geopandas"} & {m.split(".")[0] for m in _imports(p)}]
    assert offenders == []

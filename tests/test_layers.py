"""The layers of ARCHITECTURE.md, read from the code: imports only point down, no module imports
itself in a circle, and every module's first line says what it holds.

Every `import` and `from ... import` counts, function-local ones too. Tests and conftest files
are left out: they compose whatever they test, like the top layer.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "baodao"

# Bottom to top. A module may import from its own layer or any layer below. Within the domain
# layer an app may read the apps before it (spine order), never one after it.
LAYERS: list[tuple[str, ...]] = [
    ("core",),
    ("accounts",),
    ("directory",),
    ("notifications",),
    ("reporting",),
    ("needs",),
    ("records",),  # then meetings, evaluation, each its own row in spine order
    ("stats",),
    ("home", "api", "demo"),
]
RANK = {app: i for i, layer in enumerate(LAYERS) for app in layer}


def _is_test(path: Path) -> bool:
    rel = path.relative_to(PACKAGE)
    return "tests" in rel.parts or path.name == "conftest.py"


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if "migrations" in rel.parts or _is_test(path):
            continue
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(module: str, path: Path) -> list[tuple[str, int]]:
    """(imported module, line) for every import of a baodao module, local ones included."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from baodao.x import y` imports baodao.x.y when y is a module, else a name of baodao.x.
            out += [(f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base, node.lineno) for a in node.names]
    return [(name, line) for name, line in out if name == "baodao" or name.startswith("baodao.")]


def _app(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_every_app_has_a_layer() -> None:
    apps = {_app(m) for m in MODULES} - {None}
    assert apps <= set(RANK), f"apps with no layer in LAYERS: {sorted(apps - set(RANK))}"


def test_imports_only_point_down() -> None:
    upward = []
    for module, path in MODULES.items():
        app = _app(module)
        for target, line in _imports(module, path):
            other = _app(target)
            if app in RANK and other in RANK and RANK[other] > RANK[app]:
                upward.append(f"{path.relative_to(ROOT)}:{line} {module} -> {target}")
    assert upward == [], "imports against the layers (use a signal or a core.hooks.Hook):\n" + "\n".join(upward)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_circles() -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for module, path in MODULES.items():
        edges[module] |= {t for t, _line in _imports(module, path) if t in MODULES and t != module}
    # A package's __init__ importing nothing of its own is the norm here; a circle is a real one.
    assert _cycles(edges) == []


def test_cycle_finder_finds_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("module", sorted(m for m, p in MODULES.items() if p.name != "__init__.py"))
def test_module_says_what_it_holds(module: str) -> None:
    tree = ast.parse(MODULES[module].read_text())
    doc = ast.get_docstring(tree)
    assert doc and doc.strip(), f"{MODULES[module].relative_to(ROOT)} has no module docstring"

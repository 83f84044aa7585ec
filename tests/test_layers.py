"""The layers of ARCHITECTURE.md, read from the code: imports only point down, no module imports
itself in a circle, and every module's first line says what it holds.

Every `import` and `from ... import` counts, function-local ones too. Tests and conftest files
are left out: they compose whatever they test, like the top layer. References that are no import
count too: `apps.get_model("app", ...)` strings, URL names (`{% url %}` in templates, `reverse()`
and `redirect()` in code: a name belongs to the app whose view it names; a template to the app of
its directory templates/<app>/, the site's layouts at the top) and signal receivers
(tests/test_events.py: nobody listens to a layer above it).
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "baodao"
TEMPLATES = ROOT / "templates"

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


# --- references that are no import ------------------------------------------------------------------

# Upward references kept on purpose, each named with why in ARCHITECTURE.md ("Upward references"):
# a user's role is granted on a place, a unit, a member or a resident, which accounts names by
# string (it imports nothing of directory, whose scope reads the roles).
KNOWN_UPWARD = {
    "baodao/accounts/models.py ForeignKey('directory.Place')",
    "baodao/accounts/models.py ForeignKey('directory.Unit')",
    "baodao/accounts/models.py ForeignKey('directory.Member')",
    "baodao/accounts/models.py ForeignKey('directory.Resident')",
}
RELATIONS = ("ForeignKey", "OneToOneField", "ManyToManyField")


def _url_apps() -> dict[str, str]:
    """Every URL name (with its namespaces) -> the app whose view it names."""
    out: dict[str, str] = {}

    def walk(resolver: URLResolver, spaces: list[str]) -> None:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                walk(p, [*spaces, p.namespace] if p.namespace else spaces)
            elif isinstance(p, URLPattern) and p.name and p.callback.__module__.startswith("baodao."):
                out[":".join([*spaces, p.name])] = _app(p.callback.__module__) or ""

    walk(get_resolver(), [])
    return out


def _named_references() -> list[tuple[str, int, str, str, str]]:
    """(file, line, reference, from app, to app) for every get_model string, model relation by
    string and URL name, in code and templates."""
    urls = _url_apps()
    out = []
    for module, path in MODULES.items():
        app = _app(module) or ""
        rel = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0].value
            if not isinstance(first, str):
                continue
            if name == "get_model" or (name in RELATIONS and "." in first):
                out.append((rel, node.lineno, f"{name}({first!r})", app, first.split(".")[0]))
            elif name in ("reverse", "reverse_lazy", "redirect", "resolve_url") and first in urls:
                out.append((rel, node.lineno, f"{name}({first!r})", app, urls[first]))
    tag = re.compile(r"""\{%\s*url\s+['"]([^'"]+)['"]""")
    for path in sorted(TEMPLATES.rglob("*.html")):
        parts = path.relative_to(TEMPLATES).parts
        app = parts[0] if len(parts) > 1 and parts[0] in RANK else "home"  # the layouts compose the site
        for i, line in enumerate(path.read_text().splitlines(), 1):
            for name in tag.findall(line):
                if name in urls:
                    out.append((str(path.relative_to(ROOT)), i, f"{{% url '{name}' %}}", app, urls[name]))
    return out


def test_named_references_are_read() -> None:
    refs = _named_references()
    kinds = {ref.split("(")[0].split(" ")[0] for _f, _l, ref, _a, _b in refs}
    assert {"{%", "reverse", "redirect", "ForeignKey"} <= kinds  # the readers see each kind of reference
    assert all(to in RANK for *_x, to in refs), [r for r in refs if r[4] not in RANK]


def test_named_references_only_point_down() -> None:
    upward = {
        f"{file}:{line} {ref}"
        for file, line, ref, frm, to in _named_references()
        if frm in RANK and RANK[to] > RANK[frm] and f"{file} {ref}" not in KNOWN_UPWARD
    }
    assert upward == set(), "references against the layers (a hook, an event, a part the higher app adds):\n" + (
        "\n".join(sorted(upward))
    )


def test_known_upward_references_are_still_there() -> None:
    """An entry of KNOWN_UPWARD that the code no longer has goes (and its line in ARCHITECTURE.md)."""
    found = {f"{file} {ref}" for file, _line, ref, _frm, _to in _named_references()}
    assert KNOWN_UPWARD - found == set()

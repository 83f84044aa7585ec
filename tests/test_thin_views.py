"""Thin web views, read from the code (ARCHITECTURE.md, "Inside a domain app"): a view parses the
request, asks access, calls one service through core.http.act and renders what selectors read.

- A service's refusal (ValidationError) is caught in one place, core.http.act — not in views,
  each with its own message, redirect and re-render.
- Views hold no ORM queries (`.objects.`): reads are the app's selectors.

The few exceptions are named below with why; a new one fails here until it is justified.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "baodao"

# (module, function) → why it catches a ValidationError itself.
CATCHES = {
    ("baodao/reporting/views/member.py", "register"): "a bad certificate link is its own page (400), not an action",
    ("baodao/records/views/member.py", "_scan_page"): "GET checks the scanned code before anything is posted",
    ("baodao/records/views/member.py", "record_edit"): "dead code (issue 20's list): goes, or is wired through act",
    ("baodao/needs/views/community.py", "_each"): "a batch: each ticked demand in its own transaction, refusals named",
}
# (module, function) → why it queries a model itself.
QUERIES = {
    ("baodao/records/views/ledgers.py", "unit_ledger"): "the secretary's unit: becomes an access.py lookup",
    ("baodao/records/views/pairings.py", "pairing_end"): "a pairing the staff may end: becomes an access.py lookup",
}


def _view_modules() -> list[Path]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if "tests" in parts or "migrations" in parts:
            continue
        if path.name == "views.py" or path.name.endswith("_views.py") or "views" in parts[:-1]:
            out.append(path)
    return out


def _functions(path: Path) -> list[tuple[str, ast.FunctionDef]]:
    tree = ast.parse(path.read_text(), str(path))
    return [(n.name, n) for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]


def _catches_validation_error(fn: ast.FunctionDef) -> bool:
    for node in ast.walk(fn):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            names = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            if any(isinstance(n, ast.Name) and n.id == "ValidationError" for n in names):
                return True
    return False


def _queries(fn: ast.FunctionDef) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr == "objects" for n in ast.walk(fn))


def _found(check: object) -> set[tuple[str, str]]:
    out = set()
    for path in _view_modules():
        rel = str(path.relative_to(ROOT))
        for name, fn in _functions(path):
            if check(fn):  # type: ignore[operator]
                out.add((rel, name))
    return out


def test_view_modules_are_found() -> None:
    names = {str(p.relative_to(ROOT)) for p in _view_modules()}
    assert {"baodao/home/views.py", "baodao/records/views/member.py", "baodao/stats/views.py"} <= names


def test_only_core_http_act_catches_a_services_refusal() -> None:
    caught = _found(_catches_validation_error)
    assert caught <= set(CATCHES), f"catch it in core.http.act, or say why here: {sorted(caught - set(CATCHES))}"


def test_views_read_through_selectors() -> None:
    queried = _found(_queries)
    assert queried <= set(QUERIES), f"read it through the app's selectors: {sorted(queried - set(QUERIES))}"

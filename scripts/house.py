"""The house's measures (issue 20's table), counted from the source with ast and regular expressions.

    .venv/bin/python scripts/house.py          # the table
    .venv/bin/python scripts/house.py -v       # and the places behind each figure

Counts non-test, non-migration modules under baodao/ unless a row says otherwise.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "baodao"
VERBOSE = "-v" in sys.argv


def sources(tests: bool = False) -> list[Path]:
    out = []
    for p in sorted(ROOT.rglob("*.py")):
        parts = p.relative_to(ROOT).parts
        if "migrations" in parts:
            continue
        is_test = "tests" in parts or p.name.startswith("test_") or p.name == "conftest.py"
        if is_test == tests:
            out.append(p)
    return out


def rel(p: Path) -> str:
    return str(p.relative_to(ROOT.parent))


def is_view_module(p: Path) -> bool:
    parts = p.relative_to(ROOT).parts
    return p.name == "views.py" or p.name.endswith("_views.py") or "views" in parts[:-1]


def is_api_module(p: Path) -> bool:
    return p.relative_to(ROOT).parts[0] == "api"


rows: list[tuple[str, str, list[str]]] = []


def row(name: str, value: str, where: list[str] | None = None) -> None:
    rows.append((name, value, where or []))


SRC = sources()
TEXT = {p: p.read_text() for p in SRC}
TREE = {p: ast.parse(t) for p, t in TEXT.items()}

# 1. status fields and workflows
status_models, where = [], []
for p, tree in TREE.items():
    if p.name != "models.py":
        continue
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "status" for t in stmt.targets
                ):
                    status_models.append(f"{p.parent.name}.{node.name}")
declared = set()
for text in TEXT.values():
    for m in re.finditer(r"\bWorkflow\(\s*(\w+)\s*,", text):
        declared.add(m.group(1))
without = [m for m in status_models if m.split(".")[1] not in declared]
row(
    "models with a status field / with a declared table",
    f"{len(status_models)} / {len(status_models) - len(without)}",
    without,
)


# 2. status writes outside the helper: an assignment to `.status` (in a tuple too), setattr(x,
# "status", …), `.update(status=…)`, a bulk_update naming "status", raw SQL `SET status`. A status
# given to a new row in its constructor or create() is its initial state, not a write; `.status =`
# in a SQL string's WHERE is a read.
def _status_write(node: ast.AST, source: str) -> bool:
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        flat = [e for t in targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
        return any(isinstance(t, ast.Attribute) and t.attr == "status" for t in flat)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update":
        return any(k.arg == "status" for k in node.keywords)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "bulk_update":
        return re.search(r"""["']status["']""", ast.get_source_segment(source, node) or "") is not None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr":
        return len(node.args) > 1 and isinstance(node.args[1], ast.Constant) and node.args[1].value == "status"
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.search(r"\bSET\s+status\b", node.value, re.IGNORECASE) is not None
    return False


writes = []
for p, tree in TREE.items():
    if rel(p) == "baodao/core/transitions.py":
        continue
    lines = TEXT[p].splitlines()
    for node in ast.walk(tree):
        if _status_write(node, TEXT[p]):
            writes.append(f"{rel(p)}:{node.lineno}: {lines[node.lineno - 1].strip()[:90]}")
row("status writes outside the transition helper", str(len(writes)), sorted(writes))

# 3. private helper parts: `._save(`/`._check(` on a workflow (by its declared name) outside core.transitions
names = {m.group(1) for t in TEXT.values() for m in re.finditer(r"^(\w+)\s*=\s*Workflow\(", t, re.MULTILINE)}
private = re.compile(r"\b(" + "|".join(sorted(names) + [r"\w*workflow\w*"]) + r")\._(save|check)\(", re.IGNORECASE)
priv = [
    f"{rel(p)}:{i}"
    for p, t in TEXT.items()
    if rel(p) != "baodao/core/transitions.py"
    for i, line in enumerate(t.splitlines(), 1)
    if private.search(line)
]
row("calls into the helper's private parts from outside", str(len(priv)), priv)

# 4. refusals worded in views / API
ref = []
for p, text in TEXT.items():
    if not (is_view_module(p) or is_api_module(p)):
        continue
    for i, line in enumerate(text.splitlines(), 1):
        if re.search(r"raise PermissionDenied|HttpError\(\s*403", line):
            ref.append(f"{rel(p)}:{i}: {line.strip()[:80]}")
row("refusals worded in views or API handlers", str(len(ref)), ref)

# 5. copies
# The one refusal helper is public now (directory.access.denied): a private copy counts as well.
for fn in ("_denied", "get_own_member", "community_of"):
    defs = [
        f"{rel(p)}:{n.lineno}"
        for p, tree in TREE.items()
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef) and n.name in (fn, fn.lstrip("_"))
    ]
    row(f"copies of {fn}", str(len(defs)), defs)

# 6. test_access.py per app with access.py
apps_with_access = sorted(p.parent.name for p in SRC if p.name == "access.py")
tests_access = {p.parent.parent.name for p in sources(tests=True) if p.name == "test_access.py"}
row(
    "apps with access.py / with tests/test_access.py",
    f"{len(apps_with_access)} / {len(set(apps_with_access) & tests_access)}",
    [a for a in apps_with_access if a not in tests_access],
)

# 7. ORM save-signal receivers in domain apps
recv = []
for p, text in TEXT.items():
    for i, line in enumerate(text.splitlines(), 1):
        if re.search(
            r"\b(post_save|pre_save|post_delete|pre_delete|m2m_changed)\b.*(connect|receiver)|@receiver\((post|pre)_(save|delete)",
            line,
        ):
            recv.append(f"{rel(p)}:{i}: {line.strip()[:80]}")
row("ORM save-signal receivers", str(len(recv)), recv)

# 8. modules over 600 lines
big = [f"{rel(p)} ({len(t.splitlines())})" for p, t in TEXT.items() if len(t.splitlines()) > 600]
row("non-test modules over 600 lines", str(len(big)), big)

# 9. function-local project imports
local = []
for p, tree in TREE.items():
    for fn in ast.walk(tree):
        # AppConfig.ready() must import models and receivers late: Django's rule, not a cycle.
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and not (p.name == "apps.py" and fn.name == "ready"):
            for n in ast.walk(fn):
                if (
                    isinstance(n, ast.ImportFrom)
                    and (n.module or "").startswith("baodao")
                    or (isinstance(n, ast.Import) and any(a.name.startswith("baodao") for a in n.names))
                ):
                    local.append(f"{rel(p)}:{n.lineno}")
row("function-local project imports (not in AppConfig.ready)", str(len(set(local))), sorted(set(local)))

# 10/11. views
long15, long30, objects = [], [], []
for p, tree in TREE.items():
    if not is_view_module(p):
        continue
    for n in ast.walk(tree):
        if isinstance(n, ast.FunctionDef) and n.args.args and n.args.args[0].arg == "request":
            doc = ast.get_docstring(n)
            length = (n.end_lineno or n.lineno) - n.lineno + 1 - (len(doc.splitlines()) if doc else 0)
            if length > 15:
                long15.append(f"{rel(p)}:{n.name} ({length})")
            if length > 30:
                long30.append(f"{rel(p)}:{n.name} ({length})")
    objects += [f"{rel(p)}:{i}" for i, line in enumerate(TEXT[p].splitlines(), 1) if ".objects." in line]
row("web views over 15 / over 30 lines", f"{len(long15)} / {len(long30)}", long30 + ["-- over 15:"] + long15)
row("`.objects.` calls in view modules", str(len(objects)), objects)

# 12. test lines per source line
for app in ("needs", "records", "reporting", "stats", "directory"):
    src = sum(len(TEXT[p].splitlines()) for p in SRC if p.relative_to(ROOT).parts[0] == app)
    tst = sum(len(p.read_text().splitlines()) for p in sources(tests=True) if p.relative_to(ROOT).parts[0] == app)
    row(f"test lines per source line: {app}", f"{tst / src:.2f} ({tst}/{src})")

w = max(len(r[0]) for r in rows)
for name, value, where in rows:
    print(f"{name:<{w}}  {value}")
    if VERBOSE:
        for x in where:
            print(f"    {x}")

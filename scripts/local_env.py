"""The `.env` of `make run` and `make dev`: made on the first run, with its secrets, and kept.

    .venv/bin/python scripts/local_env.py .env

With no file there, writes one for a local run on http://127.0.0.1 (DEBUG off, a new SECRET_KEY and
FIELD_KEY, cookies allowed over plain http, no proxy in front), readable by its owner only. With a
file there (this one from an earlier run, or a copy of .env.example), fills in a SECRET_KEY or
FIELD_KEY that is missing or empty and changes nothing else. A key already given by the environment
or by NAME_FILE is left alone: a second FIELD_KEY would make the stored ID numbers and mobiles
unreadable.

Standard library only: it runs before Django can start (with DEBUG off, settings refuse to load
without SECRET_KEY).
"""

from __future__ import annotations

import os
import re
import secrets
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Where a DEBUG run with no FIELD_KEY keeps the key it made (config/settings.py FIELD_KEY_FILE_DEFAULT):
# a database filled by such a run stays readable when `make run` takes over.
DEBUG_FIELD_KEY = ROOT / "var" / "field.key"
LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def new_secret_key() -> str:
    return secrets.token_urlsafe(50)


def new_field_key() -> str:
    if DEBUG_FIELD_KEY.is_file():
        kept = DEBUG_FIELD_KEY.read_text().strip()
        if re.fullmatch(r"[0-9a-fA-F]{32}", kept):
            return kept
    return secrets.token_hex(16)


SECRETS: dict[str, Callable[[], str]] = {"SECRET_KEY": new_secret_key, "FIELD_KEY": new_field_key}

TEMPLATE = """\
# Made by `make run` on its first start (scripts/local_env.py) for Baodao on http://127.0.0.1.
# `make run` and `make dev` read it; keep it with the database: FIELD_KEY encrypts the ID numbers and
# mobiles stored there, and without it they cannot be read again. Not for a server: see .env.example.

DEBUG=0
SECRET_KEY={SECRET_KEY}
FIELD_KEY={FIELD_KEY}

# Served over plain http on 127.0.0.1 only: the login cookies may travel without https (they never
# leave this machine), and no HSTS tells the browser to refuse http for 127.0.0.1 afterwards.
SECURE_COOKIES=0
# Browsers reach gunicorn directly, with no proxy in front: believe no X-Forwarded-* header.
TRUST_X_FORWARDED_PROTO=0
PROXY_COUNT=0
"""


def values(text: str) -> dict[str, str]:
    """NAME=value lines as a shell reading the file would see them (comments and quotes aside)."""
    found = {}
    for line in text.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        value = m.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        else:
            value = re.split(r"\s+#", value, maxsplit=1)[0].strip()
        found[m.group(1)] = value
    return found


def ensure(path: Path, environ: Mapping[str, str] = os.environ) -> list[str]:
    """Make or complete the file; returns the names of the secrets it wrote."""
    if not path.exists():
        made = {name: make() for name, make in SECRETS.items() if not _given(name, {}, environ)}
        text = TEMPLATE.format(**{name: made.get(name, "") for name in SECRETS})
        # The secrets the environment gives stay there (a line would shadow them when sourced).
        text = "\n".join(line for line in text.split("\n") if not re.fullmatch(r"[A-Z_]+=", line))
        _write(path, text)
        return list(made)
    text = path.read_text()
    have = values(text)
    written = []
    for name, make in SECRETS.items():
        if _given(name, have, environ):
            continue
        line = f"{name}={make()}"
        pattern = re.compile(rf"^\s*(?:export\s+)?{name}=.*$", re.MULTILINE)
        if pattern.search(text):
            text = pattern.sub(lambda _m, line=line: line, text, count=1)
        else:
            text = text + ("" if text.endswith("\n") or not text else "\n") + line + "\n"
        written.append(name)
    if written:
        _write(path, text)
    else:
        os.chmod(path, 0o600)  # it holds secrets, whoever made it
    return written


def _given(name: str, have: Mapping[str, str], environ: Mapping[str, str]) -> bool:
    return any(source.get(key) for source in (have, environ) for key in (name, f"{name}_FILE"))


def _write(path: Path, text: str) -> None:
    """Write readable by the owner only, from the first byte on."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: scripts/local_env.py ENV_FILE", file=sys.stderr)
        return 2
    path = Path(argv[1])
    written = ensure(path)
    if written:
        print(f"== {path}: {', '.join(written)} generated (mode 600; keep this file with the database)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

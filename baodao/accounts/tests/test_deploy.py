"""Deployment settings that `make run` (DEBUG off) relies on: security headers and a clean access log."""

from __future__ import annotations

import datetime as dt
import re
import shlex
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[3]


def _gunicorn_access_format() -> str:
    script = (ROOT / "scripts" / "run.sh").read_text()
    match = re.search(r"^\s*access_format=(.+)$", script, re.MULTILINE)
    assert match, "scripts/run.sh sets no access log format"
    assert '--access-logformat "$access_format"' in script
    return shlex.split(match.group(1))[0]


def test_gunicorn_access_log_has_no_query_string_or_referer() -> None:
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    cfg = Config()
    cfg.set("access_log_format", _gunicorn_access_format())
    logger = Logger(cfg)
    query = "q=110101199003070011&mobile=13812345678"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/directory/members/?{query}",
        "PATH_INFO": "/directory/members/",
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.7",
        "HTTP_REFERER": f"http://baodao.local/directory/members/?{query}",
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    resp = SimpleNamespace(status="200 OK", sent=512, headers=[])
    req = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    atoms = logger.atoms_wrapper_class(logger.atoms(resp, req, environ, dt.timedelta(milliseconds=12)))

    line = cfg.access_log_format % atoms

    assert '"GET /directory/members/ HTTP/1.1" 200 512 12ms' in line
    assert "10.0.0.7" in line
    for secret in ("110101199003070011", "13812345678", "q="):
        assert secret not in line

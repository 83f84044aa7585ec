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


# --- security settings with DEBUG off ----------------------------------------------------------

_CONTROLLED = (
    "DEBUG",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "TRUST_X_FORWARDED_PROTO",
)
_PROBE = """
import json
from config import settings as s
print(json.dumps({
    "session_secure": s.SESSION_COOKIE_SECURE,
    "csrf_secure": s.CSRF_COOKIE_SECURE,
    "httponly": s.SESSION_COOKIE_HTTPONLY,
    "hsts": getattr(s, "SECURE_HSTS_SECONDS", None),
    "hsts_subdomains": getattr(s, "SECURE_HSTS_INCLUDE_SUBDOMAINS", None),
    "ssl_redirect": getattr(s, "SECURE_SSL_REDIRECT", None),
    "proxy_header": getattr(s, "SECURE_PROXY_SSL_HEADER", None),
    "nosniff": s.SECURE_CONTENT_TYPE_NOSNIFF,
    "frame": s.X_FRAME_OPTIONS,
}))
"""


def _settings_with(**env: str) -> dict:
    """Import config.settings in a fresh interpreter with DEBUG off and only `env` set among the knobs."""
    import json
    import os
    import subprocess
    import sys

    base = {k: v for k, v in os.environ.items() if k not in _CONTROLLED and not k.startswith("DJANGO_")}
    base.update({"DEBUG": "0", "SECRET_KEY": "x" * 50, "PYTHONDONTWRITEBYTECODE": "1", **env})
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=ROOT, env=base, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out)


def test_security_settings_with_debug_off_by_default() -> None:
    s = _settings_with()

    assert s == {
        "session_secure": True,
        "csrf_secure": True,
        "httponly": True,
        "hsts": 31536000,
        "hsts_subdomains": False,
        "ssl_redirect": False,  # nginx redirects (README)
        "proxy_header": ["HTTP_X_FORWARDED_PROTO", "https"],  # README's nginx sets it
        "nosniff": True,
        "frame": "DENY",
    }


def test_plain_http_intranet_gets_no_hsts() -> None:
    s = _settings_with(SECURE_COOKIES="0", SECURE_HSTS_SECONDS="600", SECURE_HSTS_INCLUDE_SUBDOMAINS="1")

    assert (s["session_secure"], s["csrf_secure"], s["hsts"], s["hsts_subdomains"]) == (False, False, 0, False)


def test_security_settings_follow_the_environment() -> None:
    s = _settings_with(SECURE_SSL_REDIRECT="1", SECURE_HSTS_SECONDS="600", SECURE_HSTS_INCLUDE_SUBDOMAINS="1")

    assert (s["ssl_redirect"], s["hsts"], s["hsts_subdomains"]) == (True, 600, True)


def test_forwarded_proto_is_not_trusted_without_a_proxy() -> None:
    assert _settings_with(TRUST_X_FORWARDED_PROTO="0")["proxy_header"] is None

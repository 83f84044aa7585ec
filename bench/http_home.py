"""Requests/s of the logged-in member home page against a bare view, both under gunicorn (issue 2 §4).

Serves the project with gunicorn (2 sync workers) on the database of DATABASE_URL (PostgreSQL with
the demo city in `make bench`), logs in the demo `member` programmatically, and runs
`wrk -t2 -c32 -d10s --latency` on `/healthz` (the baseline: no template, no query) and on `/`.
Target: the home page ≥ 1,000 req/s with p99 < 100 ms.

The environment must be the production one (DEBUG=0, SECRET_KEY, FIELD_KEY, ALLOWED_HOSTS
including 127.0.0.1, REDIS_URL: production runs Redis for the cache and the sessions); bench/run.sh
sets it and starts a throwaway Redis.

The measured request is a real logged-in member request: the browser's cookies (session and CSRF
cookie), the full middleware stack, the session and user checks, the member home served from its
per-user cache (home.homecache) with this request's CSRF token.

Workers: 2 sync workers, one per core, as in production behind nginx (which by default opens a new
upstream connection per request, exactly what a sync worker serves). gthread (4 threads) was tried
in the same conditions and was not measurably better for either page on this 2-core machine.

    python bench/http_home.py [--duration 10s]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from common import ROOT, result, say, setup_django, verdict

TARGET_RPS = 1_000
TARGET_P99_MS = 100
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def member_cookie(username: str = "member") -> str:
    """The cookies a logged-in browser sends: the session (made the way a login makes it) and the
    CSRF cookie that its first page set (a browser keeps it; without it every request would mint a
    new CSRF secret, which no real client causes)."""
    from django.conf import settings
    from django.test import Client

    from baodao.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=username))
    client.get("/", secure=True)  # the cookies are Secure in production settings
    names = (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)
    return "; ".join(f"{n}={client.cookies[n].value}" for n in names if n in client.cookies)


@contextmanager
def gunicorn(port: int) -> Iterator[subprocess.Popen]:
    cmd = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi:application",
        "--workers=2",
        "--worker-class=sync",
        f"--bind=127.0.0.1:{port}",
        f"--chdir={ROOT}",
        f"--pythonpath={ROOT}",
        "--log-level=warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
                    if r.status == 200:
                        break
            except OSError:  # refused while booting, or a timeout: the workers import Django first
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.exit("http_home: gunicorn did not come up")
            time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def fetch(url: str, cookie: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(NoRedirect)
    req = urllib.request.Request(url, headers={"Cookie": cookie})
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, ""


def wrk(url: str, cookie: str, duration: str) -> dict[str, float]:
    cmd = ["wrk", "-t2", "-c32", f"-d{duration}", "--latency", url]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {
        "rps": rps,
        "p50_ms": float(p50.group(1)) * UNITS_MS[p50.group(2)],
        "p99_ms": float(p99.group(1)) * UNITS_MS[p99.group(2)],
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", default=os.environ.get("BENCH_HTTP_DURATION", "10s"))
    args = parser.parse_args()
    setup_django()
    from django.conf import settings

    from baodao.accounts.models import User

    if settings.DEBUG:
        say("warning: DEBUG is on; numbers are not the production ones")
    cookie = member_cookie()
    name = User.objects.get(username="member").display_name
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with gunicorn(port):
        status, body = fetch(f"{base}/", cookie)
        if status != 200:
            sys.exit(f"http_home: GET / as the demo member answered {status}, not 200")
        if name not in body:
            say(f"warning: the home page does not show the member's name ({name})")
        for url in (f"{base}/healthz", f"{base}/"):  # warm both workers' caches
            wrk(url, cookie, "2s")
        bare = wrk(f"{base}/healthz", "", args.duration)
        home = wrk(f"{base}/", cookie, args.duration)
    for label, r in (("healthz", bare), ("home", home)):
        if r["non_2xx"] or r["socket_errors"]:
            say(f"{label}: non-2xx {r['non_2xx']} {r['socket_errors']}")
    result(
        "http_home",
        home_rps=round(home["rps"]),
        home_p50_ms=home["p50_ms"],
        home_p99_ms=home["p99_ms"],
        healthz_rps=round(bare["rps"]),
        healthz_p99_ms=bare["p99_ms"],
        ratio_home_vs_healthz=round(home["rps"] / bare["rps"], 3),
        home_non_2xx=home["non_2xx"],
        target=f">={TARGET_RPS}rps:{verdict(home['rps'] >= TARGET_RPS)},"
        f"p99<{TARGET_P99_MS}ms:{verdict(home['p99_ms'] < TARGET_P99_MS)}",
    )


if __name__ == "__main__":
    main()

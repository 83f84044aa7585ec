"""`make run` as a new user meets it (issue 19 §14): scripts/run.sh itself, started twice on a free
port with a throw-away SQLite file, .env and static root (and the tiny demo, which loads in seconds).

The first start makes the secrets and keeps them in .env (mode 600), loads the demo into the empty
database and serves it with DEBUG off under gunicorn: a mistyped URL or a tampered id is the site's
Chinese 404, not Django's debug page; the demo `member` logs in over plain http on 127.0.0.1. The
second start reuses .env and the database (no second demo), and stays DEBUG off even when .env
asks for DEBUG — only `make dev` serves that.

Plus scripts/local_env.py on its own: what it writes into a new .env, or fills into an existing one,
and what it leaves alone.
"""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Baodao@2026"
STARTUP_SECONDS = 300  # migrate + the tiny demo + collectstatic on a busy 2-core box


def _local_env() -> ModuleType:
    spec = importlib.util.spec_from_file_location("local_env", ROOT / "scripts" / "local_env.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, tmp: Path, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(tmp / "home"),  # gunicorn's control socket goes under $HOME
            "ENV_FILE": str(tmp / ".env"),
            "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
            "STATIC_ROOT": str(tmp / "static"),
            "MEDIA_ROOT": str(tmp / "media"),
            "DEMO_SCALE": "tiny",
            "PORT": str(self.port),
        }
        (tmp / "home").mkdir(exist_ok=True)
        with log.open("w") as out:
            self.proc = subprocess.Popen(
                ["bash", "scripts/run.sh"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"scripts/run.sh stopped:\n{self.output()}"
            try:
                if _session().get(f"{self.url}/healthz", timeout=30).status_code == 200:
                    return
            except requests.RequestException:  # not listening yet, or the first worker still starting
                pass
            time.sleep(0.5)
        self.stop()
        pytest.fail(f"scripts/run.sh did not serve within {STARTUP_SECONDS} s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


@pytest.fixture
def run(tmp_path: Path) -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def _session() -> requests.Session:
    s = requests.Session()
    s.trust_env = False  # straight to 127.0.0.1, whatever proxy the environment names
    return s


def _log_in(base: str, username: str) -> tuple[requests.Session, requests.Response]:
    s = _session()
    form = s.get(f"{base}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert token, form.text[:500]
    answer = s.post(
        f"{base}/accounts/login/",
        data={"csrfmiddlewaretoken": token.group(1), "username": username, "password": PASSWORD, "next": ""},
        allow_redirects=False,
        timeout=30,
    )
    return s, answer


def _assert_chinese_404(response: requests.Response) -> None:
    assert response.status_code == 404
    assert "页面不存在" in response.text
    for debug_text in ("Page not found", "URLconf", "DEBUG = True", "Django"):
        assert debug_text not in response.text


def _secrets(env_file: Path) -> dict[str, str]:
    return _local_env().values(env_file.read_text())


@pytest.mark.one_leg
def test_make_run_serves_what_users_see_and_keeps_its_secrets(tmp_path: Path, run: list[Server]) -> None:
    env_file = tmp_path / ".env"

    # First start: secrets made and kept, the demo loaded into the empty database, DEBUG off.
    first = Server(tmp_path, tmp_path / "run1.log")
    run.append(first)
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    made = _secrets(env_file)
    assert len(made["SECRET_KEY"]) >= 50 and re.fullmatch(r"[0-9a-f]{32}", made["FIELD_KEY"])
    assert made["DEBUG"] == "0" and made["SECURE_COOKIES"] == "0"
    out = first.output()
    assert "member2" in out and "未报到" in out and "gunicorn" in out.lower()

    _assert_chinese_404(_session().get(f"{first.url}/no/such/page/", timeout=30))
    member, answer = _log_in(first.url, "member")
    assert answer.status_code == 302, answer.text[:500]
    # Over plain http: the session cookie must not be https-only, and no HSTS pins 127.0.0.1 to https.
    assert "secure" not in answer.headers.get("Set-Cookie", "").lower()
    assert "Strict-Transport-Security" not in answer.headers
    home = member.get(f"{first.url}/", timeout=30)
    assert home.status_code == 200 and "社区报到" in home.text and "报到已完成" in home.text
    _assert_chinese_404(member.get(f"{first.url}/needs/987654321/", timeout=30))  # a tampered id
    assert member.get(f"{first.url}/static/css/nope.css", timeout=30).status_code == 404
    first.stop()

    # Second start: the same .env (even told DEBUG=1, `make run` stays DEBUG off), the same data.
    env_file.write_text(env_file.read_text().replace("DEBUG=0", "DEBUG=1"))
    second = Server(tmp_path, tmp_path / "run2.log")
    run.append(second)
    kept = _secrets(env_file)
    assert (kept["SECRET_KEY"], kept["FIELD_KEY"]) == (made["SECRET_KEY"], made["FIELD_KEY"])
    assert "不加载示范数据" in second.output()  # the database holds data: no second demo
    _assert_chinese_404(_session().get(f"{second.url}/no/such/page/", timeout=30))
    member, answer = _log_in(second.url, "member")
    assert answer.status_code == 302
    # The member's page decrypts his mobile with the kept FIELD_KEY.
    assert member.get(f"{second.url}/", timeout=30).status_code == 200


# --- scripts/local_env.py ------------------------------------------------------------------------


def test_local_env_writes_a_new_file_owner_only_with_fresh_secrets(tmp_path: Path) -> None:
    local_env = _local_env()
    path = tmp_path / ".env"

    assert local_env.ensure(path, environ={}) == ["SECRET_KEY", "FIELD_KEY"]

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    got = local_env.values(path.read_text())
    assert got["DEBUG"] == "0" and got["SECURE_COOKIES"] == "0" and got["PROXY_COUNT"] == "0"
    assert got["TRUST_X_FORWARDED_PROTO"] == "0"
    other = tmp_path / "other.env"
    local_env.ensure(other, environ={})
    assert local_env.values(other.read_text())["SECRET_KEY"] != got["SECRET_KEY"]
    # Run again: nothing to write, nothing changed.
    before = path.read_text()
    assert local_env.ensure(path, environ={}) == []
    assert path.read_text() == before


def test_local_env_fills_only_missing_secrets_into_an_existing_file(tmp_path: Path) -> None:
    """A copy of .env.example: its empty SECRET_KEY and FIELD_KEY are filled in place, the rest kept."""
    local_env = _local_env()
    path = tmp_path / ".env"
    example = (ROOT / ".env.example").read_text()
    path.write_text(example)
    path.chmod(0o644)

    assert local_env.ensure(path, environ={}) == ["SECRET_KEY", "FIELD_KEY"]

    text = path.read_text()
    got = local_env.values(text)
    assert got["SECRET_KEY"] and re.fullmatch(r"[0-9a-f]{32}", got["FIELD_KEY"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    changed = [line for line in text.splitlines() if line not in example.splitlines()]
    assert [line.split("=")[0] for line in changed] == ["SECRET_KEY", "FIELD_KEY"]


def test_local_env_leaves_a_key_given_elsewhere_alone(tmp_path: Path) -> None:
    """A FIELD_KEY from the environment or a FIELD_KEY_FILE: a second key would make the stored ID
    numbers unreadable, so none is written (nor a SECRET_KEY given the same way)."""
    local_env = _local_env()
    path = tmp_path / ".env"
    path.write_text("FIELD_KEY_FILE=/etc/baodao/field.key\n")

    assert local_env.ensure(path, environ={"SECRET_KEY": "from-the-environment"}) == []
    assert path.read_text() == "FIELD_KEY_FILE=/etc/baodao/field.key\n"

    fresh = tmp_path / "fresh.env"
    assert local_env.ensure(fresh, environ={"FIELD_KEY": "0" * 32}) == ["SECRET_KEY"]
    assert "FIELD_KEY" not in local_env.values(fresh.read_text())


def test_local_env_keeps_the_key_of_an_earlier_debug_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database filled by an earlier DEBUG run was encrypted with var/field.key: keep using it."""
    local_env = _local_env()
    kept = tmp_path / "field.key"
    kept.write_text("00112233445566778899aabbccddeeff\n")
    monkeypatch.setattr(local_env, "DEBUG_FIELD_KEY", kept)

    local_env.ensure(tmp_path / ".env", environ={})

    assert local_env.values((tmp_path / ".env").read_text())["FIELD_KEY"] == "00112233445566778899aabbccddeeff"

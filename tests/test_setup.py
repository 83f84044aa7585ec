"""The test set-up itself: the browser runs against the live server, personal data keys are the test key."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from baodao.core import crypto
from conftest import TEST_FIELD_KEY


@pytest.mark.browser
def test_healthz_in_chromium_says_ok(page: Page, live_server, artifacts_dir: Path) -> None:
    response = page.goto(f"{live_server.url}/healthz")

    assert response is not None and response.status == 200
    # Each part on its own (issue 20): the database, the cache and the broker.
    expect(page.locator("body")).to_have_text('{"status": "ok", "database": "ok", "cache": "local", "broker": "eager"}')
    page.screenshot(path=artifacts_dir / "setup-healthz.png")


def test_field_key_is_the_test_key() -> None:
    assert settings.FIELD_KEY == TEST_FIELD_KEY


def test_encrypt_round_trips_chinese_and_digits() -> None:
    plain = "42900019900101123X 张三 13800138000"

    token = crypto.encrypt(plain)

    assert plain not in token
    assert token != crypto.encrypt(plain)  # random nonce per value
    assert crypto.decrypt(token) == plain


def test_lookup_hash_is_stable_and_normalised() -> None:
    assert crypto.lookup_hash(" 42900019900101123x ") == crypto.lookup_hash("42900019900101123X")
    assert crypto.lookup_hash("42900019900101123X") != crypto.lookup_hash("429000199001011234")

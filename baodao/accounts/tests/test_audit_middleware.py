"""accounts.middleware.AuditlogMiddleware: auditlog's request context (actor, remote address,
correlation id) with its signal receiver connected once instead of on every request."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from auditlog.context import auditlog_value, set_actor
from auditlog.models import LogEntry
from django.conf import settings
from django.urls import reverse

from baodao.directory.models import Rule


def _post_rule(client, value: str, **headers: str) -> LogEntry:
    data = {"key": "member_min_hours_per_year", "value": value}
    response = client.post(reverse("directory:rule_list"), data, **headers)
    assert response.status_code in (200, 302)
    return LogEntry.objects.filter(content_type__model="rule").latest("id")


def test_it_replaces_auditlogs_own() -> None:
    assert "auditlog.middleware.AuditlogMiddleware" not in settings.MIDDLEWARE
    assert "baodao.accounts.middleware.AuditlogMiddleware" in settings.MIDDLEWARE


def test_an_entry_written_by_a_request_has_its_actor_address_and_correlation_id(
    world: SimpleNamespace,
    login,
    settings,
) -> None:
    settings.PROXY_COUNT = 1
    # The client wrote 6.6.6.6 itself; nginx appended the address it saw.
    entry = _post_rule(
        login(world.city_admin), "24", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.1.2.3", HTTP_X_CORRELATION_ID="req-42"
    )

    assert entry.actor == world.city_admin
    assert entry.remote_addr == "10.1.2.3"
    assert entry.cid == "req-42"


def test_without_a_proxy_the_entry_has_the_peer_address(world: SimpleNamespace, login, settings) -> None:
    settings.PROXY_COUNT = 0
    entry = _post_rule(login(world.city_admin), "24", HTTP_X_FORWARDED_FOR="6.6.6.6")

    assert entry.remote_addr == "127.0.0.1"


def test_after_the_request_nothing_is_attributed_to_it(world: SimpleNamespace, login) -> None:
    by_request = _post_rule(login(world.city_admin), "24")

    assert auditlog_value.get(None) is None or auditlog_value.get()["actor"] is None
    rule = Rule.objects.get(pk=by_request.object_pk)
    rule.value = Decimal("30")
    rule.save()

    entry = LogEntry.objects.filter(content_type__model="rule").latest("id")
    assert entry.actor is None and entry.remote_addr is None


def test_set_actor_outside_requests_still_works(world: SimpleNamespace) -> None:
    rule, _ = Rule.objects.get_or_create(key="member_min_hours_per_year", city=None, defaults={"value": Decimal("20")})
    with set_actor(world.city_admin, remote_addr="10.9.9.9"):
        rule.value = Decimal("31")
        rule.save()

    entry = LogEntry.objects.filter(content_type__model="rule").latest("id")
    assert (entry.actor, entry.remote_addr) == (world.city_admin, "10.9.9.9")

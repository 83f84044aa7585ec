"""Audit completeness and retention (等保 2.0): role grants and account changes are logged, entries are
kept at least 180 days and as long as the longest retention any city asks for, nothing edits them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from baodao.accounts.models import Role, RoleAssignment, SecurityEvent, User
from baodao.accounts.services import audit_prune, security_event_record, user_create
from baodao.directory.models import Place, Rule
from baodao.directory.services import place_create, rule_set

NOW = timezone.make_aware(dt.datetime(2026, 6, 1, 12, 0))

# --- what is logged -------------------------------------------------------------------------------


def _entries(model: type, pk: int) -> list[LogEntry]:
    ct = ContentType.objects.get_for_model(model)
    return list(LogEntry.objects.filter(content_type=ct, object_pk=str(pk)).order_by("timestamp", "pk"))


def test_granting_a_role_writes_a_log_entry_with_the_actor(world: SimpleNamespace) -> None:
    with set_actor(world.city_admin):
        user = user_create(
            username="new_staff",
            password=world.password,
            mobile="13600007777",
            roles=[{"role": Role.COMMUNITY_STAFF, "place": world.A}],
        )
    grant = RoleAssignment.objects.get(user=user)

    [entry] = _entries(RoleAssignment, grant.pk)
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == world.city_admin
    assert entry.changes_dict["role"] == ["None", "community_staff"]
    assert entry.changes_dict["place"][1] == str(world.A.pk)


def test_revoking_a_role_writes_a_log_entry(world: SimpleNamespace) -> None:
    grant = world.community_staff.role_assignments.get()
    grant.is_active = False

    grant.save(update_fields=["is_active"])

    entry = _entries(RoleAssignment, grant.pk)[-1]
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.changes_dict == {"is_active": ["True", "False"]}


def test_user_log_entries_hold_no_password_mobile_or_last_login(world: SimpleNamespace) -> None:
    with set_actor(world.superuser):
        user = user_create(username="logged_user", password=world.password, mobile="13600008888")
    user.display_name = "新名字"
    user.set_password("Another#Pass2024")
    user.last_login = timezone.now()
    user.save()

    entries = _entries(User, user.pk)
    assert [e.action for e in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert entries[1].changes_dict == {"display_name": ["", "新名字"]}
    raw = repr(list(LogEntry.objects.filter(pk__in=[e.pk for e in entries]).values()))
    stored = User.objects.get(pk=user.pk)
    for secret in ("13600008888", stored.mobile_hash, stored.password, "Another#Pass2024"):
        assert secret not in raw
    for field in ("password", "mobile", "mobile_hash", "last_login"):
        assert all(field not in e.changes_dict for e in entries)


def test_a_login_alone_writes_no_user_log_entry(world: SimpleNamespace, client) -> None:
    before = len(_entries(User, world.community_staff.pk))

    client.post(reverse("accounts:login"), {"username": "community_staff", "password": world.password})

    assert "_auth_user_id" in client.session
    assert len(_entries(User, world.community_staff.pk)) == before


# --- retention ------------------------------------------------------------------------------------


def _aged(days: int, now: dt.datetime = NOW) -> tuple[SecurityEvent, LogEntry]:
    """A security event and a change entry written `days` days before `now`."""
    at = now - dt.timedelta(days=days)
    event = security_event_record(kind=SecurityEvent.Kind.LOGIN_FAILED, username=f"aged{days}")
    SecurityEvent.objects.filter(pk=event.pk).update(created_at=at)
    entry = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Place),
        object_pk=str(days),
        object_repr=f"旧{days}",
        action=LogEntry.Action.UPDATE,
        changes={"name": ["", f"旧{days}"]},
    )
    LogEntry.objects.filter(pk=entry.pk).update(timestamp=at)
    return event, entry


def _kept(*rows: object) -> list[bool]:
    return [type(r).objects.filter(pk=r.pk).exists() for r in rows]


def test_prune_keeps_entries_younger_than_the_default_retention(world: SimpleNamespace) -> None:
    young = _aged(179)
    old = _aged(181)

    result = audit_prune(now=NOW)

    assert result == {"security_events": 1, "changes": 1, "days": 180}
    assert _kept(*young, *old) == [True, True, False, False]


def test_prune_never_deletes_entries_younger_than_180_days(world: SimpleNamespace) -> None:
    # Rows written around rule_set (which refuses < 180): the floor still holds.
    Rule.objects.create(city=None, key="audit_retention_days", value=Decimal(30))
    Rule.objects.create(city=world.C, key="audit_retention_days", value=Decimal(7))
    young = _aged(179)

    assert audit_prune(now=NOW)["days"] == 180
    assert _kept(*young) == [True, True]


def test_prune_keeps_what_the_longest_city_retention_asks_for(world: SimpleNamespace) -> None:
    other_city = place_create(kind=Place.Kind.CITY, code="990300", name="远市")
    rule_set(key="audit_retention_days", value=Decimal(200), city=None)
    rule_set(key="audit_retention_days", value=Decimal("365.5"), city=world.C)
    rule_set(key="audit_retention_days", value=Decimal(250), city=other_city)
    kept = _aged(366)
    gone = _aged(367)

    result = audit_prune(now=NOW)

    assert result["days"] == 366
    assert _kept(*kept, *gone) == [True, True, False, False]


def test_prune_follows_a_longer_deployment_rule(world: SimpleNamespace) -> None:
    rule_set(key="audit_retention_days", value=Decimal(400), city=None)
    rule_set(key="audit_retention_days", value=Decimal(190), city=world.C)
    kept = _aged(399)
    gone = _aged(401)

    assert audit_prune(now=NOW)["days"] == 400
    assert _kept(*kept, *gone) == [True, True, False, False]


def test_prune_audit_command_deletes_only_old_entries(world: SimpleNamespace) -> None:
    young = _aged(10, now=timezone.now())
    old = _aged(1000, now=timezone.now())
    out = StringIO()

    call_command("prune_audit", stdout=out)

    assert _kept(*young, *old) == [True, True, False, False]
    assert out.getvalue().strip() == "保存期限 180 天；删除安全事件 1 条，数据变更 1 条"


@pytest.mark.parametrize("args", [[], ["--yes"], ["--yes", "--truncate"], ["--yes", "--before-date", "2030-01-01"]])
def test_auditlogflush_refuses_and_deletes_nothing(world: SimpleNamespace, args: list[str]) -> None:
    _aged(1000)
    counts = (SecurityEvent.objects.count(), LogEntry.objects.count())

    with pytest.raises(CommandError, match="审计日志不可清空"):
        call_command("auditlogflush", *args)

    assert (SecurityEvent.objects.count(), LogEntry.objects.count()) == counts


# --- no edit or delete in the admin ----------------------------------------------------------------


def test_log_entry_admin_is_read_only_for_a_superuser(world: SimpleNamespace, login) -> None:
    client = login(world.superuser)
    entry = LogEntry.objects.get_for_object(world.C).earliest("timestamp")
    before = LogEntry.objects.filter(pk=entry.pk).values().get()

    changelist = client.get(reverse("admin:auditlog_logentry_changelist"))
    add = client.get(reverse("admin:auditlog_logentry_add"))
    change = client.post(reverse("admin:auditlog_logentry_change", args=[entry.pk]), {"action": 2})
    delete = client.post(reverse("admin:auditlog_logentry_delete", args=[entry.pk]), {"post": "yes"})
    bulk = client.post(
        reverse("admin:auditlog_logentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )

    assert changelist.status_code == 200
    assert "delete_selected" not in changelist.content.decode()
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert bulk.status_code in (200, 302)
    assert LogEntry.objects.filter(pk=entry.pk).values().get() == before

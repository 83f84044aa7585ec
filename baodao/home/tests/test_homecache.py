"""The cached member home page (home.homecache) and the cached user row (accounts.middleware).

Each thing the page shows is changed the way the application changes it, and the very next request
must show the new value. A page served from the cache runs no query at all.
"""

from __future__ import annotations

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from baodao.accounts.models import Role, RoleAssignment, User
from baodao.core import versioned
from baodao.directory import services
from baodao.directory.models import Category, Place
from baodao.notifications.models import Notification
from baodao.notifications.services import notifications_mark_read, notify
from baodao.reporting import services as reporting_services
from baodao.reporting.models import Certificate, MemberReport
from baodao.reporting.tests.conftest import confirm, submit, team_types


def _home(client: Client, **headers: str) -> str:
    response = client.get("/", **headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def member(world: SimpleNamespace, login) -> Client:
    """The member's client, with the home page already in the cache."""
    client = login(world.member_user)
    _home(client)
    return client


def _served_from_cache(client: Client) -> str:
    with CaptureQueriesContext(connection) as ctx:
        html = _home(client)
    assert ctx.captured_queries == []
    return html


# --- the cache is used, and holds nothing of another request --------------------------------------


def test_second_request_is_served_from_the_cache_without_queries(member: Client) -> None:
    html = _served_from_cache(member)

    assert "王安华" in html
    assert "13812345678" in html  # the member's own data, in full, as before


def test_cached_page_carries_this_requests_csrf_token(world: SimpleNamespace) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.member_user)
    _home(client)
    html = _served_from_cache(client)

    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert len(tokens) == 1 and len(tokens[0]) == 64
    assert f'"X-CSRFToken": "{tokens[0]}"' in html
    assert tokens[0] not in _home(client)  # masked afresh for every response
    # The token works: the logout form of the cached page logs out.
    response = client.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": tokens[0]})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_pending_messages_are_shown_and_never_cached(member: Client) -> None:
    storage = CookieStorage(HttpRequest())
    member.cookies[storage.cookie_name] = storage._encode([Message(constants.INFO, "一条提示")])

    assert "一条提示" in _home(member)
    assert "一条提示" not in _served_from_cache(member)


def test_pages_are_per_user_and_per_language(world: SimpleNamespace, member: Client, make_member) -> None:
    other = make_member(name="周二号", unit=world.U, residence=world.A1_1)
    other_user = User.objects.create_user(username="zhou", password=world.password, display_name="周二号")
    other_user.role_assignments.create(role=Role.MEMBER, member=other)
    other_client = Client()
    other_client.force_login(other_user)

    html = _home(other_client)

    assert "周二号" in html and "王安华" not in html
    assert "王安华" in _served_from_cache(member)
    english = _home(member, HTTP_ACCEPT_LANGUAGE="en")
    assert english != _home(member)


def test_cache_holds_personal_data_only_encrypted(member: Client) -> None:
    raw = [repr(v) for v in cache._cache.values()]  # LocMemCache: pickled values

    assert raw
    assert not any("13812345678" in v or "王安华" in v for v in raw)


# --- every thing shown on the page ------------------------------------------------------------------


def test_member_name_change_shows_at_once(world: SimpleNamespace, member: Client) -> None:
    services.member_update(member=world.m_u_a, name="王安华新")

    assert "王安华新" in _home(member)


def test_residence_change_shows_at_once(world: SimpleNamespace, member: Client) -> None:
    building = services.place_create(
        kind=Place.Kind.BUILDING, code="990101001001002009", name="安二9栋", parent=world.A2
    )
    reporting_services.member_move(member=world.m_u_a, residence=building, by=world.community_staff)

    assert "安二9栋" in _home(member)


def test_skills_and_intentions_change_shows_at_once(world: SimpleNamespace, member: Client) -> None:
    wish = Category.objects.create(kind=Category.Kind.INTENTION, name="政策宣讲意愿")
    services.member_update(member=world.m_u_a, intentions=[wish])
    assert "政策宣讲意愿" in _home(member)

    world.m_u_a.skills.clear()
    assert "法律咨询" not in _home(member)

    world.m_u_a.skills.add(world.skill)
    assert "法律咨询" in _home(member)


def test_category_rename_shows_at_once(world: SimpleNamespace, member: Client) -> None:
    world.skill.name = "法律援助"
    world.skill.save()

    assert "法律援助" in _home(member)


def test_unit_and_place_rename_shows_at_once(world: SimpleNamespace, member: Client) -> None:
    world.U.name = "住建局"
    world.U.save()
    world.A1.name = "安一新区"
    world.A1.save()

    html = _home(member)
    assert "住建局" in html
    assert "安一新区" in html


def test_report_status_shows_at_once(world: SimpleNamespace, member: Client) -> None:
    team_types()
    assert "尚未报到" in _home(member)

    report = submit(world.m_u_a)
    html = _home(member)
    assert "尚未报到" not in html
    assert str(MemberReport.Status(report.status).label) in html

    report = confirm(report, world.community_staff)
    assert str(MemberReport.Status.CONFIRMED.label) in _home(member)


def _rendered_again(client: Client) -> bool:
    with CaptureQueriesContext(connection) as ctx:
        _home(client)
    return bool(ctx.captured_queries)


def test_certificate_changes_render_the_page_again(world: SimpleNamespace, member: Client) -> None:
    cert = reporting_services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)
    assert _rendered_again(member)
    assert not _rendered_again(member)

    cert.status = Certificate.Status.REVOKED
    cert.save(update_fields=["status"])
    assert _rendered_again(member)


def test_unread_count_follows_notifications(world: SimpleNamespace, member: Client) -> None:
    assert 'id="unread-count"' not in _home(member)

    notify(user=world.member_user, title="请尽快报到")
    assert re.search(r'id="unread-count">1<', _home(member))

    notifications_mark_read(user=world.member_user)
    assert 'id="unread-count"' not in _home(member)

    notify(user=world.member_user, title="第二条")
    Notification.objects.filter(user=world.member_user, read_at__isnull=True).delete()
    assert 'id="unread-count"' not in _home(member)


def test_rule_change_shows_at_once(world: SimpleNamespace, member: Client) -> None:
    services.rule_set(key="member_min_hours_per_year", value=Decimal(36), city=None)

    assert "不少于 36 小时" in _home(member)


def test_user_name_change_shows_in_the_header(world: SimpleNamespace, member: Client) -> None:
    world.member_user.display_name = "王安华（党员）"
    world.member_user.save()

    assert "王安华（党员）" in _home(member)


def test_role_change_shows_at_once(world: SimpleNamespace, member: Client) -> None:
    RoleAssignment.objects.filter(user=world.member_user).update(is_active=False)  # no signal: by hand below
    assignment = world.member_user.role_assignments.get()
    assignment.save()

    response = member.get("/")
    assert "home/none.html" in [t.name for t in response.templates]

    assignment.is_active = True
    assignment.save()
    world.member_user.role_assignments.create(role=Role.COMMUNITY_STAFF, place=world.A)
    response = member.get("/")
    assert "home/place.html" in [t.name for t in response.templates]


# --- the cached user row ------------------------------------------------------------------------


def test_password_change_logs_out_other_sessions_at_once(world: SimpleNamespace, member: Client) -> None:
    user = User.objects.get(pk=world.member_user.pk)
    user.set_password("Another-Passw0rd!")
    user.save()

    assert member.get("/").status_code == 302


def test_deactivated_user_is_logged_out_at_once(world: SimpleNamespace, member: Client) -> None:
    user = User.objects.get(pk=world.member_user.pk)
    user.is_active = False
    user.save()

    assert member.get("/").status_code == 302


# --- versions and transactions ------------------------------------------------------------------


def test_a_page_read_before_the_commit_is_never_served(db: None, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        versioned.bump(["v"])
        # A reader between the change and its commit: reads the new version, but the old rows.
        reader = versioned.Lookup("entry", ["v"])
        reader.prepare()
        reader.store("stale", 60)

    assert versioned.Lookup("entry", ["v"]).hit() is None


def test_an_entry_is_served_while_its_versions_hold(db: None) -> None:
    lookup = versioned.Lookup("entry", ["v"])
    lookup.prepare()
    lookup.store({"a": 1}, 60)

    assert versioned.Lookup("entry", ["v"]).hit() == {"a": 1}
    versioned.bump(["v"])
    assert versioned.Lookup("entry", ["v"]).hit() is None


# --- public pages -------------------------------------------------------------------------------


def test_public_page_does_not_touch_the_session_of_a_logged_in_visitor(world: SimpleNamespace, member: Client) -> None:
    session_before = dict(member.session.items())
    response = member.get(reverse("public:community", args=[world.A.code]))

    assert response.status_code == 200
    assert "Cookie" not in response.get("Vary", "")
    assert "sessionid" not in response.cookies
    assert "csrftoken" not in response.cookies
    assert dict(member.session.items()) == session_before

"""A list behind a figure shows all of it (issue 19 §20): every list that can be long pages and says
its total ("共 N 条"), on the staff's desks, the member's and the resident's phones and the public
board — none stops at a number. Pages are made small here (two rows) and each list gets three
rows: the first page says 共 3 条 and shows two, the second shows the third."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from baodao.core import http
from baodao.directory.models import ImportJob
from baodao.needs import services as needs_services
from baodao.needs.models import Demand
from baodao.needs.tests.conftest import ask, nw, published
from baodao.notifications.models import GroupWebhook, WebhookDelivery
from baodao.records import services as records_services
from baodao.records.tests.conftest import activity
from baodao.reporting.tests.conftest import confirmed_report, new_member, submit, team_types, teams
from baodao.stats import bulletin

__all__ = ["nw", "teams"]  # fixtures of the apps' conftests

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http, "PAGE_SIZE", 2)
    monkeypatch.setattr(bulletin, "PUBLIC_ITEMS", 2)


def client_for(user: object) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)  # type: ignore[arg-type]
    return c


def total(html: str, param: str = "page") -> int:
    """The total a list's pager says (the pager of `param`'s list)."""
    attr = "" if param == "page" else f' data-param="{param}"'
    found = re.search(rf'<div class="pager"{attr}>\s*<span[^>]*data-total="(\d+)">共 \1 条</span>', html)
    assert found is not None, f"no pager for {param}"
    return int(found.group(1))


def pages(client: Client, url: str, marker: str, param: str = "page") -> tuple[int, int, int]:
    """(the total said, rows on page 1, rows on page 2) of the list whose rows carry `marker`."""
    sep = "&" if "?" in url else "?"
    first = client.get(url)
    second = client.get(f"{url}{sep}{param}=2")
    assert first.status_code == second.status_code == 200, url
    html1, html2 = first.content.decode(), second.content.decode()
    return total(html1, param), html1.count(marker), html2.count(marker)


def test_the_overdue_list_pages_with_its_total(nw: SimpleNamespace) -> None:
    w = nw
    ids = [published(w, title=f"超期{i}").pk for i in range(3)]
    Demand.objects.filter(pk__in=ids).update(published_at=timezone.now() - dt.timedelta(days=60))
    staff = client_for(w.community_staff)
    assert pages(staff, reverse("needs:overdue"), "data-demand=") == (3, 2, 1)
    assert pages(client_for(w.city_admin), reverse("needs:overdue"), "data-demand=") == (3, 2, 1)


def test_the_residents_demands_and_the_members_service_list_page(nw: SimpleNamespace) -> None:
    w = nw
    for i in range(3):
        published(w, title=f"需求{i}")
    assert pages(client_for(w.resident_user), reverse("needs:mine"), "data-demand=") == (3, 2, 1)
    assert pages(client_for(w.member_user), reverse("needs:items"), "data-item=") == (3, 2, 1)


def test_the_supply_list_pages_its_members(nw: SimpleNamespace) -> None:
    w = nw  # 王安华 and 钱安宁 are reported to 安宁社区
    confirmed_report(new_member("孙安康", w.U, w.A1), w.community_staff)
    staff = client_for(w.community_staff)
    url = reverse("needs:supply") + f"?community={w.A.pk}"
    first, second = staff.get(url).content.decode(), staff.get(url + "&page=2").content.decode()
    assert total(first) == 3 and "在职党员（3）" in first
    rows = re.compile(r'<table class="grid" id="supply-members">.*?</table>', re.S)
    assert rows.search(first).group(0).count("<tr><td>") == 2  # type: ignore[union-attr]
    assert rows.search(second).group(0).count("<tr><td>") == 1  # type: ignore[union-attr]


def test_the_members_record_page_pages_both_its_lists(nw: SimpleNamespace) -> None:
    w = nw
    now = timezone.now()
    for i in range(3):
        activity(w, start=now + dt.timedelta(days=i + 1), title=f"活动{i}")
        records_services.record_log(
            member=w.m_u_a,
            community=w.A,
            starts_at=now - dt.timedelta(hours=3 * i + 3),
            ends_at=now - dt.timedelta(hours=3 * i + 2),
            content=f"服务{i}",
            by=w.member_user,
        )
    member = client_for(w.member_user)
    assert pages(member, reverse("records:home"), "data-record=") == (3, 2, 1)
    assert pages(member, reverse("records:home"), "data-activity=", param="upcoming") == (3, 2, 1)


def test_the_community_desks_page(nw: SimpleNamespace) -> None:
    w = nw
    now = timezone.now()
    for i in range(3):
        records_services.callup_create(
            community=w.A,
            title=f"动员{i}",
            address="社区门口",
            starts_at=now + dt.timedelta(hours=i + 1),
            ends_at=now + dt.timedelta(hours=i + 2),
            needed=3,
            by=w.community_staff,
        )
        ImportJob.objects.create(user=w.community_staff, kind="members", status=ImportJob.Status.DONE)
    # The robot is added after the call-ups (it would have posted them).
    hook = GroupWebhook.objects.create(
        place=w.A, kind="wecom", name="安宁群", url="https://qyapi.weixin.qq.com/x", created_by=w.community_staff
    )
    WebhookDelivery.objects.bulk_create(WebhookDelivery(webhook=hook, text=f"消息{i}") for i in range(3))
    staff = client_for(w.community_staff)
    community = f"?community={w.A.pk}"
    assert pages(staff, reverse("records:callups") + community, "data-callup=") == (3, 2, 1)
    assert pages(staff, reverse("notifications:webhooks") + community, "data-delivery=") == (3, 2, 1)
    assert pages(staff, reverse("import:index"), "/directory/import/jobs/") == (3, 2, 1)


def test_the_report_desk_and_the_units_ledger_page(world: SimpleNamespace, teams: list) -> None:
    w = world
    team_types()
    extra = new_member("孙安康", w.U, w.A1)
    for m in (w.m_u_a, w.m_v_a, extra):
        submit(m)
    staff = client_for(w.community_staff)
    url = reverse("reporting:pending") + f"?community={w.A.pk}"
    first = staff.get(url).content.decode()
    assert "在职党员报到（3）" in first
    assert pages(staff, url, 'name="report"') == (3, 2, 1)
    # 城建局's in-service members: 王安华, 李北辰, 孙安康
    assert pages(client_for(w.unit_secretary), reverse("reporting:ledger"), "<tr data-member=") == (3, 2, 1)


def test_the_public_board_pages_its_service_list(nw: SimpleNamespace) -> None:
    w = nw
    items = [published(w, title=f"公示{i}") for i in range(3)]
    done = []
    for d in items:
        claim = needs_services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)
        needs_services.item_done(claim=claim, by=w.member_user, note="好了")
        done.append(needs_services.item_close(demand=Demand.objects.get(pk=d.pk), by=w.community_staff))
    for i in range(3):
        published(w, title=f"待办{i}")
    anyone = Client()
    url = reverse("public:community", args=[w.A.code])
    assert pages(anyone, url, 'class="list-item" data-item=') == (3, 2 + 2, 1 + 2)  # the closed list's page 1 too
    assert pages(anyone, url, 'class="list-item" data-item=', param="closed") == (3, 2 + 2, 2 + 1)
    ask(w)  # a pending demand is not on the board
    assert total(anyone.get(url).content.decode()) == 3

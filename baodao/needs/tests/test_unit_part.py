"""A unit's part in the three lists: what the unit, its work teams and its members took and did
this year; each figure the count of its list; for the unit's secretaries and the admins above."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import urljoin

import pytest
from django.test import Client
from django.utils import timezone

from baodao.home.tests.test_same_number import TOTAL, figures
from baodao.needs import services
from baodao.needs.models import Demand
from baodao.needs.tests.conftest import published
from baodao.records import services as records_services
from baodao.stats.record_figures import unit_figures

pytestmark = pytest.mark.django_db


@pytest.fixture
def part(nw: SimpleNamespace) -> SimpleNamespace:
    w = nw
    project = published(w, title="小区改造", size=Demand.Size.UNIT, slots=2)
    c = services.item_claim(demand=project, party=w.U, by=w.unit_secretary)
    # Done and logged in one step, the aid on the record; it counts once the community confirms it.
    start = timezone.now() - dt.timedelta(hours=3)
    record = records_services.claim_log(
        claim=c,
        by=w.unit_secretary,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        content="已完成",
        aid=records_services.Aid(items="路灯一批", count=1, money=Decimal("500")),
        done=True,
    )
    records_services.record_confirm(record=record, by=w.community_staff)
    group = published(w, title="清理楼道", size=Demand.Size.TEAM, slots=2)
    services.item_claim(demand=group, party=w.team, by=w.leader)  # 城建局's work team
    mine = published(w, title="法律咨询")
    c2 = services.item_claim(demand=mine, party=w.m_u_a, by=w.member_user)  # 王安华 works at 城建局
    services.claim_withdraw(claim=c2, by=w.member_user, reason="出差")  # withdrawn: not the unit's record
    other = published(w, title="钱安宁的")
    services.item_claim(demand=other, party=w.m_v_a, by=w.leader)  # 教育局's member: not 城建局's
    return w


def test_the_units_figures(part: SimpleNamespace) -> None:
    f = unit_figures(part.U.pk, timezone.localdate().year)
    assert (f.taken, f.done) == ({"unit": 1, "team": 1, "member": 0}, {"unit": 1, "team": 0, "member": 0})
    assert (f.projects, f.aid_money, f.aid_items) == (1, Decimal("500"), 1)


def test_every_figure_is_its_list_and_who_may_read(part: SimpleNamespace) -> None:
    w = part
    client = Client()
    client.force_login(w.unit_secretary)
    page = client.get("/needs/unit/")
    assert page.status_code == 200
    found = figures(page.content.decode())
    assert [n for n, _href in found] == [1, 1, 0]
    for n, href in found:
        listed = client.get(urljoin("/needs/unit/", href)).content.decode()
        assert [int(t) for t in TOTAL.findall(listed)][:1] == [n]
    allowed = set()
    for role, user in w.role_users.items():
        client.force_login(user)
        if client.get(f"/needs/unit/?unit={w.U.pk}").status_code == 200:
            allowed.add(role)
    assert allowed == {"unit_secretary", "city_admin", "district_admin", "street_admin"}

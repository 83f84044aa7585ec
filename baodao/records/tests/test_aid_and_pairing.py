"""Aid given during a service (counted once confirmed) and pairing (结对帮扶): the community pairs a
reported member with a household; visits are records pointing at the pairing; the household's
details are the paired member's to see while paired."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from baodao.records import selectors, services
from baodao.records.models import Pairing, Record
from baodao.records.services import Aid, RecordConflict, RecordError

pytestmark = pytest.mark.django_db


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def visit(w: SimpleNamespace, **kw: object) -> Record:
    start = timezone.now() - dt.timedelta(days=2)
    return services.record_log(
        member=kw.pop("member", w.m_u_a),
        community=w.A,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        content="走访结对户",
        by=kw.pop("by", w.member_user),
        **kw,
    )


def test_aid_is_checked_and_counted_once_confirmed(rw: SimpleNamespace) -> None:
    with pytest.raises(RecordError, match="不能为负数"):
        visit(rw, aid=Aid(items="米", count=-1, donor_kind="member"))
    with pytest.raises(RecordError, match="请选择捐助方"):
        visit(rw, aid=Aid(items="米面油", count=2, money=Decimal(200)))
    assert not Record.objects.exists()
    r = visit(rw, aid=Aid(items="米面油", count=2, money=Decimal("200.50"), donor_kind="unit", donor_name="城建局"))
    rows = Record.objects.filter(community=rw.A)
    assert selectors.aid_totals(rows) == (0, Decimal(0))  # pending: not yet
    services.record_confirm(record=r, by=rw.community_staff)
    assert selectors.aid_totals(rows) == (2, Decimal("200.50"))
    page = client_for(rw.community_staff).get(reverse("records:activities")).content.decode()
    assert "帮扶物资 2 件、资金 200.50 元" in page


def test_pairing_visits_and_who_sees_the_household(rw: SimpleNamespace) -> None:
    p = services.pairing_create(member=rw.m_u_a, resident=rw.r_a1, need="独居，需定期看望", by=rw.community_staff)
    with pytest.raises(RecordConflict, match="已与该户结对"):
        services.pairing_create(member=rw.m_u_a, resident=rw.r_a1, need="x", by=rw.community_staff)
    with pytest.raises(RecordError, match="须已向该户所在社区报到"):
        services.pairing_create(member=rw.m_u_b, resident=rw.r_a1, need="x", by=rw.community_staff)
    r = visit(rw, pairing=p)
    assert r.pairing == p and p.visits.count() == 1
    with pytest.raises(RecordError, match="本人正在进行的结对"):
        visit(rw, pairing=p, member=rw.m_v_a, by=rw.member_v_user)
    # the paired member sees the household's name and address while paired; the other does not
    mine = client_for(rw.member_user).get(reverse("records:home")).content.decode()
    assert "陈安居" in mine and "安一小区3栋101" in mine
    other = client_for(rw.member_v_user).get(reverse("records:home")).content.decode()
    assert "陈安居" not in other
    services.pairing_end(pairing=p, by=rw.community_staff)
    assert "陈安居" not in client_for(rw.member_user).get(reverse("records:home")).content.decode()
    assert Pairing.objects.get().ended_on == timezone.localdate()


def test_pairing_pages(rw: SimpleNamespace) -> None:
    staff = client_for(rw.community_staff)
    assert staff.get(reverse("records:pairings")).status_code == 200
    made = staff.post(
        reverse("records:pairings"),
        {"community": rw.A.pk, "member": rw.m_v_a.pk, "resident": rw.r_a1.pk, "need": "帮助就医"},
    )
    assert made.status_code == 302
    p = Pairing.objects.get()
    assert client_for(rw.staff_b).post(reverse("records:pairing_end", args=[p.pk])).status_code == 404
    assert staff.post(reverse("records:pairings"), {"community": rw.A.pk}).status_code == 422
    assert client_for(rw.member_user).get(reverse("records:pairings")).status_code == 403

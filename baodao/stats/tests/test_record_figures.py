"""The service record's figures of an area (/stats/records/): activities held, confirmed records and
hours, flagged-yet-confirmed, aid — summed from the community and unit tallies, which follow every
confirmation, return and edit; each sub-area and unit side by side; who may read which area."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from baodao.accounts import services as account_services
from baodao.records import services
from baodao.records.models import Record
from baodao.records.services import Aid
from baodao.records.tests.conftest import rw
from baodao.stats import record_figures, service_counts

__all__ = ["rw"]

pytestmark = pytest.mark.django_db


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def served(
    w: SimpleNamespace, member: object, community: object, by: object, days: int, hours: float, **kw: object
) -> Record:
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(days=days)
    if start.year != timezone.localdate().year:
        start = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=days + 3)
    return services.record_log(
        member=member,  # type: ignore[arg-type]
        community=community,  # type: ignore[arg-type]
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        content="入户走访",
        by=by,  # type: ignore[arg-type]
        **kw,
    )


@pytest.fixture
def fw(rw: SimpleNamespace) -> SimpleNamespace:
    w = rw
    a1 = served(
        w,
        w.m_u_a,
        w.A,
        w.member_user,
        2,
        2,
        aid=Aid(items="米面油", count=3, money=Decimal("150.5"), donor_kind="member"),
    )
    a2 = served(w, w.m_v_a, w.A, w.member_v_user, 3, 1)
    b1 = served(
        w,
        w.m_u_b,
        w.B,
        w.staff_b,
        4,
        3,
        aid=Aid(items="棉被", count=2, money=Decimal(0), donor_kind="unit", donor_name="城建局"),
    )
    # A second record of 钱安宁 overlapping the first: both flagged; confirm the later one.
    a3 = served(w, w.m_v_a, w.A, w.member_v_user, 3, 1)
    assert a3.flags
    w.a2 = a2
    for r in (a1, a2, a3):
        services.record_confirm(record=r, by=w.community_staff)
    w.other_b = account_services.user_create(
        username="staff_b2", password=w.password, roles=[{"role": "community_staff", "place": w.B}]
    )
    services.record_confirm(record=b1, by=w.other_b)
    w.pending_a = served(w, w.m_u_a, w.A, w.member_user, 5, 1)  # pending: not counted
    w.returned = served(w, w.m_v_a, w.A, w.member_v_user, 6, 4)
    services.record_return(record=w.returned, by=w.community_staff, reason="时间不符")
    return w


def test_area_figures_sum_the_confirmed_record(fw: SimpleNamespace) -> None:
    w = fw
    year = timezone.localdate().year
    total, kids = record_figures.record_figures(w.S1, year, [w.A, w.B])
    assert (total.records, total.minutes, total.flagged, total.aid_count, total.aid_money) == (
        4,
        7 * 60,
        2,
        5,
        Decimal("150.5"),
    )
    by = {c.pk: f for c, f in kids}
    assert (by[w.A.pk].records, by[w.A.pk].minutes, by[w.A.pk].flagged, by[w.A.pk].aid_count) == (3, 4 * 60, 2, 3)
    assert (by[w.B.pk].records, by[w.B.pk].minutes, by[w.B.pk].aid_count) == (1, 3 * 60, 2)
    # The same figures straight from the records (what the tallies stand for).
    confirmed = Record.objects.filter(status=Record.Status.CONFIRMED, community__path__startswith=w.S1.path)
    assert total.records == confirmed.count()
    assert total.minutes == sum(r.minutes for r in confirmed)
    # A return moves them back, an edit by the difference.
    a2 = Record.objects.get(pk=w.a2.pk)
    services.record_edit(
        record=a2,
        by=w.community_staff,
        starts_at=a2.starts_at,
        ends_at=a2.starts_at + dt.timedelta(hours=2),
        content="x",
    )
    services.record_return(record=Record.objects.get(member=w.m_u_a, aid_count=3), by=w.community_staff, reason="核实")
    total, _ = record_figures.record_figures(w.S1, year)
    assert (total.records, total.minutes, total.aid_count, total.aid_money) == (3, 6 * 60, 2, Decimal(0))
    assert service_counts.recount(fix=False) == []


def test_units_carry_their_aid(fw: SimpleNamespace) -> None:
    w = fw
    rows = record_figures.units_by_aid(w.C, timezone.localdate().year)
    got = {u.pk: (t.records, t.aid_count, t.aid_money) for u, t in rows}
    # 城建局 (U): 王安华's record with aid and 李北辰's in B; 教育局 (V): 钱安宁's two.
    assert got == {w.U.pk: (2, 5, Decimal("150.5")), w.V.pk: (2, 0, Decimal(0))}
    assert [u.pk for u, _t in rows][0] == w.U.pk  # most aid money first
    # Kept per unit per community per year: 城建局 served in 安宁社区 and in 北门社区.
    from baodao.stats.models import UnitServiceTally

    per_community = {
        (t.community_id, t.records, t.aid_count)
        for t in UnitServiceTally.objects.filter(unit=w.U, year=timezone.localdate().year)
    }
    assert per_community == {(w.A.pk, 1, 3), (w.B.pk, 1, 2)}
    # Units are listed by their office's area: 教育局's office is in B.
    assert {u.pk for u, _t in record_figures.units_by_aid(w.A, timezone.localdate().year)} == {w.U.pk}


def test_the_page_for_each_reader(fw: SimpleNamespace) -> None:
    w = fw
    page = client_for(w.street_admin).get(reverse("stats:records"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="fig-records"' in body and 'data-count="4"' in body
    assert f'data-place="{w.A.pk}"' in body and f'data-place="{w.B.pk}"' in body
    assert f'data-place="{w.E.pk}"' not in body  # another street
    staff = client_for(w.community_staff).get(reverse("stats:records")).content.decode()
    assert "待确认纪实" in staff and 'data-count="1"' in staff  # the pending one, with its desk link
    # Next door and below a community: refused.
    assert client_for(w.community_staff).get(reverse("stats:records"), {"place": w.B.pk}).status_code in (403, 404)
    assert client_for(w.compound_secretary).get(reverse("stats:records")).status_code == 403
    assert client_for(w.member_user).get(reverse("stats:records")).status_code == 403
    assert client_for(w.street_admin).get(reverse("stats:records"), {"year": "99999"}).status_code == 200

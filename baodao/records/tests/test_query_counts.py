"""The service record's lists ask the database the same number of times for one row as for many:
the member's phone list of activities (whom each is for), the confirmation desk (flags, manual
marks, aid), the leaders' weekly visits and the area figures. Each test grows its list between two
counts of one page's queries."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from baodao.directory import services as directory_services
from baodao.directory.models import Category
from baodao.records import services
from baodao.records.models import Activity
from baodao.records.services import Aid
from baodao.records.tests.conftest import activity

pytestmark = pytest.mark.django_db
_n = itertools.count(1)


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def count_queries(c: Client, path: str) -> tuple[int, str]:
    c.get(path)  # the first request after login saves the session
    with CaptureQueriesContext(connection) as ctx:
        response = c.get(path)
    assert response.status_code == 200, path
    return len(ctx.captured_queries), response.content.decode()


def test_member_activity_list(rw: SimpleNamespace) -> None:
    w = rw
    team_type = Category.objects.get_or_create(kind=Category.Kind.TEAM_TYPE, name="环境整治")[0]
    team = services.team_create(community=w.A, kind=team_type, name="", leader=w.m_u_a, by=w.community_staff)

    def add() -> None:
        start = timezone.now() + dt.timedelta(days=next(_n), hours=2)
        activity(w, start=start, title=f"全体{next(_n)}")
        activity(
            w,
            start=start + dt.timedelta(hours=3),
            title=f"单位{next(_n)}",
            audience=Activity.Audience.UNITS,
            units=[w.U],
        )
        activity(
            w,
            start=start + dt.timedelta(hours=6),
            title=f"别的单位{next(_n)}",
            audience=Activity.Audience.UNITS,
            units=[w.V],
        )
        activity(
            w, start=start + dt.timedelta(hours=9), title=f"队{next(_n)}", audience=Activity.Audience.TEAM, team=team
        )

    c = client_for(w.member_user)
    add()
    one, page = count_queries(c, reverse("records:home"))
    add()
    add()
    three, page = count_queries(c, reverse("records:home"))
    assert page.count("别的单位") == 3
    assert three == one
    # whom each is for, decided in bulk as one by one
    from baodao.records import access

    upcoming = list(Activity.objects.filter(status="open"))
    assert access.joinable(w.m_u_a, upcoming) == {a.pk for a in upcoming if access.may_join(w.m_u_a, a)}
    joined = access.joinable(w.m_u_a, upcoming)
    assert {a.title.rstrip("0123456789") for a in upcoming if a.pk in joined} == {"全体", "单位", "队"}
    assert not any(a.title.startswith("别的") for a in upcoming if access.may_join(w.m_u_a, a))


def test_confirmation_desk(rw: SimpleNamespace) -> None:
    w = rw

    def add() -> None:
        start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(days=next(_n), hours=5)
        for m, u in ((w.m_u_a, w.member_user), (w.m_v_a, w.member_v_user)):
            services.record_log(
                member=m,
                community=w.A,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=1),
                content="走访",
                by=u,
                aid=Aid(items="米", count=1, money=Decimal(10), donor_kind="member"),
            )
            services.record_log(  # overlapping: both flagged
                member=m, community=w.A, starts_at=start, ends_at=start + dt.timedelta(hours=2), content="值守", by=u
            )

    c = client_for(w.community_staff)
    path = f"{reverse('records:pending')}?community={w.A.pk}"
    add()
    one, _ = count_queries(c, path)
    add()
    add()
    three, page = count_queries(c, path)
    assert page.count('data-flag="overlap"') >= 12
    assert three == one


def test_leader_visits_page(rw: SimpleNamespace) -> None:
    w = rw
    start = timezone.localdate() - dt.timedelta(days=200)

    def add() -> None:
        n = next(_n)
        link = directory_services.leader_link_add(community=w.A, leader_name=f"领导{n}", title="副市长", start_on=start)
        for i in range(3):
            services.leader_visit_log(
                link=link,
                place=w.A1,
                visited_on=timezone.localdate() - dt.timedelta(days=7 * i),
                content="调研",
                by=w.district_admin,
            )

    c = client_for(w.community_staff)
    add()
    one, _ = count_queries(c, reverse("records:leaders"))
    add()
    add()
    three, page = count_queries(c, reverse("records:leaders"))
    assert page.count("data-visit=") == 9
    assert three == one


def test_area_figures(rw: SimpleNamespace) -> None:
    w = rw
    from baodao.directory.models import Unit

    def add() -> None:
        n = next(_n)
        unit = Unit.objects.create(code=f"Q{n:03d}", name=f"测试公司{n}", kind=Unit.Kind.SOE, office_place=w.A1)
        start = timezone.now() - dt.timedelta(hours=3 + n)
        r = services.record_log_unit(
            unit=unit,
            community=w.A,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
            content="实事",
            kind=None,
            by=w.unit_secretary,
        )
        services.record_confirm(record=r, by=w.community_staff)

    c = client_for(w.street_admin)
    add()
    one, _ = count_queries(c, reverse("stats:records"))
    add()
    add()
    three, page = count_queries(c, reverse("stats:records"))
    assert page.count("测试公司") == 3
    assert three == one

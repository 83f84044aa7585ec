"""Issue 19 §22 (e): the community's home shows what waits for its desk — demands to review,
reports and service records to confirm, overdue items — each a link to its list; counted within
the staff member's community and scope, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from baodao.needs import services as needs_services
from baodao.needs.models import Demand
from baodao.needs.tests.conftest import ask, law
from baodao.records import services as records_services
from baodao.records.tests.conftest import rw
from baodao.reporting.tests.conftest import new_member, submit

__all__ = ["rw"]

pytestmark = pytest.mark.django_db


def _todo(html: str) -> dict[str, tuple[int, str]]:
    return {
        key: (int(n), url.replace("&amp;", "&"))
        for url, key, n in re.findall(
            r'<a class="stat figure" href="([^"]+)" data-todo="(\w+)" data-count="(\d+)"', html
        )
    }


def _add(w: SimpleNamespace, i: int) -> None:
    """One more of each to-do in 安宁社区, and one of each next door in 北门社区 (never counted)."""
    ask(w, title=f"想咨询法律问题{i}")
    needs_services.demand_submit(by=w.staff_b, community=w.B, place=w.B1, category=law(), title=f"北门{i}")
    submit(new_member(f"新党员{i}", w.U, w.A2))
    submit(new_member(f"北门党员{i}", w.U, w.B1))
    start = timezone.now() - dt.timedelta(days=2, hours=3 * i)
    records_services.record_log(
        member=w.m_u_a,
        community=w.A,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        content="走访",
        by=w.member_user,
    )
    old = timezone.now() - dt.timedelta(days=60)
    for community, place, by in ((w.A, w.A1, w.community_staff), (w.B, w.B1, w.staff_b)):
        d = needs_services.demand_submit(by=by, community=community, place=place, category=law(), title=f"超期{i}")
        needs_services.demand_accept(demand=d, by=by, size="person", slots=1)
        Demand.objects.filter(pk=d.pk).update(published_at=old)


def test_the_community_home_counts_its_to_do_and_links_each_list(rw: SimpleNamespace) -> None:
    w = rw
    staff = Client()
    staff.force_login(w.community_staff)
    _add(w, 1)

    with CaptureQueriesContext(connection) as one:
        html = staff.get("/").content.decode()
    assert 'id="todo"' in html
    todo = _todo(html)
    assert {k: n for k, (n, _url) in todo.items()} == {"demands": 1, "reports": 1, "records": 1, "overdue": 1}

    for _n, url in todo.values():
        assert f"community={w.A.pk}" in url
        assert staff.get(url).status_code == 200, url
    review = staff.get(todo["demands"][1]).content.decode()
    assert "想咨询法律问题1" in review and "北门1" not in review
    assert "走访" in staff.get(todo["records"][1]).content.decode()
    assert "超期1" in staff.get(todo["overdue"][1]).content.decode()

    _add(w, 2)
    _add(w, 3)
    with CaptureQueriesContext(connection) as three:
        html = staff.get("/").content.decode()
    assert {k: n for k, (n, _url) in _todo(html).items()} == {"demands": 3, "reports": 3, "records": 3, "overdue": 3}
    assert len(three) == len(one)  # one COUNT per figure, whatever the numbers


def test_a_compound_secretary_sees_only_what_the_secretary_may_follow(rw: SimpleNamespace) -> None:
    w = rw
    _add(w, 1)
    c = Client()
    c.force_login(w.compound_secretary)
    todo = _todo(c.get("/").content.decode())
    assert set(todo) == {"demands", "overdue"}  # reports and records are confirmed by the community's staff
    for _n, url in todo.values():
        assert c.get(url).status_code == 200

"""The three lists' figures page: every figure links to the list it counts and that list holds
exactly that many rows (the same number everywhere); scoped to areas seen whole."""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import urljoin

import pytest
from django.test import Client
from django.utils import timezone

from baodao.home.tests.test_same_number import TOTAL, figures
from baodao.needs import services
from baodao.needs.models import Demand
from baodao.needs.tests.conftest import ask, law, nw, published

__all__ = ["nw"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def year_of_needs(nw: SimpleNamespace) -> SimpleNamespace:
    w = nw
    ask(w, title="待审核的")
    d = published(w, title="办完的")
    c = services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)
    services.item_done(claim=c, by=w.member_user, note="已办")
    services.item_close(demand=d, by=w.community_staff)
    services.demand_rate(demand=d, by=w.resident_user, stars=5)
    old = published(w, title="没人认领的")
    Demand.objects.filter(pk=old.pk).update(published_at=timezone.now() - timezone.timedelta(days=30))
    services.item_unable(demand=published(w, title="办不了的"), by=w.community_staff, reason="需统筹解决")
    services.demand_submit(by=w.staff_b, community=w.B, place=w.B1, category=law(), title="北门的", channel="door")
    return w


@pytest.mark.parametrize(("role", "place"), [("community_staff", "A"), ("street_admin", "S1"), ("city_admin", "C")])
def test_every_figure_is_the_count_of_its_list(year_of_needs: SimpleNamespace, role: str, place: str) -> None:
    w = year_of_needs
    client = Client()
    client.force_login(w.role_users[role])
    path = f"/stats/needs/?place={getattr(w, place).pk}"
    response = client.get(path)
    assert response.status_code == 200
    found = figures(response.content.decode())
    assert len(found) >= 10
    got, want = {}, {}
    for n, href in found:
        target = urljoin(path, href)
        listed = client.get(target)
        assert listed.status_code == 200, target
        got[target] = [int(t) for t in TOTAL.findall(listed.content.decode())][:1]
        want[target] = [n]
    assert got == want
    counts = {href.split("?")[1]: n for n, href in found}
    collected = next(n for q, n in counts.items() if q.startswith("status=all&area"))
    assert collected == (4 if place == "A" else 5)


def test_figures_need_the_whole_area(year_of_needs: SimpleNamespace) -> None:
    w = year_of_needs
    client = Client()
    client.force_login(w.compound_secretary)  # sees 安一小区, not the whole community
    assert client.get(f"/stats/needs/?place={w.A1.pk}").status_code == 403
    client.force_login(w.community_staff)
    assert client.get(f"/stats/needs/?place={w.B.pk}").status_code == 404
    client.force_login(w.member_user)
    assert client.get("/stats/needs/").status_code == 403

"""Staff lists of 双报到 at 1 and 3 rows (no N+1), and their pagination (no silent cut-off)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from baodao.accounts.models import User
from baodao.directory import services as directory_services
from baodao.directory.models import PartyOrg, Place, Unit
from baodao.reporting.tests.conftest import new_member
from baodao.reporting.views import admin as views
from baodao.stats import views as stats_views


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def count_queries(c: Client, path: str) -> int:
    c.get(path)  # the first request after login saves the session (and recounts marked tallies)
    with CaptureQueriesContext(connection) as ctx:
        response = c.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


class Laggards:
    """A new community G (光明社区) under 安北街道, filled with laggards of every kind, one set at a time."""

    def __init__(self, world: SimpleNamespace) -> None:
        self.w = world
        self.G = directory_services.place_create(
            kind=Place.Kind.COMMUNITY, code="990101001009", name="光明社区", parent=world.S1
        )
        self.n = 0

    def add(self) -> None:
        self.n += 1
        n, today = self.n, timezone.localdate()
        compound = directory_services.place_create(
            kind=Place.Kind.COMPOUND, code=f"9901010010090{n:02d}", name=f"光明{n}小区", parent=self.G
        )
        unit = Unit.objects.create(code=f"G{n:03d}", name=f"光明{n}公司", kind=Unit.Kind.SOE, office_place=compound)
        PartyOrg.objects.create(unit=unit, kind=PartyOrg.Kind.BRANCH, name=f"光明{n}公司党支部")
        new_member(f"光明党员{n}", unit, compound)  # not reported
        secretary = new_member(f"光明书记{n}", unit, compound)
        term_compound = directory_services.place_create(
            kind=Place.Kind.COMPOUND, code=f"9901010010091{n:02d}", name=f"光明任期{n}小区", parent=self.G
        )
        directory_services.first_secretary_appoint(  # a term ending within the warning window
            member=secretary, place=term_compound, start_on=today - relativedelta(years=2) + dt.timedelta(days=30)
        )


@pytest.mark.parametrize("kind", ["units", "members", "compounds", "terms"])
def test_laggard_list_query_count_is_the_same_for_1_and_3_rows(world: SimpleNamespace, kind: str) -> None:
    g = Laggards(world)
    g.add()
    c = client_for(world.city_admin)
    path = f"{reverse('stats:laggards', args=[kind])}?place={g.G.pk}"

    one = count_queries(c, path)
    rows_one = len(c.get(path).context["rows"])
    g.add()
    g.add()
    three = count_queries(c, path)
    rows_three = len(c.get(path).context["rows"])

    assert rows_three > rows_one > 0
    assert three == one


def test_assign_list_query_count_is_the_same_for_1_and_3_units(world: SimpleNamespace) -> None:
    w = world
    c = client_for(w.district_admin)
    path = f"{reverse('reporting:assign_list')}?q=X"
    Unit.objects.create(code="X001", name="新设一", kind=Unit.Kind.SOE, office_place=w.E1)

    one = count_queries(c, path)
    for n in (2, 3):
        unit = Unit.objects.create(code=f"X00{n}", name=f"新设{n}", kind=Unit.Kind.SOE, office_place=w.A1)
        directory_services.unit_assign(unit=unit, community=w.A, start_on=dt.date(2024, 3, 1))

    assert count_queries(c, path) == one
    assert len(c.get(path).context["rows"]) == 3


def test_assign_list_pages_instead_of_cutting(world: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "ASSIGN_PAGE_SIZE", 2)
    c = client_for(world.city_admin)

    first = c.get(reverse("reporting:assign_list"))
    second = c.get(f"{reverse('reporting:assign_list')}?page=2")

    assert [u.name for u, _a in first.context["rows"]] == ["城建局", "教育局"]
    assert [u.name for u, _a in second.context["rows"]] == ["西山医院"]
    assert "共 3 条" in first.content.decode() and "下一页" in first.content.decode()


def test_coverage_units_table_pages_instead_of_cutting(world: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stats_views, "UNITS_PAGE_SIZE", 2)
    c = client_for(world.city_admin)
    path = f"{reverse('stats:coverage')}?place={world.C.pk}"

    first = c.get(path)
    second = c.get(f"{path}&page=2")

    assert [u.name for u, _r in first.context["unit_rows"]] == ["城建局", "教育局"]
    assert [u.name for u, _r in second.context["unit_rows"]] == ["西山医院"]
    page = first.content.decode()
    assert "共 3 条" in page and f"place={world.C.pk}&amp;page=2" in page

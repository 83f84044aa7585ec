"""The figures' API (api.stats): one router serves the three lists' figures, who is behind, the
service record's figures and the ranking, reading what the staff pages read — the same area, the
same year rule, the same rows in the same order — at the paths the needs and records routers
served before."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from baodao.accounts.services import api_token_issue
from baodao.api import needs, records, stats
from baodao.api.urls import api as the_api
from baodao.core.numbers import hours_number
from baodao.directory.services import rule_set
from baodao.records.tests.conftest import rw
from baodao.stats.tests.test_record_figures import fw

__all__ = ["fw", "rw"]
pytestmark = pytest.mark.django_db


def api(user: object) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_issue(user=user)}"})  # type: ignore[arg-type]


def page(user: object, name: str, **query: object) -> dict:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    response = c.get(reverse(name), query)
    assert response.status_code == 200, response.content[:300]
    return response.context


def _routes(router: object) -> set[str]:
    return {route for route in router.path_operations}  # type: ignore[attr-defined]


def test_the_stats_router_serves_every_figure_at_its_old_path() -> None:
    mounted = {id(router): prefix for prefix, router in the_api._routers}
    assert mounted[id(stats.router)] == ""
    assert {"/needs/figures", "/records/behind", "/stats/records", "/stats/ranking"} <= _routes(stats.router)
    # The needs and records routers no longer compute figures of their own.
    assert not {r for r in _routes(needs.router) if "figures" in r}
    assert not {r for r in _routes(records.router) if "behind" in r}


def test_record_figures_are_the_pages_figures(fw: SimpleNamespace) -> None:
    w = fw
    body = api(w.street_admin).get("/api/v1/stats/records").json()
    ctx = page(w.street_admin, "stats:records")
    f = ctx["f"]
    assert (body["place_id"], body["year"]) == (ctx["area"].pk, ctx["year"])
    assert (body["records"], body["hours"], body["flagged"], body["aid_count"]) == (4, 7.0, 2, 5)
    assert (body["records"], body["hours"], body["held"]) == (f.records, f.hours, ctx["held"])
    assert Decimal(body["aid_money"]) == f.aid_money == Decimal("150.5")
    assert {c["place_id"]: c["records"] for c in body["children"]} == {c.pk: cf.records for c, cf in ctx["children"]}
    assert [u["unit_id"] for u in body["units"]] == [u.pk for u, _t in ctx["units"]]
    assert body["pending"] is None  # above a community
    staff = api(w.community_staff).get("/api/v1/stats/records").json()
    assert (staff["place_id"], staff["pending"]) == (w.A.pk, 1)
    assert api(w.community_staff).get(f"/api/v1/stats/records?place={w.B.pk}").status_code == 404
    assert api(w.member_user).get("/api/v1/stats/records").status_code == 403


def test_the_ranking_follows_the_citys_switch_as_the_page(fw: SimpleNamespace) -> None:
    w = fw
    assert api(w.community_staff).get("/api/v1/stats/ranking").status_code == 404  # off by default
    rule_set(key="points_ranking_enabled", value=Decimal(1), city=None)
    got = api(w.community_staff).get("/api/v1/stats/ranking").json()
    ctx = page(w.community_staff, "stats:ranking")
    rows = [(r.member.name, hours_number(r.minutes)) for r in ctx["rows"]]
    assert [(r["name"], r["hours"]) for r in got["items"]] == rows
    assert {r["name"] for r in got["items"]} == {"王安华", "钱安宁"}  # 安宁社区's reported members
    assert api(w.member_user).get("/api/v1/stats/ranking").status_code == 403


def test_who_is_behind_is_the_pages_list_in_the_pages_order(rw: SimpleNamespace) -> None:
    for place in (rw.S1, rw.A):
        body = api(rw.street_admin).get(f"/api/v1/records/behind?place={place.pk}").json()
        ctx = page(rw.street_admin, "stats:behind", place=place.pk)
        assert [i["member_id"] for i in body["items"]] == [r.member_id for r, _n, _h in ctx["rows"]]
        assert body["total"] == ctx["page"].paginator.count
    assert api(rw.street_admin).get(f"/api/v1/records/behind?place={rw.A.pk}&page=2").json()["items"] == []


def test_one_year_rule_for_the_pages_and_the_api(rw: SimpleNamespace) -> None:
    """The window of years is the deployment's rule (the first year dates may be entered in): a
    year before it is this year on a figures page and a 400 naming the window in the API."""
    this_year = timezone.localdate().year
    rule_set(key="input_date_min_year", value=Decimal(this_year - 1), city=None)
    early = this_year - 2
    for name in ("stats:needs", "stats:records", "stats:behind"):
        assert page(rw.street_admin, name, place=rw.S1.pk, year=early)["year"] == this_year
        assert page(rw.street_admin, name, place=rw.S1.pk, year=this_year - 1)["year"] == this_year - 1
    for path in ("/needs/figures", "/records/behind", "/stats/records"):
        r = api(rw.street_admin).get(f"/api/v1{path}?place={rw.S1.pk}&year={early}")
        assert r.status_code == 400 and r.json()["message"] == f"年份应在 {this_year - 1} 到 {this_year + 1} 之间"
        assert api(rw.street_admin).get(f"/api/v1{path}?place={rw.S1.pk}&year={this_year - 1}").status_code == 200

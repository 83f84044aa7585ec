"""Issue 19 §23: the bulletin lists each unit project once — an item taken by a unit and by its work
team (a unit-level item has several slots) is one project of the unit."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client

from baodao.needs import services
from baodao.needs.models import Demand
from baodao.needs.tests.conftest import nw, published
from baodao.stats.bulletin import UnitProjects, unit_projects
from baodao.stats.record_figures import unit_figures

__all__ = ["nw"]

pytestmark = pytest.mark.django_db


def test_an_item_taken_by_a_unit_and_its_team_is_one_project(nw: SimpleNamespace) -> None:
    w = nw
    d = published(w, title="修缮安一小区路灯", size=Demand.Size.UNIT, slots=3)
    services.item_claim(demand=d, party=w.U, by=w.unit_secretary)
    services.item_claim(demand=d, party=w.team, by=w.leader)  # 城建局's work team for 安宁社区
    other = published(w, title="清理楼道堆物", size=Demand.Size.UNIT, slots=1)
    services.item_claim(demand=other, party=w.team, by=w.leader)

    assert unit_projects(w.A) == [UnitProjects("城建局", ["修缮安一小区路灯", "清理楼道堆物"])]
    page = Client().get(f"/p/c/{w.A.code}/").content.decode()
    section = page[page.index('id="unit-projects"') :]
    assert section.count("修缮安一小区路灯") == 1
    assert unit_figures(w.U.pk, d.created_at.year).projects == 2

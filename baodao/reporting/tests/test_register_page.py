"""The phone registration page: the residence tree (radios, no <select>) and the rules in its text."""

from __future__ import annotations

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from baodao.directory import services as directory_services
from baodao.directory.models import Category, Place
from baodao.directory.services import rule_set
from baodao.reporting import services
from baodao.reporting.models import MemberReport
from baodao.reporting.tests.conftest import link_member_user, submit


def register_url(world: SimpleNamespace) -> str:
    link_member_user(world.m_u_a, world.member_user)
    cert = services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)
    return reverse("reporting:register", args=[services.certificate_token(cert)])


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def radios(page: str) -> dict[str, bool]:
    """value → checked, for every residence radio of the page."""
    found = re.findall(r'<input type="radio" name="residence" value="(\d+)"( checked)?>', page)
    return {v: bool(c) for v, c in found}


def test_register_page_shows_compounds_with_their_buildings_as_radios(world: SimpleNamespace, teams: list) -> None:
    w = world
    loose = directory_services.place_create(
        kind=Place.Kind.BUILDING, code="990101001001900", name="社区直管楼", parent=w.A
    )

    response = client_for(w.member_user).get(register_url(w))

    assert response.status_code == 200
    page = response.content.decode()
    assert "<select" not in page.split('id="residence-picker"')[1].split("</fieldset>")[0]
    groups = [
        (g.place.name, [b.name for b in g.buildings], g.selectable, g.open)
        for g in response.context["residence_groups"]
    ]
    assert groups == [
        ("安一小区", ["安一1栋"], True, True),  # 王安华 lives in 安一1栋: his group is open
        ("安二小区", [], True, False),
        ("安宁社区", ["社区直管楼"], False, False),  # the community itself is no residence
    ]
    assert radios(page) == {str(w.A1.pk): False, str(w.A1_1.pk): True, str(w.A2.pk): False, str(loose.pk): False}
    assert '<input id="residence-filter" type="search"' in page
    assert "js/register.js" in page


def test_register_with_a_compound_radio(world: SimpleNamespace, teams: list) -> None:
    w = world
    data = {"residence": w.A2.pk, "room": "1单元101", "team_types": [teams[0].pk], "commitment": "on"}

    response = client_for(w.member_user).post(register_url(w), data)

    assert response.status_code == 302
    assert MemberReport.objects.get(member=w.m_u_a).residence == w.A2


def test_register_refuses_a_residence_of_another_community(world: SimpleNamespace, teams: list) -> None:
    w = world
    data = {"residence": w.B1_1.pk, "team_types": [teams[0].pk], "commitment": "on"}

    response = client_for(w.member_user).post(register_url(w), data)

    assert response.status_code == 422
    assert "请从列表中选择居住的小区或楼栋" in response.content.decode()
    assert not MemberReport.objects.exists()


def test_register_page_says_the_minimum_of_teams_from_the_rule(world: SimpleNamespace, teams: list) -> None:
    w = world
    rule_set(key="member_min_teams", value=Decimal(2), city=w.C)
    link = register_url(w)
    c = client_for(w.member_user)

    page = c.get(link).content.decode()
    refused = c.post(link, {"residence": w.A1_1.pk, "team_types": [teams[0].pk], "commitment": "on"})

    assert "愿意加入的志愿服务队（至少 2 个）" in page
    assert "至少一个" not in page
    assert refused.status_code == 422
    assert "请至少选择 2 个志愿服务队类型" in refused.content.decode()


def test_member_report_message_says_the_rule_value(world: SimpleNamespace, teams: list) -> None:
    rule_set(key="member_min_teams", value=Decimal(2), city=world.C)

    with pytest.raises(services.ReportError) as exc:
        submit(world.m_u_a, teams=teams[:1])

    assert exc.value.message_dict == {"team_types": ["请至少选择 2 个志愿服务队类型"]}
    assert Category.objects.filter(kind=Category.Kind.TEAM_TYPE).count() == 2

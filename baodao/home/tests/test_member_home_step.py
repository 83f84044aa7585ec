"""A member's home says where the report stands and what to do next."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.test import Client

from baodao.reporting import services
from baodao.reporting.tests.conftest import link_member_user, submit, teams

__all__ = ["teams"]


def _next_step(world: SimpleNamespace) -> str:
    c = Client()
    c.force_login(world.member_user)
    html = c.get("/").content.decode()
    return re.sub(r"\s+", " ", re.search(r'id="report-next-step">(.*?)</p>', html, re.S).group(1)).strip()


@pytest.fixture
def member(world: SimpleNamespace, teams: list) -> SimpleNamespace:
    link_member_user(world.m_u_a, world.member_user)
    return world


def test_no_report_yet(member: SimpleNamespace) -> None:
    assert _next_step(member) == "点此查看报到证或扫码报到的方法。"


def test_waiting_for_the_community(member: SimpleNamespace) -> None:
    submit(member.m_u_a)

    assert _next_step(member) == "已提交，等待安宁社区确认。"


def test_waiting_for_the_unit(member: SimpleNamespace) -> None:
    submit(member.m_u_a, community=member.B, residence=member.B1)

    assert _next_step(member) == "已提交，等待所在单位党组织审核，通过后由社区确认。"


def test_returned_with_the_reason_and_a_way_to_mend_it(member: SimpleNamespace) -> None:
    report = submit(member.m_u_a)
    services.member_report_return(report=report, by=member.community_staff, reason="楼栋不对")

    assert _next_step(member) == "被退回，原因：楼栋不对。 <strong>点此修改后重新提交</strong>"


def test_done_with_the_receipt(member: SimpleNamespace) -> None:
    report = submit(member.m_u_a)
    services.member_reports_confirm(reports=[report], by=member.community_staff)
    report.refresh_from_db()

    assert _next_step(member) == f"报到已完成，回执 {report.receipt_number} 已送达所在单位。"


def test_a_residents_home_offers_the_community_and_its_people(world: SimpleNamespace) -> None:
    c = Client()
    c.force_login(world.resident_user)  # 陈安居, 安一小区 of 安宁社区

    html = c.get("/").content.decode()

    community = re.search(r'id="community-card">(.*?)</div>', html, re.S).group(1)
    assert "我的社区：安宁社区" in community and "安北街道" in community
    assert "安一小区：王安华（城建局）" in community  # the compound's first secretary
    assert "城建局" in community and "西山医院" in community  # the units reported to the community
    assert "教育局" not in community and "北门社区" not in community  # next door
    assert f'href="/p/c/{world.A.code}/"' in community
    assert 'id="wish-card"' in html and "微心愿" in html

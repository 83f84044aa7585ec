"""Data for the needs tests, on top of the `world` of baodao/conftest.py.

`nw` (the needs world) adds: 王安华 (m_u_a, 城建局, lives in 安一1栋) and 钱安宁 (m_v_a, 教育局, lives in
安二小区) reported to 安宁社区 and confirmed; 李北辰 (m_u_b) reported to 北门社区 next door; a liaison
work team of 城建局 for 安宁社区 led by 钱安宁 (who has an account, `leader`); the service category
法律咨询 (seeded); the resident 陈安居 (安一小区) with an account; the world's unit secretary of 城建局
(assigned to 安宁社区). Everything is built through the services.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from baodao.accounts import services as account_services
from baodao.accounts.models import Role
from baodao.conftest import keep, kept
from baodao.directory.models import Category, WorkTeam, WorkTeamMembership
from baodao.needs import services
from baodao.needs.models import Demand
from baodao.reporting.tests.conftest import confirmed_report


def law() -> Category:
    # get_or_create: a test that commits flushes the tables, seeded rows included
    return Category.objects.get_or_create(kind=Category.Kind.INTENTION, name="法律咨询")[0]


def ask(w: SimpleNamespace, title: str = "想咨询房屋继承的法律问题", **kw: object) -> Demand:
    """A demand by the resident 陈安居 about 安一小区."""
    return services.demand_submit(
        by=w.resident_user,
        community=w.A,
        place=kw.pop("place", w.A1),
        category=kw.pop("category", None) or law(),
        title=title,
        resident=w.r_a1,
        **kw,
    )


def published(w: SimpleNamespace, *, size: str = Demand.Size.PERSON, slots: int = 1, **kw: object) -> Demand:
    d = ask(w, **kw)
    return services.demand_accept(demand=d, by=w.community_staff, size=size, slots=slots)


@keep("nw")
def build_nw(w: SimpleNamespace) -> SimpleNamespace:
    w.report_u_a = confirmed_report(w.m_u_a, w.community_staff)
    w.report_v_a = confirmed_report(w.m_v_a, w.community_staff)
    w.report_u_b = confirmed_report(w.m_u_b, w.staff_b)
    w.m_u_a.intentions.add(law())
    w.leader = account_services.user_create(
        username="leader_v_a",
        password=w.password,
        display_name="钱安宁",
        roles=[{"role": Role.MEMBER, "member": w.m_v_a}],
    )
    w.team = WorkTeam.objects.create(unit=w.U, community=w.A, name="城建局安宁社区工作队")
    WorkTeamMembership.objects.create(
        team=w.team, member=w.m_v_a, role=WorkTeamMembership.Role.LEADER, start_on=w.term_start
    )
    return w


@pytest.fixture
def nw(world: SimpleNamespace) -> SimpleNamespace:
    return kept("nw", world)

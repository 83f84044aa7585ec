"""Helpers and data for the 双报到 tests, on top of the `world` fixture of baodao/conftest.py.

Everything is built through the reporting services, as a person would do it through the pages.
The plain functions here are also imported by the API and notification tests.

`coverage_world` adds to the world a known situation whose figures are written out in its docstring.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from baodao.accounts.models import User
from baodao.conftest import keep, kept, make_id_number, make_mobile
from baodao.directory import selectors as directory_selectors
from baodao.directory import services as directory_services
from baodao.directory.models import Category, Member, PartyOrg, Place, Unit
from baodao.reporting import services
from baodao.reporting.models import Certificate, MemberReport, UnitReport

TEAM_NAMES = ("政策理论宣传", "治安联防")


def team_types() -> list[Category]:
    """The volunteer team types (created once per test database)."""
    return [Category.objects.get_or_create(kind=Category.Kind.TEAM_TYPE, name=n)[0] for n in TEAM_NAMES]


def new_member(name: str, unit: Unit, residence: Place, **kw: object) -> Member:
    return directory_services.member_create(
        name=name,
        id_number=kw.pop("id_number", None) or make_id_number(),
        mobile=kw.pop("mobile", None) or make_mobile(),
        unit=unit,
        party_org=unit.party_orgs.get(kind=PartyOrg.Kind.BRANCH),
        residence=residence,
        **kw,
    )


def submit(
    member: Member,
    *,
    community: Place | None = None,
    residence: Place | None = None,
    certificate: Certificate | None = None,
    teams: list[Category] | None = None,
    commitment: bool = True,
    room: str = "2单元301",
) -> MemberReport:
    """member_report_submit with sensible defaults: the residence on the roster, its community, one team."""
    residence = residence or member.residence
    if community is None:
        community = certificate.community if certificate else directory_selectors.community_of(residence)
    return services.member_report_submit(
        member=member,
        community=community,
        residence=residence,
        room=room,
        skills=[],
        intentions=[],
        team_types=team_types()[:1] if teams is None else teams,
        commitment_accepted=commitment,
        certificate=certificate,
    )


def confirm(report: MemberReport, by: User) -> MemberReport:
    services.member_reports_confirm(reports=[report], by=by)
    report.refresh_from_db()
    return report


def confirmed_report(member: Member, by: User, **kw: object) -> MemberReport:
    return confirm(submit(member, **kw), by)


def unit_report_fields(**kw: object) -> dict:
    fields = {
        "contact_name": "张联络",
        "contact_phone": "13911112222",
        "report_date": timezone.localdate(),
        "unit_signatory": "刘书记",
        "unit_resources": "法律咨询、政策宣讲",
        "community_demands": "老旧小区环境整治",
    }
    fields.update(kw)
    return fields


def unit_submit(unit: Unit, by: User, **kw: object) -> UnitReport:
    return services.unit_report_submit(unit=unit, by=by, **unit_report_fields(**kw))


def link_member_user(member: Member, user: User) -> User:
    """Make `user` (who already holds the member role for `member`) the member's own account."""
    member.user = user
    member.save(update_fields=["user"])
    return user


@pytest.fixture
def teams(db: None) -> list[Category]:
    return team_types()


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def coverage_world(world: SimpleNamespace, teams: list[Category]) -> SimpleNamespace:
    """The world plus a known coverage situation (see `build_coverage_world`), kept (WorldCache)."""
    return kept("coverage_world", world)


@keep("coverage_world")
def build_coverage_world(w: SimpleNamespace) -> SimpleNamespace:
    """The world plus a known coverage situation (today = the real date; terms relative to it).

    Unit reports:   U confirmed (to A); V submitted, not confirmed (to B); W none (assigned to A).
    Member reports (by residence; in-service members only count):
        m_u_a  A1-1  confirmed in A          m_u_b  B1-1  none
        m_v_a  A2    pending in A            m_v_b  B1    confirmed in B
        m_w_f  F1    confirmed in F          m_w_e  E1    none
        m_ret  A1    (U) confirmed in A, then retired -> out of every denominator
        m_mov  A2    (V) confirmed in B while living in B1, then moved to A2 -> pending in A
    First secretaries:
        A1  m_u_a re-appointed 100 days ago (the world's 2024 term ended by it)
        B1  a term that has ended (end date within the warning window: must not be listed)
        F1  m_w_f in term, ending in 30 days
        A2, E1  none
    """
    today = timezone.localdate()

    u_report = unit_submit(w.U, w.unit_secretary)
    services.unit_report_confirm(report=u_report, by=w.community_staff, community_signatory="安宁书记")
    w.v_report = unit_submit(w.V, w.superuser)

    w.r_u_a = confirmed_report(w.m_u_a, w.community_staff)
    w.r_v_a = submit(w.m_v_a)
    w.r_v_b = confirmed_report(w.m_v_b, w.staff_b)
    w.r_w_f = confirmed_report(w.m_w_f, w.city_admin)

    w.m_ret = new_member("吴退休", w.U, w.A1)
    confirmed_report(w.m_ret, w.community_staff)
    services.member_set_status(member=w.m_ret, status=Member.Status.RETIRED, by=w.unit_secretary)

    w.m_mov = new_member("郑搬家", w.V, w.B1)
    confirmed_report(w.m_mov, w.staff_b)
    w.r_mov = services.member_move(member=w.m_mov, residence=w.A2, by=None)

    w.term_A1_new = directory_services.first_secretary_appoint(
        member=w.m_u_a, place=w.A1, start_on=today - dt.timedelta(days=100)
    )
    w.term_B1 = directory_services.first_secretary_appoint(
        member=w.m_v_b, place=w.B1, start_on=today - relativedelta(years=2) + dt.timedelta(days=20)
    )
    w.term_B1.ended_on = today - dt.timedelta(days=1)
    w.term_B1.save(update_fields=["ended_on"])
    w.term_F1 = directory_services.first_secretary_appoint(
        member=w.m_w_f, place=w.F1, start_on=today - relativedelta(years=2) + dt.timedelta(days=30)
    )
    assert w.term_F1.end_on == today + dt.timedelta(days=30)
    return w

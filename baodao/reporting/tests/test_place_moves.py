"""A compound moved to another community (admin) takes its members' reports and open certificates
along, with a timeline entry: nobody is counted twice, nothing is confirmed again."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from auditlog.models import LogEntry

from baodao.directory import services as directory_services
from baodao.reporting import selectors, services
from baodao.reporting.models import Certificate, MemberReport, ReportEvent
from baodao.reporting.tests.conftest import confirmed_report, submit
from baodao.stats import coverage

pytestmark = pytest.mark.django_db


def _members_figure(w: SimpleNamespace, community: object) -> tuple[int, int]:
    total, _rows = coverage.area_coverage(w.city_admin, community)
    return total.members.done, total.members.total


def test_compound_moved_to_another_community_takes_its_reports(world: SimpleNamespace, teams: list) -> None:
    w = world
    confirmed = confirmed_report(w.m_u_a, w.community_staff)  # lives in 安一1栋 (A1), confirmed by A
    waiting = submit(w.m_v_a)  # lives in A2: stays with A
    before_a, before_b = _members_figure(w, w.A), _members_figure(w, w.B)

    directory_services.place_move(place=w.A1, parent=w.B)

    confirmed.refresh_from_db()
    waiting.refresh_from_db()
    assert (confirmed.community_id, confirmed.status) == (w.B.pk, MemberReport.Status.CONFIRMED)
    assert waiting.community_id == w.A.pk
    event = confirmed.events.get(kind=ReportEvent.Kind.TRANSFERRED)
    assert event.note == "所在小区由安宁社区划归北门社区"
    # History: the audit log holds the old community.
    latest = LogEntry.objects.get_for_object(confirmed).latest("id")
    assert latest.changes == {"community": [str(w.A.pk), str(w.B.pk)]}
    # The figures: the member left A's count and joined B's, counted once.
    assert _members_figure(w, w.A) == (before_a[0] - 1, before_a[1] - 1)
    assert _members_figure(w, w.B) == (before_b[0] + 1, before_b[1] + 1)
    assert _members_figure(w, w.S1) == (before_a[0] + before_b[0], before_a[1] + before_b[1])
    # B's staff now see the report; A's no longer do.
    assert confirmed.pk in set(selectors.visible_member_reports(w.staff_b).values_list("pk", flat=True))
    assert confirmed.pk not in set(selectors.visible_member_reports(w.community_staff).values_list("pk", flat=True))


def test_open_certificate_follows_the_compound(world: SimpleNamespace) -> None:
    w = world
    cert = services.certificate_issue(member=w.m_u_a, by=w.unit_secretary)
    assert cert.community_id == w.A.pk

    directory_services.place_move(place=w.A1, parent=w.B)

    cert.refresh_from_db()
    assert (cert.community_id, cert.status) == (w.B.pk, Certificate.Status.ISSUED)


def test_a_community_moved_to_another_street_keeps_its_reports(world: SimpleNamespace, teams: list) -> None:
    w = world
    report = confirmed_report(w.m_u_a, w.community_staff)

    directory_services.place_move(place=w.A, parent=w.S2)

    report.refresh_from_db()
    assert report.community_id == w.A.pk
    assert not report.events.filter(kind=ReportEvent.Kind.TRANSFERRED).exists()


def test_ended_reports_stay_where_they_were(world: SimpleNamespace, teams: list) -> None:
    w = world
    report = confirmed_report(w.m_u_a, w.community_staff)
    services.member_set_status(member=w.m_u_a, status="retired", by=None)  # ends the report
    report.refresh_from_db()
    assert report.status == MemberReport.Status.ENDED

    directory_services.place_move(place=w.A1, parent=w.B)

    report.refresh_from_db()
    assert report.community_id == w.A.pk

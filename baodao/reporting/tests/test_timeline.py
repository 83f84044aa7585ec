"""What happened before a report existed is on its timeline: the assignment and the certificate."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from baodao.reporting import services
from baodao.reporting.models import ReportEvent
from baodao.reporting.tests.conftest import link_member_user, submit, unit_submit

K = ReportEvent.Kind


def test_member_timeline_starts_with_the_certificate(world: SimpleNamespace, teams: list) -> None:
    w = world
    link_member_user(w.m_u_a, w.member_user)
    cert = services.certificate_issue(member=w.m_u_a, by=w.unit_secretary)

    report = submit(w.m_u_a, certificate=cert)

    events = list(report.events.all())
    assert [e.kind for e in events] == [K.CERTIFICATE, K.SUBMITTED]
    assert (events[0].actor, events[0].note, events[0].created_at) == (w.unit_secretary, cert.number, cert.issued_at)


def test_self_report_has_no_certificate_event(world: SimpleNamespace, teams: list) -> None:
    report = submit(world.m_u_a)

    assert [e.kind for e in report.events.all()] == [K.SUBMITTED]


def test_unit_timeline_starts_with_the_assignment(world: SimpleNamespace) -> None:
    w = world

    report = unit_submit(w.U, w.unit_secretary)

    first = report.events.first()
    assert (first.kind, first.actor, first.note) == (K.ASSIGNED, None, "包保联系安宁社区（2024-03-01 起）")
    assert timezone.localtime(first.created_at).date() == dt.date(2024, 3, 1)


def test_timeline_page_shows_certificate_and_assignment(world: SimpleNamespace, teams: list) -> None:
    w = world
    cert = services.certificate_issue(member=w.m_u_a, by=w.unit_secretary)
    report = submit(w.m_u_a, certificate=cert)
    unit_submit(w.U, w.unit_secretary)
    c = Client()
    c.force_login(w.unit_secretary)

    detail = c.get(reverse("reporting:report_detail", args=[report.pk])).content.decode()
    unit_page = c.get(reverse("reporting:unit_report")).content.decode()

    assert f"签发报到证 · 城建局书记：{cert.number}" in detail
    assert "分配联系社区：包保联系安宁社区（2024-03-01 起）" in unit_page

"""Status words say what happened (issue 19 §19), for 双报到: an ended report says why it ended on
the member's pages, the staff's report page and the API (MemberReport.status_label, from the
TextChoices' own labels)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from baodao.directory.models import Member
from baodao.reporting import services
from baodao.reporting.models import MemberReport
from baodao.reporting.tests.conftest import confirmed_report

pytestmark = pytest.mark.django_db


def test_an_ended_report_says_why(world: SimpleNamespace) -> None:
    w = world
    report = confirmed_report(w.m_u_a, w.community_staff)
    assert report.status_label == "已报到"
    services.member_set_status(member=w.m_u_a, status=Member.Status.RETIRED, by=w.unit_secretary)
    report.refresh_from_db()
    assert report.status_label == "已结束·退休"

    member = Client()
    member.force_login(w.member_user)
    staff = Client()
    staff.force_login(w.community_staff)
    mine = member.get(reverse("reporting:my_report")).content.decode()
    detail = staff.get(reverse("reporting:report_detail", args=[report.pk])).content.decode()
    shown = re.search(r'id="report-status">([^<]*)<', detail)
    assert shown is not None and shown.group(1) == "已结束·退休"
    assert "已结束·退休" in mine
    labels = {str(label) for _v, label in [*MemberReport.Status.choices, *MemberReport.EndReason.choices]}
    assert set(report.status_label.split("·")) <= labels

"""A unit's year in its community (实事, party lecture, theme party days, work-team weeks,
commitments kept) and a first secretary's (weekly visits, trainings), counted from the record
beside the rules; commitments on the public bulletin with their state."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from baodao.directory.models import WorkTeam, WorkTeamMembership
from baodao.needs import services as needs_services
from baodao.needs.tests.conftest import ask
from baodao.records import obligations, services
from baodao.records.models import Commitment, Record
from baodao.records.services import RecordConflict
from baodao.records.tests.conftest import activity, kind

pytestmark = pytest.mark.django_db


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def held(w: SimpleNamespace, name: str) -> None:
    start = timezone.now() - dt.timedelta(days=10)
    a = activity(w, start=start, title=name, by=w.unit_secretary, organizer_unit=w.U)
    a.kind = kind(name)
    a.save(update_fields=["kind"])
    services.activity_close(activity=a, by=w.community_staff)


def test_unit_year_counts_from_the_record(rw: SimpleNamespace) -> None:
    row = obligations.unit_year(rw.U, timezone.localdate().year)[0]
    assert (row.community, row.projects, row.lectures, row.theme_days, row.visit_weeks) == (rw.A, 0, 0, 0, 0)
    assert not row.projects_met and not row.lectures_met
    # a unit-level item claimed by 城建局 and closed: one 实事
    d = ask(rw, title="小区路灯改造")
    needs_services.demand_accept(demand=d, by=rw.community_staff, size="unit", slots=1)
    claim = needs_services.item_claim(demand=d, party=rw.U, by=rw.unit_secretary)
    needs_services.item_start(claim=claim, by=rw.unit_secretary)
    needs_services.item_done(claim=claim, by=rw.unit_secretary, note="已完成")
    needs_services.item_close(demand=d, by=rw.community_staff)
    held(rw, "党课")
    held(rw, "主题党日")
    # the work team's member 王安华 serves in the community on two days of different weeks
    team = WorkTeam.objects.create(unit=rw.U, community=rw.A, name="城建局工作队")
    WorkTeamMembership.objects.create(team=team, member=rw.m_u_a, start_on=rw.term_start)
    for days in (3, 17):
        start = timezone.now() - dt.timedelta(days=days)
        r = services.record_log(
            member=rw.m_u_a,
            community=rw.A,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
            content="到小区工作",
            by=rw.member_user,
        )
        services.record_confirm(record=r, by=rw.community_staff)
    c = services.commitment_make(unit=rw.U, community=rw.A, text="年内完成小区路灯改造", by=rw.unit_secretary)
    services.commitment_keep(commitment=c, by=rw.community_staff, note="已完成")
    with pytest.raises(RecordConflict):
        services.commitment_keep(commitment=c, by=rw.community_staff, note="")
    row = obligations.unit_year(rw.U, timezone.localdate().year)[0]
    assert (row.projects, row.lectures, row.theme_days, row.visit_weeks, row.promised, row.kept) == (1, 1, 1, 2, 1, 1)
    assert row.projects_met and row.lectures_met


def test_pages_and_bulletin(rw: SimpleNamespace) -> None:
    secretary = client_for(rw.unit_secretary)
    assert secretary.get(reverse("records:unit_year")).status_code == 200
    made = secretary.post(
        reverse("records:commitment_make"), {"unit": rw.U.pk, "community": rw.A.pk, "text": "为老旧小区加装扶手"}
    )
    assert made.status_code == 302
    c = Commitment.objects.get()
    # the unit cannot say its own commitment was kept; the community does
    assert secretary.post(reverse("records:commitment_keep", args=[c.pk])).status_code == 403
    assert client_for(rw.staff_b).post(reverse("records:commitment_keep", args=[c.pk])).status_code == 404
    board = Client().get(reverse("public:community", args=[rw.A.code])).content.decode()
    assert "为老旧小区加装扶手" in board and "已承诺" in board
    staff = client_for(rw.community_staff)
    assert staff.get(reverse("records:unit_year") + f"?unit={rw.U.pk}").status_code == 200
    assert staff.post(reverse("records:commitment_keep", args=[c.pk]), {"note": "已装"}).status_code == 302
    assert "已兑现" in Client().get(reverse("public:community", args=[rw.A.code])).content.decode()
    assert client_for(rw.staff_b).get(reverse("records:unit_year") + f"?unit={rw.U.pk}").status_code == 404
    # the unit's own record waits for the community, as every record
    now = timezone.localtime() - dt.timedelta(days=1)
    logged = secretary.post(
        reverse("records:unit_log"),
        {
            "unit": rw.U.pk,
            "community": rw.A.pk,
            "starts_at": f"{now:%Y-%m-%dT%H:%M}",
            "ends_at": f"{now + dt.timedelta(hours=2):%Y-%m-%dT%H:%M}",
            "content": "单位书记讲党课",
        },
    )
    assert logged.status_code == 302
    r = Record.objects.get(content="单位书记讲党课")
    assert (r.member, r.unit, r.status) == (None, rw.U, "pending")


def test_first_secretary_year(rw: SimpleNamespace) -> None:
    # 王安华 is the first secretary of 安一小区 (the world's term)
    for days in (2, 9):
        start = timezone.now() - dt.timedelta(days=days)
        r = services.record_log(
            member=rw.m_u_a,
            community=rw.A,
            place=rw.A1_1,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
            content="小区走访",
            by=rw.member_user,
        )
        services.record_confirm(record=r, by=rw.community_staff)
    page = client_for(rw.member_user).get(reverse("records:first_secretary")).content.decode()
    assert "到小区工作：2 /" in page and "参加街道培训：0 / 1 次" in page

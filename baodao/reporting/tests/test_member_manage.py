"""The dynamic-management form on the member page: moving house and status changes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.urls import reverse

from baodao.directory.models import Member
from baodao.reporting import services
from baodao.reporting.models import MemberReport

pytestmark = pytest.mark.django_db


def _confirmed_report(world: SimpleNamespace) -> MemberReport:
    report = MemberReport.objects.create(
        member=world.m_u_a,
        unit=world.U,
        source=MemberReport.Source.CERTIFICATE,
        community=world.A,
        residence=world.A1,
        commitment_text="承诺",
        status=MemberReport.Status.PENDING,
    )
    services.member_reports_confirm(reports=[report], by=world.community_staff)
    return report


def test_member_manage_move_transfers_the_report(world: SimpleNamespace, login) -> None:  # noqa: ANN001
    old = _confirmed_report(world)
    client = login(world.unit_secretary)
    url = reverse("reporting:member_manage", args=[world.m_u_a.pk])

    response = client.post(url, {"action": "move", "residence_code": world.B1_1.code})

    assert response.status_code == 302
    old.refresh_from_db()
    assert old.status == MemberReport.Status.ENDED
    assert old.end_reason == MemberReport.EndReason.MOVED
    new = MemberReport.objects.get(member=world.m_u_a, status=MemberReport.Status.PENDING)
    assert new.community == world.B
    world.m_u_a.refresh_from_db()
    assert world.m_u_a.residence == world.B1_1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "move", "residence_code": "nope"}, "找不到编码为 nope 的小区或楼栋"),
        ({"action": "status", "status": "flying"}, "未知状态"),
        ({"action": "jump"}, "未知操作"),
        ({}, "未知操作"),
    ],
)
def test_member_manage_bad_post_rerenders_the_member_page_with_422(
    world: SimpleNamespace,
    login,  # noqa: ANN001
    data: dict,
    message: str,
) -> None:
    old = _confirmed_report(world)
    client = login(world.unit_secretary)

    response = client.post(reverse("reporting:member_manage", args=[world.m_u_a.pk]), data)

    assert response.status_code == 422
    assert response.templates[0].name == "directory/member_detail.html"
    assert message in response.content.decode()
    assert "王安华" in response.content.decode()
    old.refresh_from_db()
    assert old.status == MemberReport.Status.CONFIRMED
    member = Member.objects.get(pk=world.m_u_a.pk)
    assert (member.status, member.residence) == (Member.Status.IN_SERVICE, world.A1_1)


def test_member_manage_retire_ends_the_report(world: SimpleNamespace, login) -> None:  # noqa: ANN001
    old = _confirmed_report(world)
    client = login(world.community_staff)

    client.post(reverse("reporting:member_manage", args=[world.m_u_a.pk]), {"action": "status", "status": "retired"})

    old.refresh_from_db()
    assert old.status == MemberReport.Status.ENDED
    assert Member.objects.get(pk=world.m_u_a.pk).status == Member.Status.RETIRED


def test_member_manage_refused_for_compound_secretary(world: SimpleNamespace, login) -> None:  # noqa: ANN001
    client = login(world.compound_secretary)

    response = client.post(
        reverse("reporting:member_manage", args=[world.m_u_a.pk]), {"action": "status", "status": "retired"}
    )

    assert response.status_code == 403
    assert Member.objects.get(pk=world.m_u_a.pk).status == Member.Status.IN_SERVICE

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


def test_member_manage_move_transfers_the_report(world: SimpleNamespace, login) -> None:
    old = _confirmed_report(world)
    client = login(world.unit_secretary)
    url = reverse("reporting:member_move", args=[world.m_u_a.pk])

    response = client.post(url, {"residence_code": world.B1_1.code})

    assert response.status_code == 302
    old.refresh_from_db()
    assert old.status == MemberReport.Status.ENDED
    assert old.end_reason == MemberReport.EndReason.MOVED
    new = MemberReport.objects.get(member=world.m_u_a, status=MemberReport.Status.PENDING)
    assert new.community == world.B
    world.m_u_a.refresh_from_db()
    assert world.m_u_a.residence == world.B1_1


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("move", {"residence_code": "nope"}, "没有唯一对应“nope”的小区或楼栋，请从输入框下方的建议中选择"),
        ("move", {}, "请选择新居住的小区或楼栋"),
        ("move", {"residence": "999999"}, "请选择新居住的小区或楼栋"),
        ("status", {"status": "flying"}, "未知状态"),
        ("status", {}, "未知状态"),
        ("status", {"status": "in_service"}, "该党员当前为“在职”，无需调整"),
    ],
)
def test_member_manage_bad_post_rerenders_the_member_page_with_422(
    world: SimpleNamespace,
    login,
    action: str,
    data: dict,
    message: str,
) -> None:
    old = _confirmed_report(world)
    client = login(world.unit_secretary)

    response = client.post(reverse(f"reporting:member_{action}", args=[world.m_u_a.pk]), data)

    assert response.status_code == 422
    assert response.templates[0].name == "directory/member_detail.html"
    assert message in response.content.decode()
    assert "王安华" in response.content.decode()
    old.refresh_from_db()
    assert old.status == MemberReport.Status.CONFIRMED
    member = Member.objects.get(pk=world.m_u_a.pk)
    assert (member.status, member.residence) == (Member.Status.IN_SERVICE, world.A1_1)


def test_member_manage_retire_ends_the_report(world: SimpleNamespace, login) -> None:
    old = _confirmed_report(world)
    client = login(world.community_staff)

    client.post(reverse("reporting:member_status", args=[world.m_u_a.pk]), {"status": "retired"})

    old.refresh_from_db()
    assert old.status == MemberReport.Status.ENDED
    assert Member.objects.get(pk=world.m_u_a.pk).status == Member.Status.RETIRED


def test_member_manage_refused_for_compound_secretary(world: SimpleNamespace, login) -> None:
    client = login(world.compound_secretary)

    response = client.post(reverse("reporting:member_status", args=[world.m_u_a.pk]), {"status": "retired"})

    assert response.status_code == 403
    assert Member.objects.get(pk=world.m_u_a.pk).status == Member.Status.IN_SERVICE


# --- leaving the unit ---------------------------------------------------------------------------


def test_member_manage_leave_ends_the_report_and_changes_the_unit(world: SimpleNamespace, login) -> None:
    old = _confirmed_report(world)
    cert = services.certificate_issue(member=world.m_v_a, by=world.superuser)  # someone else's: untouched
    client = login(world.unit_secretary)
    url = reverse("reporting:member_leave", args=[world.m_u_a.pk])

    response = client.post(url, {"unit_code": "V001", "party_org_name": "教育局第一党支部"})

    assert response.status_code == 302
    old.refresh_from_db()
    assert (old.status, old.end_reason) == (MemberReport.Status.ENDED, MemberReport.EndReason.LEFT_UNIT)
    member = Member.objects.get(pk=world.m_u_a.pk)
    assert (member.unit, member.party_org.name) == (world.V, "教育局第一党支部")
    assert not MemberReport.objects.filter(member=member, status__in=MemberReport.ACTIVE).exists()
    cert.refresh_from_db()
    assert cert.status == "issued"


def test_member_manage_leave_without_a_party_org_takes_the_units_first(world: SimpleNamespace, login) -> None:
    client = login(world.community_staff)  # 王安华 lives in 安宁社区

    response = client.post(reverse("reporting:member_leave", args=[world.m_u_a.pk]), {"unit_code": "W001"})

    assert response.status_code == 302
    member = Member.objects.get(pk=world.m_u_a.pk)
    assert (member.unit, member.party_org) == (world.W, world.W.party_orgs.order_by("id").first())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"unit_code": "NOPE"}, "没有唯一对应“NOPE”的单位，请从输入框下方的建议中选择"),
        ({"unit_code": ""}, "请选择调往的单位"),
        ({"unit": "999999"}, "请选择调往的单位"),
        ({"unit_code": "V001", "party_org_name": "不存在支部"}, "教育局 没有名为 不存在支部 的党组织"),
        ({"unit_code": "U001"}, "王安华 已在城建局，无需调整"),
    ],
)
def test_member_manage_leave_bad_input_rerenders_with_422(
    world: SimpleNamespace,
    login,
    data: dict,
    message: str,
) -> None:
    old = _confirmed_report(world)

    response = login(world.unit_secretary).post(reverse("reporting:member_leave", args=[world.m_u_a.pk]), {**data})

    assert response.status_code == 422
    assert message in response.content.decode()
    old.refresh_from_db()
    assert old.status == MemberReport.Status.CONFIRMED
    assert Member.objects.get(pk=world.m_u_a.pk).unit == world.U


def test_member_manage_leave_out_of_scope_is_404(world: SimpleNamespace, login) -> None:
    old = _confirmed_report(world)

    response = login(world.staff_b).post(
        reverse("reporting:member_leave", args=[world.m_u_a.pk]), {"unit_code": "V001"}
    )

    assert response.status_code == 404
    old.refresh_from_db()
    assert old.status == MemberReport.Status.CONFIRMED
    assert Member.objects.get(pk=world.m_u_a.pk).unit == world.U


def test_member_page_shows_the_leave_form_to_managers_only(world: SimpleNamespace, login) -> None:
    page = login(world.unit_secretary).get(reverse("directory:member_detail", args=[world.m_u_a.pk]))
    assert 'id="leave-unit"' in page.content.decode()

    page = login(world.compound_secretary).get(reverse("directory:member_detail", args=[world.m_u_a.pk]))
    assert page.status_code == 200 and 'id="leave-unit"' not in page.content.decode()


def test_member_manage_move_within_the_community_needs_no_new_confirmation(world: SimpleNamespace, login) -> None:
    old = _confirmed_report(world)
    client = login(world.unit_secretary)

    response = client.post(reverse("reporting:member_move", args=[world.m_u_a.pk]), {"residence_code": world.A2.code})

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "已迁居至 安二小区，仍在 安宁社区 报到，无需社区重新确认" in page
    old.refresh_from_db()
    assert (old.status, old.residence) == (MemberReport.Status.CONFIRMED, world.A2)
    assert list(MemberReport.objects.filter(member=world.m_u_a)) == [old]

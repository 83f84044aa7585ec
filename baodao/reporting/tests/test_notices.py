"""Every step of 双报到 tells the people who wait on it, and nobody else (件件有回音): exact sets of
recipients per step, with the community next door and another unit's secretary in the world."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from baodao.accounts.models import Role
from baodao.accounts.services import user_create
from baodao.notifications.models import Notification
from baodao.reporting import services
from baodao.reporting.tests.conftest import link_member_user, submit, teams, unit_submit

__all__ = ["teams"]


@pytest.fixture
def w(world: SimpleNamespace, teams: list) -> SimpleNamespace:
    world.member = link_member_user(world.m_u_a, world.member_user)
    world.sec_v = user_create(
        username="sec_v",
        password=world.password,
        display_name="教育局书记",
        roles=[{"role": Role.UNIT_SECRETARY, "unit": world.V}],
    )
    return world


@pytest.fixture
def heard(django_capture_on_commit_callbacks):
    """Run `step` and commit it; the (username, title, body) of every message it sent."""

    def run(step) -> set[tuple[str, str, str]]:
        before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with django_capture_on_commit_callbacks(execute=True):
            step()
        return {(n.user.username, n.title, n.body) for n in Notification.objects.filter(pk__gt=before)}

    return run


def _who(messages: set[tuple[str, str, str]]) -> set[str]:
    return {user for user, _title, _body in messages}


def test_a_submitted_report_tells_the_communitys_staff(w: SimpleNamespace, heard) -> None:
    got = heard(lambda: submit(w.m_u_a))

    assert got == {
        (
            "community_staff",
            "新的党员报到待确认：王安华（城建局）",
            "王安华（城建局）已向本社区报到，请核对后确认或退回。",
        )
    }


def test_confirmed_tells_the_member_and_the_units_secretary_with_the_receipt(w: SimpleNamespace, heard) -> None:
    report = submit(w.m_u_a)

    got = heard(lambda: services.member_reports_confirm(reports=[report], by=w.community_staff))

    report.refresh_from_db()
    assert got == {
        ("member_u_a", "您的报到已确认", "安宁社区已确认您的报到。"),
        ("unit_secretary", "王安华 已在安宁社区报到", f"回执 {report.receipt_number} 已归入本单位报到台账。"),
    }


def test_returned_tells_the_member_the_reason(w: SimpleNamespace, heard) -> None:
    report = submit(w.m_u_a)

    got = heard(lambda: services.member_report_return(report=report, by=w.community_staff, reason="楼栋不对"))

    assert got == {
        ("member_u_a", "您的报到被退回", "退回原因：楼栋不对。请按原因修改后重新提交。"),
        ("unit_secretary", "王安华 的报到被退回", "退回原因：楼栋不对"),
    }


def test_a_self_report_waits_for_the_unit_then_for_the_other_community(w: SimpleNamespace, heard) -> None:
    away = {}
    first = heard(lambda: away.setdefault("r", submit(w.m_u_a, community=w.B, residence=w.B1)))
    then = heard(lambda: services.member_report_unit_approve(report=away["r"], by=w.unit_secretary))

    assert _who(first) == {"unit_secretary"}  # not 教育局's secretary, not the communities yet
    assert _who(then) == {"staff_b"}  # 北门社区's staff, not 安宁社区's; the secretary did it


def test_nobody_hears_of_a_step_they_took(w: SimpleNamespace, heard) -> None:
    away = submit(w.m_u_a, community=w.B, residence=w.B1)

    got = heard(lambda: services.member_report_return(report=away, by=w.unit_secretary, reason="地址不符"))

    assert _who(got) == {"member_u_a"}


def test_a_unit_report_tells_the_community_then_the_unit(w: SimpleNamespace, heard) -> None:
    report = {}
    submitted = heard(lambda: report.setdefault("r", unit_submit(w.U, w.unit_secretary)))
    confirmed = heard(
        lambda: services.unit_report_confirm(report=report["r"], by=w.community_staff, community_signatory="安宁书记")
    )

    assert submitted == {
        ("community_staff", "城建局 提交了单位报到", "城建局 已提交单位党组织报到和共建协议，请核对后确认或退回。")
    }
    assert confirmed == {("unit_secretary", "单位报到已确认", "安宁社区已确认本单位报到，共建协议可打印。")}


def test_a_resubmitted_report_tells_the_communitys_staff_once(w: SimpleNamespace, heard) -> None:
    report = submit(w.m_u_a)
    services.member_report_return(report=report, by=w.community_staff, reason="楼栋不对")

    got = heard(lambda: submit(w.m_u_a))

    assert got == {
        (
            "community_staff",
            "新的党员报到待确认：王安华（城建局）",
            "王安华（城建局）已向本社区报到，请核对后确认或退回。",
        )
    }
    assert list(report.events.filter(kind="resubmitted").values_list("actor__username", flat=True)) == ["member_u_a"]


def test_a_resubmitted_unit_report_tells_the_communitys_staff_once(w: SimpleNamespace, heard) -> None:
    report = unit_submit(w.U, w.unit_secretary)
    services.unit_report_return(report=report, by=w.community_staff, reason="缺少共建协议")

    got = heard(lambda: unit_submit(w.U, w.unit_secretary))

    assert got == {
        ("community_staff", "城建局 提交了单位报到", "城建局 已提交单位党组织报到和共建协议，请核对后确认或退回。")
    }
    assert list(report.events.filter(kind="resubmitted").values_list("actor__username", flat=True)) == [
        "unit_secretary"
    ]


def test_a_returned_unit_report_tells_the_unit_why(w: SimpleNamespace, heard) -> None:
    report = unit_submit(w.V, w.sec_v)  # 教育局, assigned to 北门社区

    got = heard(lambda: services.unit_report_return(report=report, by=w.staff_b, reason="资源清单太笼统"))

    assert got == {("sec_v", "单位报到被退回", "北门社区退回了本单位报到，原因：资源清单太笼统。请修改后重新提交。")}


def test_nothing_is_sent_for_a_step_that_rolled_back(w: SimpleNamespace, heard) -> None:
    from django.db import transaction

    report = submit(w.m_u_a)

    def confirm_then_fail() -> None:
        with transaction.atomic():
            services.member_reports_confirm(reports=[report], by=w.community_staff)
            raise RuntimeError("the batch failed after the confirmation")

    with pytest.raises(RuntimeError):
        heard(confirm_then_fail)
    assert not Notification.objects.filter(title="您的报到已确认").exists()

"""The transition helper (core.transitions) on reporting's tables: status checked under a lock,
nothing written when refused, exactly one winner when two people decide the same report at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, transaction

from baodao.core import transitions
from baodao.core.transitions import Transition, Workflow, apply, apply_many, render_tables
from baodao.reporting import services
from baodao.reporting import transitions as reporting_transitions
from baodao.reporting.models import MemberReport, ReportEvent, UnitReport
from baodao.reporting.tests.conftest import submit, teams, unit_submit

pytestmark = pytest.mark.django_db
__all__ = ["teams"]  # a fixture of reporting's tests, used here


def _retry_locked(call: Callable[[], object]) -> None:
    """SQLite's in-memory test database is one shared cache whose table locks fail at once instead
    of waiting (a file database waits, `timeout` in settings): retry as the busy wait would."""
    for _ in range(500):
        try:
            call()
            return
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.01)
    raise AssertionError("still locked")


def test_member_report_table_reads_as_declared() -> None:
    rows = reporting_transitions.member_reports.rows()

    assert [(name, src, dst) for name, src, dst, _who, _event, _told in rows] == [
        ("unit_approve", "待单位审核", "待社区确认"),
        ("confirm", "待社区确认", "已报到"),
        ("return", "待社区确认、待单位审核", "已退回"),
        ("end", "待社区确认、待单位审核、已报到", "已结束"),
        ("resubmit", "已退回", "待社区确认"),
        ("resubmit_to_unit", "已退回", "待单位审核"),
    ]
    assert {event for *_rest, event, _told in rows} == {
        "unit_approved",
        "confirmed",
        "returned",
        "ended",
        "resubmitted",
    }
    assert [told for *_rest, told in rows] == [
        "社区工作人员",
        "党员、单位党组织书记",
        "党员、单位党组织书记",
        "",
        "社区工作人员",
        "单位党组织书记",
    ]


def test_every_table_renders_for_people(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("transitions")
    out = capsys.readouterr().out

    assert out == render_tables()
    for wf in (reporting_transitions.unit_reports, reporting_transitions.member_reports):
        assert f"({wf.model._meta.label}.status)" in out
    assert "| confirm | 待社区确认 | 已确认 | 社区工作人员、上级管理员 | confirmed | 单位党组织书记 |" in out


def test_a_table_with_an_unknown_state_is_refused_at_declaration() -> None:
    before = list(transitions.WORKFLOWS)
    with pytest.raises(ValueError, match="unknown states"):
        Workflow(UnitReport, [Transition("x", ("submitted",), "nowhere", "", "")])
    with pytest.raises(ValueError, match="share a name"):
        Workflow(UnitReport, [Transition("x", ("submitted",), "ended", "", "")] * 2)
    assert before == transitions.WORKFLOWS


def test_apply_refused_in_the_wrong_state_writes_nothing(world: SimpleNamespace) -> None:
    w = world
    report = unit_submit(w.U, w.unit_secretary)
    services.unit_report_confirm(report=report, by=w.community_staff, community_signatory="王书记")
    events = ReportEvent.objects.filter(unit_report=report).count()

    with pytest.raises(services.ReportError, match="该报到不是待确认状态"):
        apply(
            reporting_transitions.unit_reports, "return", report, by=w.community_staff, changes={"return_reason": "x"}
        )

    report.refresh_from_db()
    assert (report.status, report.return_reason) == (UnitReport.Status.CONFIRMED, "")
    assert ReportEvent.objects.filter(unit_report=report).count() == events


def test_apply_check_runs_after_the_status_and_rolls_back(world: SimpleNamespace) -> None:
    w = world
    report = unit_submit(w.U, w.unit_secretary)

    def check(row: UnitReport) -> None:
        raise services.ReportError("不行")

    with pytest.raises(services.ReportError, match="不行"):
        apply(reporting_transitions.unit_reports, "confirm", report, by=w.community_staff, check=check)

    report.refresh_from_db()
    assert report.status == UnitReport.Status.SUBMITTED
    assert not ReportEvent.objects.filter(unit_report=report, kind=ReportEvent.Kind.CONFIRMED).exists()


def test_apply_many_skips_rows_decided_meanwhile(world: SimpleNamespace, teams: list) -> None:
    w = world
    a, b = submit(w.m_u_a), submit(w.m_v_b)
    services.member_report_return(report=b, by=w.community_staff, reason="地址不对")

    changed = apply_many(reporting_transitions.member_reports, "confirm", [a, b], by=w.community_staff)

    assert [r.pk for r in changed] == [a.pk]
    assert set(MemberReport.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {
        "confirmed",
        "returned",
    }


@pytest.mark.django_db(transaction=True)
def test_two_decisions_at_once_one_wins(world: SimpleNamespace) -> None:
    """Confirm and return the same report from two threads: one succeeds, the other is refused
    by the status check under the row lock, and the timeline holds exactly one decision."""
    w = world
    report = unit_submit(w.U, w.unit_secretary)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def confirm() -> None:
        services.unit_report_confirm(report=report, by=w.community_staff, community_signatory="王书记")

    def send_back() -> None:
        services.unit_report_return(report=report, by=w.community_staff, reason="材料不全")

    def decide(step: str) -> None:
        try:
            barrier.wait(timeout=10)
            if step == "confirm":
                _retry_locked(
                    lambda: services.unit_report_confirm(
                        report=report, by=w.community_staff, community_signatory="王书记"
                    )
                )
            else:
                _retry_locked(
                    lambda: services.unit_report_return(report=report, by=w.community_staff, reason="材料不全")
                )
            outcomes.append("ok")
        except services.ReportError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(s,)) for s in ("confirm", "return")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes) == ["ok", "refused"]
    decided = ReportEvent.objects.filter(
        unit_report=report, kind__in=[ReportEvent.Kind.CONFIRMED, ReportEvent.Kind.RETURNED]
    )
    assert decided.count() == 1
    report.refresh_from_db()
    assert report.status == {"confirmed": "confirmed", "returned": "returned"}[decided.get().kind]


def test_a_transition_that_tells_needs_an_announcer() -> None:
    with pytest.raises(ValueError, match="announces nothing"):
        Workflow(UnitReport, [Transition("confirm", ("submitted",), "confirmed", "x", "y", tell=("单位",))])


def test_the_announcer_runs_after_commit_and_not_after_a_rollback(
    world: SimpleNamespace, django_capture_on_commit_callbacks
) -> None:
    heard: list[tuple[int, str]] = []
    wf = Workflow(
        UnitReport,
        [Transition("confirm", ("submitted",), "confirmed", "x", "y", tell=("单位",))],
        announce=lambda row, t, by: heard.append((row.pk, t.name)),
    )
    transitions.WORKFLOWS.remove(wf)  # a table of this test only
    report = unit_submit(world.U, world.unit_secretary)

    with django_capture_on_commit_callbacks(execute=True):
        apply(wf, "confirm", report, by=world.community_staff)
    assert heard == [(report.pk, "confirm")]
    report.status = "submitted"
    report.save(update_fields=["status"])

    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        apply(wf, "confirm", report, by=world.community_staff)
        raise RuntimeError("the work around the step failed after it")
    assert heard == [(report.pk, "confirm")]  # nothing more: the step rolled back

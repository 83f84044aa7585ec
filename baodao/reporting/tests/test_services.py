"""The writes of 双报到 (issue 3 §1–§3): every refusal has its Chinese message, every change its
timeline event and audit entry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from auditlog.models import LogEntry
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from baodao.accounts.models import Role, RoleAssignment, User
from baodao.conftest import make_id_number
from baodao.directory import scope
from baodao.directory.models import Category, Member, PartyOrg, UnitAssignment
from baodao.directory.services import rule_set
from baodao.reporting import services
from baodao.reporting.models import Certificate, MemberReport, ReportEvent, UnitReport
from baodao.reporting.services import ReportError
from baodao.reporting.tests.conftest import (
    confirm,
    confirmed_report,
    new_member,
    submit,
    unit_report_fields,
    unit_submit,
)

K = ReportEvent.Kind


def kinds(report: MemberReport | UnitReport) -> list[str]:
    return list(report.events.order_by("created_at", "id").values_list("kind", flat=True))


def messages(exc: pytest.ExceptionInfo[ReportError]) -> list[str]:
    return exc.value.messages


def field_messages(exc: pytest.ExceptionInfo[ReportError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def log_entries(obj: object) -> list[LogEntry]:
    return list(LogEntry.objects.get_for_object(obj).order_by("timestamp", "id"))


# --- unit assignment ----------------------------------------------------------------------------


def test_unit_assign_keeps_history(world: SimpleNamespace, today: dt.date) -> None:
    new = services.unit_assign(unit=world.U, community=world.B, by=world.city_admin, note="就近")

    world.assign_U.refresh_from_db()
    assert world.assign_U.ended_on == today
    assert new.ended_on is None and new.community == world.B and new.note == "就近"
    rows = UnitAssignment.objects.filter(unit=world.U)
    assert {(a.community.name, a.ended_on is None) for a in rows} == {("安宁社区", False), ("北门社区", True)}


def test_unit_assign_to_the_same_community_is_refused(world: SimpleNamespace) -> None:
    with pytest.raises(ReportError) as exc:
        services.unit_assign(unit=world.U, community=world.A, by=world.city_admin)

    assert messages(exc) == ["该单位已分配到此社区"]
    assert UnitAssignment.objects.filter(unit=world.U).count() == 1


def test_unit_assign_to_a_compound_is_refused(world: SimpleNamespace) -> None:
    with pytest.raises(Exception) as exc:
        services.unit_assign(unit=world.U, community=world.A1, by=world.city_admin)

    assert "只能分配到社区" in str(exc.value)
    assert UnitAssignment.objects.filter(unit=world.U, ended_on__isnull=True).get().community == world.A


@pytest.mark.parametrize("decided", [False, True])
def test_unit_assign_ends_the_active_unit_report(world: SimpleNamespace, decided: bool) -> None:
    report = unit_submit(world.U, world.unit_secretary)
    if decided:
        services.unit_report_confirm(report=report, by=world.community_staff, community_signatory="安宁书记")

    services.unit_assign(unit=world.U, community=world.B, by=world.city_admin)

    report.refresh_from_db()
    assert report.status == UnitReport.Status.ENDED
    assert report.ended_at is not None
    last = report.events.order_by("-id").first()
    assert (last.kind, last.actor, last.note) == (K.ENDED, world.city_admin, "联系社区已调整")
    # the unit may now report to its new community
    again = unit_submit(world.U, world.unit_secretary)
    assert again.pk != report.pk and again.community == world.B and again.status == UnitReport.Status.SUBMITTED


def test_unit_assign_leaves_other_units_reports_alone(world: SimpleNamespace) -> None:
    w_report = unit_submit(world.W, world.superuser)

    services.unit_assign(unit=world.U, community=world.B, by=world.city_admin)

    w_report.refresh_from_db()
    assert w_report.status == UnitReport.Status.SUBMITTED


# --- unit reports -------------------------------------------------------------------------------


def test_unit_report_submit_goes_to_the_assigned_community(world: SimpleNamespace) -> None:
    report = unit_submit(world.U, world.unit_secretary)

    report.refresh_from_db()
    assert report.status == UnitReport.Status.SUBMITTED
    assert (report.community, report.assignment) == (world.A, world.assign_U)
    assert report.contact_phone == "13911112222"
    assert report.submitted_by == world.unit_secretary
    assert kinds(report) == [K.ASSIGNED, K.SUBMITTED]


def test_unit_report_submit_with_tags(world: SimpleNamespace) -> None:
    law = Category.objects.create(kind=Category.Kind.INTENTION, name="法律援助")
    env = Category.objects.get_or_create(kind=Category.Kind.INTENTION, name="环境整治")[0]

    report = services.unit_report_submit(
        unit=world.U, by=world.unit_secretary, resource_tags=[law], demand_tags=[env], **unit_report_fields()
    )

    assert set(report.resource_tags.all()) == {law}
    assert set(report.demand_tags.all()) == {env}


def test_unit_report_submit_without_assignment_is_refused(world: SimpleNamespace) -> None:
    UnitAssignment.objects.filter(unit=world.U).update(ended_on=timezone.localdate())

    with pytest.raises(ReportError) as exc:
        unit_submit(world.U, world.unit_secretary)

    assert messages(exc) == ["本单位尚未分配联系社区，请联系市直机关工委"]
    assert not UnitReport.objects.exists()


def test_unit_report_submit_with_a_bad_phone_is_refused(world: SimpleNamespace) -> None:
    with pytest.raises(ReportError) as exc:
        unit_submit(world.U, world.unit_secretary, contact_phone="12345")

    assert set(field_messages(exc)) == {"contact_phone"}
    assert not UnitReport.objects.exists()


@pytest.mark.parametrize("decided", [False, True])
def test_second_unit_report_while_active_is_refused(world: SimpleNamespace, decided: bool) -> None:
    report = unit_submit(world.U, world.unit_secretary)
    if decided:
        services.unit_report_confirm(report=report, by=world.community_staff, community_signatory="安宁书记")

    with pytest.raises(ReportError) as exc:
        unit_submit(world.U, world.unit_secretary)

    assert messages(exc) == ["本单位已向社区报到，无需重复提交"]
    assert UnitReport.objects.filter(unit=world.U).count() == 1


def test_unit_report_confirm(world: SimpleNamespace) -> None:
    report = unit_submit(world.U, world.unit_secretary)

    services.unit_report_confirm(report=report, by=world.community_staff, community_signatory=" 安宁书记 ")

    report.refresh_from_db()
    assert report.status == UnitReport.Status.CONFIRMED
    assert report.community_signatory == "安宁书记"
    assert report.decided_by == world.community_staff and report.decided_at is not None
    assert kinds(report) == [K.ASSIGNED, K.SUBMITTED, K.CONFIRMED]


def test_unit_report_confirm_needs_the_signatory(world: SimpleNamespace) -> None:
    report = unit_submit(world.U, world.unit_secretary)

    with pytest.raises(ReportError) as exc:
        services.unit_report_confirm(report=report, by=world.community_staff, community_signatory="  ")

    assert field_messages(exc) == {"community_signatory": ["请填写社区党组织书记姓名"]}
    report.refresh_from_db()
    assert report.status == UnitReport.Status.SUBMITTED


def test_unit_report_confirm_twice_is_refused(world: SimpleNamespace) -> None:
    report = unit_submit(world.U, world.unit_secretary)
    services.unit_report_confirm(report=report, by=world.community_staff, community_signatory="安宁书记")

    with pytest.raises(ReportError) as exc:
        services.unit_report_confirm(report=report, by=world.community_staff, community_signatory="安宁书记")

    assert messages(exc) == ["该报到不是待确认状态"]
    assert kinds(report) == [K.ASSIGNED, K.SUBMITTED, K.CONFIRMED]


@pytest.mark.parametrize("reason", ["", "   "])
def test_unit_report_return_needs_a_reason(world: SimpleNamespace, reason: str) -> None:
    report = unit_submit(world.U, world.unit_secretary)

    with pytest.raises(ReportError) as exc:
        services.unit_report_return(report=report, by=world.community_staff, reason=reason)

    assert field_messages(exc) == {"reason": ["退回时请填写原因"]}
    report.refresh_from_db()
    assert report.status == UnitReport.Status.SUBMITTED
    assert kinds(report) == [K.ASSIGNED, K.SUBMITTED]


def test_unit_report_return_and_resubmit_reuses_the_row(world: SimpleNamespace) -> None:
    report = unit_submit(world.U, world.unit_secretary)
    services.unit_report_return(report=report, by=world.community_staff, reason="需求清单不具体")
    report.refresh_from_db()
    assert (report.status, report.return_reason) == (UnitReport.Status.RETURNED, "需求清单不具体")

    again = unit_submit(world.U, world.unit_secretary, community_demands="安一小区加装路灯")

    assert again.pk == report.pk
    again.refresh_from_db()
    assert again.status == UnitReport.Status.SUBMITTED
    assert again.return_reason == ""
    assert again.community_demands == "安一小区加装路灯"
    assert UnitReport.objects.filter(unit=world.U).count() == 1
    assert kinds(again) == [K.ASSIGNED, K.SUBMITTED, K.RETURNED, K.RESUBMITTED]
    returned = again.events.get(kind=K.RETURNED)
    assert (returned.actor, returned.note) == (world.community_staff, "需求清单不具体")


def test_returned_unit_report_cannot_be_confirmed(world: SimpleNamespace) -> None:
    report = unit_submit(world.U, world.unit_secretary)
    services.unit_report_return(report=report, by=world.community_staff, reason="重填")

    with pytest.raises(ReportError) as exc:
        services.unit_report_confirm(report=report, by=world.community_staff, community_signatory="安宁书记")

    assert messages(exc) == ["该报到不是待确认状态"]


def test_active_unit_report_constraint(world: SimpleNamespace) -> None:
    report = unit_submit(world.U, world.unit_secretary)

    with pytest.raises(IntegrityError), transaction.atomic():
        UnitReport.objects.create(
            unit=world.U, community=world.A, submitted_by=world.unit_secretary, **unit_report_fields()
        )
    assert UnitReport.objects.filter(unit=world.U).get() == report


# --- certificates -------------------------------------------------------------------------------


def test_certificate_issue(world: SimpleNamespace, today: dt.date) -> None:
    cert = services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)

    assert cert.status == Certificate.Status.ISSUED
    assert (cert.member, cert.unit, cert.community) == (world.m_u_a, world.U, world.A)
    assert cert.deadline == today + dt.timedelta(days=30)
    assert cert.number.startswith(f"BDZ{today:%Y%m%d}")
    assert cert.issued_by == world.unit_secretary


def test_certificate_deadline_follows_the_city_rule(world: SimpleNamespace, today: dt.date) -> None:
    rule_set(key="report_deadline_days", value=Decimal(10), city=world.C)
    first = services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)
    rule_set(key="report_deadline_days", value=Decimal(45), city=world.C)
    second = services.certificate_issue(member=world.m_u_b, by=world.unit_secretary)

    assert first.deadline == today + dt.timedelta(days=10)
    assert second.deadline == today + dt.timedelta(days=45)


def test_certificate_community_is_the_residence_community(world: SimpleNamespace) -> None:
    cert = services.certificate_issue(member=world.m_u_b, by=world.unit_secretary)  # lives in B1-1

    assert cert.community == world.B


def test_certificate_reissue_revokes_the_old_one(world: SimpleNamespace) -> None:
    old = services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)
    old_token = services.certificate_token(old)

    new = services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)

    old.refresh_from_db()
    assert old.status == Certificate.Status.REVOKED
    assert new.status == Certificate.Status.ISSUED and new.number != old.number
    assert set(Certificate.objects.filter(member=world.m_u_a, status="issued")) == {new}
    with pytest.raises(ReportError) as exc:
        services.certificate_from_token(old_token)
    assert messages(exc) == ["该报到证已作废，请向单位党组织索取新的报到证"]
    assert services.certificate_from_token(services.certificate_token(new)) == new


@pytest.mark.parametrize("status", [Member.Status.RETIRED, Member.Status.TRANSFERRED])
def test_certificate_refused_for_a_member_not_in_service(world: SimpleNamespace, status: str) -> None:
    services.member_set_status(member=world.m_u_a, status=status, by=world.unit_secretary)

    with pytest.raises(ReportError) as exc:
        services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)

    assert messages(exc) == ["王安华 不是在职党员，无需报到"]
    assert not Certificate.objects.exists()


@pytest.mark.parametrize("decided", [False, True])
def test_certificate_refused_for_a_member_already_reported(world: SimpleNamespace, decided: bool) -> None:
    report = submit(world.m_u_a)
    if decided:
        confirm(report, world.community_staff)

    with pytest.raises(ReportError) as exc:
        services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)

    assert messages(exc) == ["王安华 已报到或正在报到中"]
    assert not Certificate.objects.exists()


def test_certificates_issue_batch_only_for_members_without_active_report(
    world: SimpleNamespace, today: dt.date
) -> None:
    w = world
    retired = new_member("吴退休", w.U, w.A1)
    services.member_set_status(member=retired, status=Member.Status.RETIRED, by=None)
    reported = new_member("冯已报", w.U, w.A2)
    submit(reported)
    kept = new_member("陈有证", w.U, w.A2)
    open_cert = services.certificate_issue(member=kept, by=w.unit_secretary)
    expired = new_member("褚过期", w.U, w.A2)
    expired_cert = services.certificate_issue(member=expired, by=w.unit_secretary)
    Certificate.objects.filter(pk=expired_cert.pk).update(deadline=today - dt.timedelta(days=1))
    returned = new_member("卫退回", w.U, w.A2)
    services.member_report_return(report=submit(returned), by=w.community_staff, reason="楼栋填错")

    batch = services.certificates_issue_batch(unit=w.U, by=w.unit_secretary)
    certs = batch.issued

    assert {c.member.name for c in certs} == {"王安华", "李北辰", "褚过期", "卫退回"}
    assert [c.pk for c in batch.kept] == [open_cert.pk]  # 陈有证 keeps his, not re-issued
    by_name = {c.member.name: c for c in certs}
    assert by_name["褚过期"].pk != expired_cert.pk
    expired_cert.refresh_from_db()
    assert expired_cert.status == Certificate.Status.REVOKED
    assert all(c.status == Certificate.Status.ISSUED and c.unit == w.U for c in certs)
    assert not Certificate.objects.filter(member__in=[retired, reported]).exists()


def test_certificates_issue_batch_twice_keeps_the_open_certificates(world: SimpleNamespace) -> None:
    first = services.certificates_issue_batch(unit=world.U, by=world.unit_secretary).issued
    second = services.certificates_issue_batch(unit=world.U, by=world.unit_secretary)

    assert second.issued == [] and {c.pk for c in first} == {c.pk for c in second.kept}
    assert Certificate.objects.count() == 2


def test_certificates_issue_batch_when_everyone_reported(world: SimpleNamespace) -> None:
    submit(world.m_u_a)
    submit(world.m_u_b)

    assert services.certificates_issue_batch(unit=world.U, by=world.unit_secretary) == services.BatchIssue()


# --- certificate tokens -------------------------------------------------------------------------

INVALID = "报到证二维码无效，请向单位党组织索取新的报到证"


def test_certificate_from_token_reads_an_open_certificate(world: SimpleNamespace) -> None:
    cert = services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)

    assert services.certificate_from_token(services.certificate_token(cert)) == cert


@pytest.mark.parametrize("token", ["", "abc", "not-a-token:at:all", "eyJhIjoxfQ:1abc:xyz"])
def test_certificate_from_forged_token(world: SimpleNamespace, token: str) -> None:
    with pytest.raises(ReportError) as exc:
        services.certificate_from_token(token)

    assert messages(exc) == [INVALID]


def test_certificate_from_token_signed_with_another_salt(world: SimpleNamespace) -> None:
    cert = services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)
    forged = signing.Signer(salt="somewhere.else").sign_object([cert.pk, cert.nonce], compress=True)

    with pytest.raises(ReportError) as exc:
        services.certificate_from_token(forged)

    assert messages(exc) == [INVALID]


@pytest.mark.parametrize("payload", [[1], "x", {"pk": 1}, ["1", "nonce"], [1, 2]])
def test_certificate_from_signed_token_of_another_shape(world: SimpleNamespace, payload: object) -> None:
    token = signing.Signer(salt=services.TOKEN_SALT).sign_object(payload, compress=True)

    with pytest.raises(ReportError) as exc:
        services.certificate_from_token(token)

    assert messages(exc) == [INVALID]


@pytest.mark.parametrize("raw", [".bm90IHpsaWI", "bm90IGpzb24", ".", ""])
def test_certificate_from_signed_token_that_does_not_decode(world: SimpleNamespace, raw: str) -> None:
    # Correctly signed, but the payload is not zlib ("." prefix) or not JSON.
    token = signing.Signer(salt=services.TOKEN_SALT).sign(raw)

    with pytest.raises(ReportError) as exc:
        services.certificate_from_token(token)

    assert messages(exc) == [INVALID]


@pytest.mark.parametrize("timestamp", ["00", "1", "1tq0aa", "zzzzzz", "-"])
def test_certificate_from_timestamped_token(world: SimpleNamespace, timestamp: str, monkeypatch) -> None:
    # A token signed with a timestamp (the format used before tokens became timestamp-free) carries
    # a valid signature over "payload:timestamp". Depending on the timestamp characters the payload
    # decodes to garbage (invalid) or to the original list (then judged like any token) – never a crash.
    cert = services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: timestamp)
    for nonce in (cert.nonce, "0" * 16):  # the second one compresses, so zlib sees the timestamp
        token = signing.dumps([cert.pk, nonce], salt=services.TOKEN_SALT, compress=True)

        try:
            got = services.certificate_from_token(token)
        except ReportError as exc:
            assert exc.messages[0] in (INVALID, "该报到证已作废，请向单位党组织索取新的报到证")
        else:
            assert got == cert


def test_certificate_from_tampered_token(world: SimpleNamespace) -> None:
    cert = services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)
    token = services.certificate_token(cert)
    i = 4  # inside the payload, before the signature
    tampered = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]

    with pytest.raises(ReportError) as exc:
        services.certificate_from_token(tampered)

    assert messages(exc) == [INVALID]


def test_certificate_from_token_with_a_wrong_nonce(world: SimpleNamespace) -> None:
    cert = services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)
    guessed = signing.Signer(salt=services.TOKEN_SALT).sign_object([cert.pk, "0" * 16], compress=True)

    with pytest.raises(ReportError) as exc:
        services.certificate_from_token(guessed)

    assert messages(exc) == ["该报到证已作废，请向单位党组织索取新的报到证"]


def test_certificate_from_token_revoked(world: SimpleNamespace) -> None:
    cert = services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)
    services.member_set_status(member=world.m_u_a, status=Member.Status.TRANSFERRED, by=None)

    with pytest.raises(ReportError) as exc:
        services.certificate_from_token(services.certificate_token(cert))

    assert messages(exc) == ["该报到证已作废，请向单位党组织索取新的报到证"]


def test_certificate_from_token_used(world: SimpleNamespace) -> None:
    cert = services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)
    submit(world.m_u_a, certificate=cert)

    with pytest.raises(ReportError) as exc:
        services.certificate_from_token(services.certificate_token(cert))

    assert messages(exc) == ["该报到证已使用，您已提交过报到"]


def test_certificate_from_token_expired(world: SimpleNamespace, today: dt.date) -> None:
    cert = services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)
    token = services.certificate_token(cert)
    Certificate.objects.filter(pk=cert.pk).update(deadline=today)
    assert services.certificate_from_token(token) == cert  # the deadline day itself is still in time

    yesterday = today - dt.timedelta(days=1)
    Certificate.objects.filter(pk=cert.pk).update(deadline=yesterday)
    with pytest.raises(ReportError) as exc:
        services.certificate_from_token(token)

    assert messages(exc) == [f"该报到证已过期（报到期限 {yesterday.isoformat()}），请向单位党组织重新申领"]


# --- member accounts ----------------------------------------------------------------------------


def test_member_activate_with_a_wrong_mobile_is_refused(world: SimpleNamespace, password: str) -> None:
    cert = services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)
    users = User.objects.count()

    with pytest.raises(ReportError) as exc:
        services.member_activate(certificate=cert, mobile="13800000000", password=password)

    assert field_messages(exc) == {"mobile": ["手机号与单位登记的不一致，请联系单位党组织核对"]}
    assert User.objects.count() == users
    world.m_u_a.refresh_from_db()
    assert world.m_u_a.user is None


def test_member_activate_creates_the_user_with_the_member_role(world: SimpleNamespace, password: str) -> None:
    cert = services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)

    user = services.member_activate(certificate=cert, mobile=" 13812345678 ", password=password)

    world.m_u_a.refresh_from_db()
    assert world.m_u_a.user == user
    assert user.username == f"m{world.m_u_a.pk}" and user.display_name == "王安华"
    assert user.check_password(password)
    assert set(RoleAssignment.objects.filter(user=user).values_list("role", "member_id")) == {
        (Role.MEMBER, world.m_u_a.pk)
    }
    assert scope.scope_for(user).member_ids == frozenset({world.m_u_a.pk})


def test_member_activate_twice_is_refused(world: SimpleNamespace, password: str) -> None:
    cert = services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)
    services.member_activate(certificate=cert, mobile="13812345678", password=password)
    cert.member.refresh_from_db()
    users = User.objects.count()

    with pytest.raises(ReportError) as exc:
        services.member_activate(certificate=cert, mobile="13812345678", password=password)

    assert messages(exc) == ["您已开通账号，请直接登录"]
    assert User.objects.count() == users


def test_member_activate_by_roster(world: SimpleNamespace, password: str) -> None:
    m = world.m_u_b

    user = services.member_activate_by_roster(id_number=m.id_number, mobile=m.mobile, password=password)

    m.refresh_from_db()
    assert m.user == user
    assert scope.scope_for(user).member_ids == frozenset({m.pk})


@pytest.mark.parametrize("wrong", ["mobile", "id_number", "unknown_id"])
def test_member_activate_by_roster_needs_id_and_mobile_to_match(
    world: SimpleNamespace, password: str, wrong: str
) -> None:
    m, other = world.m_u_b, world.m_v_b
    id_number = {"id_number": other.id_number, "unknown_id": make_id_number()}.get(wrong, m.id_number)
    mobile = other.mobile if wrong == "mobile" else m.mobile
    users = User.objects.count()

    with pytest.raises(ReportError) as exc:
        services.member_activate_by_roster(id_number=id_number, mobile=mobile, password=password)

    # An ID on the roster with another mobile may ask the unit (test_self_report.py); an unknown ID may not.
    if wrong == "unknown_id":
        assert messages(exc) == ["党员名册中没有该身份证号，请联系所在单位党组织登记后再报到"]
    else:
        assert isinstance(exc.value, services.RosterMobileMismatch)
        assert messages(exc)[0].startswith("身份证号和手机号与党员名册不一致")
    assert User.objects.count() == users


def test_member_activate_by_roster_twice_is_refused(world: SimpleNamespace, password: str) -> None:
    m = world.m_u_b
    services.member_activate_by_roster(id_number=m.id_number, mobile=m.mobile, password=password)

    with pytest.raises(ReportError) as exc:
        services.member_activate_by_roster(id_number=m.id_number, mobile=m.mobile, password=password)

    assert messages(exc) == ["您已开通账号，请直接登录"]


# --- member reports -----------------------------------------------------------------------------


def test_member_report_submit_with_certificate(world: SimpleNamespace, teams: list[Category]) -> None:
    w = world
    cert = services.certificate_issue(member=w.m_u_a, by=w.unit_secretary)
    intention = Category.objects.create(kind=Category.Kind.INTENTION, name="政策宣讲")
    user = services.member_activate(certificate=cert, mobile="13812345678", password=w.password)
    w.m_u_a.refresh_from_db()

    report = services.member_report_submit(
        member=w.m_u_a,
        community=w.A,
        residence=w.A2,
        room=" 3单元502 ",
        skills=[w.skill],
        intentions=[intention],
        team_types=teams,
        commitment_accepted=True,
        certificate=cert,
    )

    report.refresh_from_db()
    assert report.status == MemberReport.Status.PENDING
    assert report.source == MemberReport.Source.CERTIFICATE
    assert (report.certificate, report.unit, report.community, report.residence) == (cert, w.U, w.A, w.A2)
    assert report.room == "3单元502"
    assert set(report.team_types.all()) == set(teams)
    assert "不少于5次" in report.commitment_text and "不少于20小时" in report.commitment_text
    cert.refresh_from_db()
    assert cert.status == Certificate.Status.USED
    w.m_u_a.refresh_from_db()
    assert w.m_u_a.residence == w.A2  # the member corrected the residence
    assert set(w.m_u_a.intentions.all()) == {intention}
    event = report.events.get(kind=K.SUBMITTED)
    assert (event.kind, event.actor) == (K.SUBMITTED, user)


def test_member_report_commitment_text_follows_the_rules(world: SimpleNamespace, teams: list[Category]) -> None:
    rule_set(key="member_min_activities_per_year", value=Decimal(6), city=world.C)
    rule_set(key="member_min_hours_per_year", value=Decimal(24), city=world.C)

    report = submit(world.m_u_a)

    assert "不少于6次" in report.commitment_text and "不少于24小时" in report.commitment_text


@pytest.mark.parametrize("residence", ["B1", "B1_1", "F1"])
def test_member_report_residence_outside_the_community_is_refused(world: SimpleNamespace, residence: str) -> None:
    with pytest.raises(ReportError) as exc:
        submit(world.m_u_a, community=world.A, residence=getattr(world, residence))

    assert field_messages(exc) == {"residence": ["居住地必须是安宁社区内的小区、网格或楼栋"]}
    assert not MemberReport.objects.exists()


@pytest.mark.parametrize("residence", ["A", "S1", "C"])
def test_member_report_residence_must_be_a_compound_or_building(world: SimpleNamespace, residence: str) -> None:
    with pytest.raises(ReportError) as exc:
        submit(world.m_u_a, community=world.A, residence=getattr(world, residence))

    assert set(field_messages(exc)) == {"residence"}
    assert not MemberReport.objects.exists()


def test_member_report_needs_a_team_type(world: SimpleNamespace, teams: list[Category]) -> None:
    with pytest.raises(ReportError) as exc:
        submit(world.m_u_a, teams=[])

    assert field_messages(exc) == {"team_types": ["请至少选择 1 个志愿服务队类型"]}
    assert not MemberReport.objects.exists()


def test_member_report_team_types_follow_the_rule(world: SimpleNamespace, teams: list[Category]) -> None:
    rule_set(key="member_min_teams", value=Decimal(2), city=world.C)

    with pytest.raises(ReportError) as exc:
        submit(world.m_u_a, teams=teams[:1])
    assert set(field_messages(exc)) == {"team_types"}

    assert submit(world.m_u_a, teams=teams).status == MemberReport.Status.PENDING


def test_member_report_needs_the_commitment(world: SimpleNamespace, teams: list[Category]) -> None:
    with pytest.raises(ReportError) as exc:
        submit(world.m_u_a, commitment=False)

    assert field_messages(exc) == {"commitment": ["请阅读并签署服务承诺书"]}
    assert not MemberReport.objects.exists()


def test_member_report_collects_every_field_error(world: SimpleNamespace, teams: list[Category]) -> None:
    with pytest.raises(ReportError) as exc:
        submit(world.m_u_a, community=world.A, residence=world.B1, teams=[], commitment=False)

    assert set(field_messages(exc)) == {"residence", "team_types", "commitment"}


def test_member_report_refused_for_a_retired_member(world: SimpleNamespace, teams: list[Category]) -> None:
    services.member_set_status(member=world.m_u_a, status=Member.Status.RETIRED, by=None)

    with pytest.raises(ReportError) as exc:
        submit(world.m_u_a)

    assert messages(exc) == ["只有在职党员需要报到"]


@pytest.mark.parametrize("decided", [False, True])
def test_member_report_twice_is_refused_without_duplicate(
    world: SimpleNamespace, teams: list[Category], decided: bool
) -> None:
    first = submit(world.m_u_a)
    if decided:
        confirm(first, world.community_staff)

    with pytest.raises(ReportError) as exc:
        submit(world.m_u_a)

    assert messages(exc) == ["您已提交过报到，无需重复提交"]
    assert list(MemberReport.objects.filter(member=world.m_u_a)) == [first]


def test_member_report_twice_with_the_same_certificate_is_refused(world: SimpleNamespace, teams: list) -> None:
    cert = services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)
    submit(world.m_u_a, certificate=cert)

    with pytest.raises(ReportError) as exc:
        submit(world.m_u_a, certificate=cert)

    assert messages(exc) == ["该报到证已使用或已作废"]
    assert MemberReport.objects.filter(member=world.m_u_a).count() == 1


def test_member_report_with_another_members_certificate_is_refused(world: SimpleNamespace, teams: list) -> None:
    cert = services.certificate_issue(member=world.m_u_b, by=world.unit_secretary)

    with pytest.raises(ReportError) as exc:
        submit(world.m_u_a, community=world.B, residence=world.B1, certificate=cert)

    assert messages(exc) == ["该报到证已使用或已作废"]
    cert.refresh_from_db()
    assert cert.status == Certificate.Status.ISSUED
    assert not MemberReport.objects.exists()


def test_one_active_member_report_is_a_database_constraint(world: SimpleNamespace, teams: list) -> None:
    first = submit(world.m_u_a)

    with pytest.raises(IntegrityError), transaction.atomic():
        MemberReport.objects.create(
            member=world.m_u_a,
            unit=world.U,
            source=MemberReport.Source.SELF,
            community=world.A,
            residence=world.A1,
            commitment_text="x",
            status=MemberReport.Status.CONFIRMED,
        )
    assert list(MemberReport.objects.filter(member=world.m_u_a)) == [first]


def test_ended_reports_do_not_count_for_the_constraint(world: SimpleNamespace, teams: list) -> None:
    confirmed_report(world.m_u_a, world.community_staff)
    services.member_move(member=world.m_u_a, residence=world.B1, by=None)
    MemberReport.objects.filter(member=world.m_u_a, status="pending").update(status="ended")

    again = submit(world.m_u_a)

    assert again.status == MemberReport.Status.PENDING
    assert MemberReport.objects.filter(member=world.m_u_a).count() == 3


def test_self_report_to_the_roster_community_goes_to_the_community(world: SimpleNamespace, teams: list) -> None:
    report = submit(world.m_u_a, community=world.A, residence=world.A2)

    assert (report.source, report.status) == (MemberReport.Source.SELF, MemberReport.Status.PENDING)
    assert report.certificate is None


def test_self_report_to_another_community_needs_the_unit(world: SimpleNamespace, teams: list) -> None:
    w = world
    report = submit(w.m_u_a, community=w.B, residence=w.B1)  # the roster says A1-1
    assert (report.source, report.status) == (MemberReport.Source.SELF, MemberReport.Status.UNIT_APPROVAL)

    services.member_report_unit_approve(report=report, by=w.unit_secretary)

    report.refresh_from_db()
    assert report.status == MemberReport.Status.PENDING
    assert kinds(report) == [K.SUBMITTED, K.UNIT_APPROVED]
    assert report.events.get(kind=K.UNIT_APPROVED).actor == w.unit_secretary


def test_unit_approve_only_for_reports_waiting_for_it(world: SimpleNamespace, teams: list) -> None:
    report = submit(world.m_u_a)

    with pytest.raises(ReportError) as exc:
        services.member_report_unit_approve(report=report, by=world.unit_secretary)

    assert messages(exc) == ["该报到不需要单位审核"]


def test_unit_may_return_a_self_report(world: SimpleNamespace, teams: list) -> None:
    report = submit(world.m_u_a, community=world.B, residence=world.B1)

    services.member_report_return(report=report, by=world.unit_secretary, reason="不是本单位登记的住址")

    report.refresh_from_db()
    assert (report.status, report.return_reason) == (MemberReport.Status.RETURNED, "不是本单位登记的住址")


def test_self_report_waiting_for_the_unit_does_not_move_the_roster_address(world: SimpleNamespace, teams: list) -> None:
    """Until the unit approves, the roster keeps the address it vouches for (and coverage counts there)."""
    w = world
    report = submit(w.m_u_a, community=w.B, residence=w.B1)
    w.m_u_a.refresh_from_db()
    assert w.m_u_a.residence == w.A1_1

    services.member_report_unit_approve(report=report, by=w.unit_secretary)

    w.m_u_a.refresh_from_db()
    assert w.m_u_a.residence == w.B1


def test_resubmitting_after_the_unit_returned_a_self_report_needs_the_unit_again(
    world: SimpleNamespace, teams: list
) -> None:
    w = world
    report = submit(w.m_u_a, community=w.B, residence=w.B1)
    services.member_report_return(report=report, by=w.unit_secretary, reason="不是本单位登记的住址")

    again = submit(w.m_u_a, community=w.B, residence=w.B1)

    assert again.pk == report.pk
    assert again.status == MemberReport.Status.UNIT_APPROVAL


# --- confirm and return -------------------------------------------------------------------------


def test_member_reports_confirm_in_a_batch(world: SimpleNamespace, teams: list, today: dt.date) -> None:
    w = world
    r1 = submit(w.m_u_a)
    r2 = submit(w.m_v_a)
    waiting = submit(w.m_u_b, community=w.A, residence=w.A1)  # unit approval first

    n = services.member_reports_confirm(reports=[r1, r2, waiting], by=w.community_staff)

    assert n == 2
    r1.refresh_from_db(), r2.refresh_from_db(), waiting.refresh_from_db()
    assert {r1.status, r2.status} == {MemberReport.Status.CONFIRMED}
    assert waiting.status == MemberReport.Status.UNIT_APPROVAL and waiting.receipt_number == ""
    for r in (r1, r2):
        assert r.receipt_number.startswith(f"HZ{today:%Y%m%d}")
        assert (r.decided_by, r.decided_at is not None) == (w.community_staff, True)
        assert kinds(r) == [K.SUBMITTED, K.CONFIRMED, K.RECEIPT]
        assert r.events.get(kind=K.RECEIPT).note == r.receipt_number
    assert r1.receipt_number != r2.receipt_number


def test_member_reports_confirm_twice_does_nothing_more(world: SimpleNamespace, teams: list) -> None:
    r = confirmed_report(world.m_u_a, world.community_staff)
    receipt = r.receipt_number

    assert services.member_reports_confirm(reports=[r], by=world.community_staff) == 0

    r.refresh_from_db()
    assert r.receipt_number == receipt
    assert kinds(r) == [K.SUBMITTED, K.CONFIRMED, K.RECEIPT]


@pytest.mark.parametrize("reason", ["", "  "])
def test_member_report_return_needs_a_reason(world: SimpleNamespace, teams: list, reason: str) -> None:
    r = submit(world.m_u_a)

    with pytest.raises(ReportError) as exc:
        services.member_report_return(report=r, by=world.community_staff, reason=reason)

    assert field_messages(exc) == {"reason": ["退回时请填写原因"]}
    r.refresh_from_db()
    assert r.status == MemberReport.Status.PENDING


def test_member_report_return_and_resubmit_reuses_the_row(world: SimpleNamespace, teams: list) -> None:
    w = world
    cert = services.certificate_issue(member=w.m_u_a, by=w.unit_secretary)
    r = submit(w.m_u_a, certificate=cert)

    services.member_report_return(report=r, by=w.community_staff, reason="楼栋不对")
    r.refresh_from_db()
    assert (r.status, r.return_reason, r.decided_by) == (MemberReport.Status.RETURNED, "楼栋不对", w.community_staff)

    again = submit(w.m_u_a, community=w.A, residence=w.A2)

    assert again.pk == r.pk
    again.refresh_from_db()
    assert (again.status, again.return_reason, again.residence) == (MemberReport.Status.PENDING, "", w.A2)
    assert again.certificate == cert
    assert MemberReport.objects.filter(member=w.m_u_a).count() == 1
    assert kinds(again) == [K.CERTIFICATE, K.SUBMITTED, K.RETURNED, K.RESUBMITTED]
    assert again.events.get(kind=K.RETURNED).note == "楼栋不对"


def test_resubmitting_a_returned_certificate_report_keeps_source_certificate(
    world: SimpleNamespace, teams: list
) -> None:
    w = world
    cert = services.certificate_issue(member=w.m_u_a, by=w.unit_secretary)
    r = submit(w.m_u_a, certificate=cert)
    services.member_report_return(report=r, by=w.community_staff, reason="楼栋不对")

    # The certificate is used up: the member resubmits through the community's page, without it.
    again = submit(w.m_u_a, community=w.A, residence=w.A2)

    again.refresh_from_db()
    assert again.pk == r.pk
    assert (again.source, again.certificate, again.status) == (
        MemberReport.Source.CERTIFICATE,
        cert,
        MemberReport.Status.PENDING,
    )
    assert kinds(again) == [K.CERTIFICATE, K.SUBMITTED, K.RETURNED, K.RESUBMITTED]


def test_reporting_elsewhere_after_a_return_is_a_new_self_report(world: SimpleNamespace, teams: list) -> None:
    w = world
    cert = services.certificate_issue(member=w.m_u_a, by=w.unit_secretary)
    r = submit(w.m_u_a, certificate=cert)
    services.member_report_return(report=r, by=w.community_staff, reason="不住本社区")

    other = submit(w.m_u_a, community=w.B, residence=w.B1)

    assert other.pk != r.pk
    assert (other.source, other.certificate, other.status) == (
        MemberReport.Source.SELF,
        None,
        MemberReport.Status.UNIT_APPROVAL,
    )
    r.refresh_from_db()
    assert (r.status, r.source, r.certificate) == (MemberReport.Status.RETURNED, MemberReport.Source.CERTIFICATE, cert)


def test_confirmed_member_report_cannot_be_returned(world: SimpleNamespace, teams: list) -> None:
    r = confirmed_report(world.m_u_a, world.community_staff)

    with pytest.raises(ReportError) as exc:
        services.member_report_return(report=r, by=world.community_staff, reason="晚了")

    assert messages(exc) == ["该报到不是待确认状态"]
    r.refresh_from_db()
    assert r.status == MemberReport.Status.CONFIRMED


# --- dynamic management -------------------------------------------------------------------------


def test_member_move_ends_the_report_and_reports_to_the_new_community(world: SimpleNamespace, teams: list) -> None:
    w = world
    old = confirmed_report(w.m_u_a, w.community_staff, teams=teams)

    new = services.member_move(member=w.m_u_a, residence=w.B1_1, by=w.unit_secretary, room="1单元101")

    old.refresh_from_db()
    assert (old.status, old.end_reason) == (MemberReport.Status.ENDED, MemberReport.EndReason.MOVED)
    assert old.ended_at is not None and old.receipt_number  # the history stays readable
    assert (new.status, new.community, new.residence, new.room) == ("pending", w.B, w.B1_1, "1单元101")
    assert set(new.team_types.all()) == set(teams)
    assert new.commitment_text == old.commitment_text
    assert list(MemberReport.objects.filter(member=w.m_u_a, status__in=MemberReport.ACTIVE)) == [new]
    w.m_u_a.refresh_from_db()
    assert w.m_u_a.residence == w.B1_1
    assert kinds(old)[-1] == K.ENDED and old.events.get(kind=K.ENDED).note == "搬家迁居"
    assert [(e.kind, e.note) for e in new.events.all()] == [(K.SUBMITTED, "搬家后转至新社区")]


def test_member_move_within_the_community_keeps_the_confirmed_report(world: SimpleNamespace, teams: list) -> None:
    w = world
    r = confirmed_report(w.m_u_a, w.community_staff)  # lives in 安一1栋 of 安宁社区

    same = services.member_move(member=w.m_u_a, residence=w.A2, by=w.unit_secretary, room="1单元101")

    assert same.pk == r.pk
    same.refresh_from_db()
    assert (same.community, same.status, same.residence, same.room) == (w.A, "confirmed", w.A2, "1单元101")
    assert MemberReport.objects.filter(member=w.m_u_a).count() == 1  # nothing for the community to confirm
    w.m_u_a.refresh_from_db()
    assert w.m_u_a.residence == w.A2
    moved = same.events.get(kind=K.MOVED)
    assert (moved.actor, moved.note) == (w.unit_secretary, "由 安一小区 安一1栋 迁至 安二小区")
    assert kinds(same) == [K.SUBMITTED, K.CONFIRMED, K.RECEIPT, K.MOVED]


def test_member_move_within_the_community_while_pending(world: SimpleNamespace, teams: list) -> None:
    r = submit(world.m_u_a)

    same = services.member_move(member=world.m_u_a, residence=world.A2, by=None)

    same.refresh_from_db()
    assert (same.pk, same.status, same.residence) == (r.pk, "pending", world.A2)


def test_member_move_without_a_report_only_moves(world: SimpleNamespace) -> None:
    assert services.member_move(member=world.m_u_a, residence=world.B1, by=None) is None

    world.m_u_a.refresh_from_db()
    assert world.m_u_a.residence == world.B1
    assert not MemberReport.objects.exists()


@pytest.mark.parametrize("place", ["A", "S1"])
def test_member_move_to_a_non_residence_is_refused(world: SimpleNamespace, teams: list, place: str) -> None:
    r = confirmed_report(world.m_u_a, world.community_staff)

    with pytest.raises(ReportError) as exc:
        services.member_move(member=world.m_u_a, residence=getattr(world, place), by=None)

    assert field_messages(exc) == {"residence": ["居住地应为小区、网格或楼栋"]}
    r.refresh_from_db()
    assert r.status == MemberReport.Status.CONFIRMED


@pytest.mark.parametrize(
    ("status", "reason"),
    [(Member.Status.RETIRED, MemberReport.EndReason.RETIRED), (Member.Status.TRANSFERRED, "transferred")],
)
def test_member_set_status_ends_the_report(world: SimpleNamespace, teams: list, status: str, reason: str) -> None:
    r = confirmed_report(world.m_u_a, world.community_staff)

    services.member_set_status(member=world.m_u_a, status=status, by=world.unit_secretary)

    r.refresh_from_db()
    assert (r.status, r.end_reason) == (MemberReport.Status.ENDED, reason)
    world.m_u_a.refresh_from_db()
    assert world.m_u_a.status == status
    assert not MemberReport.objects.filter(status__in=MemberReport.ACTIVE).exists()
    assert r.events.order_by("-id").first().actor == world.unit_secretary


@pytest.mark.parametrize("status", [Member.Status.RETIRED, Member.Status.TRANSFERRED])
def test_member_set_status_revokes_open_certificates(world: SimpleNamespace, status: str) -> None:
    cert = services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)
    other = services.certificate_issue(member=world.m_u_b, by=world.unit_secretary)

    services.member_set_status(member=world.m_u_a, status=status, by=None)

    cert.refresh_from_db(), other.refresh_from_db()
    assert cert.status == Certificate.Status.REVOKED
    assert other.status == Certificate.Status.ISSUED


def test_member_set_status_refuses_an_unknown_status(world: SimpleNamespace) -> None:
    with pytest.raises(ReportError) as exc:
        services.member_set_status(member=world.m_u_a, status="dead", by=None)

    assert field_messages(exc) == {"status": ["未知状态"]}
    world.m_u_a.refresh_from_db()
    assert world.m_u_a.status == Member.Status.IN_SERVICE


def test_member_leave_unit_ends_the_report_and_revokes_certificates(world: SimpleNamespace, teams: list) -> None:
    w = world
    r = confirmed_report(w.m_u_a, w.community_staff)
    cert = services.certificate_issue(member=w.m_u_b, by=w.unit_secretary)
    v_branch = w.V.party_orgs.get(kind=PartyOrg.Kind.BRANCH)

    services.member_leave_unit(member=w.m_u_a, unit=w.V, party_org=v_branch, by=w.unit_secretary)
    services.member_leave_unit(member=w.m_u_b, unit=w.V, party_org=v_branch, by=w.unit_secretary)

    r.refresh_from_db(), cert.refresh_from_db()
    assert (r.status, r.end_reason) == (MemberReport.Status.ENDED, MemberReport.EndReason.LEFT_UNIT)
    assert r.unit == w.U  # the ended report stays with the old unit's ledger history
    assert cert.status == Certificate.Status.REVOKED
    w.m_u_a.refresh_from_db()
    assert (w.m_u_a.unit, w.m_u_a.party_org) == (w.V, v_branch)
    # the new unit issues a new certificate
    new_cert = services.certificate_issue(member=w.m_u_a, by=w.superuser)
    assert new_cert.unit == w.V


def test_member_leave_unit_with_a_party_org_of_another_unit_is_refused(world: SimpleNamespace, teams: list) -> None:
    r = confirmed_report(world.m_u_a, world.community_staff)
    u_branch = world.U.party_orgs.get(kind=PartyOrg.Kind.BRANCH)

    with pytest.raises(ReportError) as exc:
        services.member_leave_unit(member=world.m_u_a, unit=world.V, party_org=u_branch, by=None)

    assert field_messages(exc) == {"party_org": ["党组织不属于该单位"]}
    r.refresh_from_db()
    assert r.status == MemberReport.Status.CONFIRMED


# --- timeline and audit log ---------------------------------------------------------------------


def test_every_member_report_change_is_on_the_timeline_and_in_the_audit_log(
    world: SimpleNamespace, teams: list
) -> None:
    w = world
    steps = []

    def step(name: str, report: MemberReport, action) -> None:
        events, entries = report.events.count(), len(log_entries(report))
        action()
        report.refresh_from_db()
        steps.append((name, report.events.count() > events, len(log_entries(report)) > entries, report.status))

    r = submit(w.m_u_a, community=w.B, residence=w.B1)  # self-report away from the roster address
    assert kinds(r) == [K.SUBMITTED] and len(log_entries(r)) == 1
    step("unit approve", r, lambda: services.member_report_unit_approve(report=r, by=w.unit_secretary))
    step("return", r, lambda: services.member_report_return(report=r, by=w.staff_b, reason="重填"))
    w.m_u_a.refresh_from_db()  # the approval moved the roster address to B1
    step("resubmit", r, lambda: submit(w.m_u_a, community=w.B, residence=w.B1_1))
    step("confirm", r, lambda: services.member_reports_confirm(reports=[r], by=w.staff_b))
    step("move", r, lambda: services.member_move(member=w.m_u_a, residence=w.A1_1, by=w.unit_secretary))
    moved = MemberReport.objects.get(member=w.m_u_a, status__in=MemberReport.ACTIVE)
    assert moved.events.count() == 1 and len(log_entries(moved)) == 1
    step("retire", moved, lambda: services.member_set_status(member=w.m_u_a, status="retired", by=None))

    assert steps == [
        ("unit approve", True, True, "pending"),
        ("return", True, True, "returned"),
        ("resubmit", True, True, "pending"),
        ("confirm", True, True, "confirmed"),
        ("move", True, True, "ended"),
        ("retire", True, True, "ended"),
    ]
    assert kinds(r) == [K.SUBMITTED, K.UNIT_APPROVED, K.RETURNED, K.RESUBMITTED, K.CONFIRMED, K.RECEIPT, K.ENDED]


def test_confirmation_is_in_the_audit_log_with_the_status_change(world: SimpleNamespace, teams: list) -> None:
    r = submit(world.m_u_a)

    services.member_reports_confirm(reports=[r], by=world.community_staff)

    changes = [e.changes_dict for e in log_entries(r)]
    assert any(c.get("status") == ["pending", "confirmed"] for c in changes), changes


def test_leaving_the_unit_is_in_the_audit_log(world: SimpleNamespace, teams: list) -> None:
    r = confirmed_report(world.m_u_a, world.community_staff)
    before = len(log_entries(r))

    services.member_leave_unit(
        member=world.m_u_a, unit=world.V, party_org=world.V.party_orgs.first(), by=world.unit_secretary
    )

    assert len(log_entries(r)) > before
    assert r.events.order_by("-id").first().kind == K.ENDED


def test_every_unit_report_change_is_on_the_timeline_and_in_the_audit_log(world: SimpleNamespace) -> None:
    w = world
    r = unit_submit(w.U, w.unit_secretary)
    counts = [(r.events.count(), len(log_entries(r)))]

    services.unit_report_return(report=r, by=w.community_staff, reason="重填")
    counts.append((r.events.count(), len(log_entries(r))))
    unit_submit(w.U, w.unit_secretary)
    counts.append((r.events.count(), len(log_entries(r))))
    services.unit_report_confirm(report=r, by=w.community_staff, community_signatory="安宁书记")
    counts.append((r.events.count(), len(log_entries(r))))
    services.unit_assign(unit=w.U, community=w.B, by=w.city_admin)
    counts.append((r.events.count(), len(log_entries(r))))

    assert [c[0] for c in counts] == [2, 3, 4, 5, 6]  # the first two: assigned, submitted
    assert all(b[1] > a[1] for a, b in zip(counts, counts[1:], strict=False)), counts
    assert kinds(r) == [K.ASSIGNED, K.SUBMITTED, K.RETURNED, K.RESUBMITTED, K.CONFIRMED, K.ENDED]


def test_certificate_changes_are_in_the_audit_log(world: SimpleNamespace, teams: list) -> None:
    """Issue, use, revoke (by re-issue and by retirement): each leaves an audit entry."""
    w = world
    used = services.certificate_issue(member=w.m_u_a, by=w.unit_secretary)
    assert len(log_entries(used)) == 1
    submit(w.m_u_a, certificate=used)
    assert len(log_entries(used)) == 2

    reissued = services.certificate_issue(member=w.m_u_b, by=w.unit_secretary)
    services.certificate_issue(member=w.m_u_b, by=w.unit_secretary)
    retired = services.certificate_issue(member=w.m_v_a, by=w.superuser)
    services.member_set_status(member=w.m_v_a, status="retired", by=None)

    assert len(log_entries(reissued)) == 2
    assert len(log_entries(retired)) == 2

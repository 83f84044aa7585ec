"""Self-report from a community's poster when the roster's mobile is out of date (a changed phone).

The ID number is on the roster but the mobile is not: the member asks with the new mobile and a
password; the secretaries of the member's unit are told and one of them approves (the roster takes
the new mobile, the account opens) or refuses with a reason the member reads on the same page.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from auditlog.models import LogEntry
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from baodao.accounts import services as account_services
from baodao.accounts.models import Role, User
from baodao.conftest import make_id_number
from baodao.core import crypto
from baodao.notifications.models import Notification
from baodao.reporting import services
from baodao.reporting.models import MemberReport, MobileChangeRequest
from baodao.reporting.services import ReportError

NEW_MOBILE = "19912340001"


def messages(exc: pytest.ExceptionInfo) -> list[str]:
    return exc.value.messages


def _user(username: str, **role: object) -> User:
    return account_services.user_create(
        username=username, password="Shuang#Bao2024", display_name=username, roles=[role] if role else []
    )


@pytest.fixture
def secretaries(world: SimpleNamespace) -> SimpleNamespace:
    """U has two secretaries (both are told); V's secretary is next door."""
    world.sec_u2 = _user("sec_u2", role=Role.UNIT_SECRETARY, unit=world.U)
    world.sec_v = _user("sec_v", role=Role.UNIT_SECRETARY, unit=world.V)
    return world


def _ask(w: SimpleNamespace, member=None, mobile: str = NEW_MOBILE, community=None) -> MobileChangeRequest:
    m = member or w.m_u_b
    return services.mobile_change_request_submit(
        id_number=m.id_number, mobile=mobile, password=w.password, community=community or w.B
    )


def _raw_mobile_column(member_pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT mobile FROM directory_member WHERE id = %s", [member_pk])
        return cursor.fetchone()[0]


# --- services -------------------------------------------------------------------------------------


def test_activate_by_roster_with_an_unknown_id_is_refused_with_a_clear_message(world: SimpleNamespace) -> None:
    with pytest.raises(ReportError) as exc:
        services.member_activate_by_roster(id_number=make_id_number(), mobile=NEW_MOBILE, password=world.password)

    assert exc.value.message_dict == {"id_number": ["党员名册中没有该身份证号，请联系所在单位党组织登记后再报到"]}
    assert not isinstance(exc.value, services.RosterMobileMismatch)
    with pytest.raises(ReportError):
        services.mobile_change_request_submit(
            id_number=make_id_number(), mobile=NEW_MOBILE, password=world.password, community=world.A
        )
    assert not MobileChangeRequest.objects.exists()


def test_activate_by_roster_with_a_changed_mobile_offers_the_request(world: SimpleNamespace) -> None:
    m = world.m_u_b
    with pytest.raises(services.RosterMobileMismatch) as exc:
        services.member_activate_by_roster(id_number=m.id_number, mobile=NEW_MOBILE, password=world.password)

    assert "申请以新手机号报到" in exc.value.message_dict["mobile"][0]
    m.refresh_from_db()
    assert m.user is None


def test_mobile_change_request_is_stored_and_the_units_secretaries_are_told(secretaries: SimpleNamespace) -> None:
    w = secretaries
    old_mobile = w.m_u_b.mobile

    req = _ask(w)

    assert (req.member, req.community, req.status) == (w.m_u_b, w.B, MobileChangeRequest.Status.PENDING)
    assert req.mobile == NEW_MOBILE and req.mobile_hash == crypto.lookup_hash(NEW_MOBILE)
    assert req.password_hash and w.password not in req.password_hash
    w.m_u_b.refresh_from_db()
    assert (w.m_u_b.mobile, w.m_u_b.user) == (old_mobile, None)  # nothing changes before the decision
    told = Notification.objects.filter(dedupe_key=f"mobile-request:{req.pk}:submitted")
    assert {n.user for n in told} == {w.unit_secretary, w.sec_u2}
    n = told.get(user=w.unit_secretary)
    assert n.title == "李北辰申请以新手机号报到"
    assert "199****0001" in n.body and NEW_MOBILE not in n.body
    assert n.url == f"{reverse('reporting:ledger')}?status=unit_approval#mobile-requests"
    entry = LogEntry.objects.get_for_object(req).get()
    assert entry.action == LogEntry.Action.CREATE
    assert "mobile" not in entry.changes_dict and "password_hash" not in entry.changes_dict


def test_mobile_change_request_twice_is_refused_without_duplicate(secretaries: SimpleNamespace) -> None:
    w = secretaries
    _ask(w)

    with pytest.raises(ReportError) as same:
        _ask(w)
    with pytest.raises(ReportError) as other:
        _ask(w, mobile="19912340002")

    assert "正在等待所在单位党组织审核" in messages(same)[0]
    assert messages(other) == ["该身份证号已有一份待审核的手机号变更申请，请等待所在单位党组织审核"]
    assert MobileChangeRequest.objects.count() == 1
    assert Notification.objects.filter(user=w.unit_secretary).count() == 1
    # The database holds the line too, should two submits race past the check.
    with pytest.raises(IntegrityError), transaction.atomic():
        MobileChangeRequest.objects.create(member=w.m_u_b, community=w.A, mobile="19912340003", mobile_hash="x")


def test_coming_back_with_the_same_id_and_mobile_shows_the_request_waiting(world: SimpleNamespace) -> None:
    _ask(world)

    with pytest.raises(ReportError) as exc:
        services.member_activate_by_roster(id_number=world.m_u_b.id_number, mobile=NEW_MOBILE, password=world.password)

    assert not isinstance(exc.value, services.RosterMobileMismatch)
    assert "正在等待所在单位党组织审核" in messages(exc)[0]


@pytest.mark.parametrize(
    "case",
    ["roster_mobile", "used_by_an_account", "bad_mobile", "not_a_community", "has_an_account", "retired"],
)
def test_mobile_change_request_refused_inputs(world: SimpleNamespace, case: str) -> None:
    w = world
    m = w.m_u_b
    mobile, community = NEW_MOBILE, w.B
    if case == "roster_mobile":
        mobile = m.mobile
    elif case == "used_by_an_account":
        mobile = "13700001111"  # the community staff's login mobile
    elif case == "bad_mobile":
        mobile = "1234"
    elif case == "not_a_community":
        community = w.B1
    elif case == "has_an_account":
        services.member_activate_by_roster(id_number=m.id_number, mobile=m.mobile, password=w.password)
    else:
        services.member_set_status(member=m, status="retired", by=w.unit_secretary)

    with pytest.raises(ReportError):
        _ask(w, mobile=mobile, community=community)

    assert not MobileChangeRequest.objects.exists()
    assert not Notification.objects.filter(dedupe_key__startswith="mobile-request:").exists()


def test_approval_updates_the_roster_and_opens_the_account(secretaries: SimpleNamespace) -> None:
    w = secretaries
    req = _ask(w)

    services.mobile_change_request_approve(request=req, by=w.unit_secretary)

    req.refresh_from_db()
    m = w.m_u_b
    m.refresh_from_db()
    assert (req.status, req.decided_by, req.password_hash) == ("approved", w.unit_secretary, "")
    assert (m.mobile, m.mobile_hash) == (NEW_MOBILE, crypto.lookup_hash(NEW_MOBILE))
    assert NEW_MOBILE not in _raw_mobile_column(m.pk)  # stored encrypted
    user = m.user
    assert user is not None and user.is_active and user.mobile == NEW_MOBILE
    assert user.check_password(w.password)
    assert {n.user for n in Notification.objects.filter(dedupe_key=f"mobile-request:{req.pk}:approved")} == {
        w.unit_secretary,
        w.sec_u2,
    }
    assert LogEntry.objects.get_for_object(req).filter(action=LogEntry.Action.UPDATE).exists()
    assert LogEntry.objects.get_for_object(m).filter(action=LogEntry.Action.UPDATE).exists()
    # The member's roster mobile is the new one now: the usual activation says the account is open.
    with pytest.raises(ReportError) as exc:
        services.member_activate_by_roster(id_number=m.id_number, mobile=NEW_MOBILE, password=w.password)
    assert messages(exc) == ["您已开通账号，请直接登录"]
    with pytest.raises(ReportError) as twice:
        services.mobile_change_request_approve(request=req, by=w.unit_secretary)
    assert messages(twice) == ["该申请已审核，无需重复处理"]


def test_refusal_changes_nothing_and_the_member_reads_the_reason(secretaries: SimpleNamespace) -> None:
    w = secretaries
    req = _ask(w)
    old = (w.m_u_b.mobile, w.m_u_b.mobile_hash)
    with pytest.raises(ReportError) as blank:
        services.mobile_change_request_refuse(request=req, by=w.unit_secretary, reason=" ")
    assert blank.value.message_dict == {"reason": ["退回时请填写原因"]}

    services.mobile_change_request_refuse(request=req, by=w.unit_secretary, reason="电话核实非本人")

    req.refresh_from_db()
    w.m_u_b.refresh_from_db()
    assert (req.status, req.reason, req.password_hash) == ("refused", "电话核实非本人", "")
    assert (w.m_u_b.mobile, w.m_u_b.mobile_hash, w.m_u_b.user) == (*old, None)
    assert User.objects.filter(username=f"m{w.m_u_b.pk}").count() == 0
    assert Notification.objects.filter(dedupe_key=f"mobile-request:{req.pk}:refused").count() == 2
    with pytest.raises(ReportError) as exc:
        services.member_activate_by_roster(id_number=w.m_u_b.id_number, mobile=NEW_MOBILE, password=w.password)
    assert messages(exc) == ["所在单位党组织未通过您的手机号变更申请（原因：电话核实非本人），如有疑问请联系单位党组织"]
    # The same mobile is not asked for again; the old roster mobile still opens the account.
    with pytest.raises(ReportError):
        _ask(w)
    assert MobileChangeRequest.objects.count() == 1
    user = services.member_activate_by_roster(id_number=w.m_u_b.id_number, mobile=old[0], password=w.password)
    assert user.member == w.m_u_b


# --- pages ----------------------------------------------------------------------------------------


def _post(client: Client, w: SimpleNamespace, code: str, **extra: str):
    data = {
        "id_number": w.m_u_b.id_number,
        "mobile": NEW_MOBILE,
        "password": w.password,
        "password2": w.password,
        **extra,
    }
    return client.post(reverse("reporting:self_report", args=[code]), data)


def test_self_report_page_offers_the_request_and_shows_its_status(secretaries: SimpleNamespace, client: Client) -> None:
    w = secretaries
    first = _post(client, w, w.B.code)
    assert first.status_code == 422
    page = first.content.decode()
    assert "身份证号和手机号与党员名册不一致" in page and 'name="request_change"' in page
    assert not MobileChangeRequest.objects.exists()

    sent = _post(client, w, w.B.code, request_change="on")

    assert sent.status_code == 200 and "申请已提交" in sent.content.decode()
    req = MobileChangeRequest.objects.get()
    assert (req.member, req.community) == (w.m_u_b, w.B)
    assert "_auth_user_id" not in client.session  # no account before the unit decides

    again = _post(client, w, w.B.code, request_change="on")
    back = _post(client, w, w.B.code)
    assert again.status_code == back.status_code == 422
    assert "正在等待所在单位党组织审核" in again.content.decode() and "正在等待" in back.content.decode()
    assert MobileChangeRequest.objects.count() == 1


def test_self_report_page_refuses_an_id_not_on_the_roster(world: SimpleNamespace, client: Client) -> None:
    data = {"id_number": make_id_number(), "mobile": NEW_MOBILE, "password": world.password}
    response = client.post(
        reverse("reporting:self_report", args=[world.A.code]),
        {**data, "password2": world.password, "request_change": "on"},
    )

    assert response.status_code == 422
    assert "党员名册中没有该身份证号" in response.content.decode()
    assert not MobileChangeRequest.objects.exists()


def test_unit_secretary_approves_in_the_ledger_and_the_member_logs_in_and_reports(
    secretaries: SimpleNamespace, client: Client, teams: list
) -> None:
    w = secretaries
    _post(client, w, w.B.code, request_change="on")
    req = MobileChangeRequest.objects.get()
    sec = Client()
    sec.force_login(w.unit_secretary)

    ledger = sec.get(reverse("reporting:ledger"))
    assert [q.pk for q in ledger.context["mobile_requests"]] == [req.pk]
    assert NEW_MOBILE in ledger.content.decode()  # the secretary calls the new number to check
    decided = sec.post(reverse("reporting:mobile_request_approve", args=[req.pk]))
    assert decided.status_code == 302 and decided["Location"] == reverse("reporting:ledger")
    assert list(sec.get(reverse("reporting:ledger")).context["mobile_requests"]) == []

    # The member logs in with the new mobile and the password chosen with the request, then reports.
    login = client.post(reverse("accounts:login"), {"username": NEW_MOBILE, "password": w.password})
    assert login.status_code == 302
    w.m_u_b.refresh_from_db()
    assert int(client.session["_auth_user_id"]) == w.m_u_b.user_id
    link = reverse("reporting:self_report", args=[w.B.code])
    assert client.get(link).status_code == 200
    done = client.post(
        link,
        {"residence": w.B1_1.pk, "room": "1单元101", "team_types": [teams[0].pk], "commitment": "on"},
    )
    assert done.status_code == 302
    report = MemberReport.objects.get(member=w.m_u_b)
    assert (report.source, report.community, report.status) == ("self", w.B, "pending")


def test_unit_secretary_refuses_with_a_reason_in_the_ledger(secretaries: SimpleNamespace, client: Client) -> None:
    w = secretaries
    req = _ask(w)
    sec = Client()
    sec.force_login(w.unit_secretary)
    link = reverse("reporting:mobile_request_refuse", args=[req.pk])

    no_reason = sec.post(link)
    assert no_reason.status_code == 422
    req.refresh_from_db()
    assert req.status == "pending"

    assert sec.post(link, {"reason": "不是本人"}).status_code == 302
    req.refresh_from_db()
    assert (req.status, req.reason) == ("refused", "不是本人")
    back = _post(client, w, w.B.code)
    assert back.status_code == 422 and "原因：不是本人" in back.content.decode()


@pytest.mark.parametrize("who", ["sec_v", "community_staff", "staff_b", "member_user", "city_admin"])
def test_another_units_secretary_or_anyone_else_cannot_decide(secretaries: SimpleNamespace, who: str) -> None:
    w = secretaries
    req = _ask(w)
    c = Client()
    c.force_login(getattr(w, who))

    for action in ("approve", "refuse"):
        response = c.post(reverse(f"reporting:mobile_request_{action}", args=[req.pk]), {"reason": "x"})
        assert response.status_code == 404
    req.refresh_from_db()
    w.m_u_b.refresh_from_db()
    assert (req.status, w.m_u_b.user) == ("pending", None)


def test_mobile_requests_are_seen_by_the_members_unit_only(secretaries: SimpleNamespace) -> None:
    from baodao.reporting.selectors import mobile_change_requests_for_user

    w = secretaries
    mine = _ask(w)
    theirs = _ask(w, member=w.m_v_b, mobile="19912340009")

    assert set(mobile_change_requests_for_user(w.unit_secretary)) == {mine}
    assert set(mobile_change_requests_for_user(w.sec_v)) == {theirs}
    assert set(mobile_change_requests_for_user(w.community_staff)) == set()
    assert set(mobile_change_requests_for_user(w.superuser)) == {mine, theirs}


def _check_unknown_id(client: Client, w: SimpleNamespace, **extra: str):
    data = {"id_number": make_id_number(), "mobile": NEW_MOBILE, "password": w.password, "password2": w.password}
    return client.post(reverse("reporting:self_report", args=[w.A.code]), data, **extra)


def test_self_report_page_limits_failed_roster_checks_per_client(
    world: SimpleNamespace, client: Client, settings
) -> None:
    # Each failed check says whether an ID number is on the roster: a client gets a few an hour.
    settings.SELF_REPORT_CHECKS_PER_HOUR = 3
    assert [_check_unknown_id(client, world).status_code for _ in range(3)] == [422, 422, 422]

    refused = _check_unknown_id(client, world)
    assert refused.status_code == 429
    assert "核对失败次数过多" in refused.content.decode()
    assert "党员名册中没有该身份证号" not in refused.content.decode()  # nothing is checked any more
    # A right ID number and mobile from the same address is refused too until the hour is over.
    m = world.m_u_b
    data = {"id_number": m.id_number, "mobile": m.mobile, "password": world.password, "password2": world.password}
    assert client.post(reverse("reporting:self_report", args=[world.A.code]), data).status_code == 429
    m.refresh_from_db()
    assert m.user_id is None
    # Another address still has its own attempts.
    assert _check_unknown_id(client, world, REMOTE_ADDR="10.0.0.9").status_code == 422


def test_self_report_limit_counts_the_address_the_proxy_saw(world: SimpleNamespace, client: Client, settings) -> None:
    settings.SELF_REPORT_CHECKS_PER_HOUR = 1
    settings.PROXY_COUNT = 1
    assert _check_unknown_id(client, world, HTTP_X_FORWARDED_FOR="10.1.1.1").status_code == 422
    # The client may write anything before the address nginx appends: it is not believed.
    spoofed = _check_unknown_id(client, world, HTTP_X_FORWARDED_FOR="1.2.3.4, 10.1.1.1")
    assert spoofed.status_code == 429
    assert _check_unknown_id(client, world, HTTP_X_FORWARDED_FOR="10.1.1.2").status_code == 422


def test_self_report_limit_counts_refused_change_requests_too(world: SimpleNamespace, client: Client, settings) -> None:
    settings.SELF_REPORT_CHECKS_PER_HOUR = 2
    retired = world.m_u_b
    retired.status = "retired"
    retired.save(update_fields=["status"])
    data = {
        "id_number": retired.id_number,
        "mobile": NEW_MOBILE,
        "password": world.password,
        "password2": world.password,
        "request_change": "on",
    }
    link = reverse("reporting:self_report", args=[world.A.code])

    answers = [client.post(link, data).status_code for _ in range(3)]

    assert answers == [422, 422, 429]
    assert not MobileChangeRequest.objects.exists()

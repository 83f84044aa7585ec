"""Pages of 双报到 per role: status codes, scope (404 next door), bad input (422 + Chinese), ledger
and receipt, exports opened with openpyxl, overdue lists, query counts at 1 and 3 rows."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from auditlog.models import LogEntry
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from baodao.accounts.models import SecurityEvent, User
from baodao.directory.models import Category, Member, Unit, UnitAssignment
from baodao.reporting import services
from baodao.reporting.exports import LEDGER_HEADERS
from baodao.reporting.models import Certificate, MemberReport, UnitReport
from baodao.reporting.tests.conftest import (
    confirmed_report,
    link_member_user,
    new_member,
    submit,
    unit_report_fields,
    unit_submit,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


STATS_PAGES = {"coverage", "laggards"}  # the figures pages live in the stats app


def url(name: str, *args: object) -> str:
    app = "stats" if name in STATS_PAGES else "reporting"
    return reverse(f"{app}:{name}", args=args)


def xlsx_rows(response) -> list[tuple]:
    assert response["Content-Type"] == XLSX
    body = b"".join(response.streaming_content)
    ws = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    return [tuple("" if v is None else v for v in r) for r in ws.iter_rows(values_only=True)]


def flashed(response) -> list[str]:
    """Messages waiting in the session (those of earlier redirects too, until a page shows them)."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def html(response) -> str:
    return response.content.decode()


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def token_url(cert: Certificate) -> str:
    return url("register", services.certificate_token(cert))


# --- who may open what --------------------------------------------------------------------------

UNIT_PAGES = ["unit_report", "ledger"]
STAFF_PAGES = ["pending"]
ADMIN_PAGES = ["assign_list"]


@pytest.mark.parametrize(
    ("role", "page", "status"),
    [
        ("unit_secretary", "unit_report", 200),
        ("unit_secretary", "ledger", 200),
        ("unit_secretary", "pending", 403),
        ("unit_secretary", "assign_list", 403),
        ("unit_secretary", "coverage", 200),
        ("unit_secretary", "my_report", 403),
        ("community_staff", "pending", 200),
        ("community_staff", "unit_report", 403),
        ("community_staff", "ledger", 403),
        ("community_staff", "assign_list", 403),
        ("community_staff", "coverage", 200),
        ("compound_secretary", "pending", 403),
        ("street_admin", "pending", 200),
        ("street_admin", "assign_list", 403),
        ("district_admin", "assign_list", 200),
        ("city_admin", "assign_list", 200),
        ("city_admin", "pending", 200),
        ("city_admin", "coverage", 200),
        ("city_admin", "ledger", 403),
        ("member", "my_report", 200),
        ("member", "ledger", 403),
        ("member", "pending", 403),
        ("member", "coverage", 403),
        ("resident", "coverage", 403),
        ("resident", "my_report", 403),
    ],
)
def test_page_status_per_role(world: SimpleNamespace, role: str, page: str, status: int) -> None:
    response = client_for(world.role_users[role]).get(url(page))

    assert response.status_code == status


@pytest.mark.parametrize("page", ["unit_report", "ledger", "pending", "assign_list", "coverage", "my_report"])
def test_pages_need_login(world: SimpleNamespace, client: Client, page: str) -> None:
    response = client.get(url(page))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_nobody_gets_403(world: SimpleNamespace) -> None:
    c = client_for(world.nobody)
    assert [c.get(url(p)).status_code for p in ("ledger", "pending", "coverage", "my_report")] == [403] * 4


# --- unit secretary: unit report ----------------------------------------------------------------


def _unit_form(**kw: object) -> dict:
    data = unit_report_fields(**kw)
    data["report_date"] = data["report_date"].isoformat()
    data["joins_big_committee"] = "on"
    return data


def test_unit_report_submit_by_post(world: SimpleNamespace) -> None:
    c = client_for(world.unit_secretary)

    response = c.post(url("unit_report"), _unit_form())

    assert response.status_code == 302
    report = UnitReport.objects.get()
    assert (report.unit, report.community, report.status) == (world.U, world.A, UnitReport.Status.SUBMITTED)
    page = c.get(url("unit_report"))
    assert "待社区确认" in html(page) and "安宁社区" in html(page)


def test_unit_report_bad_phone_rerenders_with_422(world: SimpleNamespace) -> None:
    response = client_for(world.unit_secretary).post(url("unit_report"), _unit_form(contact_phone="123"))

    assert response.status_code == 422
    assert "手机号应为11位，以1开头" in html(response)
    assert not UnitReport.objects.exists()


def test_unit_report_missing_fields_rerenders_with_422(world: SimpleNamespace) -> None:
    response = client_for(world.unit_secretary).post(url("unit_report"), _unit_form(unit_resources=""))

    assert response.status_code == 422
    assert "请填写单位资源清单" in html(response) and "这个字段是必填项" not in html(response)


def test_unit_report_twice_is_refused(world: SimpleNamespace) -> None:
    c = client_for(world.unit_secretary)
    c.post(url("unit_report"), _unit_form())

    response = c.post(url("unit_report"), _unit_form())

    assert response.status_code == 422
    assert "本单位已向社区报到，无需重复提交" in html(response)
    assert UnitReport.objects.count() == 1


def test_unit_report_without_assignment(world: SimpleNamespace) -> None:
    UnitAssignment.objects.filter(unit=world.U).update(ended_on=dt.date.today())

    response = client_for(world.unit_secretary).get(url("unit_report"))

    assert response.status_code == 200
    assert "本单位尚未分配联系社区" in html(response)


def test_returned_unit_report_is_prefilled(world: SimpleNamespace) -> None:
    report = unit_submit(world.U, world.unit_secretary, community_demands="加装路灯")
    services.unit_report_return(report=report, by=world.community_staff, reason="请写明小区")

    response = client_for(world.unit_secretary).get(url("unit_report"))

    assert response.status_code == 200
    assert response.context["form"].initial["community_demands"] == "加装路灯"
    assert "请写明小区" in html(response)


def test_agreement_pdf(world: SimpleNamespace) -> None:
    report = unit_submit(world.U, world.unit_secretary)
    services.unit_report_confirm(report=report, by=world.community_staff, community_signatory="安宁书记")
    v_report = unit_submit(world.V, world.superuser)
    services.unit_report_confirm(report=v_report, by=world.staff_b, community_signatory="北门书记")
    c = client_for(world.unit_secretary)

    response = c.get(url("agreement_pdf", report.pk))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert c.get(url("agreement_pdf", v_report.pk)).status_code == 404
    assert client_for(world.staff_b).get(url("agreement_pdf", report.pk)).status_code == 404


def test_agreement_pdf_only_when_confirmed(world: SimpleNamespace) -> None:
    report = unit_submit(world.U, world.unit_secretary)

    assert client_for(world.unit_secretary).get(url("agreement_pdf", report.pk)).status_code == 404


# --- unit secretary: certificates and ledger ----------------------------------------------------


def test_certificates_issue_batch_and_print(world: SimpleNamespace) -> None:
    c = client_for(world.unit_secretary)

    response = c.post(url("certificates_issue"))

    certs = list(Certificate.objects.order_by("id"))
    assert {x.member.name for x in certs} == {"王安华", "李北辰"}
    ids = ",".join(str(x.pk) for x in certs)
    assert response.status_code == 302 and response["Location"] == f"{url('ledger')}?printed={ids}"
    assert flashed(response) == ["签发 2 张报到证"]
    ledger = c.get(response["Location"])
    assert f'href="{url("certificates_pdf")}?ids={ids}"' in html(ledger)

    pdf = c.get(f"{url('certificates_pdf')}?ids={ids}")

    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_certificates_issue_one_member(world: SimpleNamespace) -> None:
    response = client_for(world.unit_secretary).post(url("certificates_issue"), {"member": world.m_u_b.pk})

    assert response.status_code == 302
    assert [c.member for c in Certificate.objects.all()] == [world.m_u_b]


def test_certificates_issue_for_another_units_member_is_404(world: SimpleNamespace) -> None:
    response = client_for(world.unit_secretary).post(url("certificates_issue"), {"member": world.m_v_a.pk})

    assert response.status_code == 404
    assert not Certificate.objects.exists()


def test_certificates_issue_refusal_is_shown(world: SimpleNamespace, teams: list) -> None:
    submit(world.m_u_a)

    response = client_for(world.unit_secretary).post(url("certificates_issue"), {"member": world.m_u_a.pk})

    assert response.status_code == 422
    assert "王安华 已报到或正在报到中" in html(response)
    assert not Certificate.objects.exists()


def test_certificates_issue_when_nobody_needs_one(world: SimpleNamespace, teams: list) -> None:
    submit(world.m_u_a)
    submit(world.m_u_b)

    response = client_for(world.unit_secretary).post(url("certificates_issue"))

    assert flashed(response) == ["没有需要签发报到证的党员"]


def test_certificates_issue_is_confirmed_first_and_needs_the_role(world: SimpleNamespace) -> None:
    page = client_for(world.unit_secretary).get(url("certificates_issue"))

    assert page.status_code == 200 and "将为 2 名未报到的党员签发报到证" in html(page)
    assert 'id="confirm-batch"' in html(page) and "确认签发 2 张" in html(page)
    assert client_for(world.community_staff).get(url("certificates_issue")).status_code == 403
    assert client_for(world.community_staff).post(url("certificates_issue")).status_code == 403
    assert not Certificate.objects.exists()  # looking at the confirmation issues nothing


def test_a_batch_skips_members_who_hold_a_certificate_and_says_so(world: SimpleNamespace) -> None:
    held = services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)
    c = client_for(world.unit_secretary)

    page = c.get(url("certificates_issue"))
    response = c.post(url("certificates_issue"))

    assert "将为 1 名未报到的党员签发报到证，跳过 1 名已有报到证（在有效期内）的党员" in html(page)
    new = Certificate.objects.exclude(pk=held.pk).get()
    assert new.member == world.m_u_b
    assert flashed(response) == ["签发 1 张报到证，跳过 1 名已有报到证的党员"]
    assert response["Location"] == f"{url('ledger')}?printed={new.pk}"  # only the new one to print
    held.refresh_from_db()
    assert held.status == Certificate.Status.ISSUED  # kept, its QR still opens the registration


def test_re_issuing_one_member_revokes_the_old_certificate(world: SimpleNamespace) -> None:
    old = services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)
    token = services.certificate_token(old)

    client_for(world.unit_secretary).post(url("certificates_issue"), {"member": world.m_u_a.pk})

    old.refresh_from_db()
    assert old.status == Certificate.Status.REVOKED
    assert client_for(world.member_user).get(url("register", token)).status_code == 400  # the old QR
    assert LogEntry.objects.get_for_object(old).filter(changes__icontains="revoked").exists()  # audited


def test_unit_secretary_cannot_print_another_units_certificates(world: SimpleNamespace) -> None:
    other = services.certificate_issue(member=world.m_v_a, by=world.superuser)

    response = client_for(world.unit_secretary).get(f"{url('certificates_pdf')}?ids={other.pk}")

    assert response["Content-Type"] != "application/pdf"
    assert response.status_code == 302
    assert flashed(response) == ["没有可打印的报到证"]


def test_mixed_ids_print_only_own_certificates(world: SimpleNamespace, tmp_path) -> None:
    import subprocess

    mine = services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)
    other = services.certificate_issue(member=world.m_v_a, by=world.superuser)

    response = client_for(world.unit_secretary).get(f"{url('certificates_pdf')}?ids={mine.pk},{other.pk},x")

    assert response.status_code == 200
    path = tmp_path / "c.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "王安华" in text and "钱安宁" not in text


def test_ledger_shows_status_and_receipt_after_confirmation(world: SimpleNamespace, teams: list) -> None:
    c = client_for(world.unit_secretary)
    report = submit(world.m_u_a)
    before = c.get(url("ledger"))
    assert "待社区确认" in html(before)

    services.member_reports_confirm(reports=[report], by=world.community_staff)
    report.refresh_from_db()
    response = c.get(url("ledger"))

    assert response.status_code == 200
    assert f'<td class="receipt">{report.receipt_number}</td>' in html(response)
    rows = {r.member.name: r.status for r in response.context["rows"]}
    assert rows == {"王安华": "confirmed", "李北辰": "no_certificate"}
    assert "钱安宁" not in html(response)  # V's member


def test_ledger_export_xlsx(world: SimpleNamespace, teams: list) -> None:
    w = world
    report = confirmed_report(w.m_u_a, w.community_staff)
    cert = services.certificate_issue(member=w.m_u_b, by=w.unit_secretary)

    response = client_for(w.unit_secretary).get(f"{url('ledger')}?export=xlsx")

    rows = xlsx_rows(response)
    assert rows[0] == tuple(LEDGER_HEADERS)
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == {"王安华", "李北辰"}
    assert by_name["王安华"][3] == "已报到" and by_name["王安华"][9] == report.receipt_number
    assert by_name["王安华"][6] == "安宁社区"
    assert by_name["李北辰"][3:7] == ("已发证待报到", cert.number, cert.deadline.isoformat(), "北门社区")
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT, user=w.unit_secretary).count() == 1


def test_ledger_overdue_filter(world: SimpleNamespace, today: dt.date) -> None:
    late = services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)
    services.certificate_issue(member=world.m_u_b, by=world.unit_secretary)
    Certificate.objects.filter(pk=late.pk).update(deadline=today - dt.timedelta(days=2))
    c = client_for(world.unit_secretary)

    response = c.get(f"{url('ledger')}?status=overdue")

    assert [r.member.name for r in response.context["rows"]] == ["王安华"]
    assert "逾期未报到" in html(response)
    counts = {k: n for k, _label, n in response.context["counts"]}
    assert (counts["overdue"], counts["issued"]) == (1, 1)  # counts are of the whole ledger
    export = xlsx_rows(c.get(f"{url('ledger')}?status=overdue&export=xlsx"))
    assert [r[0] for r in export[1:]] == ["王安华"]


def test_ledger_lists_self_reports_to_approve(world: SimpleNamespace, teams: list) -> None:
    w = world
    away = submit(w.m_u_a, community=w.B, residence=w.B1)
    submit(w.m_v_a, community=w.B, residence=w.B1)  # V's: not for U's secretary
    c = client_for(w.unit_secretary)

    response = c.get(url("ledger"))

    assert [r.pk for r in response.context["approvals"]] == [away.pk]
    assert f'action="{url("unit_approve", away.pk)}"' in html(response)
    approve = c.post(url("unit_approve", away.pk))
    assert approve.status_code == 302 and approve["Location"] == url("ledger")
    assert flashed(approve) == ["已审核通过 王安华 的报到"]
    away.refresh_from_db()
    assert away.status == MemberReport.Status.PENDING


def test_unit_approve_return_needs_a_reason(world: SimpleNamespace, teams: list) -> None:
    away = submit(world.m_u_a, community=world.B, residence=world.B1)
    c = client_for(world.unit_secretary)

    response = c.post(url("unit_return", away.pk), {"reason": ""})

    assert response.status_code == 422
    assert "退回时请填写原因" in html(response)
    assert [r.pk for r in response.context["approvals"]] == [away.pk]  # the ledger, re-rendered
    away.refresh_from_db()
    assert away.status == MemberReport.Status.UNIT_APPROVAL
    assert [e.kind for e in away.events.all()] == ["submitted"]
    back = c.post(url("unit_return", away.pk), {"reason": "地址不符"})
    assert back.status_code == 302
    away.refresh_from_db()
    assert (away.status, away.return_reason) == (MemberReport.Status.RETURNED, "地址不符")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "退回时请填写原因"),
        ({"reason": "   "}, "退回时请填写原因"),
        ({"reason": "长" * 201}, "退回原因最多 200 个字（现在 201 个）"),
    ],
)
def test_unit_return_bad_post_rerenders_the_ledger_with_422(
    world: SimpleNamespace, teams: list, data: dict, message: str
) -> None:
    away = submit(world.m_u_a, community=world.B, residence=world.B1)

    response = client_for(world.unit_secretary).post(url("unit_return", away.pk), data)

    assert response.status_code == 422
    assert message in html(response)
    assert response.templates[0].name == "reporting/ledger.html"
    away.refresh_from_db()
    assert (away.status, away.return_reason, away.decided_by) == (MemberReport.Status.UNIT_APPROVAL, "", None)
    assert [e.kind for e in away.events.all()] == ["submitted"]


def test_unit_approve_of_another_unit_is_404(world: SimpleNamespace, teams: list) -> None:
    other = submit(world.m_v_a, community=world.B, residence=world.B1)

    assert client_for(world.unit_secretary).post(url("unit_approve", other.pk)).status_code == 404
    assert client_for(world.staff_b).post(url("unit_approve", other.pk)).status_code == 403
    other.refresh_from_db()
    assert other.status == MemberReport.Status.UNIT_APPROVAL


def _count_queries(c: Client, path: str) -> int:
    c.get(path)  # the first request after login saves the session: not the page's cost
    with CaptureQueriesContext(connection) as ctx:
        response = c.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_ledger_query_count_is_the_same_for_1_and_3_members(world: SimpleNamespace, teams: list) -> None:
    w = world
    unit = Unit.objects.create(code="Q001", name="计数局", kind=Unit.Kind.ORGAN, office_place=w.A)
    unit.party_orgs.create(kind="branch", name="计数局党支部")
    sec = User.objects.create_user(username="q_sec", password=w.password)
    sec.role_assignments.create(role="unit_secretary", unit=unit)
    c = client_for(sec)
    m = new_member("甲一", unit, w.A1_1)
    confirmed_report(m, w.community_staff)

    one = _count_queries(c, url("ledger"))
    m2 = new_member("乙二", unit, w.A2)
    services.certificate_issue(member=m2, by=sec)
    submit(new_member("丙三", unit, w.B1), community=w.A, residence=w.A2)  # waits for the unit

    assert _count_queries(c, url("ledger")) == one


# --- community staff ----------------------------------------------------------------------------


@pytest.fixture
def pending_world(world: SimpleNamespace, teams: list) -> SimpleNamespace:
    w = world
    w.r_a = submit(w.m_u_a)  # to A
    w.r_a2 = submit(w.m_v_a)  # to A
    w.r_b = submit(w.m_v_b)  # to B
    return w


def test_pending_lists_only_the_staffs_community(pending_world: SimpleNamespace) -> None:
    w = pending_world

    response = client_for(w.community_staff).get(url("pending"))

    assert {r.pk for r in response.context["reports"]} == {w.r_a.pk, w.r_a2.pk}
    assert "王安华" in html(response) and "钱安宁" in html(response)
    assert "赵北岳" not in html(response)
    assert "安一小区 安一1栋" in html(response)  # compound and building


def test_pending_of_another_community_is_404(pending_world: SimpleNamespace) -> None:
    w = pending_world

    assert client_for(w.community_staff).get(f"{url('pending')}?community={w.B.pk}").status_code == 404
    street = client_for(w.street_admin).get(f"{url('pending')}?community={w.B.pk}")
    assert {r.pk for r in street.context["reports"]} == {w.r_b.pk}


def test_confirm_members(pending_world: SimpleNamespace) -> None:
    w = pending_world

    response = client_for(w.community_staff).post(
        url("confirm_members"), {"community": w.A.pk, "report": [w.r_a.pk, w.r_a2.pk]}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{url('pending')}?community={w.A.pk}"
    assert flashed(response) == ["已确认 2 名党员报到，回执已送达所在单位"]
    assert set(MemberReport.objects.filter(status="confirmed")) == {w.r_a, w.r_a2}


def test_confirm_members_with_nothing_ticked(pending_world: SimpleNamespace) -> None:
    response = client_for(pending_world.community_staff).post(url("confirm_members"), {})

    assert response.status_code == 422
    assert "请先勾选要确认的报到" in html(response)
    assert {r.pk for r in response.context["reports"]} == {pending_world.r_a.pk, pending_world.r_a2.pk}
    assert not MemberReport.objects.filter(status="confirmed").exists()


def test_staff_of_b_cannot_confirm_a_report_of_a(pending_world: SimpleNamespace) -> None:
    w = pending_world
    c = client_for(w.staff_b)

    as_a = c.post(url("confirm_members"), {"community": w.A.pk, "report": [w.r_a.pk]})
    as_b = c.post(url("confirm_members"), {"community": w.B.pk, "report": [w.r_a.pk]})
    no_community = c.post(url("confirm_members"), {"report": [w.r_a.pk]})

    assert as_a.status_code == 404
    assert as_b.status_code == 422 and no_community.status_code == 422  # nothing of B's ticked
    w.r_a.refresh_from_db()
    assert w.r_a.status == MemberReport.Status.PENDING


def test_staff_of_b_cannot_return_or_see_a_report_of_a(pending_world: SimpleNamespace) -> None:
    w = pending_world
    c = client_for(w.staff_b)

    assert c.post(url("return_member", w.r_a.pk), {"reason": "不是本社区"}).status_code == 404
    assert c.get(url("report_detail", w.r_a.pk)).status_code == 404
    w.r_a.refresh_from_db()
    assert w.r_a.status == MemberReport.Status.PENDING


def test_compound_secretary_sees_but_cannot_return(pending_world: SimpleNamespace) -> None:
    w = pending_world
    c = client_for(w.compound_secretary)

    assert c.get(url("report_detail", w.r_a.pk)).status_code == 200
    assert c.post(url("return_member", w.r_a.pk), {"reason": "x"}).status_code == 403


def test_return_member(pending_world: SimpleNamespace) -> None:
    w = pending_world

    response = client_for(w.community_staff).post(url("return_member", w.r_a.pk), {"reason": "楼栋不对"})

    assert response.status_code == 302
    assert flashed(response) == ["已退回 王安华 的报到"]
    w.r_a.refresh_from_db()
    assert (w.r_a.status, w.r_a.return_reason) == (MemberReport.Status.RETURNED, "楼栋不对")


def test_return_member_without_reason_rerenders_with_422(pending_world: SimpleNamespace) -> None:
    w = pending_world

    response = client_for(w.community_staff).post(url("return_member", w.r_a.pk), {"reason": "  "})

    assert response.status_code == 422
    assert "退回时请填写原因" in html(response)
    w.r_a.refresh_from_db()
    assert w.r_a.status == MemberReport.Status.PENDING


def test_return_member_twice_shows_the_refusal(pending_world: SimpleNamespace) -> None:
    w = pending_world
    c = client_for(w.community_staff)
    c.post(url("return_member", w.r_a.pk), {"reason": "楼栋不对"})

    response = c.post(url("return_member", w.r_a.pk), {"reason": "再退"})

    assert response.status_code == 422
    assert "该报到不是待确认状态" in html(response)
    w.r_a.refresh_from_db()
    assert w.r_a.return_reason == "楼栋不对"


def test_decide_unit_confirm_and_return(world: SimpleNamespace) -> None:
    w = world
    u = unit_submit(w.U, w.unit_secretary)
    wr = unit_submit(w.W, w.superuser)
    c = client_for(w.community_staff)
    page = c.get(url("pending"))
    assert {r.pk for r in page.context["unit_reports"]} == {u.pk, wr.pk}

    assert html(page).count("/unit-reports/") == 4  # confirm and return, for each
    ok = c.post(url("unit_report_confirm", u.pk), {"community_signatory": "安宁书记"})
    back = c.post(url("unit_report_return", wr.pk), {"reason": "资源清单太笼统"})

    assert flashed(ok) == ["已确认 城建局 报到，共建协议可打印"]
    assert flashed(back)[-1] == "已退回 西山医院 的报到"
    u.refresh_from_db(), wr.refresh_from_db()
    assert (u.status, u.community_signatory) == (UnitReport.Status.CONFIRMED, "安宁书记")
    assert (wr.status, wr.return_reason) == (UnitReport.Status.RETURNED, "资源清单太笼统")


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("unit_report_return", {}, "退回时请填写原因"),
        ("unit_report_return", {"community_signatory": "安宁书记"}, "退回时请填写原因"),
        ("unit_report_return", {"reason": "  "}, "退回时请填写原因"),
        ("unit_report_confirm", {}, "请填写社区党组织书记姓名"),
        ("unit_report_confirm", {"reason": "x"}, "请填写社区党组织书记姓名"),
        ("unit_report_confirm", {"community_signatory": " "}, "请填写社区党组织书记姓名"),
    ],
)
def test_decide_unit_bad_post_rerenders_the_page_with_422(
    world: SimpleNamespace, action: str, data: dict, message: str
) -> None:
    w = world
    u = unit_submit(w.U, w.unit_secretary)

    response = client_for(w.community_staff).post(url(action, u.pk), data)

    assert response.status_code == 422
    assert message in html(response)
    assert [r.pk for r in response.context["unit_reports"]] == [u.pk]  # the pending page, re-rendered
    u.refresh_from_db()
    assert (u.status, u.community_signatory, u.return_reason, u.decided_by) == (
        UnitReport.Status.SUBMITTED,
        "",
        "",
        None,
    )
    assert [e.kind for e in u.events.all()] == ["assigned", "submitted"]


def test_decide_unit_on_a_decided_report_rerenders_with_the_refusal(world: SimpleNamespace) -> None:
    w = world
    u = unit_submit(w.U, w.unit_secretary)
    c = client_for(w.community_staff)
    c.post(url("unit_report_confirm", u.pk), {"community_signatory": "安宁书记"})

    response = c.post(url("unit_report_return", u.pk), {"reason": "再退"})

    assert response.status_code == 422
    assert "该报到不是待确认状态" in html(response)
    u.refresh_from_db()
    assert (u.status, u.return_reason) == (UnitReport.Status.CONFIRMED, "")


def test_decide_unit_of_another_community_is_404(world: SimpleNamespace) -> None:
    w = world
    u = unit_submit(w.U, w.unit_secretary)

    assert (
        client_for(w.staff_b).post(url("unit_report_confirm", u.pk), {"community_signatory": "x"})
    ).status_code == 404
    assert (
        client_for(w.compound_secretary)
        .post(url("unit_report_confirm", u.pk), {"community_signatory": "x"})
        .status_code
        == 403
    )
    u.refresh_from_db()
    assert u.status == UnitReport.Status.SUBMITTED


def test_pending_lists_overdue_certificates(world: SimpleNamespace, today: dt.date) -> None:
    w = world
    late_a = services.certificate_issue(member=w.m_v_a, by=w.superuser)  # to A
    late_b = services.certificate_issue(member=w.m_u_b, by=w.unit_secretary)  # to B
    services.certificate_issue(member=w.m_u_a, by=w.unit_secretary)  # to A, still in time
    Certificate.objects.filter(pk__in=[late_a.pk, late_b.pk]).update(deadline=today - dt.timedelta(days=1))

    response = client_for(w.community_staff).get(url("pending"))

    assert list(response.context["overdue"]) == [late_a]
    assert "逾期未报到（1）" in html(response)
    assert "钱安宁" in html(response) and "李北辰" not in html(response)


def test_report_detail_shows_the_timeline(pending_world: SimpleNamespace) -> None:
    w = pending_world
    services.member_report_return(report=w.r_a, by=w.community_staff, reason="楼栋不对")

    response = client_for(w.unit_secretary).get(url("report_detail", w.r_a.pk))

    assert response.status_code == 200
    assert [e.kind for e in response.context["events"]] == ["submitted", "returned"]
    assert "社区退回" in html(response) and "楼栋不对" in html(response)


def test_pending_query_count_is_the_same_for_1_and_3_reports(world: SimpleNamespace, teams: list) -> None:
    w = world
    c = client_for(w.community_staff)
    submit(w.m_u_a)
    unit_submit(w.U, w.unit_secretary)
    late = services.certificate_issue(member=w.m_v_a, by=w.superuser)
    Certificate.objects.filter(pk=late.pk).update(deadline=dt.date(2020, 1, 1))

    one = _count_queries(c, url("pending"))
    for i in range(2):
        submit(new_member(f"新党员{i}", w.V, w.A2))
    unit_submit(w.W, w.superuser)
    for i in range(2):
        cert = services.certificate_issue(member=new_member(f"逾期{i}", w.W, w.A1), by=w.superuser)
        Certificate.objects.filter(pk=cert.pk).update(deadline=dt.date(2020, 1, 1))

    page = client_for(w.community_staff).get(url("pending"))
    assert (len(page.context["reports"]), len(page.context["overdue"])) == (3, 3)
    assert _count_queries(c, url("pending")) == one


# --- admins: assignment -------------------------------------------------------------------------


def test_assign_list(world: SimpleNamespace) -> None:
    Unit.objects.create(code="X001", name="新设单位", kind=Unit.Kind.SOE, office_place=world.E1)

    response = client_for(world.district_admin).get(url("assign_list"))

    assert [(u.name, a.community.name if a else None) for u, a in response.context["rows"]] == [
        ("新设单位", None),
        ("城建局", "安宁社区"),
        ("教育局", "北门社区"),
    ]
    assert "西山医院" not in html(response)


def test_assign_unit_shows_sorted_candidates(world: SimpleNamespace) -> None:
    from decimal import Decimal

    for place, lat in ((world.A, "30.02"), (world.B, "30.00"), (world.E, "30.05")):
        place.latitude, place.longitude = Decimal(lat), Decimal("114.0")
        place.save(update_fields=["latitude", "longitude"])
    world.U.office_place = world.B1
    world.U.save(update_fields=["office_place"])

    response = client_for(world.district_admin).get(url("assign_unit", world.U.pk))

    assert response.status_code == 200
    assert [c.community.name for c in response.context["candidates"]] == ["北门社区", "安宁社区", "恩泽社区"]
    assert [c.distance_km for c in response.context["candidates"]] == [0.0, 2.2, 5.6]


def test_assign_unit_post(world: SimpleNamespace, today: dt.date) -> None:
    response = client_for(world.city_admin).post(
        url("assign_unit", world.U.pk), {"community": world.E.pk, "note": "均衡"}
    )

    assert response.status_code == 302 and response["Location"] == url("assign_list")
    assert flashed(response) == ["已将 城建局 分配到 恩泽社区"]
    assert {(a.community.name, a.ended_on) for a in UnitAssignment.objects.filter(unit=world.U)} == {
        ("安宁社区", today),
        ("恩泽社区", None),
    }


@pytest.mark.parametrize(
    ("community", "message"),
    [(None, "请选择一个社区"), ("A", "该单位已分配到此社区"), ("F", "请选择一个社区"), ("A1", "请选择一个社区")],
)
def test_assign_unit_bad_input_rerenders_with_422(world: SimpleNamespace, community: str | None, message: str) -> None:
    data = {"community": getattr(world, community).pk} if community else {}

    response = client_for(world.district_admin).post(url("assign_unit", world.U.pk), data)

    assert response.status_code == 422
    assert message in html(response)
    assert UnitAssignment.objects.filter(unit=world.U).count() == 1


def test_assign_unit_out_of_scope(world: SimpleNamespace) -> None:
    assert client_for(world.district_admin).get(url("assign_unit", world.W.pk)).status_code == 404
    assert client_for(world.community_staff).get(url("assign_unit", world.U.pk)).status_code == 404
    assert (
        client_for(world.unit_secretary).post(url("assign_unit", world.U.pk), {"community": world.B.pk}).status_code
        == 404
    )
    assert UnitAssignment.objects.filter(unit=world.U).count() == 1


# --- coverage and laggards ----------------------------------------------------------------------


def test_coverage_page_for_the_city(coverage_world: SimpleNamespace) -> None:
    w = coverage_world

    response = client_for(w.city_admin).get(url("coverage"))

    assert response.context["area"] == w.C
    page = html(response)
    assert '<div class="n" id="rate-members">42.9%</div>' in page
    assert '<div class="n" id="rate-units">33.3%</div>' in page
    assert '<div class="n" id="rate-compounds">40.0%</div>' in page
    assert [r.place.name for r in response.context["rows"]] == ["东湖区", "西山区"]
    assert response.context["ending"] == 1
    rates = {u.name: (r.done, r.total) for u, r in response.context["unit_rows"]}
    assert rates == {"城建局": (1, 2), "教育局": (1, 3), "西山医院": (1, 2)}


def test_coverage_page_for_community_staff(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    c = client_for(w.community_staff)

    response = c.get(url("coverage"))

    assert response.context["area"] == w.A
    assert '<div class="n" id="rate-members">33.3%</div>' in html(response)
    assert [r.place.name for r in response.context["rows"]] == ["安一小区", "安二小区"]
    assert c.get(f"{url('coverage')}?place={w.B.pk}").status_code == 404
    assert c.get(f"{url('coverage')}?place={w.A1.pk}").status_code == 200


def test_coverage_page_for_the_unit_secretary(coverage_world: SimpleNamespace) -> None:
    w = coverage_world

    response = client_for(w.unit_secretary).get(url("coverage"))

    assert response.context["area"] == w.A
    rates = {u.name: (r.done, r.total) for u, r in response.context["unit_rows"]}
    assert rates == {"城建局": (1, 2)}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("units", {"教育局", "西山医院"}),
        ("members", {"李北辰", "钱安宁", "周恩泽", "郑搬家"}),
        ("compounds", {"安二小区", "北一小区", "恩一小区"}),
        ("terms", {"方一小区"}),
    ],
)
def test_laggards_and_their_export(coverage_world: SimpleNamespace, kind: str, expected: set[str]) -> None:
    w = coverage_world
    c = client_for(w.city_admin)
    column = {"units": 1, "members": 2, "compounds": 1, "terms": 0}[kind]

    response = c.get(f"{url('laggards', kind)}?place={w.C.pk}")
    export = c.get(f"{url('laggards', kind)}?place={w.C.pk}&export=xlsx")

    assert response.status_code == 200
    assert {row[column] for row in response.context["rows"]} == expected
    rows = xlsx_rows(export)
    assert rows[0] == tuple(response.context["headers"])
    assert {r[column] for r in rows[1:]} == expected
    assert len(rows) == len(expected) + 1


def test_laggard_members_mask_mobiles_for_those_who_do_not_manage_them(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    mobile = w.m_u_b.mobile

    city = client_for(w.city_admin).get(f"{url('laggards', 'members')}?place={w.C.pk}&export=xlsx")
    compound = client_for(w.compound_secretary).get(f"{url('laggards', 'members')}?export=xlsx")

    assert mobile in {r[4] for r in xlsx_rows(city)}
    assert all("****" in r[4] for r in xlsx_rows(compound)[1:])


def test_laggards_are_scoped(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    c = client_for(w.community_staff)

    response = c.get(url("laggards", "members"))

    assert {row[2] for row in response.context["rows"]} == {"钱安宁", "郑搬家"}
    assert c.get(f"{url('laggards', 'members')}?place={w.B.pk}").status_code == 404
    assert c.get(url("laggards", "nonsense")).status_code == 404  # no such list: a missing page
    assert client_for(w.member_user).get(url("laggards", "members")).status_code == 403


# --- the member, on the phone -------------------------------------------------------------------


def _register_data(world: SimpleNamespace, **kw: object) -> dict:
    data = {
        "residence": world.A1_1.pk,
        "room": "2单元301",
        "skills": [world.skill.pk],
        "team_types": [t.pk for t in Category.objects.filter(kind=Category.Kind.TEAM_TYPE)[:1]],
        "commitment": "on",
    }
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


def test_register_with_activation(world: SimpleNamespace, client: Client, teams: list) -> None:
    w = world
    cert = services.certificate_issue(member=w.m_u_a, by=w.unit_secretary)
    link = token_url(cert)

    first = client.get(link)
    assert first.status_code == 200 and "王安华，欢迎报到" in html(first)
    wrong = client.post(link, {"mobile": "13800000000", "password": w.password, "password2": w.password})
    assert wrong.status_code == 422 and "手机号与单位登记的不一致" in html(wrong)
    activated = client.post(link, {"mobile": "13812345678", "password": w.password, "password2": w.password})
    assert activated.status_code == 302 and activated["Location"] == link
    form = client.get(link)
    assert form.status_code == 200
    assert form.context["form"].initial["residence"] == w.A1_1
    assert {p.pk for p in form.context["form"].fields["residence"].queryset} == {w.A1.pk, w.A1_1.pk, w.A2.pk}
    assert "不少于5次" in html(form)

    done = client.post(link, _register_data(w))

    assert done.status_code == 302 and done["Location"] == url("my_report")
    report = MemberReport.objects.get(member=w.m_u_a)
    assert (report.status, report.certificate, report.residence) == ("pending", cert, w.A1_1)
    mine = client.get(url("my_report"))
    assert mine.status_code == 200
    assert '<span class="tag warn" id="report-status-1">待社区确认</span>' in html(mine)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("team_types", None, "请至少选择 1 个志愿服务队类型"),
        ("commitment", None, "请阅读并签署服务承诺书"),
        ("residence", "B1", "请从列表中选择居住的小区或楼栋"),
        ("residence", None, "请选择居住的小区或楼栋"),
    ],
)
def test_register_bad_input_rerenders_with_422(
    world: SimpleNamespace, teams: list, field: str, value: str | None, message: str
) -> None:
    w = world
    link_member_user(w.m_u_a, w.member_user)
    cert = services.certificate_issue(member=w.m_u_a, by=w.unit_secretary)
    data = _register_data(w, **{field: getattr(w, value).pk if value else None})

    response = client_for(w.member_user).post(token_url(cert), data)

    assert response.status_code == 422
    assert message in html(response)
    assert not MemberReport.objects.exists()
    cert.refresh_from_db()
    assert cert.status == Certificate.Status.ISSUED


def test_register_twice_is_refused(world: SimpleNamespace, teams: list) -> None:
    w = world
    link_member_user(w.m_u_a, w.member_user)
    cert = services.certificate_issue(member=w.m_u_a, by=w.unit_secretary)
    c = client_for(w.member_user)
    c.post(token_url(cert), _register_data(w))

    again = c.post(token_url(cert), _register_data(w))

    assert again.status_code == 400
    assert "该报到证已使用，您已提交过报到" in html(again)
    assert MemberReport.objects.count() == 1


@pytest.mark.parametrize("case", ["forged", "expired", "revoked"])
def test_register_with_a_bad_token(world: SimpleNamespace, client: Client, today: dt.date, case: str) -> None:
    w = world
    cert = services.certificate_issue(member=w.m_u_a, by=w.unit_secretary)
    link = token_url(cert)
    if case == "forged":
        link = url("register", "forged-token")
        message = "报到证二维码无效"
    elif case == "expired":
        Certificate.objects.filter(pk=cert.pk).update(deadline=today - dt.timedelta(days=1))
        message = "该报到证已过期"
    else:
        services.certificate_issue(member=w.m_u_a, by=w.unit_secretary)
        message = "该报到证已作废"

    response = client.get(link)

    assert response.status_code == 400
    assert message in html(response)
    assert not User.objects.filter(username=f"m{w.m_u_a.pk}").exists()


def test_register_with_someone_elses_certificate(world: SimpleNamespace, teams: list) -> None:
    w = world
    link_member_user(w.m_u_a, w.member_user)
    cert = services.certificate_issue(member=w.m_u_b, by=w.unit_secretary)

    response = client_for(w.member_user).get(token_url(cert))

    assert response.status_code == 403
    assert "该报到证不属于当前登录的账号" in html(response)


def test_register_when_already_activated_asks_to_log_in(world: SimpleNamespace, client: Client) -> None:
    link_member_user(world.m_u_a, world.member_user)
    cert = services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)
    link = token_url(cert)

    response = client.get(link)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={link}"


def test_self_report_matched_against_the_roster(world: SimpleNamespace, client: Client, teams: list) -> None:
    w = world
    m = w.m_u_b  # lives in B on the roster; reports to A (moved without telling the unit)
    link = url("self_report", w.A.code)
    pw = {"password": w.password, "password2": w.password}

    wrong = client.post(link, {"id_number": m.id_number, "mobile": "13800000000", **pw})
    assert wrong.status_code == 422 and "身份证号和手机号与党员名册不一致" in html(wrong)
    ok = client.post(link, {"id_number": m.id_number, "mobile": m.mobile, **pw})
    assert ok.status_code == 302 and ok["Location"] == link

    done = client.post(link, _register_data(w, residence=w.A2.pk))

    assert done.status_code == 302
    report = MemberReport.objects.get(member=m)
    assert (report.source, report.status, report.community) == ("self", "unit_approval", w.A)
    assert "待单位审核" in html(client.get(url("my_report")))


def test_self_report_to_an_unknown_community_is_404(world: SimpleNamespace, client: Client) -> None:
    assert client.get(url("self_report", world.A1.code)).status_code == 404
    assert client.get(url("self_report", "nope")).status_code == 404


def test_self_report_needs_a_member(world: SimpleNamespace) -> None:
    assert client_for(world.community_staff).get(url("self_report", world.A.code)).status_code == 403


def test_my_report_shows_the_open_certificate_and_the_return(world: SimpleNamespace, teams: list) -> None:
    w = world
    link_member_user(w.m_u_a, w.member_user)
    cert = services.certificate_issue(member=w.m_u_a, by=w.unit_secretary)
    c = client_for(w.member_user)

    before = c.get(url("my_report"))
    assert token_url(cert) in html(before)

    r = submit(w.m_u_a, certificate=cert)
    services.member_report_return(report=r, by=w.community_staff, reason="楼栋不对")
    after = c.get(url("my_report"))

    assert "退回原因：楼栋不对" in html(after)
    assert url("self_report", w.A.code) in html(after)  # resubmit: the certificate is used up
    assert [x.pk for x in after.context["reports"]] == [r.pk]


def test_resubmitting_a_returned_certificate_report_from_the_page_keeps_source_certificate(
    world: SimpleNamespace, teams: list
) -> None:
    w = world
    link_member_user(w.m_u_a, w.member_user)
    cert = services.certificate_issue(member=w.m_u_a, by=w.unit_secretary)
    c = client_for(w.member_user)
    assert c.post(token_url(cert), _register_data(w)).status_code == 302
    r = MemberReport.objects.get(member=w.m_u_a)
    client_for(w.community_staff).post(url("return_member", r.pk), {"reason": "楼栋不对"})

    # The member follows the "修改后重新提交" link of the page: the community's, the certificate being used.
    link = url("self_report", w.A.code)
    assert link in html(c.get(url("my_report")))
    done = c.post(link, _register_data(w, residence=w.A2.pk))

    assert done.status_code == 302 and done["Location"] == url("my_report")
    r.refresh_from_db()
    assert (r.source, r.certificate, r.status, r.residence) == ("certificate", cert, "pending", w.A2)
    pending = client_for(w.community_staff).get(url("pending"))
    assert "凭报到证" in html(pending)


def test_my_report_shows_a_new_certificate_next_to_an_ended_report(world: SimpleNamespace, teams: list) -> None:
    w = world
    link_member_user(w.m_u_a, w.member_user)
    old = confirmed_report(w.m_u_a, w.community_staff)
    services.member_leave_unit(member=w.m_u_a, unit=w.V, party_org=w.V.party_orgs.first(), by=w.superuser)
    cert = services.certificate_issue(member=w.m_u_a, by=w.superuser)

    response = client_for(w.member_user).get(url("my_report"))

    # The deadline reminders link here: the new certificate's link must be on the page.
    assert token_url(cert) in html(response)
    assert [r.pk for r in response.context["reports"]] == [old.pk]


def test_my_report_shows_only_own_reports(world: SimpleNamespace, teams: list) -> None:
    w = world
    link_member_user(w.m_u_a, w.member_user)
    mine = submit(w.m_u_a)
    submit(w.m_u_b)

    response = client_for(w.member_user).get(url("my_report"))

    assert [r.pk for r in response.context["reports"]] == [mine.pk]
    assert "李北辰" not in html(response)


def test_member_status_change_hides_nothing_from_history(world: SimpleNamespace, teams: list) -> None:
    w = world
    link_member_user(w.m_u_a, w.member_user)
    old = confirmed_report(w.m_u_a, w.community_staff)
    new = services.member_move(member=w.m_u_a, residence=w.B1, by=None)

    response = client_for(w.member_user).get(url("my_report"))

    assert [r.pk for r in response.context["reports"]] == [new.pk, old.pk]
    assert "报到结束" in html(response)


def test_retired_member_cannot_register(world: SimpleNamespace, teams: list) -> None:
    w = world
    link_member_user(w.m_u_a, w.member_user)
    cert = services.certificate_issue(member=w.m_u_a, by=w.unit_secretary)
    services.member_set_status(member=w.m_u_a, status=Member.Status.RETIRED, by=None)

    response = client_for(w.member_user).get(token_url(cert))

    assert response.status_code == 400
    assert "该报到证已作废" in html(response)


def test_pending_export_lists_the_communitys_waiting_reports_and_is_audited(pending_world: SimpleNamespace) -> None:
    w = pending_world
    c = client_for(w.community_staff)

    page = c.get(f"{url('pending')}?community={w.A.pk}")
    export = c.get(f"{url('pending')}?community={w.A.pk}&export=xlsx")
    other = client_for(w.staff_b).get(f"{url('pending')}?community={w.A.pk}&export=xlsx")

    assert f"?community={w.A.pk}&amp;export=xlsx" in html(page)
    rows = xlsx_rows(export)
    assert rows[0] == ("姓名", "单位", "居住小区/楼栋", "门牌号", "方式", "提交时间")
    assert sorted(r[0] for r in rows[1:]) == sorted(r.member.name for r in page.context["reports"])
    assert len(rows) == 3  # r_a and r_a2, nothing of community B
    assert other.status_code == 404
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.EXPORT)
    assert (event.user, event.what, event.row_count) == (w.community_staff, "待确认报到", 2)


def test_coverage_export_has_every_sub_area_and_the_total(coverage_world: SimpleNamespace) -> None:
    w = coverage_world
    c = client_for(w.city_admin)

    page = c.get(f"{url('coverage')}?place={w.C.pk}")
    rows = xlsx_rows(c.get(f"{url('coverage')}?place={w.C.pk}&export=xlsx"))

    assert rows[0][:4] == ("区域", "单位数", "已报到单位", "单位报到率%")
    expected = [
        (r.place.name, r.units.total, r.units.done, r.members.total, r.members.done, r.compounds.done)
        for r in page.context["rows"]
    ]
    total = page.context["total"]
    expected.append(
        (
            f"{w.C.name}合计",
            total.units.total,
            total.units.done,
            total.members.total,
            total.members.done,
            total.compounds.done,
        )
    )
    assert [(r[0], r[1], r[2], r[4], r[5], r[8]) for r in rows[1:]] == expected
    assert len(expected) > 2  # at least two sub-areas and the total

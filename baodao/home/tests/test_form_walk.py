"""The form walk (issue 19 §21): every form of the project, opened on its page by a role that uses
it, is sent as a browser sends it — first with bad input, which must be refused in our own words
(no Django stock message, no "---------", no English, no model name), then once with valid input,
which must succeed: a redirect (or the page again without errors) and the row it writes written.

`CASES` holds what a person types into each form. Every URL that takes a POST (read from the URL
conf) needs a case: a new form without one fails `test_every_form_of_the_project_is_walked`.
A form is found on its page by where it posts, and sent with every control the page gives it
(formwalk.Form.body): a form that posts what its view does not expect fails as it would for a
person (this walk finds manual attendance posting `member` twice, issue 19 §12).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib import messages
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.test import Client, TestCase
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from baodao.accounts import services as account_services
from baodao.accounts.models import Role, SecurityEvent, User
from baodao.directory import models as directory
from baodao.home.tests.formwalk import Form, error_texts, flashed, foreign, forms_of, path_of
from baodao.needs import models as needs
from baodao.needs import services as needs_services
from baodao.needs.tests.conftest import ask, law, published
from baodao.notifications import models as notifications
from baodao.notifications.services import notify
from baodao.records import models as records
from baodao.records import services as records_services
from baodao.records.tests.conftest import activity, kind
from baodao.reporting import models as reporting
from baodao.reporting import services as reporting_services
from baodao.reporting.tests.conftest import confirmed_report, new_member, submit, team_types, unit_submit

W = SimpleNamespace


@dataclass
class Case:
    """One form: who sends it from which page, what they type, and the table its success writes.

    `page` and `action` are URLs; `fill` maps a control's name to what is typed or chosen (a list
    for checkboxes); `button` is the text of the button pressed when the form has several; `form`
    the id of the form when two forms of the page post to one URL with alike buttons; `files`
    are uploads; `ok` the statuses of a success; `prepare` puts the data the page needs."""

    target: str
    user: str | None  # an attribute of the world holding the user; None: not logged in
    page: Callable[[W], str]
    writes: type[models.Model]
    fill: Callable[[W], dict[str, Any]] = lambda w: {}
    action: Callable[[W], str] | None = None
    prepare: Callable[[W], None] = lambda w: None
    button: str | None = None
    form: str | None = None
    files: Callable[[W], dict[str, Any]] = lambda w: {}
    ok: tuple[int, ...] = (302,)
    name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.name or self.target


def url(name: str, *args: Callable[[W], object] | object) -> Callable[[W], str]:
    """reverse(name, args), the args read from the world when they are functions of it."""
    return lambda w: reverse(name, args=[a(w) if callable(a) else a for a in args])


def later(hours: float) -> str:
    return (timezone.localtime() + dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def today(days: int = 0) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


# --- the data pages need, built through the services -----------------------------------------------


def _claimed(w: W) -> None:
    w.item = published(w, title="楼道灯不亮")
    w.claim = needs_services.item_claim(demand=w.item, party=w.m_u_a, by=w.member_user)


def _done(w: W) -> None:
    _claimed(w)
    needs_services.item_done(claim=w.claim, by=w.member_user, note="已修好")
    w.item.refresh_from_db()


def _poster_done(w: W) -> None:
    d = needs_services.demand_submit(
        by=None,
        community=w.A,
        place=w.A1,
        category=law(),
        title="路灯坏了",
        contact_name="路人甲",
        contact_mobile="13900001234",
    )
    needs_services.demand_accept(demand=d, by=w.community_staff, size="person", slots=1)
    claim = needs_services.item_claim(demand=d, party=w.m_u_a, by=w.member_user)
    needs_services.item_done(claim=claim, by=w.member_user, note="已修好")
    d.refresh_from_db()
    w.token = d.follow_token


def _started(w: W) -> None:
    _claimed(w)
    w.claim = needs_services.item_start(claim=w.claim, by=w.member_user)


def _other_category() -> directory.Category:
    """A seeded service category other than 法律咨询 (the one `ask` files under)."""
    offered = directory.Category.objects.filter(kind=directory.Category.Kind.INTENTION, is_active=True)
    return offered.exclude(pk=law().pk).order_by("sort_order", "id")[0]


def _activity(w: W) -> None:
    w.activity = activity(w)


def _signed_up(w: W, ended: bool = False) -> None:
    """王安华 signed up for an activity that began two hours ago (or has ended an hour ago)."""
    start = timezone.now() - dt.timedelta(hours=4 if ended else 2)
    w.activity = activity(w, start=start, hours=3)
    w.signup = records_services.activity_signup(
        activity=w.activity, member=w.m_u_a, by=w.member_user, now=start - dt.timedelta(hours=1)
    )


def _logged(w: W) -> None:
    start = timezone.now() - dt.timedelta(hours=3)
    w.record = records_services.record_log(
        member=w.m_u_a,
        community=w.A,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        content="陪老人就医",
        by=w.member_user,
    )


def _team(w: W) -> None:
    w.team = records_services.team_create(
        community=w.A, kind=team_types()[0], name="", leader=w.m_u_a, by=w.community_staff
    )


def _callup(w: W) -> None:
    w.callup = records_services.callup_create(
        community=w.A,
        title="防汛值守",
        address="社区门口",
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(hours=2),
        needed=3,
        by=w.community_staff,
    )


def _pairing(w: W) -> None:
    w.pairing = records_services.pairing_create(member=w.m_u_a, resident=w.r_a1, need="代买药", by=w.community_staff)


def _link(w: W) -> None:
    from baodao.directory import services as directory_services

    w.link = directory_services.leader_link_add(
        community=w.A, leader_name="刘市长", title="副市长", start_on=timezone.localdate() - dt.timedelta(days=30)
    )


def _visit(w: W) -> None:
    _link(w)
    w.visit = records_services.leader_visit_log(
        link=w.link, place=w.A1, visited_on=timezone.localdate(), content="调研停车难", by=w.city_admin
    )


def _commitment(w: W) -> None:
    w.commitment = records_services.commitment_make(unit=w.U, community=w.A, text="修缮车棚", by=w.unit_secretary)


def _certificate(w: W) -> None:
    _logged(w)
    records_services.record_confirm(record=w.record, by=w.community_staff)
    w.service_certificate = records_services.certificate_issue(
        member=w.m_u_a,
        community=w.A,
        starts_on=timezone.localdate() - dt.timedelta(days=7),
        ends_on=timezone.localdate(),
        by=w.community_staff,
    )


def _unit_report(w: W) -> None:
    w.unit_report = unit_submit(w.U, w.unit_secretary)


def _pending_report(w: W) -> None:
    w.newcomer = new_member("孙新来", w.U, w.A1)
    w.report = submit(w.newcomer)


def _moved_report(w: W) -> None:
    """李北辰 (城建局, on the roster in 北门社区) reports to 安宁社区: his unit approves it first."""
    w.report = submit(w.m_u_b, community=w.A, residence=w.A1)


def _member_without_account(w: W) -> None:
    """A member with a certificate but no account: the certificate's link activates one."""
    w.newcomer = new_member("孙新来", w.U, w.A1)
    w.cert = reporting_services.certificate_issue(member=w.newcomer, by=w.unit_secretary)
    w.cert_token = reporting_services.certificate_token(w.cert)


def _member_with_certificate(w: W) -> None:
    w.cert = reporting_services.certificate_issue(member=w.m_u_b, by=w.unit_secretary)
    w.cert_token = reporting_services.certificate_token(w.cert)
    w.member_b_user = account_services.user_create(
        username="member_u_b", password=w.password, roles=[{"role": Role.MEMBER, "member": w.m_u_b}], validate=False
    )
    w.m_u_b.user = w.member_b_user
    w.m_u_b.save(update_fields=["user"])


def _mobile_request(w: W) -> None:
    w.mobile_request = reporting_services.mobile_change_request_submit(
        id_number=w.m_u_b.id_number, mobile="13911119999", password="Xin#Mima2026", community=w.B
    )


def _webhook(w: W) -> None:
    w.hook = notifications.GroupWebhook.objects.create(
        place=w.A, kind="wecom", name="社区群", url="http://127.0.0.1:9/robot", created_by=w.community_staff
    )


def _note(w: W) -> None:
    w.note = notify(user=w.member_user, title="测试消息", url="/records/")


def _head(w: W) -> None:
    from baodao.directory import services as directory_services

    w.head = directory_services.head_appoint(
        place=w.A1,
        kind=directory.HeadAppointment.Kind.COMPOUND_HEAD,
        person_name="楼长甲",
        start_on=timezone.localdate(),
    )


def _work_team(w: W) -> None:
    w.work_team = directory.WorkTeam.objects.create(unit=w.U, community=w.A, name="城建局安宁社区工作队")
    w.membership = directory.WorkTeamMembership.objects.create(
        team=w.work_team, member=w.m_u_a, role=directory.WorkTeamMembership.Role.MEMBER, start_on=w.term_start
    )


def _xlsx_of_demands(w: W) -> dict[str, Any]:
    from io import BytesIO

    from openpyxl import Workbook

    from baodao.needs import importing

    row = {"小区/楼栋": w.A1.name, "收集渠道": "敲门组", "类别": law().name, "需求": "想请人修水管"}
    book = Workbook()
    book.active.append([c.title for c in importing.COLUMNS])
    book.active.append([row.get(c.header, "") for c in importing.COLUMNS])
    out = BytesIO()
    book.save(out)
    return {"file": SimpleUploadedFile("需求.xlsx", out.getvalue())}


def _xlsx_of_members(w: W) -> dict[str, Any]:
    from io import BytesIO

    from openpyxl import Workbook

    from baodao.conftest import make_id_number, make_mobile
    from baodao.directory.importing.columns import TEMPLATES

    row = {
        "姓名": "新党员",
        "身份证号": make_id_number(),
        "手机号": make_mobile(),
        "单位编码": "U001",
        "党组织名称": "城建局第一党支部",
        "居住地编码": w.A1.code,
        "详细地址": "1栋2单元301",
    }
    book = Workbook()
    book.active.append([c.title for c in TEMPLATES["members"]])
    book.active.append([row.get(c.header, "") for c in TEMPLATES["members"]])
    out = BytesIO()
    book.save(out)
    return {"file": SimpleUploadedFile("名册.xlsx", out.getvalue())}


def _other_residents_demand(w: W) -> needs.Demand:
    """A neighbour's published demand in 安宁社区, which 陈安居 also needs."""
    from baodao.directory import services as directory_services

    neighbour = directory_services.resident_create(name="林安邻", residence=w.A2, mobile="13988887777")
    user = account_services.user_create(
        username="resident_a2", password=w.password, roles=[{"role": Role.RESIDENT, "resident": neighbour}]
    )
    d = needs_services.demand_submit(
        by=user, community=w.A, place=w.A2, category=law(), title="想学用智能手机", resident=neighbour
    )
    return needs_services.demand_accept(demand=d, by=w.community_staff, size="person", slots=1)


def _dispatched(w: W) -> None:
    w.item = published(w, title="楼道灯不亮")
    needs_services.item_dispatch(demand=w.item, party=w.m_u_a, by=w.community_staff)


def _two_alike(w: W) -> None:
    w.into = ask(w, title="想咨询房屋继承的法律问题")
    w.demand = ask(w, title="想咨询房屋继承的法律问题。")


def _signed_up_later(w: W) -> None:
    w.activity = activity(w)
    records_services.activity_signup(activity=w.activity, member=w.m_u_a, by=w.member_user)


def _scan_url(w: W) -> str:
    from baodao.records import codes

    return codes.current(w.activity, "in").path


def _returned(w: W) -> None:
    _logged(w)
    records_services.record_return(record=w.record, by=w.community_staff, reason="时间不对")


def _confirmed_record(w: W) -> None:
    _logged(w)
    records_services.record_confirm(record=w.record, by=w.community_staff)


def _team_led_by_other(w: W, kind: directory.Category | None = None) -> None:
    """A team led by 钱安宁; 王安华 is in it when it is of the type he chose when reporting."""
    w.team = records_services.team_create(
        community=w.A, kind=kind or team_types()[0], name="", leader=w.m_v_a, by=w.community_staff
    )


def _coming(w: W) -> None:
    records_services.callup_answer(callup=w.callup, member=w.m_u_a, coming=True, by=w.member_user)


# --- the table ------------------------------------------------------------------------------------

C = Case
CASES: list[Case] = [
    # accounts
    C(
        "accounts:login",
        None,
        url("accounts:login"),
        SecurityEvent,
        fill=lambda w: {"username": "community_staff", "password": w.password},
    ),
    C("accounts:logout", "member_user", url("notifications:inbox"), Session),
    C(
        "accounts:password_change",
        "member_user",
        url("accounts:password_change"),
        User,
        fill=lambda w: {"old_password": w.password, "new_password1": "Xin#Mima2026", "new_password2": "Xin#Mima2026"},
    ),
    # directory
    C(
        "directory:place_fs_appoint",
        "community_staff",
        url("directory:place_detail", lambda w: w.A1.pk),
        directory.FirstSecretaryTerm,
        fill=lambda w: {"member_id": w.m_v_a.pk, "member": "钱安宁", "start_on": today()},
    ),
    C(
        "directory:place_fs_end",
        "community_staff",
        url("directory:place_detail", lambda w: w.A1.pk),
        directory.FirstSecretaryTerm,
    ),
    C(
        "directory:place_head_appoint",
        "community_staff",
        url("directory:place_detail", lambda w: w.A1.pk),
        directory.HeadAppointment,
        fill=lambda w: {"person_name": "单元长乙", "start_on": today()},
    ),
    C(
        "directory:place_head_end",
        "community_staff",
        url("directory:place_detail", lambda w: w.A1.pk),
        directory.HeadAppointment,
        prepare=_head,
    ),
    C(
        "directory:place_leader_add",
        "city_admin",
        url("directory:place_detail", lambda w: w.A.pk),
        directory.LeaderLink,
        fill=lambda w: {"leader_name": "张副市长", "title": "副市长", "start_on": today()},
    ),
    C(
        "directory:place_leader_end",
        "city_admin",
        url("directory:place_detail", lambda w: w.A.pk),
        directory.LeaderLink,
        prepare=_link,
    ),
    C(
        "directory:unit_team_create",
        "unit_secretary",
        url("directory:unit_detail", lambda w: w.U.pk),
        directory.WorkTeam,
        fill=lambda w: {"name": "城建局安宁社区工作队"},
    ),
    C(
        "directory:unit_team_add",
        "unit_secretary",
        url("directory:unit_detail", lambda w: w.U.pk),
        directory.WorkTeamMembership,
        prepare=_work_team,
        fill=lambda w: {"member": w.m_u_b.name},
    ),
    C(
        "directory:unit_team_end",
        "unit_secretary",
        url("directory:unit_detail", lambda w: w.U.pk),
        directory.WorkTeamMembership,
        prepare=_work_team,
    ),
    C("directory:rule_list", "city_admin", url("directory:rule_list"), directory.Rule, fill=lambda w: {"value": "6"}),
    C(
        "directory:category_list",
        "city_admin",
        url("directory:category_list"),
        directory.Category,
        fill=lambda w: {"name": "助老服务"},
        name="directory:category_list (add)",
    ),
    C(
        "directory:category_list",
        "city_admin",
        url("directory:category_list"),
        directory.Category,
        button="法律咨询",
        name="directory:category_list (toggle)",
    ),
    C(
        "directory:account_password_reset",
        "city_admin",
        url("directory:account_password_reset", lambda w: w.resident_user.pk),
        User,
        ok=(200,),
    ),
    C("import:upload", "community_staff", url("import:upload", "members"), directory.Member, files=_xlsx_of_members),
    # notifications
    C("notifications:open", "member_user", url("notifications:inbox"), notifications.Notification, prepare=_note),
    C(
        "notifications:mark_all_read",
        "member_user",
        url("notifications:inbox"),
        notifications.Notification,
        prepare=_note,
    ),
    C(
        "notifications:webhooks",
        "community_staff",
        url("notifications:webhooks"),
        notifications.GroupWebhook,
        fill=lambda w: {"kind": "wecom", "name": "社区工作群", "url": "http://127.0.0.1:9/robot"},
    ),
    C(
        "notifications:webhook_test",
        "community_staff",
        url("notifications:webhooks"),
        notifications.WebhookDelivery,
        prepare=_webhook,
    ),
    # 双报到
    C(
        "reporting:unit_report",
        "unit_secretary",
        url("reporting:unit_report"),
        reporting.UnitReport,
        fill=lambda w: {
            "contact_name": "张联络",
            "contact_phone": "13911112222",
            "unit_signatory": "刘书记",
            "unit_resources": "法律咨询",
            "community_demands": "环境整治",
        },
    ),
    C(
        "reporting:unit_functions",
        "unit_secretary",
        url("reporting:unit_report"),
        directory.Unit.functions.through,
        fill=lambda w: {"functions": [law().pk]},
    ),
    C(
        "reporting:certificates_issue",
        "unit_secretary",
        url("reporting:ledger"),
        reporting.Certificate,
        name="reporting:certificates_issue (one)",
    ),
    C(
        "reporting:certificates_issue",
        "unit_secretary",
        url("reporting:certificates_issue"),
        reporting.Certificate,
        name="reporting:certificates_issue (batch)",
    ),
    C(
        "reporting:unit_approve",
        "unit_secretary",
        url("reporting:ledger"),
        reporting.MemberReport,
        prepare=lambda w: _moved_report(w),
    ),
    C(
        "reporting:unit_return",
        "unit_secretary",
        url("reporting:ledger"),
        reporting.MemberReport,
        prepare=lambda w: _moved_report(w),
        fill=lambda w: {"reason": "住址不对"},
    ),
    C(
        "reporting:mobile_request_approve",
        "unit_secretary",
        url("reporting:ledger"),
        reporting.MobileChangeRequest,
        prepare=_mobile_request,
    ),
    C(
        "reporting:mobile_request_refuse",
        "unit_secretary",
        url("reporting:ledger"),
        reporting.MobileChangeRequest,
        prepare=_mobile_request,
        fill=lambda w: {"reason": "号码不是本人的"},
    ),
    C(
        "reporting:confirm_members",
        "community_staff",
        url("reporting:pending"),
        reporting.MemberReport,
        prepare=_pending_report,
        fill=lambda w: {"report": [w.report.pk]},
    ),
    C(
        "reporting:return_member",
        "community_staff",
        url("reporting:pending"),
        reporting.MemberReport,
        prepare=_pending_report,
        fill=lambda w: {"reason": "不住本社区"},
    ),
    C(
        "reporting:unit_report_confirm",
        "community_staff",
        url("reporting:pending"),
        reporting.UnitReport,
        prepare=_unit_report,
        fill=lambda w: {"community_signatory": "安宁书记"},
    ),
    C(
        "reporting:unit_report_return",
        "community_staff",
        url("reporting:pending"),
        reporting.UnitReport,
        prepare=_unit_report,
        fill=lambda w: {"reason": "资源清单太笼统"},
    ),
    C(
        "reporting:assign_unit",
        "city_admin",
        url("reporting:assign_unit", lambda w: w.V.pk),
        directory.UnitAssignment,
        fill=lambda w: {"community": w.E.pk},
    ),
    C(
        "reporting:assign_unit_functions",
        "city_admin",
        url("reporting:assign_unit", lambda w: w.V.pk),
        directory.Unit.functions.through,
        fill=lambda w: {"functions": [law().pk]},
    ),
    C(
        "reporting:commitment",
        "city_admin",
        url("reporting:commitment"),
        reporting.CommitmentTemplate,
        fill=lambda w: {"text": "我承诺：亮身份、作表率，每年参加社区活动不少于五次。"},
    ),
    C(
        "reporting:commitment_reset",
        "city_admin",
        url("reporting:commitment"),
        reporting.CommitmentTemplate,
        prepare=lambda w: reporting.CommitmentTemplate.objects.create(city=w.C, text="本市的承诺书"),
    ),
    C(
        "reporting:member_move",
        "unit_secretary",
        url("directory:member_detail", lambda w: w.m_u_a.pk),
        directory.Member,
        fill=lambda w: {"residence": w.A2.pk},
    ),
    C(
        "reporting:member_status",
        "unit_secretary",
        url("directory:member_detail", lambda w: w.m_u_a.pk),
        directory.Member,
        fill=lambda w: {"status": "retired"},
    ),
    C(
        "reporting:member_leave",
        "unit_secretary",
        url("directory:member_detail", lambda w: w.m_u_a.pk),
        directory.Member,
        fill=lambda w: {"unit": w.V.pk, "unit_text": "教育局", "party_org_name": "教育局第一党支部"},
    ),
    C(
        "reporting:register",
        None,
        url("reporting:register", lambda w: w.cert_token),
        User,
        prepare=_member_without_account,
        fill=lambda w: {"mobile": w.newcomer.mobile, "password": "Wo#Zijide2026", "password2": "Wo#Zijide2026"},
        name="reporting:register (activate)",
    ),
    C(
        "reporting:register",
        "member_b_user",
        url("reporting:register", lambda w: w.cert_token),
        reporting.MemberReport,
        prepare=_member_with_certificate,
        fill=lambda w: {"residence": w.B1_1.pk, "team_types": [team_types()[0].pk], "commitment": "on"},
        name="reporting:register (report)",
    ),
    C(
        "reporting:self_report",
        None,
        url("reporting:self_report", lambda w: w.B.code),
        User,
        fill=lambda w: {
            "id_number": w.m_u_b.id_number,
            "mobile": w.m_u_b.mobile,
            "password": "Wo#Zijide2026",
            "password2": "Wo#Zijide2026",
        },
        name="reporting:self_report (activate)",
    ),
    C(
        "reporting:self_report",
        "member_b_user",
        url("reporting:self_report", lambda w: w.B.code),
        reporting.MemberReport,
        prepare=_member_with_certificate,
        fill=lambda w: {"residence": w.B1_1.pk, "team_types": [team_types()[0].pk], "commitment": "on"},
        name="reporting:self_report (report)",
    ),
    # the three lists
    C(
        "needs:submit",
        "resident_user",
        url("needs:submit"),
        needs.Demand,
        fill=lambda w: {"title": "家里老人需要轮椅", "category": law().pk, "place": w.A1.pk},
    ),
    C(
        "needs:similar",
        "resident_user",
        url("needs:submit"),
        needs.Demand,
        ok=(200,),
        fill=lambda w: {"title": "轮椅"},
        extra={"reads_only": True},
    ),
    C(
        "needs:follow",
        "resident_user",
        url("needs:demand", lambda w: w.other.pk),
        needs.Follower,
        prepare=lambda w: setattr(w, "other", _other_residents_demand(w)),
    ),
    C("needs:accept", "resident_user", url("needs:demand", lambda w: w.item.pk), needs.Demand, prepare=_done),
    C(
        "needs:reopen",
        "resident_user",
        url("needs:demand", lambda w: w.item.pk),
        needs.Demand,
        prepare=_done,
        fill=lambda w: {"comment": "灯还是不亮"},
    ),
    C(
        "needs:rate",
        "resident_user",
        url("needs:demand", lambda w: w.item.pk),
        needs.Demand,
        prepare=_done,
        fill=lambda w: {"stars": "5", "comment": "很及时"},
    ),
    C(
        "needs:withdraw",
        "resident_user",
        url("needs:demand", lambda w: w.demand.pk),
        needs.Demand,
        prepare=lambda w: setattr(w, "demand", ask(w)),
    ),
    C(
        "needs:poster",
        None,
        url("needs:poster", lambda w: w.A.code),
        needs.Demand,
        fill=lambda w: {
            "contact_name": "路人乙",
            "contact_mobile": "13900005678",
            "title": "小区门口路灯坏了",
            "category": law().pk,
            "place": w.A1.pk,
        },
    ),
    C(
        "needs:poster_similar",
        None,
        url("needs:poster", lambda w: w.A.code),
        needs.Demand,
        ok=(200,),
        fill=lambda w: {"title": "路灯"},
        extra={"reads_only": True},
    ),
    C("needs:token_accept", None, url("needs:follow_link", lambda w: w.token), needs.Demand, prepare=_poster_done),
    C(
        "needs:token_reopen",
        None,
        url("needs:follow_link", lambda w: w.token),
        needs.Demand,
        prepare=_poster_done,
        fill=lambda w: {"comment": "还是不亮"},
    ),
    C(
        "needs:token_rate",
        None,
        url("needs:follow_link", lambda w: w.token),
        needs.Demand,
        prepare=_poster_done,
        fill=lambda w: {"stars": "4"},
    ),
    C(
        "needs:claim",
        "member_user",
        url("needs:item", lambda w: w.item.pk),
        needs.Claim,
        prepare=lambda w: setattr(w, "item", published(w, title="楼道灯不亮")),
    ),
    C(
        "needs:claim_withdraw",
        "member_user",
        url("needs:item", lambda w: w.item.pk),
        needs.Claim,
        prepare=_claimed,
        fill=lambda w: {"reason": "临时出差"},
    ),
    C(
        "needs:claim_decline",
        "member_user",
        url("needs:item", lambda w: w.item.pk),
        needs.Claim,
        prepare=lambda w: _dispatched(w),
        fill=lambda w: {"reason": "不在本地"},
    ),
    C(
        "needs:claim_contact",
        "member_user",
        url("needs:item", lambda w: w.item.pk),
        needs.ContactReveal,
        prepare=_started,
        ok=(200,),  # the page again, the contact shown
    ),
    C("needs:claim_start", "member_user", url("needs:item", lambda w: w.item.pk), needs.Claim, prepare=_claimed),
    C(
        "needs:claim_done",
        "member_user",
        url("needs:item", lambda w: w.item.pk),
        needs.Claim,
        prepare=_claimed,
        fill=lambda w: {"note": "已修好"},
    ),
    C(
        "needs:entry",
        "community_staff",
        url("needs:entry"),
        needs.Demand,
        fill=lambda w: {"channel": "visit", "title": "楼道堆物", "category": law().pk, "place": w.A1.pk},
    ),
    C("needs:import", "community_staff", url("needs:import"), needs.Demand, files=_xlsx_of_demands),
    C(
        "needs:accept_many",
        "community_staff",
        lambda w: reverse("needs:review") + "?status=pending",
        needs.Demand,
        prepare=lambda w: setattr(w, "demand", ask(w)),
        fill=lambda w: {"demand": [w.demand.pk]},
    ),
    C(
        "needs:close_many",
        "community_staff",
        lambda w: reverse("needs:review") + "?status=done",
        needs.Demand,
        prepare=_done,
        fill=lambda w: {"demand": [w.item.pk]},
    ),
    C(
        "needs:staff_accept",
        "community_staff",
        url("needs:manage", lambda w: w.demand.pk),
        needs.Demand,
        prepare=lambda w: setattr(w, "demand", ask(w)),
    ),
    C(
        "needs:staff_reject",
        "community_staff",
        url("needs:manage", lambda w: w.demand.pk),
        needs.Demand,
        prepare=lambda w: setattr(w, "demand", ask(w)),
        fill=lambda w: {"reason": "不属于社区服务范围"},
    ),
    C(
        "needs:staff_merge",
        "community_staff",
        url("needs:manage", lambda w: w.demand.pk),
        needs.Demand,
        prepare=lambda w: _two_alike(w),
    ),
    C(
        "needs:staff_dispatch",
        "community_staff",
        url("needs:manage", lambda w: w.item.pk),
        needs.Claim,
        prepare=lambda w: (w.m_u_a.intentions.add(law()), setattr(w, "item", published(w))),
        name="needs:staff_dispatch (suggested)",
    ),
    C(
        "needs:staff_dispatch",
        "community_staff",
        url("needs:manage", lambda w: w.item.pk),
        needs.Claim,
        prepare=lambda w: setattr(w, "item", published(w, title="楼道灯不亮")),
        form="dispatch-pick",
        # chosen among the picker's suggestions: the script puts the suggestion's id in `pick`
        fill=lambda w: {"pick_text": "钱安宁", "pick": f"member:{w.m_v_a.pk}"},
        name="needs:staff_dispatch (picked)",
    ),
    C(
        "needs:staff_dispatch",
        "community_staff",
        url("needs:manage", lambda w: w.item.pk),
        needs.Claim,
        prepare=lambda w: setattr(w, "item", published(w, title="楼道灯不亮")),
        form="dispatch-pick",
        fill=lambda w: {"pick_text": "钱安宁"},  # typed, without script
        name="needs:staff_dispatch (typed)",
    ),
    C(
        "needs:staff_category",
        "community_staff",
        url("needs:manage", lambda w: w.item.pk),
        needs.Demand,
        prepare=lambda w: setattr(w, "item", published(w, title="楼道灯不亮")),
        fill=lambda w: {"category": _other_category().pk},
    ),
    C(
        "needs:staff_unable",
        "community_staff",
        url("needs:manage", lambda w: w.demand.pk),
        needs.Demand,
        prepare=lambda w: setattr(w, "demand", ask(w)),
        fill=lambda w: {"reason": "产权单位负责"},
    ),
    C("needs:staff_close", "community_staff", url("needs:manage", lambda w: w.item.pk), needs.Demand, prepare=_done),
    # the service record
    C(
        "records:log",
        "member_user",
        url("records:log"),
        records.Record,
        fill=lambda w: {"starts_at": later(-3), "ends_at": later(-2), "content": "陪老人就医"},
    ),
    C(
        "records:claim_log",
        "member_user",
        url("needs:item", lambda w: w.item.pk),
        records.Record,
        prepare=_started,
        fill=lambda w: {"starts_at": later(-3), "ends_at": later(-2), "aid_money": "12.50", "done": "on"},
    ),
    C(
        "records:signup",
        "member_user",
        url("records:activity", lambda w: w.activity.pk),
        records.Signup,
        prepare=_activity,
    ),
    C(
        "records:cancel",
        "member_user",
        url("records:activity", lambda w: w.activity.pk),
        records.Signup,
        prepare=lambda w: _signed_up_later(w),
    ),
    C("records:scan", "member_user", lambda w: _scan_url(w), records.Signup, prepare=_signed_up),
    C(
        "records:certificates",
        "community_staff",
        lambda w: reverse("records:certificates") + f"?member={w.m_u_a.pk}",
        records.ServiceCertificate,
        prepare=lambda w: _confirmed_record(w),
        fill=lambda w: {"starts_on": today(-7), "ends_on": today()},
    ),
    C(
        "records:certificate_revoke",
        "community_staff",
        url("records:certificate", lambda w: w.service_certificate.pk),
        records.ServiceCertificate,
        prepare=_certificate,
        fill=lambda w: {"reason": "时长有误"},
    ),
    C(
        "records:unit_log",
        "unit_secretary",
        url("records:unit_year"),
        records.Record,
        fill=lambda w: {"community": w.A.pk, "starts_at": later(-5), "ends_at": later(-3), "content": "主题党日"},
    ),
    C(
        "records:unit_team_create",
        "unit_secretary",
        url("records:unit_year"),
        records.Team,
        fill=lambda w: {"community": w.A.pk, "kind": team_types()[0].pk, "leader": w.m_u_a.pk},
    ),
    C(
        "records:commitment_make",
        "unit_secretary",
        url("records:unit_year"),
        records.Commitment,
        fill=lambda w: {"community": w.A.pk, "text": "修缮车棚"},
    ),
    C(
        "records:commitment_edit",
        "unit_secretary",
        url("records:unit_year"),
        records.Commitment,
        prepare=_commitment,
        fill=lambda w: {"text": "修缮车棚和路灯"},
    ),
    C(
        "records:commitment_withdraw",
        "unit_secretary",
        url("records:unit_year"),
        records.Commitment,
        prepare=_commitment,
    ),
    C(
        "records:commitment_keep",
        "community_staff",
        lambda w: reverse("records:unit_year") + f"?unit={w.U.pk}",
        records.Commitment,
        prepare=_commitment,
        fill=lambda w: {"note": "车棚已修好"},
    ),
    C(
        "records:leaders",
        "community_staff",
        url("records:leaders"),
        records.LeaderVisit,
        prepare=_link,
        fill=lambda w: {"link": w.link.pk, "place": w.A1.pk, "visited_on": today(), "content": "调研停车难"},
    ),
    C(
        "records:visit_decide",
        "community_staff",
        url("records:leaders"),
        records.LeaderVisit,
        prepare=_visit,
        button="确认",
    ),
    C(
        "records:teams",
        "community_staff",
        url("records:teams"),
        records.Team,
        fill=lambda w: {"kind": team_types()[0].pk, "leader": w.m_u_a.pk},
    ),
    C(
        "records:team_leader",
        "community_staff",
        url("records:team", lambda w: w.team.pk),
        records.TeamMember,
        prepare=_team_led_by_other,
    ),
    C(
        "records:team_claim",
        "member_user",
        url("records:team", lambda w: w.team.pk),
        records.TeamClaim,
        prepare=lambda w: (_team(w), setattr(w, "item", published(w, title="楼道灯不亮", size="team", slots=2))),
    ),
    C(
        "records:join",
        "member_user",
        url("records:join_list"),
        records.TeamMember,
        prepare=lambda w: _team_led_by_other(w, kind=team_types()[1]),
    ),
    C("records:leave", "member_user", url("records:join_list"), records.TeamMember, prepare=_team_led_by_other),
    C(
        "records:pairings",
        "community_staff",
        url("records:pairings"),
        records.Pairing,
        fill=lambda w: {"member": w.m_u_a.pk, "resident": w.r_a1.pk, "need": "代买药"},
    ),
    C("records:pairing_end", "community_staff", url("records:pairings"), records.Pairing, prepare=_pairing),
    C(
        "records:callups",
        "community_staff",
        url("records:callups"),
        records.Callup,
        fill=lambda w: {
            "title": "防汛值守",
            "address": "社区门口",
            "starts_at": later(1),
            "ends_at": later(3),
            "needed": "3",
        },
    ),
    C(
        "records:callup_answer",
        "member_user",
        url("records:callup", lambda w: w.callup.pk),
        records.CallupAnswer,
        prepare=_callup,
        button="能到场",
    ),
    C(
        "records:callup_attend",
        "community_staff",
        url("records:callup", lambda w: w.callup.pk),
        records.Record,
        prepare=lambda w: (_callup(w), _coming(w)),
        fill=lambda w: {"members": [w.m_u_a.pk]},
    ),
    C(
        "records:callup_close",
        "community_staff",
        url("records:callup", lambda w: w.callup.pk),
        records.Callup,
        prepare=_callup,
    ),
    C(
        "records:new_activity",
        "community_staff",
        url("records:new_activity"),
        records.Activity,
        fill=lambda w: {
            "title": "环境清扫",
            "kind": kind().pk,
            "place": w.A1.pk,
            "starts_at": later(24),
            "ends_at": later(26),
            "capacity": "10",
        },
    ),
    C(
        "records:attendance",
        "community_staff",
        url("records:activity", lambda w: w.activity.pk),
        records.Signup,
        prepare=_signed_up,
        fill=lambda w: {
            "member": w.m_u_a.pk,
            "checkin_at": later(-1.5),
            "checkout_at": later(-0.5),
            "reason": "没带手机",
        },
    ),
    C(
        "records:close",
        "community_staff",
        url("records:activity", lambda w: w.activity.pk),
        records.Activity,
        prepare=lambda w: _signed_up(w, ended=True),
    ),
    C(
        "records:cancel_activity",
        "community_staff",
        url("records:activity", lambda w: w.activity.pk),
        records.Activity,
        prepare=_activity,
    ),
    C(
        "records:confirm",
        "community_staff",
        url("records:pending"),
        records.Record,
        prepare=_logged,
        fill=lambda w: {"ids": [w.record.pk]},
        name="records:confirm (desk)",
    ),
    C(
        "records:confirm",
        "community_staff",
        url("records:record", lambda w: w.record.pk),
        records.Record,
        prepare=_logged,
        name="records:confirm (one)",
    ),
    C(
        "records:record_edit",
        "member_user",
        url("records:record_edit", lambda w: w.record.pk),
        records.Record,
        prepare=_returned,
        fill=lambda w: {"starts_at": later(-3), "ends_at": later(-1), "content": "陪老人去市一医院就医"},
    ),
    C(
        "records:return",
        "community_staff",
        url("records:record", lambda w: w.record.pk),
        records.Record,
        prepare=_logged,
        fill=lambda w: {"reason": "时间不对"},
    ),
]


# --- the walk -------------------------------------------------------------------------------------


@functools.cache
def post_targets() -> frozenset[str]:
    """Every URL name (outside the admin and the API) whose view takes a POST."""

    def takes_post(callback: Any) -> bool:
        view_class = getattr(callback, "view_class", None)
        if view_class is not None:
            return hasattr(view_class, "post") and "post" in view_class.http_method_names
        c = callback
        while c is not None:
            for cell in c.__closure__ or ():
                value = cell.cell_contents
                if isinstance(value, list) and value and all(isinstance(m, str) and m.isupper() for m in value):
                    return "POST" in value
            c = getattr(c, "__wrapped__", None)
        return True  # no method decorator: it takes any method

    def walk(resolver: URLResolver, prefix: str = "") -> set[str]:
        out: set[str] = set()
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                if p.namespace in ("admin", "api"):
                    continue
                out |= walk(p, f"{prefix}{p.namespace}:" if p.namespace else prefix)
            elif isinstance(p, URLPattern) and p.name and takes_post(p.callback):
                out.add(prefix + p.name)
        return out

    return frozenset(walk(get_resolver()))


# Take a POST, yet no page has a form for them: what they are instead.
NOT_FORMS = {
    "needs:photo": "a photo (GET); no method decorator",
    "home": "the home page (GET); no method decorator",
    "healthz": "the health check (GET); no method decorator",
    "favicon": "a redirect to the icon; no method decorator",
}


def test_every_form_of_the_project_is_walked() -> None:
    assert post_targets() - set(NOT_FORMS) == {c.target for c in CASES}


def test_case_names_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


def fingerprint(model: type[models.Model]) -> str:
    rows = model.objects.order_by("pk").values_list()
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def _the_form(case: Case, w: W, forms: list[Form], page: str) -> tuple[Form, Any, str, list[str] | None]:
    target = case.action(w) if case.action else None
    for f in forms:
        if f.method != "post":
            continue
        for button, action, only in f.submitters():
            match = resolve(path_of(action))
            if match.view_name != case.target or (target and path_of(action) != path_of(target)):
                continue
            said = "" if button is None else button.text + button.attrs.get("value", "") + button.attrs.get("title", "")
            if case.button and case.button not in said:
                continue
            if case.form and f.attrs.get("id") != case.form:
                continue
            return f, button, action, only
    shown = [(f.method, path_of(a), [c.name for c in f.fields()]) for f in forms for _b, a, _o in f.submitters()]
    raise AssertionError(f"{case.id}: no form posting to {case.target} on {page}; the page has {shown}")


BAD_TEXT = "错" * 5001  # longer than any field takes
BAD = {"text": BAD_TEXT, "number": "9" * 25 + ".999", "date": "2026-13-45", "choice": "987654321"}


def bad_fill(form: Form, blank: bool) -> dict[str, Any]:
    """Every field a person fills emptied (the hidden ones kept), or every field filled with what
    no field takes (the hidden ones too: a tampered id must read as missing, in our words)."""
    out: dict[str, Any] = {}
    for c in form.fields():
        if c.name in out or c.name == "csrfmiddlewaretoken" or (blank and c.type == "hidden"):
            continue
        if blank:
            out[c.name] = [] if c.type in ("checkbox", "radio") or c.tag == "select" else ""
        elif c.type == "hidden":
            out[c.name] = BAD["choice"]
        elif c.tag == "select" or c.type in ("checkbox", "radio"):
            out[c.name] = None  # chosen below: a value the list does not offer
        elif c.type in ("number", "range"):
            out[c.name] = BAD["number"]
        elif c.type in ("date", "datetime-local", "time", "month"):
            out[c.name] = BAD["date"]
        else:
            out[c.name] = BAD["text"]
    return out


def send(client: Client, action: str, body: list[tuple[str, str]], files: dict[str, Any]) -> Any:
    """POST as a browser does: every value of a repeated name, in order."""
    data: dict[str, list[str] | Any] = {}
    for k, v in body:
        data.setdefault(k, []).append(v)
    data.update(files)
    return client.post(action, data)


def raw_body(form: Form, button: Any, fill: dict[str, Any], only: list[str] | None) -> list[tuple[str, str]]:
    """The browser's body, where a `None` in `fill` posts a value the select does not offer."""
    offered = {k: v for k, v in fill.items() if v is not None and v != []}
    body = form.body(button, offered, only)
    unoffered = [k for k, v in fill.items() if v is None]
    cleared = {k for k, v in fill.items() if v == []}
    body = [(k, v) for k, v in body if k not in unoffered and k not in cleared]
    return body + [(k, BAD["choice"]) for k in unoffered]


def walk(case: Case, w: W) -> list[str]:
    """Walk one form; what went wrong, in words."""
    problems: list[str] = []
    case.prepare(w)
    user = getattr(w, case.user) if case.user else None
    client = Client()
    if user is not None:
        client.force_login(user)
    page_url = case.page(w)
    page = client.get(page_url)
    assert page.status_code == 200, f"{case.id}: {page_url} answers {page.status_code} to {case.user}"
    html = page.content.decode()
    problems += [f"page: {m}" for m in foreign(html, [])]
    on_page = forms_of(html, page_url)
    # Every form of the page posts where a POST is taken (never to a page that only shows).
    posted = {path_of(a) for f in on_page if f.method == "post" for _b, a, _o in f.submitters()}
    problems += [
        f"page: a form posts to {p}, which takes no POST" for p in posted if resolve(p).view_name not in post_targets()
    ]
    form, button, action, only = _the_form(case, w, on_page, page_url)

    cookies = copy.deepcopy(client.cookies)  # a refused post may still log out or rotate the session
    for blank in (True, False):
        fill = bad_fill(form, blank)
        if only is not None:
            fill = {k: v for k, v in fill.items() if k in only}
        if blank and not fill:
            continue  # nothing to empty: a button alone
        with transaction.atomic():
            response = send(client, action, raw_body(form, button, fill, only), {})
            said = [text for _level, text in flashed(response)]
            shown = response.content.decode() if response.get("Content-Type", "").startswith("text/html") else ""
            problems += [f"{'blank' if blank else 'bad'} input: {m}" for m in foreign(shown, said)]
            transaction.set_rollback(True)
        client.cookies = copy.deepcopy(cookies)

    before = fingerprint(case.writes)
    body = form.body(button, case.fill(w), only)
    # What runs once the request's transaction commits (an import, a robot's message) runs too.
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = send(client, action, body, case.files(w))
    errors = [text for level, text in flashed(response) if level >= messages.ERROR]
    shown = error_texts(response.content.decode()) if response.status_code != 302 else []
    if response.status_code not in case.ok:
        problems.append(f"valid input answered {response.status_code}: {shown or errors} (posted {body})")
    elif errors or shown:
        problems.append(f"valid input refused: {errors + shown}")
    elif not case.extra.get("reads_only") and fingerprint(case.writes) == before:
        problems.append(f"valid input wrote nothing to {case.writes.__name__}")
    return problems


@pytest.fixture
def walk_world(world: SimpleNamespace, settings: Any, tmp_path: Any) -> SimpleNamespace:
    settings.MEDIA_ROOT = tmp_path / "media"  # uploads and photos
    w = world
    team_types()
    w.report_u_a = confirmed_report(w.m_u_a, w.community_staff)
    w.report_v_a = confirmed_report(w.m_v_a, w.community_staff)
    w.m_u_a.user = w.member_user
    w.m_u_a.save(update_fields=["user"])
    return w


def _walk_all(w: W, cases: list[Case]) -> dict[str, list[str]]:
    store = caches["default"]
    kept = (dict(store._cache), dict(store._expire_info))
    found: dict[str, list[str]] = {}
    for case in cases:
        with transaction.atomic():
            try:
                problems = walk(case, copy.deepcopy(w))  # what a case changes in memory stays in it
            except Exception as exc:
                problems = [f"{type(exc).__name__}: {exc}"]
            if problems:
                found[case.id] = problems
            transaction.set_rollback(True)
        store.clear()
        store._cache.update(kept[0])
        store._expire_info.update(kept[1])
    return found


# Forms the walk finds broken that another change of issue 19 mends: each must still fail here
# (the assertion below), so that the mend also removes its line.
KNOWN: dict[str, str] = {}


def check(found: dict[str, list[str]], cases: list[Case]) -> None:
    assert {k: v for k, v in found.items() if k not in KNOWN} == {}, report(found)
    still = {c.id for c in cases} & set(KNOWN)
    assert still <= set(found), f"mended, take them out of KNOWN: {sorted(still - set(found))}"


def report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{case}:\n" + "\n".join(f"    {p}" for p in problems) for case, problems in found.items())


def _of(app: str) -> list[Case]:
    return [c for c in CASES if c.target.split(":")[0] in app.split(",")]


def test_the_forms_of_accounts_directory_and_notifications(walk_world: SimpleNamespace) -> None:
    cases = _of("accounts,directory,import,notifications")
    check(_walk_all(walk_world, cases), cases)


def test_the_forms_of_reporting(walk_world: SimpleNamespace) -> None:
    cases = _of("reporting")
    check(_walk_all(walk_world, cases), cases)


def test_the_forms_of_needs(walk_world: SimpleNamespace) -> None:
    cases = _of("needs")
    check(_walk_all(walk_world, cases), cases)


def test_the_forms_of_records(walk_world: SimpleNamespace) -> None:
    cases = _of("records")
    check(_walk_all(walk_world, cases), cases)

"""Members' accounts: activated from the roster, and mobile numbers changed on request."""

from __future__ import annotations

import secrets

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import Role, User
from baodao.accounts.services import user_create
from baodao.core import crypto
from baodao.core.privacy import mask_mobile
from baodao.core.transitions import apply
from baodao.core.validators import mobile_error
from baodao.directory import services as directory_services
from baodao.directory.models import Member, Place
from baodao.notifications.selectors import unit_secretaries
from baodao.notifications.services import notify
from baodao.reporting.models import (
    Certificate,
    MobileChangeRequest,
)
from baodao.reporting.transitions import ReportError, mobile_requests


@transaction.atomic
def member_activate(*, certificate: Certificate, mobile: str, password: str) -> User:
    """First visit from a certificate: the member proves the mobile on the roster and sets a password."""
    member = certificate.member
    if member.user_id:
        raise ReportError(_("您已开通账号，请直接登录"))
    if crypto.lookup_hash(mobile.strip()) != member.mobile_hash:
        raise ReportError({"mobile": _("手机号与单位登记的不一致，请联系单位党组织核对")})
    username = f"m{member.pk}"
    user = user_create(
        username=username,
        password=password,
        display_name=member.name,
        mobile=member.mobile,
        roles=[{"role": Role.MEMBER, "member": member}],
    )
    member.user = user
    member.save(update_fields=["user"])
    return user


class RosterMobileMismatch(ReportError):
    """The ID number is on the roster but the mobile is not the one registered: the member may ask
    the unit to take the new mobile (mobile_change_request_submit)."""


def _roster_member(id_number: str) -> Member:
    member = Member.objects.filter(id_hash=crypto.lookup_hash(id_number.strip().upper())).first()
    if member is None:
        raise ReportError({"id_number": _("党员名册中没有该身份证号，请联系所在单位党组织登记后再报到")})
    return member


def _check_mobile_request_allowed(member: Member, mobile_hash: str) -> None:
    """Why a member whose mobile does not match may not ask (again) for the new one, if so."""
    if member.user_id:
        raise ReportError(_("身份证号和手机号与党员名册不一致。您已开通账号，请直接登录，或联系所在单位党组织核对"))
    pending = MobileChangeRequest.objects.filter(member=member, status=MobileChangeRequest.Status.PENDING).first()
    if pending is not None:
        if pending.mobile_hash == mobile_hash:
            raise ReportError(
                _("您的手机号变更申请已于%(d)s提交，正在等待所在单位党组织审核，审核通过后即可用新手机号报到")
                % {"d": timezone.localtime(pending.created_at).strftime("%Y-%m-%d")}
            )
        raise ReportError(_("该身份证号已有一份待审核的手机号变更申请，请等待所在单位党组织审核"))
    refused = (
        MobileChangeRequest.objects.filter(
            member=member, mobile_hash=mobile_hash, status=MobileChangeRequest.Status.REFUSED
        )
        .order_by("-decided_at", "-id")
        .first()
    )
    if refused is not None:
        raise ReportError(
            _("所在单位党组织未通过您的手机号变更申请（原因：%(r)s），如有疑问请联系单位党组织") % {"r": refused.reason}
        )


def _member_user_create(member: Member, *, password: str) -> User:
    user = user_create(
        username=f"m{member.pk}",
        password=password,
        display_name=member.name,
        mobile=member.mobile,
        roles=[{"role": Role.MEMBER, "member": member}],
    )
    member.user = user
    member.save(update_fields=["user"])
    return user


@transaction.atomic
def member_activate_by_roster(*, id_number: str, mobile: str, password: str) -> User:
    """Self-report without a certificate: the ID number and mobile must match the roster.

    An ID number on the roster with another mobile raises RosterMobileMismatch (the member may ask
    the unit to approve the new mobile), or says how the member's earlier request stands.
    """
    member = _roster_member(id_number)
    mobile_hash = crypto.lookup_hash(mobile.strip())
    if member.mobile_hash != mobile_hash:
        _check_mobile_request_allowed(member, mobile_hash)
        raise RosterMobileMismatch(
            {
                "mobile": _(
                    "身份证号和手机号与党员名册不一致：名册登记的不是这个手机号。如已更换手机号，"
                    "请勾选“申请以新手机号报到”后再提交，由所在单位党组织审核"
                )
            }
        )
    if member.user_id:
        raise ReportError(_("您已开通账号，请直接登录"))
    return _member_user_create(member, password=password)


def _tell_unit_secretaries(request: MobileChangeRequest, *, step: str, title: str, body: str) -> None:
    url = f"{reverse('reporting:ledger')}?status=unit_approval#mobile-requests"
    for user in unit_secretaries(request.member.unit_id).users:
        notify(user=user, title=title, body=body, url=url, dedupe_key=f"mobile-request:{request.pk}:{step}")


@transaction.atomic
def mobile_change_request_submit(
    *, id_number: str, mobile: str, password: str, community: Place
) -> MobileChangeRequest:
    """A member on the roster with a changed mobile asks to report with the new one.

    At most one request waits per member (a constraint); a mobile the unit refused is not asked
    for again. The unit's secretaries are told; nothing else changes until one of them decides.
    """
    if community.kind != Place.Kind.COMMUNITY:
        raise ReportError(_("请从社区的扫码报到页面提交"))
    mobile = mobile.strip()
    if err := mobile_error(mobile):
        raise ReportError({"mobile": err})
    member = _roster_member(id_number)
    mobile_hash = crypto.lookup_hash(mobile)
    if member.mobile_hash == mobile_hash:
        raise ReportError({"mobile": _("手机号与党员名册一致，无需申请，请直接核对并开通账号")})
    if member.status != Member.Status.IN_SERVICE:
        raise ReportError(_("名册中您不是在职党员，无需报到；如有变动请联系所在单位党组织"))
    _check_mobile_request_allowed(member, mobile_hash)
    if User.objects.filter(mobile_hash=mobile_hash).exists():
        raise ReportError({"mobile": _("该手机号已被其他账号使用，请换一个手机号或联系所在单位党组织")})
    try:
        with transaction.atomic():
            request = MobileChangeRequest.objects.create(
                member=member,
                community=community,
                mobile=mobile,
                mobile_hash=mobile_hash,
                password_hash=make_password(password),
            )
    except IntegrityError as exc:  # a double submit raced past the check above
        raise ReportError(_("该身份证号已有一份待审核的手机号变更申请，请等待所在单位党组织审核")) from exc
    _tell_unit_secretaries(
        request,
        step="submitted",
        title=_("%(name)s申请以新手机号报到") % {"name": member.name},
        body=_(
            "%(name)s（%(org)s）扫描%(c)s的报到海报报到，但手机号与名册不一致，申请改用新手机号 %(m)s。"
            "请核实后在报到台账中审核通过或退回。"
        )
        % {"name": member.name, "org": member.party_org.name, "c": community.name, "m": mask_mobile(mobile)},
    )
    return request


@transaction.atomic
def mobile_change_request_approve(*, request: MobileChangeRequest, by: User) -> MobileChangeRequest:
    """The unit secretary vouches for the new mobile: the roster takes it (encrypted, re-hashed),
    the member's account opens with the password chosen in the request."""
    members: list[Member] = []

    def check(row: MobileChangeRequest) -> None:
        member = Member.objects.select_for_update().get(pk=row.member_id)
        if member.user_id:
            raise ReportError(_("%(name)s 已开通账号，无需审核") % {"name": member.name})
        if User.objects.filter(mobile_hash=row.mobile_hash).exists():
            raise ReportError(_("该手机号已被其他账号使用，请退回并告知党员换一个手机号"))
        directory_services.member_update(member=member, mobile=row.mobile)
        # The password was validated and hashed when the member chose it; a random one stands in
        # until the stored hash replaces it.
        user = _member_user_create(member, password=secrets.token_urlsafe(24))
        user.password = row.password_hash
        user.save(update_fields=["password"])
        members.append(member)

    changes = {"decided_by": by, "decided_at": timezone.now(), "password_hash": ""}
    request = apply(mobile_requests, "approve", request, by=by, check=check, changes=changes)
    member = members[0]
    _tell_unit_secretaries(
        request,
        step="approved",
        title=_("已通过%(name)s的手机号变更申请") % {"name": member.name},
        body=_("%(by)s审核通过：名册手机号已更新，%(name)s的账号已开通，可登录后到%(c)s报到。")
        % {"by": by.display_name or by.username, "name": member.name, "c": request.community.name},
    )
    return request


@transaction.atomic
def mobile_change_request_refuse(*, request: MobileChangeRequest, by: User, reason: str) -> MobileChangeRequest:
    """The unit secretary refuses, with a reason the member reads on the self-report page."""
    if not reason.strip():
        raise ReportError({"reason": _("退回时请填写原因")})
    changes = {"reason": reason.strip()[:200], "decided_by": by, "decided_at": timezone.now(), "password_hash": ""}
    request = apply(mobile_requests, "refuse", request, by=by, changes=changes)
    _tell_unit_secretaries(
        request,
        step="refused",
        title=_("已退回%(name)s的手机号变更申请") % {"name": request.member.name},
        body=_("%(by)s退回了%(name)s的手机号变更申请，原因：%(r)s。名册未作改动。")
        % {"by": by.display_name or by.username, "name": request.member.name, "r": request.reason},
    )
    return request

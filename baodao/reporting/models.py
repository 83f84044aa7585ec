"""双报到 itself (DOMAIN.md §3.1): unit reports with co-building agreements, member reports in
three steps (certificate → register → confirm and receipt), and the timeline of every change."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from baodao.core.fields import EncryptedTextField


class UnitReport(models.Model):
    """A unit party organization reports to its assigned community and signs 共建协议."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待社区确认")
        CONFIRMED = "confirmed", _("已确认")
        RETURNED = "returned", _("已退回")
        ENDED = "ended", _("已结束")

    unit = models.ForeignKey("directory.Unit", on_delete=models.PROTECT, related_name="reports")
    community = models.ForeignKey("directory.Place", on_delete=models.PROTECT, related_name="unit_reports")
    assignment = models.ForeignKey(
        "directory.UnitAssignment", on_delete=models.PROTECT, related_name="reports", null=True, blank=True
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = EncryptedTextField(_("联系电话"))
    report_date = models.DateField(_("报到日期"))
    unit_signatory = models.CharField(_("单位党组织书记（签字）"), max_length=50)
    unit_resources = models.TextField(_("单位资源清单"))
    resource_tags = models.ManyToManyField("directory.Category", blank=True, related_name="+")
    community_demands = models.TextField(_("社区需求清单"))
    demand_tags = models.ManyToManyField("directory.Category", blank=True, related_name="+")
    joins_big_committee = models.BooleanField(_("加入社区大党委"), default=True)
    community_signatory = models.CharField(_("社区党组织书记（签字）"), max_length=50, blank=True)
    return_reason = models.CharField(_("退回原因"), max_length=200, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("单位报到")
        verbose_name_plural = _("单位报到")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(status__in=["submitted", "confirmed"]),
                name="one_active_unit_report",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} → {self.community}"


class Certificate(models.Model):
    """报到证 issued by the unit party organization to one member."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("已签发")
        USED = "used", _("已使用")
        REVOKED = "revoked", _("已作废")

    member = models.ForeignKey("directory.Member", on_delete=models.PROTECT, related_name="certificates")
    unit = models.ForeignKey("directory.Unit", on_delete=models.PROTECT, related_name="certificates")
    community = models.ForeignKey(
        "directory.Place", on_delete=models.PROTECT, related_name="certificates", verbose_name=_("报到社区")
    )
    number = models.CharField(_("编号"), max_length=32, unique=True)
    nonce = models.CharField(max_length=32)
    deadline = models.DateField(_("报到期限"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ISSUED)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("报到证")
        verbose_name_plural = _("报到证")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(status="issued"), name="one_open_certificate_per_member"
            )
        ]

    def __str__(self) -> str:
        return self.number


class MemberReport(models.Model):
    """A member's report to the community where he or she lives. At most one active per member."""

    shown_room: str  # the room, in full or masked for the viewer (directory.display); never stored

    class Status(models.TextChoices):
        PENDING = "pending", _("待社区确认")
        UNIT_APPROVAL = "unit_approval", _("待单位审核")
        CONFIRMED = "confirmed", _("已报到")
        RETURNED = "returned", _("已退回")
        ENDED = "ended", _("已结束")

    class Source(models.TextChoices):
        CERTIFICATE = "certificate", _("凭报到证")
        SELF = "self", _("扫码自主报到")

    class EndReason(models.TextChoices):
        MOVED = "moved", _("搬家迁居")
        LEFT_UNIT = "left_unit", _("离开单位")
        RETIRED = "retired", _("退休")
        TRANSFERRED = "transferred", _("调出")

    ACTIVE = ("pending", "unit_approval", "confirmed")

    member = models.ForeignKey("directory.Member", on_delete=models.PROTECT, related_name="reports")
    unit = models.ForeignKey("directory.Unit", on_delete=models.PROTECT, related_name="member_reports")
    certificate = models.ForeignKey(Certificate, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("报到方式"), max_length=16, choices=Source.choices)
    community = models.ForeignKey("directory.Place", on_delete=models.PROTECT, related_name="member_reports")
    residence = models.ForeignKey("directory.Place", on_delete=models.PROTECT, related_name="+")
    room = EncryptedTextField(_("门牌号"), blank=True)
    team_types = models.ManyToManyField("directory.Category", blank=True, related_name="+")
    commitment_text = models.TextField(_("服务承诺书"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, db_index=True)
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    return_reason = models.CharField(_("退回原因"), max_length=200, blank=True)
    receipt_number = models.CharField(_("回执编号"), max_length=32, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=16, choices=EndReason.choices, blank=True)

    class Meta:
        verbose_name = _("党员报到")
        verbose_name_plural = _("党员报到")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status__in=["pending", "unit_approval", "confirmed"]),
                name="one_active_member_report",
            )
        ]
        indexes = [models.Index(fields=["community", "status"])]

    def __str__(self) -> str:
        return f"{self.member} → {self.community}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def status_label(self) -> str:
        """The badge: the status's own label and, for an ended report, why it ended (moved, retired…)."""
        label = self.get_status_display()
        if self.status == self.Status.ENDED and self.end_reason:
            return f"{label}·{self.get_end_reason_display()}"
        return label


class ReportEvent(models.Model):
    """The timeline of a report: every state change, who did it and why."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("分配联系社区")
        SUBMITTED = "submitted", _("提交报到")
        RESUBMITTED = "resubmitted", _("重新提交")
        CONFIRMED = "confirmed", _("社区确认")
        RETURNED = "returned", _("社区退回")
        UNIT_APPROVED = "unit_approved", _("单位审核通过")
        RECEIPT = "receipt", _("回执送达单位")
        ENDED = "ended", _("报到结束")
        CERTIFICATE = "certificate", _("签发报到证")
        MOVED = "moved", _("社区内迁居")
        TRANSFERRED = "transferred", _("小区划转社区")

    unit_report = models.ForeignKey(UnitReport, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    member_report = models.ForeignKey(
        MemberReport, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d}"


class CommitmentTemplate(models.Model):
    """The 服务承诺书 text of a city (the default text is in reporting.services)."""

    city = models.OneToOneField("directory.Place", on_delete=models.CASCADE, related_name="commitment_template")
    text = models.TextField(_("服务承诺书"))
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.city}"


class MobileChangeRequest(models.Model):
    """A member on the roster whose mobile no longer matches it (a changed phone) asks to self-report
    with the new one. The unit secretary approves (the roster takes the new mobile and the account
    opens) or refuses with a reason; the member sees the answer on the self-report page."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待单位审核")
        APPROVED = "approved", _("已通过")
        REFUSED = "refused", _("未通过")

    member = models.ForeignKey("directory.Member", on_delete=models.PROTECT, related_name="mobile_requests")
    # The community whose poster the member scanned: where he or she goes on to report.
    community = models.ForeignKey("directory.Place", on_delete=models.PROTECT, related_name="+")
    mobile = EncryptedTextField(_("新手机号"))
    mobile_hash = models.CharField(max_length=64, editable=False)
    # The password chosen with the request, hashed; it becomes the account's on approval and is
    # cleared once the request is decided either way.
    password_hash = models.CharField(max_length=128, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(_("未通过原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("手机号变更申请")
        verbose_name_plural = _("手机号变更申请")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(status="pending"), name="one_pending_mobile_request")
        ]

    def __str__(self) -> str:
        return f"{self.member} ({self.get_status_display()})"

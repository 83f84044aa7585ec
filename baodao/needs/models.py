"""The three lists (DOMAIN.md §3.2): residents' demands, the service items they become once
accepted, the claims of members, teams and units, and the timeline of every step to closure.

A demand and its service item are one row: a demand reviewed and accepted is published on the
community's service list (已发布) and runs on to closure (已销号) in the same row, so a record, a
round-table issue or a figure points at one thing whose whole history is its timeline.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from baodao.core.fields import EncryptedTextField


class Demand(models.Model):
    """A resident's wish or appeal, or a compound's governance problem, and — once accepted — the
    service item on the community's service list."""

    class Kind(models.TextChoices):
        WISH = "wish", _("微心愿")
        APPEAL = "appeal", _("微诉求")
        DREAM = "dream", _("微梦想")

    class Channel(models.TextChoices):
        RESIDENT = "resident", _("居民提交")
        DOOR = "door", _("敲门组")
        WECHAT = "wechat", _("微信群")
        SURVEY = "survey", _("问卷")
        STREET = "street", _("走街巷")
        VISIT = "visit", _("来电来访")

    class Governance(models.TextChoices):
        # 十乱、十怨、十患、十盼: what street walks find in a compound as a whole [seed 000][002]
        NONE = "", _("—")
        DISORDER = "luan", _("十乱")
        GRIEVANCE = "yuan", _("十怨")
        HAZARD = "huan", _("十患")
        HOPE = "pan", _("十盼")

    class Size(models.TextChoices):
        PERSON = "person", _("个人可办")
        TEAM = "team", _("组团认领")
        UNIT = "unit", _("单位实事")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        PUBLISHED = "published", _("已发布")
        CLAIMED = "claimed", _("已认领")
        DISPATCHED = "dispatched", _("已派单")
        IN_PROGRESS = "in_progress", _("进行中")
        # Done is not accepted: what the resident said is `acceptance`, shown beside it (status_label).
        DONE = "done", _("已完成")
        CLOSED = "closed", _("已销号")
        REJECTED = "rejected", _("已驳回")
        MERGED = "merged", _("已合并")
        UNABLE = "unable", _("无法办理")
        WITHDRAWN = "withdrawn", _("已撤回")

    class Acceptance(models.TextChoices):
        WAITING = "", _("待居民验收")
        ACCEPTED = "accepted", _("居民已验收")
        SILENT = "silent", _("逾期未回复，视为验收")
        NOT_ASKED = "none", _("无需居民验收")

    # States of a demand still open for work (on the service list, not yet done).
    OPEN = ("published", "claimed", "dispatched", "in_progress")
    # States in which the demand is still "open" for duplicates (a resident may follow it).
    FOLLOWABLE = ("pending", "published", "claimed", "dispatched", "in_progress")
    # A claim may be taken in these states (while slots are free).
    CLAIMABLE = ("published", "claimed")

    # Set per viewer by needs.selectors.show_beneficiary; never stored.
    shown_name: str
    shown_mobile: str
    shown_address: str
    pii_full: bool
    may_reveal: bool
    # The service logged for it in records (needs.hooks.ServiceDone); set by needs.views.common.served.
    served: Any

    community = models.ForeignKey(
        "directory.Place", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="demands"
    )
    place = models.ForeignKey(
        "directory.Place", verbose_name=_("小区/楼栋"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices, default=Kind.WISH)
    channel = models.CharField(_("收集渠道"), max_length=8, choices=Channel.choices, default=Channel.RESIDENT)
    governance = models.CharField(_("小区问题"), max_length=4, choices=Governance.choices, blank=True, default="")
    category = models.ForeignKey(
        "directory.Category", verbose_name=_("类别"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("需求"), max_length=60)
    description = models.TextField(_("详细说明"), max_length=1000, blank=True)
    preferred_time = models.CharField(_("希望时间"), max_length=60, blank=True)
    # The beneficiary: a resident on the roster, or the name and mobile given on the poster page;
    # neither for a problem of the compound as a whole.
    resident = models.ForeignKey(
        "directory.Resident", null=True, blank=True, on_delete=models.PROTECT, related_name="demands"
    )
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_mobile = EncryptedTextField(_("联系电话"), blank=True)
    show_name = models.BooleanField(_("公开时可显示姓氏"), default=False)
    # The link a resident without an account follows the demand by (a random secret).
    follow_token = models.CharField(max_length=43, blank=True, db_index=True)

    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    size = models.CharField(_("办理规模"), max_length=8, choices=Size.choices, default=Size.PERSON)
    slots = models.PositiveSmallIntegerField(_("认领名额"), default=1)
    claimed_slots = models.PositiveSmallIntegerField(_("已认领"), default=0)
    follower_count = models.PositiveIntegerField(_("我也需要"), default=0)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged", verbose_name=_("并入")
    )
    reason = models.CharField(_("原因"), max_length=200, blank=True)  # rejected / unable / merged

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)  # the last overdue reminder

    acceptance = models.CharField(
        _("居民验收"), max_length=8, choices=Acceptance.choices, blank=True, default=Acceptance.WAITING
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重新打开次数"), default=0)
    rating = models.PositiveSmallIntegerField(_("评价星级"), null=True, blank=True)
    rating_comment = models.CharField(_("评价"), max_length=200, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("需求")
        verbose_name_plural = _("需求")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(name="demand_slots_positive", condition=Q(slots__gte=1)),
            models.CheckConstraint(
                name="demand_claims_within_slots", condition=Q(claimed_slots__lte=models.F("slots"))
            ),
            models.CheckConstraint(
                name="demand_rating_1_to_5", condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5)
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status"], name="demand_community_status"),
            models.Index(fields=["status", "created_at"], name="demand_status_created"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def status_label(self) -> str:
        """The badge on every page: the status's own word and, once the work is done, what the
        resident said — done, accepted and closed are different facts (已完成·待居民验收,
        已完成·居民已验收, 已销号·逾期未回复，视为验收)."""
        label = self.get_status_display()
        if self.status in (self.Status.DONE, self.Status.CLOSED) and self.acceptance != self.Acceptance.NOT_ASKED:
            return f"{label}·{self.get_acceptance_display()}"
        return label

    @property
    def free_slots(self) -> int:
        return max(0, self.slots - self.claimed_slots)


def photo_upload_to(instance: DemandPhoto, filename: str) -> str:
    import uuid

    # A random name: what the phone called the file may be personal.
    return f"needs/{uuid.uuid4().hex}.{'png' if filename.lower().endswith('.png') else 'jpg'}"


class DemandPhoto(models.Model):
    """A photo of a demand (by the resident) or of the work done (by the claimant); re-encoded on
    upload, so no EXIF (location, phone model) survives."""

    class Stage(models.TextChoices):
        DEMAND = "demand", _("需求照片")
        DONE = "done", _("完成照片")

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField(max_length=8, choices=Stage.choices, default=Stage.DEMAND)
    image = models.FileField(upload_to=photo_upload_to)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.demand_id}: {self.image.name}"


class Follower(models.Model):
    """我也需要: a resident who has the same need follows a demand instead of filing it again."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["demand", "user"], name="one_follow_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.demand_id}"


CLAIM_LIVE = ("claimed", "started", "done")


class Claim(models.Model):
    """One party's share of a service item: a member (个人), a team for a group item (组团认领) or
    a unit (单位实事), claimed (接单) or dispatched to it by the community (派单)."""

    class Party(models.TextChoices):
        MEMBER = "member", _("党员")
        TEAM = "team", _("服务队")
        UNIT = "unit", _("单位")

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("已认领")
        STARTED = "started", _("进行中")
        DONE = "done", _("已完成")
        WITHDRAWN = "withdrawn", _("已撤回")
        DECLINED = "declined", _("已拒绝派单")
        RELEASED = "released", _("超期释放")
        ENDED = "ended", _("已终止")  # the item was merged or found unable

    LIVE = CLAIM_LIVE

    # The service logged against it in records (needs.hooks.ServiceDone); set by needs.views.common.served.
    served: Any

    demand = models.ForeignKey(Demand, on_delete=models.PROTECT, related_name="claims")
    party = models.CharField(_("认领方"), max_length=8, choices=Party.choices)
    member = models.ForeignKey("directory.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("directory.WorkTeam", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("directory.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    dispatched = models.BooleanField(_("派单"), default=False)
    # The item had one slot: at most one live claim (a constraint cannot read the item's row).
    exclusive = models.BooleanField(default=False)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.CLAIMED)
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("认领时间"), auto_now_add=True)
    progress_at = models.DateTimeField(_("最近进展"), auto_now_add=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_note = models.CharField(_("完成情况"), max_length=500, blank=True)
    # The aid given for the claim is on the service records logged against it (records.Record.claim).
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("认领")
        verbose_name_plural = _("认领")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="claim_party_matches",
                condition=(
                    Q(party="member", member__isnull=False, team__isnull=True, unit__isnull=True)
                    | Q(party="team", team__isnull=False, member__isnull=True, unit__isnull=True)
                    | Q(party="unit", unit__isnull=False, member__isnull=True, team__isnull=True)
                ),
            ),
            models.UniqueConstraint(
                fields=["demand", "member"], condition=Q(status__in=CLAIM_LIVE), name="one_live_claim_per_member"
            ),
            models.UniqueConstraint(
                fields=["demand", "team"], condition=Q(status__in=CLAIM_LIVE), name="one_live_claim_per_team"
            ),
            models.UniqueConstraint(
                fields=["demand", "unit"], condition=Q(status__in=CLAIM_LIVE), name="one_live_claim_per_unit"
            ),
            models.UniqueConstraint(
                fields=["demand"], condition=Q(status__in=CLAIM_LIVE, exclusive=True), name="one_live_claim_single_slot"
            ),
        ]
        indexes = [models.Index(fields=["status", "progress_at"], name="claim_status_progress")]

    def __str__(self) -> str:
        return f"{self.demand_id} · {self.party_name}"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE

    @property
    def party_name(self) -> str:
        holder = self.member or self.team or self.unit
        return str(holder) if holder is not None else ""


class DemandEvent(models.Model):
    """The timeline of a demand: every step, who took it and when (件件有回音)."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("提交需求")
        ACCEPTED = "accepted", _("审核通过并发布")
        REJECTED = "rejected", _("未予受理")
        MERGED = "merged", _("合并到其他需求")
        MERGED_IN = "merged_in", _("合并了相同需求")
        WITHDRAWN = "withdrawn", _("居民撤回")
        FOLLOWED = "followed", _("有居民表示也需要")
        CLAIMED = "claimed", _("认领")
        DISPATCHED = "dispatched", _("派单")
        CLAIM_WITHDRAWN = "claim_withdrawn", _("撤回认领")
        DECLINED = "declined", _("拒绝派单")
        RELEASED = "released", _("超期未办，退回清单")
        REMINDED = "reminded", _("超期提醒")
        STARTED = "started", _("开始办理")
        DONE = "done", _("办理完成")
        CLOSED = "closed", _("销号")
        ACCEPTED_BY_RESIDENT = "resident_ok", _("居民确认")
        SILENT = "silent", _("逾期未回复，视为验收")
        REOPENED = "reopened", _("居民重新打开")
        RATED = "rated", _("居民评价")
        UNABLE = "unable", _("无法办理")
        RECATEGORIZED = "category", _("修改类别")

    # Set per viewer by needs.selectors.timeline; never stored.
    shown_actor: str

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d}"


class ContactReveal(models.Model):
    """查看联系方式: the holder of a claim read the beneficiary's full contact (name, mobile, address)
    while the work was under way. Every reading is a row; the community's staff see them on the item
    and on their page of readings, and a claim withdrawn after one is flagged to them."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="reveals")
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="reveals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("查看时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("联系方式查看记录")
        verbose_name_plural = _("联系方式查看记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.demand_id} {self.created_at:%Y-%m-%d %H:%M}"

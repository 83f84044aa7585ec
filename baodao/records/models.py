"""The service record (纪实, DOMAIN.md §3.3): activities with sign-up and rotating-QR check-in, the
service members log outside them, the community's confirmation of each record, and the volunteer
teams members serve in.

A record is the evidence evaluation rests on, so it is true only once the community confirms it
(逐次记录、逐项确认): every record starts pending, whoever wrote it, and only confirmed records count.
An activity's attendance becomes a record at check-out (or when the organizer closes it); a record
points at the activity, sign-up or service item it came from, so nothing is typed twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from baodao.core.numbers import hours_number


class OpenPhase(models.TextChoices):
    """What an open activity or call-up is when it is read: its status stays open (sign-ups,
    check-in, answers) until the organizer ends it, but the clock has moved on — a badge that said
    报名中 after the end would say what did not happen."""

    UNDER_WAY = "under_way", _("进行中")
    OVER = "over", _("时间已过，待组织者结束")


def timed_status_label(row: Activity | Callup) -> str:
    """The badge of an activity or a call-up: its status's own label, or while it is open and its
    time has come, the phase it is in."""
    if row.status == "open":
        now = timezone.now()
        if now >= row.ends_at:
            return str(OpenPhase.OVER.label)
        if now >= row.starts_at:
            return str(OpenPhase.UNDER_WAY.label)
    return str(row.get_status_display())


class Team(models.Model):
    """志愿服务队: a community's volunteer team of one type, led by a reported member (队长负责制)
    [seed 004]; a unit's own 服务队 / 突击队 names the unit."""

    community = models.ForeignKey("directory.Place", on_delete=models.PROTECT, related_name="volunteer_teams")
    unit = models.ForeignKey(
        "directory.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="volunteer_teams"
    )
    kind = models.ForeignKey(
        "directory.Category", verbose_name=_("服务队类型"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("服务队名称"), max_length=100)
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("志愿服务队")
        verbose_name_plural = _("志愿服务队")
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="team_community_name")]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("队长")
        MEMBER = "member", _("队员")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey("directory.Member", on_delete=models.PROTECT, related_name="volunteer_teams")
    role = models.CharField(_("职务"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "member"], condition=Q(left_at__isnull=True), name="teammember_one_current"
            ),
            models.UniqueConstraint(
                fields=["team"], condition=Q(left_at__isnull=True, role="leader"), name="team_one_leader"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.member}"


class Activity(models.Model):
    """A community activity members sign up to and check in at: a theme party day, a volunteer
    service, a party lecture… organized by community staff, a compound secretary or a unit
    secretary (joint theme party days and the unit's party lecture)."""

    class Audience(models.TextChoices):
        COMMUNITY = "community", _("本社区全部报到党员")
        UNITS = "units", _("指定单位的报到党员")
        TEAM = "team", _("指定服务队")

    class Status(models.TextChoices):
        OPEN = "open", _("报名中")
        CLOSED = "closed", _("已结束")
        CANCELLED = "cancelled", _("已取消")

    community = models.ForeignKey("directory.Place", on_delete=models.PROTECT, related_name="activities")
    place = models.ForeignKey(
        "directory.Place", verbose_name=_("地点（小区/楼栋）"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("具体地点"), max_length=100, blank=True)
    kind = models.ForeignKey(
        "directory.Category", verbose_name=_("活动类型"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("活动名称"), max_length=100)
    description = models.TextField(_("活动内容"), blank=True)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("人数上限"))
    signed_up = models.PositiveIntegerField(_("已报名"), default=0)
    audience = models.CharField(_("报名范围"), max_length=16, choices=Audience.choices, default=Audience.COMMUNITY)
    units = models.ManyToManyField("directory.Unit", verbose_name=_("指定单位"), blank=True, related_name="+")
    team = models.ForeignKey(
        Team, verbose_name=_("指定服务队"), null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    demand = models.ForeignKey(
        "needs.Demand",
        verbose_name=_("关联服务项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    organizer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organizer_unit = models.ForeignKey(
        "directory.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="organized_activities"
    )
    secret = models.CharField(max_length=32, editable=False)  # signs the rotating check-in codes
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="activity_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="activity_capacity_positive"),
            models.CheckConstraint(condition=Q(signed_up__lte=F("capacity")), name="activity_not_overbooked"),
        ]
        indexes = [models.Index(fields=["community", "starts_at"], name="activity_community_start")]

    def __str__(self) -> str:
        return self.title

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def status_label(self) -> str:
        return timed_status_label(self)


class Signup(models.Model):
    """A member's place in an activity, and the member's attendance: check-in and check-out by the
    rotating code, or marked by the organizer by hand (with a reason, audited)."""

    class Status(models.TextChoices):
        SIGNED = "signed", _("已报名")
        CANCELLED = "cancelled", _("已取消")
        CHECKED_IN = "checked_in", _("已签到")
        ATTENDED = "attended", _("已参加")
        # Checked out, but with less than the rule's minimum time on site (or marked so by hand):
        # the time is recorded as it was, and it never counts as an activity attended.
        SHORT = "short", _("时长不足，不计参加")
        NO_SHOW = "no_show", _("未到")

    LIVE = (Status.SIGNED, Status.CHECKED_IN, Status.ATTENDED, Status.SHORT)

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="signups")
    member = models.ForeignKey("directory.Member", on_delete=models.PROTECT, related_name="signups")
    # The activity's span, copied so that "two activities at overlapping times" is one indexed query.
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SIGNED)
    checkin_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checkout_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    manual_reason = models.CharField(_("手工登记原因"), max_length=200, blank=True)
    manual_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "member"], condition=~Q(status="cancelled"), name="signup_one_live_per_member"
            )
        ]
        indexes = [models.Index(fields=["member", "starts_at"], name="signup_member_start")]

    def __str__(self) -> str:
        return f"{self.activity} · {self.member}"


class Record(models.Model):
    """One piece of service: time, place, content, duration and who benefited (DOMAIN.md §3.3), by a
    member or by a unit as a whole (its 实事, party lecture, theme party day). Pending until the
    community confirms it; only confirmed records count."""

    class Source(models.TextChoices):
        ACTIVITY = "activity", _("活动签到")
        MANUAL = "manual", _("组织者手工登记")
        LOGGED = "logged", _("自行登记")
        CALLUP = "callup", _("应急动员到场")

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        RETURNED = "returned", _("已退回")

    class Donor(models.TextChoices):
        MEMBER = "member", _("党员个人")
        UNIT = "unit", _("机关企事业单位")
        ENTERPRISE = "enterprise", _("非公企业")
        SOCIAL = "social", _("社会组织")

    member = models.ForeignKey(
        "directory.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="service_records"
    )
    unit = models.ForeignKey("directory.Unit", on_delete=models.PROTECT, related_name="service_records")
    community = models.ForeignKey("directory.Place", on_delete=models.PROTECT, related_name="service_records")
    place = models.ForeignKey(
        "directory.Place", verbose_name=_("服务地点"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("具体地点"), max_length=100, blank=True)
    kind = models.ForeignKey(
        "directory.Category",
        verbose_name=_("服务类型"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.PROTECT, related_name="records")
    signup = models.OneToOneField(Signup, null=True, blank=True, on_delete=models.PROTECT, related_name="record")
    demand = models.ForeignKey(
        "needs.Demand",
        verbose_name=_("关联服务项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
    )
    # The claim the service was done for (logged against it by its holder, or by a member of the
    # volunteer team holding it): the record is the claim's work, typed once — its aid lives here.
    claim = models.ForeignKey(
        "needs.Claim",
        verbose_name=_("关联认领"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    minutes = models.PositiveIntegerField(_("时长（分钟）"))
    content = models.TextField(_("服务内容"))
    beneficiary = models.CharField(_("服务对象"), max_length=200, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    # Aid given during the service (DOMAIN.md §3.3 [seed 004]: "帮扶物资 1,192 件、资金 131,061 元").
    aid_items = models.CharField(_("帮扶物资"), max_length=200, blank=True)
    aid_count = models.PositiveIntegerField(_("物资件数"), default=0)
    aid_money = models.DecimalField(_("帮扶资金（元）"), max_digits=12, decimal_places=2, default=0)
    donor_kind = models.CharField(_("捐助方"), max_length=16, choices=Donor.choices, blank=True)
    donor_name = models.CharField(_("捐助方名称"), max_length=100, blank=True)
    callup = models.ForeignKey(
        "Callup", null=True, blank=True, on_delete=models.PROTECT, related_name="records", verbose_name=_("应急动员")
    )
    pairing = models.ForeignKey(
        "Pairing", null=True, blank=True, on_delete=models.PROTECT, related_name="visits", verbose_name=_("结对帮扶")
    )
    # Integrity flags: [{"code": ..., "text": ...}], each explaining itself; they never block.
    flags = models.JSONField(_("疑点"), default=list, blank=True)
    # Whether this record, once confirmed, counts towards "参加活动 x / 5" (DOMAIN.md §3.3): an
    # activity's (or call-up's) attendance of at least the rule's minimum minutes. Self-logged
    # service never does; its minutes count towards the hours only. Set where the record is made
    # and when it is corrected, so the counters and their recount read the same column.
    counts_as_activity = models.BooleanField(_("计为参加活动"), default=False, db_default=False)
    # 1 when made; each correction is a new version, the old one kept in the timeline (RecordEvent).
    version = models.PositiveIntegerField(_("版本"), default=1, db_default=1)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    return_reason = models.CharField(_("退回原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("服务纪实")
        verbose_name_plural = _("服务纪实")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="record_ends_after_start"),
        ]
        indexes = [
            models.Index(fields=["community", "status"], name="record_community_status"),
            models.Index(fields=["member", "starts_at"], name="record_member_start"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d} · {self.content[:20]}"

    @property
    def year(self) -> int:
        from django.utils import timezone

        return timezone.localtime(self.starts_at).year


class Pairing(models.Model):
    """结对帮扶: a member paired with a resident household in need, long-running; each visit is a
    record pointing here. The household's details follow the beneficiary privacy rule of the three
    lists: shown to the staff who manage the resident and to the paired member while paired."""

    member = models.ForeignKey("directory.Member", on_delete=models.PROTECT, related_name="pairings")
    resident = models.ForeignKey("directory.Resident", on_delete=models.PROTECT, related_name="pairings")
    community = models.ForeignKey("directory.Place", on_delete=models.PROTECT, related_name="+")
    need = models.CharField(_("帮扶需求"), max_length=200)
    started_on = models.DateField(_("结对日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("结对帮扶")
        verbose_name_plural = _("结对帮扶")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "resident"], condition=Q(ended_on__isnull=True), name="pairing_one_live"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} ↔ {self.resident_id}"


class Callup(models.Model):
    """应急动员: staff call the members reported to a community (or a compound of it, or a team) for
    an emergency or a deadline job — what, where, when, how many people — e.g. "50 members after
    work for the census" [seed 001]; members answer yes or no on the phone, the headcount is live,
    and who came gets a record (pending the community's confirmation, as every record)."""

    class Status(models.TextChoices):
        OPEN = "open", _("召集中")
        CLOSED = "closed", _("已结束")

    community = models.ForeignKey("directory.Place", on_delete=models.PROTECT, related_name="callups")
    place = models.ForeignKey(
        "directory.Place", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("小区")
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("服务队"))
    title = models.CharField(_("任务"), max_length=100)
    address = models.CharField(_("集合地点"), max_length=100)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    needed = models.PositiveIntegerField(_("需要人数"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("应急动员")
        verbose_name_plural = _("应急动员")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="callup_ends_after_start"),
            models.CheckConstraint(condition=Q(needed__gte=1), name="callup_needs_someone"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def status_label(self) -> str:
        return timed_status_label(self)


class CallupAnswer(models.Model):
    callup = models.ForeignKey(Callup, on_delete=models.CASCADE, related_name="answers")
    member = models.ForeignKey("directory.Member", on_delete=models.PROTECT, related_name="callup_answers")
    coming = models.BooleanField(_("能到场"))
    answered_at = models.DateTimeField(auto_now=True)
    attended = models.BooleanField(_("已到场"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["callup", "member"], name="callup_one_answer")]

    def __str__(self) -> str:
        return f"{self.callup_id} · {self.member_id}: {self.coming}"


def record_photo_upload_to(instance: RecordPhoto, filename: str) -> str:
    return f"records/{instance.record_id}/{filename}"


class RecordPhoto(models.Model):
    """A photo of the service, re-encoded (no EXIF); `sha256` is of the bytes as uploaded, so the
    same photo reused on another record is found."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=record_photo_upload_to)
    sha256 = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.record_id} · {self.sha256[:8]}"


class RecordEvent(models.Model):
    """The record's history: logged, checked in/out, marked by hand, confirmed, returned, edited."""

    class Kind(models.TextChoices):
        LOGGED = "logged", _("登记")
        CHECKED_IN = "checked_in", _("扫码签到")
        CHECKED_OUT = "checked_out", _("扫码签退")
        MANUAL = "manual", _("手工登记考勤")
        CONFIRMED = "confirmed", _("确认")
        RETURNED = "returned", _("退回")
        EDITED = "edited", _("修改")
        RESUBMITTED = "resubmitted", _("修改后重新提交")

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.CharField(max_length=300, blank=True)
    # On a correction: the version it replaced, as it was ({"version", "starts_at", "content", ...}).
    previous = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.record_id} · {self.kind}"


class ServiceCertificate(models.Model):
    """志愿服务记录证明 (民政部令第67号《志愿服务记录与证明出具办法》): a numbered certificate of a
    member's confirmed service in one community over a period, printed with a QR code to a public
    page that shows it is genuine and not revoked. What it says is a snapshot taken at issue."""

    number = models.CharField(_("编号"), max_length=32, unique=True)
    token = models.CharField(max_length=32, unique=True, editable=False)  # in the verification URL
    member = models.ForeignKey("directory.Member", on_delete=models.PROTECT, related_name="service_certificates")
    community = models.ForeignKey("directory.Place", on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("截止日期"))
    records = models.PositiveIntegerField(_("服务次数"))
    # Of `records`: activities attended (what the 5-activity rule counts) and service the member
    # logged, said apart on the certificate; the rest are attendances too short to count. None on
    # certificates issued before they were counted apart (they say the total only).
    activities = models.PositiveIntegerField(_("参加活动次数"), null=True, blank=True)
    logged = models.PositiveIntegerField(_("自行登记服务次数"), null=True, blank=True)
    minutes = models.PositiveIntegerField(_("服务时长（分钟）"))
    # [[service type, count, minutes], ...] at issue
    summary = models.JSONField(_("服务内容"), default=list)
    contact = models.CharField(_("出具单位联系人"), max_length=100, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("出具时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    revoke_reason = models.CharField(_("作废原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("志愿服务记录证明")
        verbose_name_plural = _("志愿服务记录证明")
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="servicecert_period")]

    def __str__(self) -> str:
        return self.number

    @property
    def hours(self) -> float:
        return hours_number(self.minutes)

    @property
    def other(self) -> int:
        """Attendances too short to count as an activity (counted in the hours only)."""
        return max(0, self.records - (self.activities or 0) - (self.logged or 0))


class Commitment(models.Model):
    """公开承诺: what a unit promises a community this year (its 实事 and services), published on the
    community's bulletin board with its state [seed 000]; the community marks it done."""

    class Status(models.TextChoices):
        PROMISED = "promised", _("已承诺")
        DONE = "done", _("已兑现")
        WITHDRAWN = "withdrawn", _("已撤回")  # by the unit, before it was kept; off the bulletin

    unit = models.ForeignKey("directory.Unit", on_delete=models.PROTECT, related_name="commitments")
    community = models.ForeignKey("directory.Place", on_delete=models.PROTECT, related_name="commitments")
    year = models.PositiveSmallIntegerField(_("年度"))
    text = models.CharField(_("承诺内容"), max_length=200)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PROMISED)
    done_note = models.CharField(_("兑现情况"), max_length=200, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("公开承诺")
        verbose_name_plural = _("公开承诺")
        indexes = [models.Index(fields=["community", "year"], name="commitment_community_year")]

    def __str__(self) -> str:
        return self.text


class LeaderVisit(models.Model):
    """市级领导调研: a city leader's visit to a compound of a community the leader is linked to — at
    least one a week [seed 002], a rule row. Logged by the leader, or by the community's staff for
    the leader (many leaders never open the app); confirmed or returned by the community's staff,
    never by whoever logged it. Only confirmed visits count, as with records."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        RETURNED = "returned", _("已退回")

    link = models.ForeignKey("directory.LeaderLink", on_delete=models.PROTECT, related_name="visits")
    community = models.ForeignKey("directory.Place", on_delete=models.PROTECT, related_name="leader_visits")
    place = models.ForeignKey("directory.Place", verbose_name=_("调研小区"), on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField(_("调研日期"))
    content = models.TextField(_("调研内容"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.CharField(_("退回原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("市级领导调研")
        verbose_name_plural = _("市级领导调研")
        constraints = [
            # A returned visit may be logged again, corrected.
            models.UniqueConstraint(
                fields=["link", "place", "visited_on"],
                condition=~Q(status="returned"),
                name="leadervisit_once_a_day",
            ),
        ]
        indexes = [models.Index(fields=["community", "status"], name="leadervisit_community_status")]

    def __str__(self) -> str:
        return f"{self.link.leader_name} {self.visited_on}"


class TeamClaim(models.Model):
    """A group item (组团认领) the volunteer team's leader claimed for the team (队长负责制): the claim
    itself is the three lists' (held by the leader, so its steps — start, done, give back — are the
    leader's), this row says it was for the team, so the team page lists it and every member of
    the team may log service against it."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="claims")
    claim = models.OneToOneField("needs.Claim", on_delete=models.PROTECT, related_name="volunteer_team_claim")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("服务队认领")
        verbose_name_plural = _("服务队认领")

    def __str__(self) -> str:
        return f"{self.team_id} · {self.claim_id}"

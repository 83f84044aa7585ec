"""Master data: the place tree, units and their party organizations, members, residents,
appointments and the per-city rule table (DOMAIN.md §2)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from baodao.core.fields import EncryptedTextField
from baodao.core.rules import RULES

PATH_SEGMENT = 8  # 7 base-36 chars of the primary key + "." -> 78 billion rows per tree


SORT_SEGMENT_CODE_BYTES = 32  # codes are at most 32 characters; longer UTF-8 is cut (ties go by path)


def sort_segment(sort_order: int, code: str) -> str:
    """A place's part of `Place.sort_key`: its sort order, then its code, at a fixed width in hex
    digits only, so siblings compare as (sort_order, code) under any database collation and a
    child's key starts with its parent's."""
    order = f"{sort_order + 2**31:08x}"
    return order + code.encode()[:SORT_SEGMENT_CODE_BYTES].hex().ljust(2 * SORT_SEGMENT_CODE_BYTES, "0")


def path_segment(pk: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    n = pk
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out.rjust(PATH_SEGMENT - 1, "0") + "."


class Place(models.Model):
    """A node of city → district → street → community → compound/grid → building.

    `path` is a materialized path of the ancestors' keys (indexed), so "everything under X" is one
    index range: path LIKE 'X.path%'. Some cities skip a level; the kind says what a node is.
    """

    class Kind(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("市")
        DISTRICT = "district", _("区(县)")
        STREET = "street", _("街道")
        COMMUNITY = "community", _("社区")
        COMPOUND = "compound", _("小区")
        GRID = "grid", _("网格")
        BUILDING = "building", _("楼栋")

    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    sort_order = models.IntegerField(_("排序"), default=0)
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    # The ancestors' and the place's own sort_segment: ordering by it lists each subtree together,
    # siblings by (sort order, code) — the place list's order (kept by directory.services).
    sort_key = models.CharField(max_length=720, db_index=True, editable=False, default="")
    # Office location for distance-based assignment (就近就便); optional.
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = _("地点")
        verbose_name_plural = _("地点")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_compound_like(self) -> bool:
        return self.kind in (self.Kind.COMPOUND, self.Kind.GRID)

    @property
    def residence_label(self) -> str:
        """A residence as people name it: "安一小区 1栋" for a building (its parent is the compound),
        the name otherwise; never the room."""
        if self.kind == Place.Kind.BUILDING and self.parent is not None:
            return f"{self.parent.name} {self.name}"
        return self.name

    def ancestor_ids(self) -> list[int]:
        """Primary keys of this node's ancestors and itself, read from the path (no query)."""
        segs = [s for s in self.path.split(".") if s]
        return [int(s, 36) for s in segs]


class Category(models.Model):
    """Admin-edited lists: skills, service intentions, special groups, volunteer team types, activity types."""

    class Kind(models.TextChoices):
        SKILL = "skill", _("兴趣特长")
        INTENTION = "intention", _("服务意愿")
        SPECIAL_GROUP = "special_group", _("特殊群体")
        TEAM_TYPE = "team_type", _("服务队类型")
        ACTIVITY_TYPE = "activity_type", _("活动类型")

    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=50)
    sort_order = models.IntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("分类项")
        verbose_name_plural = _("分类项")
        ordering = ["kind", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="category_kind_name_unique")]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    class Kind(models.TextChoices):
        ORGAN = "organ", _("机关")
        INSTITUTION = "institution", _("事业单位")
        SOE = "soe", _("国有企业")
        PRIVATE = "private", _("非公企业")
        SOCIAL = "social", _("社会组织")

    name = models.CharField(_("单位名称"), max_length=100)
    code = models.CharField(_("单位编码"), max_length=32, unique=True)
    kind = models.CharField(_("单位类型"), max_length=16, choices=Kind.choices)
    office_place = models.ForeignKey(
        Place, verbose_name=_("办公地点"), on_delete=models.PROTECT, related_name="office_units"
    )
    party_relation_local = models.BooleanField(_("党组织关系在本地"), default=True)
    is_active = models.BooleanField(_("有效"), default=True)
    # What the unit's functions can offer (its standing supply list, 就近就便、需求相符): the same
    # service categories that tag agreements' resource and demand lists, so assignment can match
    # them before the unit has ever reported.
    functions = models.ManyToManyField(
        Category,
        verbose_name=_("单位职能（资源类别）"),
        blank=True,
        related_name="+",
        limit_choices_to={"kind": Category.Kind.INTENTION},
    )

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class PartyOrg(models.Model):
    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("党委")
        GENERAL_BRANCH = "general_branch", _("党总支")
        BRANCH = "branch", _("党支部")

    n: int  # members the viewer sees in it, set by the unit page; never stored

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="party_orgs")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    kind = models.CharField(_("组织类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("党组织名称"), max_length=100)

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["unit_id", "id"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="partyorg_unit_name_unique")]

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    """An in-service party member. ID number and mobile are encrypted; *_hash columns serve lookup."""

    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class Status(models.TextChoices):
        IN_SERVICE = "in_service", _("在职")
        RETIRED = "retired", _("离退休")
        TRANSFERRED = "transferred", _("调出")

    # Set per viewer by directory.display.show_member_pii, in full or masked; never stored.
    shown_id: str
    shown_mobile: str
    shown_address: str

    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    id_number = EncryptedTextField(_("身份证号"))
    # Hash columns: plain btree indexes declared in Meta (unique=True/db_index=True would add an
    # unused LIKE index on PostgreSQL, costly at a million rows).
    id_hash = models.CharField(max_length=64, editable=False)
    mobile = EncryptedTextField(_("手机号"))
    mobile_hash = models.CharField(max_length=64, editable=False)
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="members")
    party_org = models.ForeignKey(
        PartyOrg, verbose_name=_("所在党组织"), on_delete=models.PROTECT, related_name="members"
    )
    residence = models.ForeignKey(
        Place, verbose_name=_("居住小区/楼栋"), on_delete=models.PROTECT, related_name="resident_members"
    )
    address_detail = EncryptedTextField(_("详细地址"), blank=True)
    skills = models.ManyToManyField(Category, verbose_name=_("兴趣特长"), blank=True, related_name="+")
    intentions = models.ManyToManyField(Category, verbose_name=_("服务意愿"), blank=True, related_name="+")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.IN_SERVICE)
    joined_party_on = models.DateField(_("入党日期"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="member"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("在职党员")
        verbose_name_plural = _("在职党员")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["id_hash"], name="member_id_hash_unique")]
        indexes = [models.Index(fields=["mobile_hash"], name="member_mobile_hash_idx")]

    def __str__(self) -> str:
        return self.name


class Resident(models.Model):
    # Set per viewer by directory.display.show_resident_pii; never stored.
    pii_full: bool
    shown_mobile: str
    shown_address: str

    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    mobile = EncryptedTextField(_("手机号"), blank=True)
    mobile_hash = models.CharField(max_length=64, db_index=True, blank=True, editable=False)
    residence = models.ForeignKey(
        Place, verbose_name=_("居住小区/楼栋"), on_delete=models.PROTECT, related_name="residents"
    )
    address_detail = EncryptedTextField(_("详细地址"), blank=True)
    special_groups = models.ManyToManyField(Category, verbose_name=_("特殊群体"), blank=True, related_name="+")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="resident"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Tenure(models.Model):
    """Start/end of an appointment. Ending sets `ended_on`; rows are never deleted (history)."""

    start_on = models.DateField(_("开始日期"))
    end_on = models.DateField(_("到期日期"), null=True, blank=True)
    ended_on = models.DateField(_("实际结束日期"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


class UnitAssignment(Tenure):
    """包保联系: a unit's party organization is assigned to a community."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assignments")
    community = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="unit_assignments")
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("包保联系社区")
        verbose_name_plural = _("包保联系社区")
        constraints = [
            models.UniqueConstraint(
                fields=["unit"], condition=Q(ended_on__isnull=True), name="one_current_assignment_per_unit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} → {self.community}"


class WorkTeam(models.Model):
    """联系社区工作队: the unit's team for its community."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="work_teams")
    community = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="work_teams")
    name = models.CharField(_("工作队名称"), max_length=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("联系社区工作队")
        verbose_name_plural = _("联系社区工作队")

    def __str__(self) -> str:
        return self.name


class WorkTeamMembership(Tenure):
    class Role(models.TextChoices):
        LEADER = "leader", _("队长")
        MEMBER = "member", _("队员")

    team = models.ForeignKey(WorkTeam, on_delete=models.PROTECT, related_name="memberships")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="work_team_memberships")
    role = models.CharField(_("职务"), max_length=16, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "member"], condition=Q(ended_on__isnull=True), name="one_current_team_membership"
            )
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.member}"


class FirstSecretaryTerm(Tenure):
    """第一书记: a unit member appointed to a compound/grid branch (or a community) for a term."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="first_secretary_terms")
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="first_secretary_terms")

    class Meta:
        verbose_name = _("第一书记任期")
        verbose_name_plural = _("第一书记任期")
        constraints = [
            models.UniqueConstraint(
                fields=["place"], condition=Q(ended_on__isnull=True), name="one_current_first_secretary_per_place"
            )
        ]

    def __str__(self) -> str:
        return f"{self.place} · {self.member}"


class LeaderLink(Tenure):
    """A city leader (市级领导) linked to a community."""

    leader_name = models.CharField(_("领导姓名"), max_length=50)
    title = models.CharField(_("职务"), max_length=100)
    community = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="leader_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = _("市级领导联系社区")
        verbose_name_plural = _("市级领导联系社区")

    def __str__(self) -> str:
        return f"{self.leader_name} → {self.community}"


class HeadAppointment(Tenure):
    """三长制: 院长 (compound), 楼长 (building), 户长 (household)."""

    class Kind(models.TextChoices):
        COMPOUND_HEAD = "compound_head", _("院长")
        BUILDING_HEAD = "building_head", _("楼长")
        HOUSEHOLD_HEAD = "household_head", _("户长")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="head_appointments")
    person_name = models.CharField(_("姓名"), max_length=50)
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("三长")
        verbose_name_plural = _("三长")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.person_name}"


class Rule(models.Model):
    """A number of DOMAIN.md for one city (or the whole deployment when city is empty)."""

    city = models.ForeignKey(Place, null=True, blank=True, on_delete=models.CASCADE, related_name="rules")
    key = models.CharField(_("规则"), max_length=64, choices=[(k, v.label) for k, v in RULES.items()])
    value = models.DecimalField(_("数值"), max_digits=12, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("规则")
        verbose_name_plural = _("规则")
        ordering = ["city_id", "key"]
        constraints = [
            models.UniqueConstraint(fields=["city", "key"], name="rule_city_key_unique"),
            models.UniqueConstraint(fields=["key"], condition=Q(city__isnull=True), name="rule_global_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


def import_upload_to(instance: ImportJob, filename: str) -> str:
    # A random name: the user's file name may itself carry personal data.
    import uuid

    return f"imports/{uuid.uuid4().hex}.xlsx"


class ImportJob(models.Model):
    """One roster upload and its result. The uploaded file is deleted once the import has run.

    While running, `processed`/`total` are progress steps (weighted per phase, see importing.plan.ProgressBar);
    when done, both hold the number of data rows of the file. A running job's worker stamps
    `heartbeat_at` twice a second from a thread of its own (directory.tasks): a job whose stamp is old
    has lost its worker and is marked failed.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField(_("数据类型"), max_length=16)
    file = models.FileField(_("文件"), upload_to=import_upload_to, blank=True)
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    valid_only = models.BooleanField(_("只导入校验通过的行"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(_("写入行数"), default=0)
    committed = models.BooleanField(default=False)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(100, self.processed * 100 // self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

"""Users, role grants (string FKs to places, units, members, residents), API tokens and security events."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.db import models
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from baodao.core.fields import EncryptedTextField

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    mobile = EncryptedTextField(_("手机号"), blank=True)
    # Keyed hash of the mobile: login by mobile and uniqueness without storing it in clear.
    mobile_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    # Set on a password somebody else chose (an account made by an admin, a reset): every page but
    # the password change sends the user there until a password of their own replaces it.
    must_change_password = models.BooleanField(_("须修改密码"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


# Whoever makes a request: a logged-in user or nobody. Scope and access helpers take an Actor.
Actor: TypeAlias = "User | AnonymousUser"


class AuthedHttpRequest(HttpRequest):
    """A request behind login_required: `user` is a signed-in User. Only a type for the checker
    (views that anyone may open take a plain HttpRequest, whose user is an Actor)."""

    user: User
    htmx: HtmxDetails  # django-htmx's middleware sets it on every request


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("市直机关工委管理员")
    DISTRICT_ADMIN = "district_admin", _("区(县)管理员")
    STREET_ADMIN = "street_admin", _("街道管理员")
    COMMUNITY_STAFF = "community_staff", _("社区工作人员")
    COMPOUND_SECRETARY = "compound_secretary", _("小区党支部书记/第一书记")
    UNIT_SECRETARY = "unit_secretary", _("单位党组织书记")
    MEMBER = "member", _("在职党员")
    RESIDENT = "resident", _("居民")


PLACE_ROLES = {
    Role.CITY_ADMIN,
    Role.DISTRICT_ADMIN,
    Role.STREET_ADMIN,
    Role.COMMUNITY_STAFF,
    Role.COMPOUND_SECRETARY,
}
ADMIN_ROLES = {Role.CITY_ADMIN, Role.DISTRICT_ADMIN, Role.STREET_ADMIN}
STAFF_ROLES = PLACE_ROLES | {Role.UNIT_SECRETARY}


class RoleAssignment(models.Model):
    """One role held by a user, with its scope: a place, a unit, or the user's own member/resident."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    place = models.ForeignKey("directory.Place", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("directory.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey("directory.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(
        "directory.Resident", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.CheckConstraint(
                name="role_scope_matches_role",
                condition=(
                    Q(role__in=sorted(r.value for r in PLACE_ROLES), place__isnull=False, unit__isnull=True)
                    | Q(role=Role.UNIT_SECRETARY, unit__isnull=False, place__isnull=True)
                    | Q(role=Role.MEMBER, member__isnull=False, place__isnull=True, unit__isnull=True)
                    | Q(role=Role.RESIDENT, resident__isnull=False, place__isnull=True, unit__isnull=True)
                ),
            )
        ]

    def __str__(self) -> str:
        scope = self.place or self.unit or self.member or self.resident
        return f"{self.get_role_display()} · {scope}"


class ApiToken(models.Model):
    """Bearer token for the API. Only a hash is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"token #{self.pk} · {self.user_id}"


class SecurityEvent(models.Model):
    """Logins, failed logins, imports and exports of personal data (等保 2.0 audit).

    Append-only: no edit or delete in the application (admin is read-only); pruning keeps at least
    the retention rule's days.
    """

    class Kind(models.TextChoices):
        LOGIN = "login", _("登录")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOGOUT = "logout", _("退出")
        EXPORT = "export", _("导出个人数据")
        IMPORT = "import", _("导入")
        API_TOKEN = "api_token", _("签发接口令牌")
        PASSWORD_CHANGED = "password_changed", _("修改密码")
        PASSWORD_RESET = "password_reset", _("重置密码")

    kind = models.CharField(_("事件"), max_length=24, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(_("账号"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    what = models.CharField(_("内容"), max_length=200, blank=True)
    row_count = models.IntegerField(_("行数"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("安全审计")
        verbose_name_plural = _("安全审计")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind} {self.username}"


class FieldKeyCheck(models.Model):
    """One row: a known text encrypted with FIELD_KEY when the database was first migrated (or, for
    a database older than this row, at the first start whose key read its data). A process whose
    key cannot decrypt it refuses to start (baodao.accounts.keycheck): it would fail on every page
    with personal data, and write new personal data under a second key."""

    token = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"field key check · {self.created_at:%Y-%m-%d}"

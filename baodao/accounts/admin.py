"""Django admin of accounts: users with their role grants, and the read-only security events."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from baodao.accounts.models import RoleAssignment, SecurityEvent, User


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ("place", "unit", "member", "resident")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [RoleInline]
    list_display = ("username", "display_name", "is_active", "must_change_password", "is_superuser")
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("Baodao", {"fields": ("display_name", "must_change_password")}))

    def save_model(self, request: HttpRequest, obj: User, form: object, change: bool) -> None:
        if not change:  # the password was chosen here, not by its owner: changed at the first login
            obj.must_change_password = True
        super().save_model(request, obj, form, change)


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """Read-only: audit entries cannot be edited or deleted in the application."""

    list_display = ("created_at", "kind", "username", "ip_address", "what", "row_count")
    list_filter = ("kind",)
    search_fields = ("username", "what")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

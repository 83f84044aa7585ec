"""The Django admin is for superusers only (issue 2 §6): `is_staff` with model permissions is not enough.

Role users manage their scope through the application, where directory.scope decides what they see;
the admin sees everything, so only a superuser may open it.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class SuperuserAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return user.is_active and user.is_superuser


class SuperuserAdminConfig(AdminConfig):
    """Installed instead of "django.contrib.admin": the same app with `SuperuserAdminSite` as admin.site."""

    default_site = "baodao.accounts.admin_site.SuperuserAdminSite"

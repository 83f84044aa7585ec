"""The accounts app: users, role grants, API tokens, security and audit events, login security."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "baodao.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from baodao.accounts import (
            models,
            receivers,  # noqa: F401 - connects login audit receivers
        )

        # Role grants and account changes leave a trail. Never the password hash, the mobile
        # (ciphertext or lookup hash), nor last_login (logins are SecurityEvents already).
        auditlog.register(
            models.User,
            exclude_fields=["password", "mobile", "mobile_hash", "last_login"],
            m2m_fields={"groups", "user_permissions"},
        )
        auditlog.register(models.RoleAssignment)

"""The accounts app: users, role grants, API tokens, security and audit events, login security."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "baodao.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.core import checks
        from django.db.models.signals import post_migrate

        from baodao.accounts import (
            keycheck,
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
        # FIELD_KEY must read the data: a check row written after the first migration, a system check.
        post_migrate.connect(keycheck.written_after_migrate, sender=self, dispatch_uid="field-key-check")
        checks.register(keycheck.check_field_key_matches, checks.Tags.security)

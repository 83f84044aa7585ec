"""The needs app (三张清单): demands, service items, claims, closure and ratings."""

from __future__ import annotations

from django.apps import AppConfig


class NeedsConfig(AppConfig):
    name = "baodao.needs"
    label = "needs"
    verbose_name = "三张清单"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from baodao.needs import models as m
        from baodao.needs.reminders import daily
        from baodao.reporting.reminders import register_daily

        register_daily(daily)

        auditlog.register(m.Demand, exclude_fields=["contact_mobile", "follow_token"])
        auditlog.register(m.Claim)

"""The records app (纪实): activities, check-in, service records, confirmation and teams."""

from __future__ import annotations

from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "baodao.records"
    label = "records"
    verbose_name = "服务纪实"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from baodao.records import models as m
        from baodao.records import receivers
        from baodao.records.reminders import daily
        from baodao.reporting.reminders import register_daily

        register_daily(daily)
        receivers.connect()

        # What the three lists' pages show of the service logged for their items (needs.hooks).
        from baodao.needs import hooks
        from baodao.records.selectors import service_done
        from baodao.records.views.claims import log_form_for

        hooks.service_done.provide(service_done)
        hooks.claim_log_form.provide(log_form_for)

        auditlog.register(m.Record)
        auditlog.register(m.Signup)
        auditlog.register(m.Activity, exclude_fields=["secret"])

"""The stats app: read-only figures (the three coverages, tallies, laggard lists, the public bulletin)."""

from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "baodao.stats"
    label = "stats"
    verbose_name = "统计"

    def ready(self) -> None:
        from baodao.stats import receivers

        receivers.connect()

        from baodao.reporting.reminders import register_daily
        from baodao.stats.service_reminders import daily

        register_daily(daily)

"""The stats app: read-only figures (the three coverages, tallies, laggard lists, the public bulletin)."""

from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "baodao.stats"
    label = "stats"
    verbose_name = "统计"

    def ready(self) -> None:
        from baodao.stats import receivers

        receivers.connect()

        # The unit secretary's page of the three lists shows the unit's figures (needs.hooks).
        from baodao.needs import hooks
        from baodao.stats.record_figures import unit_figures

        hooks.unit_figures.provide(unit_figures)

        from baodao.reporting.reminders import register_daily
        from baodao.stats.service_reminders import daily

        register_daily(daily)

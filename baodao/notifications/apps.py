"""The notifications app: the in-app inbox and the outside channels."""

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "baodao.notifications"
    label = "notifications"
    verbose_name = "消息"

    def ready(self) -> None:
        from baodao.notifications import receivers  # noqa: F401 - connects the receivers

"""The notifications app: the in-app inbox and the outside channels."""

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "baodao.notifications"
    label = "notifications"
    verbose_name = "消息"

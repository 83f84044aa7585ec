from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "baodao.notifications"
    label = "notifications"
    verbose_name = "消息"

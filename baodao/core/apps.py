from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "baodao.core"
    label = "core"

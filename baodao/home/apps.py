"""The home app: each role's home page, the cached member home and the header's links."""

from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "baodao.home"
    label = "home"
    verbose_name = "首页"

    def ready(self) -> None:
        from baodao.home import homecache

        homecache.connect_signals()

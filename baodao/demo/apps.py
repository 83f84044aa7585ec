"""The demo app: a fictional city (or province) with every domain's data, for demonstrations and benchmarks."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "baodao.demo"
    label = "demo"
    verbose_name = "演示数据"

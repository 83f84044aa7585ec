"""The core app: no models; at start-up it checks that the data key is there when DEBUG is off."""

from django.apps import AppConfig
from django.core.checks import CheckMessage


class CoreConfig(AppConfig):
    name = "baodao.core"
    label = "core"

    def ready(self) -> None:
        from django.core import checks
        from django.urls import register_converter

        from baodao.core.http import IdConverter

        checks.register(check_field_key, checks.Tags.security)
        register_converter(IdConverter, "id")  # before any URLconf is read


def check_field_key(app_configs: object, **kwargs: object) -> list[CheckMessage]:
    """Fail at start-up, not at the first read of an ID number, when the data key is missing."""
    from django.conf import settings
    from django.core import checks
    from django.core.exceptions import ImproperlyConfigured

    from baodao.core import crypto  # read with the settings, once they are configured

    if settings.DEBUG:
        return []
    try:
        crypto._keys()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), hint="设置 FIELD_KEY 或 FIELD_KEY_FILE（32位十六进制）", id="baodao.E001")]
    return []

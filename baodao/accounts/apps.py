from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "baodao.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        from baodao.accounts import receivers  # noqa: F401 - connects login audit receivers

"""What the inbox hears of from the layers below it (they send signals; they import nothing of this app)."""

from __future__ import annotations

from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.accounts.signals import password_set
from baodao.notifications.services import notify


@receiver(password_set, dispatch_uid="notifications.password_set")
def on_password_set(sender: type, user: User, by: User, reset: bool, **kwargs: object) -> None:
    """The account's owner hears of every new password, in the inbox and through the outside
    channels (a text message): a reset they did not ask for is a warning."""
    when = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    if reset:
        title = _("您的登录密码已被重置")
        body = _(
            "%(by)s于%(when)s重置了您的登录密码。请用管理员当面或电话告知的临时密码登录，登录后须立即设置新密码；"
            "您在其他设备上的登录已退出。如您没有申请重置，请联系管理员。"
        ) % {"by": by, "when": when}
    else:
        title = _("您的登录密码已修改")
        body = _("您于%(when)s修改了登录密码，其他设备上的登录已退出。如不是您本人操作，请立即联系管理员。") % {
            "when": when
        }
    notify(user=user, title=title, body=body, url=reverse("accounts:password_change"))

"""Notifications (the in-app inbox), their deliveries to outside channels, and texts to mobiles without an account."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from baodao.core.fields import EncryptedTextField


class Notification(models.Model):
    """One message to one user. `dedupe_key` makes repeated sends (e.g. a reminder job run twice a
    day) a no-op: the same key for the same user is stored once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_dedupe",
            )
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    """What each outside channel (email, SMS) was asked to send, for support and audit."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=16)
    ok = models.BooleanField(default=True)
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.channel} #{self.notification_id}"


class TextMessage(models.Model):
    """A text message to a mobile with no account behind it (e.g. a member on the roster who has
    not opened one yet): there is no inbox to put it in, so it goes out by SMS only. The mobile is
    stored encrypted; `dedupe_key` works as for Notification, per mobile."""

    mobile = EncryptedTextField(_("手机号"))
    mobile_hash = models.CharField(max_length=64, editable=False)
    text = models.CharField(_("内容"), max_length=300)
    dedupe_key = models.CharField(max_length=200, blank=True)
    # What the SMS channels answered; None: no SMS channel is configured, nothing went out.
    ok = models.BooleanField(null=True)
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mobile_hash", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="text_message_dedupe",
            )
        ]

    def __str__(self) -> str:
        return self.text[:40]


class GroupWebhook(models.Model):
    """A community's WeChat Work (企业微信), DingTalk (钉钉) or Feishu (飞书) group robot: the groups
    communities already run get the call-ups and activities posted. The URL carries the robot's key:
    stored encrypted, shown as its host only; the optional signing secret likewise. Which URLs are
    accepted, and posted to: baodao.notifications.webhooks.check_url."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("企业微信群机器人")
        DINGTALK = "dingtalk", _("钉钉群机器人")
        FEISHU = "feishu", _("飞书群机器人")

    place = models.ForeignKey("directory.Place", on_delete=models.CASCADE, related_name="webhooks")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("群名称"), max_length=50)
    url = EncryptedTextField(_("Webhook 地址"))
    secret = EncryptedTextField(_("加签密钥（钉钉、飞书，可不填）"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One message to one group robot, tried with backoff until it is accepted or gives up; a failed
    one stays visible to the community's staff with a short summary of the robot's answer. Pending
    rows are also the queue when no Redis runs: `next_attempt_at` says when each is due."""

    class Status(models.TextChoices):
        PENDING = "pending", _("发送中")
        SENT = "sent", _("已送达")
        FAILED = "failed", _("发送失败")

    webhook = models.ForeignKey(GroupWebhook, on_delete=models.CASCADE, related_name="deliveries")
    text = models.CharField(_("内容"), max_length=1000)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("失败原因"), max_length=200, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"{self.webhook_id} · {self.status}"

"""The community's group robots (企业微信 / 钉钉 / 飞书): staff add them, send a test to one of them,
and see every delivery, a failed one with a short summary of the robot's answer. A robot's address
is shown as its host only (its path and query carry the robot's key)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from baodao.accounts.models import AuthedHttpRequest
from baodao.core.forms import ModelForm
from baodao.core.http import int_or_none, page_of
from baodao.notifications import access, selectors
from baodao.notifications import webhooks as robots
from baodao.notifications.models import GroupWebhook, WebhookDelivery
from baodao.notifications.services import webhook_create, webhook_test_send


class WebhookForm(ModelForm):
    class Meta:
        model = GroupWebhook
        fields = ["kind", "name", "url", "secret"]
        widgets = {"url": forms.URLInput(attrs={"size": 60}), "secret": forms.PasswordInput(render_value=False)}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        url, kind = data.get("url"), data.get("kind")
        if url and kind:
            try:
                robots.check_url(str(url), kind)
            except robots.WebhookRefused as exc:
                self.add_error("url", str(exc))
        return data


@login_required
@require_http_methods(["GET", "POST"])
def webhooks(request: AuthedHttpRequest) -> HttpResponse:
    choices = selectors.webhook_communities(request.user)
    pk = int_or_none(request.GET.get("community") or request.POST.get("community"))
    community = access.get_community_for_webhooks(request.user, pk)
    form = WebhookForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                webhook_create(place=community, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("群机器人已添加"))
                return redirect(f"{reverse('notifications:webhooks')}?community={community.pk}")
    hooks = list(GroupWebhook.objects.filter(place=community).order_by("id"))
    for h in hooks:
        h.shown_url = robots.masked(h.url)  # type: ignore[attr-defined]
        try:
            robots.check_url(h.url, h.kind)
            h.refused = ""  # type: ignore[attr-defined]
        except robots.WebhookRefused as exc:  # stored before the rule, or the allow-list changed
            h.refused = str(exc)  # type: ignore[attr-defined]
    deliveries = page_of(request, WebhookDelivery.objects.filter(webhook__place=community).select_related("webhook"))
    return render(
        request,
        "notifications/webhooks.html",
        {"communities": choices[:300], "community": community, "form": form, "hooks": hooks, "deliveries": deliveries},
        status=status,
    )


@login_required
@require_POST
def webhook_test(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    hook = access.get_webhook_for_test(request.user, pk)
    webhook_test_send(webhook=hook, text=_("【双报到】群机器人测试消息"))
    messages.success(request, _("已向“%(name)s”发出测试消息，请看下方的发送记录") % {"name": hook.name})
    return redirect(f"{reverse('notifications:webhooks')}?community={hook.place_id}")

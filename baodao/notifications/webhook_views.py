"""The community's group robots (企业微信 / 钉钉): staff add them, send a test, and see every
delivery, the failed ones with the robot's answer. The URL is shown masked."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from baodao.accounts.models import AuthedHttpRequest
from baodao.core.http import int_or_none, page_of
from baodao.directory import scope
from baodao.directory.models import Place
from baodao.notifications.models import GroupWebhook, WebhookDelivery
from baodao.notifications.services import group_post


class WebhookForm(forms.ModelForm):
    class Meta:
        model = GroupWebhook
        fields = ["kind", "name", "url", "secret"]
        widgets = {"url": forms.URLInput(attrs={"size": 60}), "secret": forms.PasswordInput(render_value=False)}

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"]).strip()
        if not url.startswith(("https://", "http://")):
            raise forms.ValidationError(gettext_lazy("请填写群机器人的 Webhook 网址（https:// 开头）"))
        return url


def _communities(user: object) -> QuerySet[Place]:
    return scope.communities_managed_by(user)  # type: ignore[arg-type]


def masked(url: str) -> str:
    return url[:40] + "…" if len(url) > 40 else url[: max(0, len(url) - 6)] + "…"


@login_required
@require_http_methods(["GET", "POST"])
def webhooks(request: AuthedHttpRequest) -> HttpResponse:
    choices = _communities(request.user)
    if not choices.exists():
        raise PermissionDenied(_("只有社区工作人员可以设置群机器人"))
    pk = int_or_none(request.GET.get("community") or request.POST.get("community"))
    community = get_object_or_404(choices, pk=pk) if pk else choices.first()
    assert community is not None
    form = WebhookForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            hook = form.save(commit=False)
            hook.place = community
            hook.created_by = request.user
            hook.save()
            messages.success(request, _("群机器人已添加"))
            return redirect(f"{reverse('notifications:webhooks')}?community={community.pk}")
    hooks = list(GroupWebhook.objects.filter(place=community).order_by("id"))
    for h in hooks:
        h.shown_url = masked(h.url)  # type: ignore[attr-defined]
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
    hook = get_object_or_404(GroupWebhook.objects.filter(place__in=_communities(request.user)), pk=pk)
    group_post(place_id=hook.place_id, text=_("【双报到】群机器人测试消息"))
    messages.success(request, _("测试消息已发出，请看下方的发送记录"))
    return redirect(f"{reverse('notifications:webhooks')}?community={hook.place_id}")

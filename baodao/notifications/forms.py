"""The community's group robot, as staff add it."""

from __future__ import annotations

from typing import Any

from django import forms

from baodao.core.forms import ModelForm
from baodao.notifications import webhooks as robots
from baodao.notifications.models import GroupWebhook


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

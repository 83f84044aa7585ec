"""The login form (username or mobile, with the lockout message of django-axes)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    username = forms.CharField(label=_("账号或手机号"), max_length=150)
    password = forms.CharField(label=_("密码"), strip=False, widget=forms.PasswordInput)

    error_messages = {
        "invalid_login": _("账号或密码错误。连续多次错误将暂时锁定账号。"),
        "inactive": _("该账号已停用"),
    }

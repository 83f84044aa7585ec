"""The login form (username or mobile, with the lockout message of django-axes) and the password change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from baodao.accounts.models import User
from baodao.core.forms import NamedErrors


class LoginForm(NamedErrors, AuthenticationForm):
    username = forms.CharField(label=_("账号或手机号"), max_length=150)
    password = forms.CharField(label=_("密码"), strip=False, widget=forms.PasswordInput)

    error_messages = {
        "invalid_login": _("账号或密码错误。连续多次错误将暂时锁定账号。"),
        "inactive": _("该账号已停用"),
    }


class PasswordChangeForm(NamedErrors, auth_forms.PasswordChangeForm):
    """Old password, the new one twice; the rules of 等保 (settings.AUTH_PASSWORD_VALIDATORS) listed
    under the new one, every message in Chinese."""

    def __init__(self, user: User, data: QueryDict | None = None) -> None:
        super().__init__(user, data)
        self.fields["old_password"].label = _("当前密码")
        self.fields["new_password1"].label = _("新密码")
        self.fields["new_password2"].label = _("再次输入新密码")
        self.fields["new_password1"].help_text = "；".join(
            str(t).rstrip("。") for t in password_validators_help_texts()
        )
        self.fields["new_password2"].help_text = _("与新密码一致")
        self.error_messages = {
            **self.error_messages,
            "password_incorrect": _("当前密码不正确，请重新输入"),
            "password_mismatch": _("两次输入的新密码不一致"),
        }

    def clean(self) -> dict[str, Any]:
        # Django's puts what the rules say under the confirmation; it belongs to the new password.
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        new, old = self.cleaned_data.get("new_password1"), self.cleaned_data.get("old_password")
        if new and old and new == old:
            self.add_error("new_password1", _("新密码不能与当前密码相同"))
        return self.cleaned_data

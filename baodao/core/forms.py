"""Forms whose every message is a Chinese sentence that names its field.

Django's stock messages ("这个字段是必填项。", "确保该变量包含不超过 50 个字符…") do not say which
field they mean, and one of its password messages has no Chinese at all. `Form` (and `name_errors`
for a form that derives from one of Django's) replaces every stock message a field did not declare
itself with one that names the field; a message a field declares is kept.

Every date and datetime field of such a form also takes only a value inside the window of dates
that may be entered (core.dates), with a message naming the field.
"""

from __future__ import annotations

import re

from django import forms
from django.core import validators
from django.utils.translation import gettext as _

from baodao.core.dates import InputDateValidator

# A hint in brackets after a label ("门牌号（如 2单元301）") is not part of the field's name.
_HINT = re.compile(r"[（(][^（()）]*[)）]\s*$")


def field_name(field: forms.Field, name: str) -> str:
    label = str(field.label or name).rstrip("：:")
    return _HINT.sub("", label).strip() or label


def _stock(field: forms.Field) -> dict[str, object]:
    stock: dict[str, object] = {}
    for cls in reversed(type(field).__mro__):
        stock.update(getattr(cls, "default_error_messages", {}))
    return stock


def _named(field: forms.Field, label: str) -> dict[str, str]:
    choose = isinstance(field, forms.ChoiceField | forms.ModelChoiceField | forms.FileField)
    messages = {
        "required": _("请选择%(label)s") if choose else _("请填写%(label)s"),
        "invalid_choice": _("请从列表中选择%(label)s"),
        "invalid_list": _("请从列表中选择%(label)s"),
        "invalid_pk_value": _("请从列表中选择%(label)s"),
        "invalid": _("%(label)s的格式不正确"),
    }
    if isinstance(field, forms.BooleanField):
        messages["required"] = _("请勾选“%(label)s”")
    if isinstance(field, forms.DateField):
        messages["invalid"] = _("%(label)s的格式不正确，请按 2026-01-31 的格式填写")
    out = {k: v % {"label": label} for k, v in messages.items()}
    # Django fills the limits in; a literal % in the label must survive that.
    safe = label.replace("%", "%%")
    out["max_length"] = _("%(label)s最多 %%(limit_value)d 个字（现在 %%(show_value)d 个）") % {"label": safe}
    out["min_length"] = _("%(label)s至少 %%(limit_value)d 个字（现在 %%(show_value)d 个）") % {"label": safe}
    out["max_value"] = _("%(label)s不能大于 %%(limit_value)s") % {"label": safe}
    out["min_value"] = _("%(label)s不能小于 %%(limit_value)s") % {"label": safe}
    return out


# Length and value limits are checked by validators, each with a message of its own.
_LIMITS: dict[type[validators.BaseValidator], str] = {
    validators.MaxLengthValidator: "max_length",
    validators.MinLengthValidator: "min_length",
    validators.MaxValueValidator: "max_value",
    validators.MinValueValidator: "min_value",
}


def name_errors(form: forms.BaseForm) -> None:
    """Give every field of this form instance named Chinese messages where it kept Django's own,
    and every date and datetime field the window of dates that may be entered."""
    for name, field in form.fields.items():
        stock = _stock(field)
        named = _named(field, field_name(field, name))
        dated = isinstance(field, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField)
        if dated and not any(isinstance(v, InputDateValidator) for v in field.validators):
            field.validators.append(InputDateValidator(field_name(field, name)))
        for key, message in list(field.error_messages.items()):
            if key in named and message is stock.get(key):
                field.error_messages[key] = named[key]
        for i, v in enumerate(field.validators):
            if not isinstance(v, validators.BaseValidator):
                continue
            cls = type(v)
            kind = _LIMITS.get(cls)
            if kind and v.message is cls.message:  # the validator's own, not one a field set
                # A copy: the validator objects are shared by every instance of the form.
                field.validators[i] = cls(v.limit_value, message=named[kind])


class Form(forms.Form):
    """The project's base form: named Chinese messages (see the module's docstring)."""

    def full_clean(self) -> None:
        # Here rather than in __init__: a subclass may set its labels after super().__init__().
        name_errors(self)
        super().full_clean()

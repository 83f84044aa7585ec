"""Forms whose every message is a Chinese sentence that names its field.

Django's stock messages ("这个字段是必填项。", "确保该变量包含不超过 50 个字符…", "确认总共不超过 10 个
数字.") do not say which field they mean, some of them have no Chinese at all, and its dropdowns
start with "---------". `Form` and `ModelForm` (and `name_errors` for a form that derives from one of
Django's own, such as the login form) replace every stock message a field or a validator did not
declare itself with one that names the field, and the dropdown's empty choice with "请选择…"; a
message a field declares is kept. Every form of the project derives from one of them (the form walk,
baodao/home/tests/test_form_walk.py, fails on a form that shows Django's text).

Every date and datetime field of such a form also takes only a value inside the window of dates
that may be entered (core.dates), with a message naming the field.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from django import forms
from django.core import validators
from django.utils.choices import CallableChoiceIterator
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from baodao.core.dates import InputDateValidator

# A hint in brackets after a label ("门牌号（如 2单元301）") is not part of the field's name.
_HINT = re.compile(r"[（(][^（()）]*[)）]\s*$")
# What Django puts first in a dropdown (ModelChoiceField.empty_label, BLANK_CHOICE_DASH).
DASHES = "---------"
# Set on a form's own copy of a field: the message keys (and the empty choice) named here, named
# again when the label changes after the form was made (a subclass may set labels in __init__).
_OWNED = "_baodao_named"


def field_name(field: forms.Field, name: str) -> str:
    label = str(field.label or name).rstrip("：:")
    return _HINT.sub("", label).strip() or label


def _stock(field: forms.Field) -> dict[str, object]:
    stock: dict[str, object] = {}
    for cls in reversed(type(field).__mro__):
        stock.update(getattr(cls, "default_error_messages", {}))
    return stock


def _named(field: forms.Field, label: str) -> dict[str, str]:
    """Every message key a field or its validators may raise, as a sentence naming the field.
    `fallback` stands for a key this table does not know yet."""
    choose = isinstance(field, forms.ChoiceField | forms.ModelChoiceField | forms.FileField)
    messages = {
        "required": _("请选择%(label)s") if choose else _("请填写%(label)s"),
        "invalid_choice": _("请从列表中选择%(label)s"),
        "invalid_list": _("请从列表中选择%(label)s"),
        "invalid_pk_value": _("请从列表中选择%(label)s"),
        "invalid": _("%(label)s的格式不正确"),
        "incomplete": _("请把%(label)s填写完整"),
        "invalid_date": _("%(label)s的日期格式不正确，请按 2026-01-31 的格式填写"),
        "invalid_time": _("%(label)s的时间格式不正确，请按 09:30 的格式填写"),
        "null_characters_not_allowed": _("%(label)s中含有空字符（\\u0000），请删除后重试"),
        "missing": _("请选择%(label)s"),
        "empty": _("%(label)s是空文件，请重新选择"),
        "contradiction": _("%(label)s：请上传新文件或勾选清除，不要同时"),
        "invalid_image": _("%(label)s不是图片，或图片已损坏"),
        "overflow": _("%(label)s超出了可以填写的范围"),
        # What a model says when a model form saves (ModelForm._update_errors reads the field's).
        "unique": _("已有相同%(label)s的记录，请换一个"),
        "null": _("请填写%(label)s"),
        "blank": _("请填写%(label)s"),
        "fallback": _("%(label)s填写有误，请检查"),
    }
    if isinstance(field, forms.BooleanField):
        messages["required"] = _("请勾选“%(label)s”")
    if isinstance(field, forms.IntegerField) and not isinstance(field, forms.FloatField | forms.DecimalField):
        messages["invalid"] = _("%(label)s须是整数")
    elif isinstance(field, forms.FloatField | forms.DecimalField):
        messages["invalid"] = _("%(label)s须是数字")
    if isinstance(field, forms.DateField):
        messages["invalid"] = _("%(label)s的格式不正确，请按 2026-01-31 的格式填写")
    if isinstance(field, forms.DateTimeField):
        messages["invalid"] = _("%(label)s的格式不正确，请按 2026-01-31 09:30 的格式填写")
    if isinstance(field, forms.TimeField):
        messages["invalid"] = _("%(label)s的格式不正确，请按 09:30 的格式填写")
    if isinstance(field, forms.EmailField):
        messages["invalid"] = _("%(label)s不是有效的电子邮箱地址")
    if isinstance(field, forms.URLField):
        messages["invalid"] = _("%(label)s不是有效的网址")
    out = {k: v % {"label": label} for k, v in messages.items()}
    # Django fills the limits in; a literal % in the label must survive that.
    safe = {"label": label.replace("%", "%%")}
    out["max_length"] = _("%(label)s最多 %%(limit_value)d 个字（现在 %%(show_value)d 个）") % safe
    out["min_length"] = _("%(label)s至少 %%(limit_value)d 个字（现在 %%(show_value)d 个）") % safe
    if isinstance(field, forms.FileField):  # a file's name, with limits of its own
        out["max_length"] = _("%(label)s的文件名最多 %%(max)d 个字（现在 %%(length)d 个）") % safe
    out["max_value"] = _("%(label)s不能大于 %%(limit_value)s") % safe
    out["min_value"] = _("%(label)s不能小于 %%(limit_value)s") % safe
    out["step_size"] = _("%(label)s须是 %%(limit_value)s 的整数倍") % safe
    out["max_digits"] = _("%(label)s最多 %%(max)s 位数字") % safe
    out["max_decimal_places"] = _("%(label)s最多 %%(max)s 位小数") % safe
    out["max_whole_digits"] = _("%(label)s的整数部分最多 %%(max)s 位") % safe
    out["invalid_extension"] = _("%(label)s只能是 %%(allowed_extensions)s 文件") % safe
    return out


_MODEL_KEYS = ("unique", "null", "blank")


def _empty_choice(field: forms.Field, name: str) -> str:
    label = field_name(field, name)
    return _("请选择%(label)s") % {"label": label} if field.required else _("不选%(label)s") % {"label": label}


# Read when the dropdown is drawn, so a label a subclass sets after __init__ is the one named.
_lazy_empty_choice = lazy(_empty_choice, str)


def _name_validators(field: forms.Field, named: dict[str, str]) -> None:
    """The validators' messages (length, value, digits, format): a copy of each validator that
    still has its class's message, with the named one. A copy: the validator objects are shared
    by every instance of the form (and often by every form)."""
    for i, v in enumerate(field.validators):
        mine = getattr(v, _OWNED, False)
        if isinstance(v, validators.DecimalValidator):
            if not (mine or v.messages is validators.DecimalValidator.messages):
                continue
            v = copy.copy(v)
            v.messages = {k: named.get(k, named["fallback"]) for k in validators.DecimalValidator.messages}
            v.messages["invalid"] = named["invalid"]
        elif hasattr(v, "message") and hasattr(v, "code"):
            if not (mine or v.message is getattr(type(v), "message", None)):
                continue  # a message the validator was given
            v = copy.copy(v)
            v.message = named.get(v.code, named["fallback"])
        else:
            continue  # a plain function raises its own message (ours: core.validators)
        setattr(v, _OWNED, True)
        field.validators[i] = v


def _name_empty_choice(field: forms.Field, name: str) -> None:
    mine: set[str] = getattr(field, _OWNED, set())
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label == DASHES or "empty_label" in mine:
            field.empty_label = _lazy_empty_choice(field, name)
            mine.add("empty_label")
    elif isinstance(field, forms.ChoiceField) and not isinstance(field.choices, CallableChoiceIterator):
        choices: list[Any] = list(field.choices)  # type: ignore[arg-type]
        if any(value == "" and str(text) == DASHES for value, text in choices) or "empty_label" in mine:
            field.choices = [
                (value, _lazy_empty_choice(field, name) if value == "" and not isinstance(text, list | tuple) else text)
                for value, text in choices
            ]
            mine.add("empty_label")


def name_errors(form: forms.BaseForm) -> None:
    """Give every field of this form instance named Chinese messages where it kept Django's own,
    and every date and datetime field the window of dates that may be entered."""
    for name, field in form.fields.items():
        stock = _stock(field)
        named = _named(field, field_name(field, name))
        dated = isinstance(field, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField)
        if dated and not any(isinstance(v, InputDateValidator) for v in field.validators):
            field.validators.append(InputDateValidator(field_name(field, name)))
        mine: set[str] = field.__dict__.setdefault(_OWNED, set())
        for key, message in list(field.error_messages.items()):
            if key in mine or message is stock.get(key):
                field.error_messages[key] = named.get(key, named["fallback"])
                mine.add(key)
        for key in _MODEL_KEYS:
            if key in mine or key not in field.error_messages:
                field.error_messages[key] = named[key]
                mine.add(key)
        _name_validators(field, named)
        _name_empty_choice(field, name)


class NamedErrors:
    """Named messages from the moment the form is made (its dropdowns are drawn from then) and
    again when it is checked (a subclass may set its labels after super().__init__())."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401 - Django's form signature
        super().__init__(*args, **kwargs)
        name_errors(self)  # type: ignore[arg-type]

    def full_clean(self) -> None:
        name_errors(self)  # type: ignore[arg-type]
        super().full_clean()  # type: ignore[misc]


class Form(NamedErrors, forms.Form):
    """The project's base form: named Chinese messages (see the module's docstring)."""


class ModelForm(NamedErrors, forms.ModelForm):
    """The project's base model form: named Chinese messages (see the module's docstring)."""

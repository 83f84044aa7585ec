"""core.forms: every stock message of Django's a form can show is a Chinese sentence naming the
field, and every form of the project is built on it (issue 19 §21)."""

from __future__ import annotations

import importlib
import pkgutil

from django import forms
from django.contrib.auth.models import Group

import baodao
from baodao.core.forms import Form, ModelForm, NamedErrors


class Money(Form):
    money = forms.DecimalField(label="帮扶资金（元）", max_digits=10, decimal_places=2, required=False)
    count = forms.IntegerField(label="物资件数", required=False)
    link = forms.URLField(label="机器人地址", required=False, assume_scheme="https")
    text = forms.CharField(label="内容", max_length=5, required=False)
    group = forms.ModelChoiceField(label="小组", queryset=Group.objects.none(), required=False)
    kind = forms.ChoiceField(label="类型", choices=[("", "---------"), ("a", "甲")])
    file = forms.FileField(label="名单文件", max_length=8, required=False)


def _errors(**data: object) -> dict[str, list[str]]:
    form = Money(data=data)
    form.is_valid()
    return {k: list(v) for k, v in form.errors.items()}


def test_decimal_digits_are_named_not_djangos_count_of_digits(db: None) -> None:
    assert _errors(money="123456789012.5", kind="a") == {"money": ["帮扶资金最多 10 位数字"]}
    assert _errors(money="1.555", kind="a") == {"money": ["帮扶资金最多 2 位小数"]}
    assert _errors(money="123456789.5", kind="a") == {"money": ["帮扶资金的整数部分最多 8 位"]}
    assert _errors(money="钱", count="1.5", kind="a") == {"money": ["帮扶资金须是数字"], "count": ["物资件数须是整数"]}


def test_formats_and_characters_name_the_field(db: None) -> None:
    assert _errors(link="不是网址", text="甲\x00", kind="b") == {
        "link": ["机器人地址不是有效的网址"],
        "text": ["内容中含有空字符（\\u0000），请删除后重试"],
        "kind": ["请从列表中选择类型"],
    }


def test_a_files_name_too_long_is_named_with_its_own_limits(db: None) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    form = Money(data={"kind": "a"}, files={"file": SimpleUploadedFile("很长的名单文件.xlsx", b"x")})

    assert not form.is_valid()
    assert form.errors == {"file": ["名单文件的文件名最多 8 个字（现在 12 个）"]}


def test_dropdowns_start_with_a_sentence_naming_the_field_not_dashes(db: None) -> None:
    page = str(Money())

    assert "---------" not in page
    assert '<option value="" selected>不选小组</option>' in page
    assert '<option value="">请选择类型</option>' in page or '<option value="" selected>请选择类型</option>' in page


def test_a_label_set_after_the_form_was_made_is_the_one_named(db: None) -> None:
    form = Money(data={"text": "太长的内容了", "kind": "a"})
    form.fields["text"].label = "服务内容"
    form.fields["group"].label = "服务队"

    assert not form.is_valid()
    assert form.errors == {"text": ["服务内容最多 5 个字（现在 6 个）"]}
    assert "不选服务队" in str(form["group"])


def test_a_model_form_names_its_fields_too(db: None) -> None:
    class GroupForm(ModelForm):
        class Meta:
            model = Group
            fields = ["name"]

    Group.objects.create(name="甲组")
    form = GroupForm(data={"name": "甲组"})

    assert not form.is_valid()
    assert form.errors == {"name": ["已有相同名称的记录，请换一个"]}
    assert GroupForm(data={"name": "长" * 200}).errors == {"name": ["名称最多 150 个字（现在 200 个）"]}


def test_every_form_of_the_project_is_built_on_core_forms() -> None:
    """A form derived from Django's own would show Django's text again ("这个字段是必填项。")."""
    for module in pkgutil.walk_packages(baodao.__path__, "baodao."):
        if not any(part in module.name for part in (".tests", ".migrations", "conftest", ".management")):
            importlib.import_module(module.name)

    def subclasses(cls: type) -> set[type]:
        return {s for c in cls.__subclasses__() for s in {c} | subclasses(c)}

    ours = {
        c for c in subclasses(forms.BaseForm) if c.__module__.startswith("baodao.") and ".tests" not in c.__module__
    }
    assert len(ours) > 30  # the walk above found the project's forms
    assert sorted(c.__qualname__ for c in ours if not issubclass(c, NamedErrors)) == []

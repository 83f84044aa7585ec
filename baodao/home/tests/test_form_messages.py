"""Errors a person can read (issue 9 §4): every form message is a Chinese sentence that names its
field, summarised at the top of the page and next to its field; the activation page keeps the
passwords unless they are what is wrong; the rules page cites its sources in words, not tags."""

from __future__ import annotations

import re
from types import SimpleNamespace

from django import forms
from django.test import Client
from django.urls import reverse

from baodao.accounts.forms import LoginForm, PasswordChangeForm
from baodao.core.forms import Form
from baodao.directory.import_views import UploadForm
from baodao.reporting import forms as reporting_forms
from baodao.reporting import services
from baodao.reporting.tests.conftest import teams

__all__ = ["teams"]

STOCK = (
    "这个字段是必填项",
    "确保该变量",
    "不在可用的选项中",
    "选择一个有效的选项",
    "输入一个有效的",
    "This ",
    "Ensure",
    "Select a",
)


def _forms(world: SimpleNamespace) -> list[forms.BaseForm]:
    made: list[forms.BaseForm] = [
        LoginForm(None, data={}),
        PasswordChangeForm(world.member_user, data={}),
        UploadForm(data={}, files={}),
        reporting_forms.RegisterForm(data={}, community=world.A),
    ]
    for cls in vars(reporting_forms).values():
        if isinstance(cls, type) and issubclass(cls, Form) and cls not in (Form, reporting_forms.RegisterForm):
            made.append(cls(data={}))
    return made


def test_every_project_form_names_the_field_in_chinese(world: SimpleNamespace) -> None:
    long = "长" * 300
    bad: dict[str, list[str]] = {}
    for form in _forms(world):
        for data in ({}, dict.fromkeys(form.fields, long) | {"report_date": "2026-13-45", "functions": ["999999"]}):
            bound = form.__class__(**_rebind(form, data))
            bound.is_valid()
            for name, errors in bound.errors.items():
                if name == "__all__":
                    continue
                for e in errors:
                    if any(s in e for s in STOCK):
                        bad.setdefault(type(form).__name__, []).append(f"{name}: {e}")
    assert bad == {}


def _rebind(form: forms.BaseForm, data: dict) -> dict:
    kwargs: dict = {"data": data}
    if isinstance(form, PasswordChangeForm):
        return {"user": form.user, "data": data}
    if isinstance(form, LoginForm):
        return {"request": None, "data": data}
    if isinstance(form, UploadForm):
        kwargs["files"] = {}
    if isinstance(form, reporting_forms.RegisterForm):
        kwargs["community"] = form.community
    return kwargs


def test_field_names_drop_the_hint_and_lengths_name_the_field(db: None) -> None:
    class Sample(Form):
        room = forms.CharField(label="门牌号（如 2单元301）", max_length=5)
        when = forms.DateField(label="报到日期")

    form = Sample(data={"room": "1234567", "when": "2026-13-45"})

    assert not form.is_valid()
    assert form.errors == {
        "room": ["门牌号最多 5 个字（现在 7 个）"],
        "when": ["报到日期的格式不正确，请按 2026-01-31 的格式填写"],
    }
    assert Sample(data={}).errors == {"room": ["请填写门牌号"], "when": ["请填写报到日期"]}


# --- pages ------------------------------------------------------------------------------------


def _page(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_self_activation_summarises_at_the_top_and_keeps_the_passwords_when_they_are_fine(
    world: SimpleNamespace,
) -> None:
    url = reverse("reporting:self_report", args=[world.A.code])
    good = "Wo#Zijide2026"

    wrong_mobile = Client().post(
        url, {"id_number": world.m_u_a.id_number, "mobile": "123", "password": good, "password2": good}
    )
    page = _page(wrong_mobile)

    assert wrong_mobile.status_code == 422
    assert page.index('id="error-summary"') < page.index('id="field-id_number"')
    assert 'href="#field-mobile"' in page
    assert page.count(f'value="{good}"') == 2  # nothing to type again

    short = _page(
        Client().post(
            url, {"id_number": world.m_u_a.id_number, "mobile": "13812345678", "password": "Ab#1", "password2": "Ab#1"}
        )
    )
    field = short[short.index('id="field-password"') :]
    field = field[: field.index("</div>")]
    assert "密码太短，至少需要 8 个字符" in field
    assert 'value="Ab#1"' not in short  # what is wrong is typed again
    assert "This password" not in short


def test_registration_errors_are_summarised_at_the_top(world: SimpleNamespace, client: Client, teams: list) -> None:
    cert = services.certificate_issue(member=world.m_u_a, by=world.unit_secretary)
    link = reverse("reporting:register", args=[services.certificate_token(cert)])
    client.post(link, {"mobile": "13812345678", "password": world.password, "password2": world.password})

    response = client.post(link, {})
    page = _page(response)

    assert response.status_code == 422

    summary = page[page.index('id="error-summary"') :]
    assert page.index('id="error-summary"') < page.index('id="residence-picker"')
    assert 'href="#field-residence"' in summary and "请选择居住的小区或楼栋" in summary


def test_the_rules_page_cites_its_sources_in_words(world: SimpleNamespace) -> None:
    client = Client()
    client.force_login(world.city_admin)

    page = _page(client.get(reverse("directory:rule_list")))

    assert "《关于进一步健全机关企事业单位党员干部常态化下沉小区(网格)工作机制的若干措施》" in page
    assert "《信息安全技术 网络安全等级保护基本要求》" in page
    assert not re.search(r"\[seed|DOMAIN|§", page)


def test_the_unit_report_says_what_is_missing_at_the_top_and_at_the_field(world: SimpleNamespace) -> None:
    client = Client()
    client.force_login(world.unit_secretary)

    response = client.post(reverse("reporting:unit_report"), {"contact_phone": "123"})
    page = _page(response)

    assert response.status_code == 422
    assert page.index('id="error-summary"') < page.index('id="field-contact_name"')
    field = page[page.index('id="field-contact_name"') :]
    assert "请填写联系人" in field[: field.index("</div>")]
    assert 'href="#field-contact_phone"' in page

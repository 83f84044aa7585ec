"""The city's 服务承诺书: edited by the city admin on its page or by a superuser in the admin."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from baodao.directory.services import rule_set
from baodao.reporting import services
from baodao.reporting.models import CommitmentTemplate
from baodao.reporting.tests.conftest import submit

PAGE = "reporting:commitment"
OWN = "本人承诺每年参加社区活动不少于{activities}次、服务不少于{hours}小时，{不替换的括号}。"


def test_city_admin_edits_the_commitment_and_new_reports_sign_it(world: SimpleNamespace, login, teams) -> None:
    rule_set(key="member_min_activities_per_year", value=Decimal(6), city=world.C)
    before = submit(world.m_v_b)  # signed the default text
    c = login(world.city_admin)

    response = c.post(reverse(PAGE), {"text": OWN})

    assert response.status_code == 302
    assert CommitmentTemplate.objects.get(city=world.C).text == OWN
    page = c.get(reverse(PAGE))
    assert "本人承诺每年参加社区活动不少于6次、服务不少于20小时，{不替换的括号}。" in page.content.decode()
    report = submit(world.m_u_a)
    assert report.commitment_text == "本人承诺每年参加社区活动不少于6次、服务不少于20小时，{不替换的括号}。"
    before.refresh_from_db()
    assert "不少于6次" in before.commitment_text and "本人自愿" in before.commitment_text  # kept what it signed


def test_commitment_reset_returns_to_the_default(world: SimpleNamespace, login) -> None:
    services.commitment_template_set(city=world.C, text="自定义", by=world.city_admin)
    c = login(world.city_admin)

    response = c.post(reverse("reporting:commitment_reset"))

    assert response.status_code == 302
    assert not CommitmentTemplate.objects.exists()
    assert services.commitment_text(city=world.C).startswith("本人自愿到居住地社区报到")


@pytest.mark.parametrize(
    ("text", "message"), [("  ", "请填写服务承诺书内容"), ("字" * 2001, "服务承诺书不能超过 2000 字")]
)
def test_commitment_bad_text_rerenders_with_422(world: SimpleNamespace, login, text: str, message: str) -> None:
    response = login(world.city_admin).post(reverse(PAGE), {"text": text})

    assert response.status_code == 422
    assert message in response.content.decode()
    assert not CommitmentTemplate.objects.exists()


@pytest.mark.parametrize("role", ["district_admin", "street_admin", "community_staff", "unit_secretary", "member"])
def test_commitment_page_is_for_city_admins_only(world: SimpleNamespace, login, role: str) -> None:
    c = login(world.role_users[role])

    assert c.get(reverse(PAGE)).status_code == 403
    assert c.post(reverse(PAGE), {"text": "x"}).status_code == 403
    assert c.post(reverse("reporting:commitment_reset")).status_code == 403
    assert not CommitmentTemplate.objects.exists()


def test_commitment_is_per_city_only(world: SimpleNamespace) -> None:
    with pytest.raises(services.ReportError):
        services.commitment_template_set(city=world.D1, text="区里的", by=world.superuser)
    assert not CommitmentTemplate.objects.exists()


def test_commitment_template_in_the_admin(world: SimpleNamespace, login) -> None:
    c = login(world.superuser)

    added = c.post(reverse("admin:reporting_commitmenttemplate_add"), {"city": world.C.pk, "text": OWN})
    not_a_city = c.post(reverse("admin:reporting_commitmenttemplate_add"), {"city": world.D1.pk, "text": "区里的"})
    row = CommitmentTemplate.objects.get()
    changed = c.post(reverse("admin:reporting_commitmenttemplate_change", args=[row.pk]), {"text": "改过的"})
    too_long = c.post(reverse("admin:reporting_commitmenttemplate_change", args=[row.pk]), {"text": "字" * 2001})

    assert added.status_code == 302
    assert not_a_city.status_code == 200 and "请从列表中选择城市" in not_a_city.content.decode()
    assert changed.status_code == 302
    assert too_long.status_code == 200 and "服务承诺书不能超过 2000 字" in too_long.content.decode()
    assert list(CommitmentTemplate.objects.values_list("city", "text")) == [(world.C.pk, "改过的")]


def test_rules_page_links_to_the_commitment(world: SimpleNamespace, login) -> None:
    page = login(world.city_admin).get(reverse("directory:rule_list"))

    assert f'href="{reverse(PAGE)}"' in page.content.decode()

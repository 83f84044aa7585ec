"""Error pages a person can read: Chinese, in the site's layout with the navigation, a way back;
and no link in a role's navigation that the role may not follow."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from baodao.home.tests.test_permission_matrix import ROLES


def _client(user=None, **kw) -> Client:
    c = Client(**kw)
    if user is not None:
        c.force_login(user)
    return c


def _page(response) -> str:
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


def test_404_is_a_chinese_page_with_the_navigation(world: SimpleNamespace) -> None:
    response = _client(world.community_staff).get("/directory/nothing-here/")

    html = _page(response)
    assert response.status_code == 404
    assert "页面不存在" in html and "返回首页" in html
    assert reverse("directory:member_list") in html  # the staff navigation
    assert "Not Found" not in html


def test_403_says_why_in_chinese(world: SimpleNamespace) -> None:
    response = _client(world.compound_secretary).post(
        reverse("reporting:member_status", args=[world.m_u_a.pk]), {"status": "retired"}
    )

    html = _page(response)
    assert response.status_code == 403
    assert "没有权限" in html and "没有权限调整该党员" in html  # access.py's own words
    assert "403 Forbidden" not in html


def test_405_is_a_page_outside_the_api_and_json_inside(world: SimpleNamespace) -> None:
    page = _client(world.community_staff).get(reverse("reporting:confirm_members"))
    api = _client(world.community_staff).get("/api/v1/reporting/confirm")

    assert page.status_code == 405 and "不支持该操作方式" in _page(page) and page["Allow"] == "POST"
    assert api.status_code == 405 and api["Content-Type"].startswith("application/json")


def test_400_is_a_page_with_the_navigation(world: SimpleNamespace) -> None:
    response = _client(world.community_staff).get(reverse("directory:member_list"), {"unit": "9" * 30})

    html = _page(response)
    assert response.status_code == 400 and "请求有误" in html and reverse("directory:member_list") in html


def test_a_stale_form_is_a_chinese_page(world: SimpleNamespace) -> None:
    client = _client(world.community_staff, enforce_csrf_checks=True)

    response = client.post(reverse("reporting:confirm_members"), {"report": ["1"]})

    html = _page(response)
    assert response.status_code == 403 and "页面已过期" in html and "CSRF verification failed" not in html


def test_500_is_a_chinese_page(world: SimpleNamespace, monkeypatch) -> None:
    from baodao.stats import views

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(views.coverage, "area_coverage", broken)
    client = _client(world.city_admin)
    client.raise_request_exception = False

    response = client.get(reverse("stats:coverage"))

    assert response.status_code == 500 and "服务器内部错误" in _page(response)


NAV = re.compile(r"<nav>(.*?)</nav>", re.S)


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("anon", "nobody", "superuser")])
def test_every_link_in_a_roles_navigation_opens(world: SimpleNamespace, role: str) -> None:
    client = _client(world.role_users[role])
    home = client.get("/", follow=True)
    links = re.findall(r'href="(/[^"]*)"', NAV.search(_page(home)).group(1))
    assert links

    got = {link: client.get(link).status_code for link in links}

    assert got == dict.fromkeys(links, 200)


def test_every_page_links_an_icon_and_favicon_ico_answers(world: SimpleNamespace) -> None:
    from django.contrib.staticfiles import finders

    response = Client().get("/favicon.ico")
    page = _page(_client(world.member_user).get("/"))

    assert response.status_code == 301 and response["Location"].endswith("icons/favicon.ico")
    assert finders.find("icons/favicon.ico") and finders.find("icons/apple-touch-icon.png")
    assert 'rel="icon"' in page and 'rel="apple-touch-icon"' in page

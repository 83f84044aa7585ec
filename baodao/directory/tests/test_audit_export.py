"""The audit log page exports its entries to .xlsx: the same tab and scope as the page, audited."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from baodao.accounts.models import SecurityEvent, User

URL = reverse("directory:audit")


def sheet(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(wb.worksheets[0].iter_rows(values_only=True))


def test_audit_security_export_is_scoped_like_the_page_and_audited(two_cities: SimpleNamespace, login) -> None:
    w = two_cities
    client = login(w.city_admin)
    SecurityEvent.objects.filter(user=w.city_admin).delete()  # the test login's own event, if any
    before = SecurityEvent.objects.count()

    rows = sheet(client.get(URL, {"export": "xlsx"}))

    assert rows[0] == ("时间", "事件", "账号", "IP", "内容", "行数")
    assert sorted((r[1], r[2], r[3]) for r in rows[1:]) == [
        ("登录", "community_staff", "10.0.0.7"),
        ("登录", "member_u_a", "10.0.0.7"),
        ("登录", "resident_a1", "10.0.0.7"),
        ("登录", "unit_secretary", "10.0.0.7"),
    ]
    event = SecurityEvent.objects.order_by("-pk").first()
    assert SecurityEvent.objects.count() == before + 1
    assert (event.kind, event.user, event.what, event.row_count) == (
        SecurityEvent.Kind.EXPORT,
        w.city_admin,
        "审计日志-登录与导出",
        4,
    )
    # The next export lists the first one, as the page does.
    again = sheet(client.get(URL, {"export": "xlsx", "tab": "security"}))
    assert ("导出个人数据", "city_admin", "127.0.0.1", "审计日志-登录与导出", 4) in [r[1:] for r in again]


def test_audit_changes_export_is_scoped_like_the_page(two_cities: SimpleNamespace, login) -> None:
    w = two_cities
    client = login(w.city_admin)

    rows = sheet(client.get(URL, {"tab": "changes", "export": "xlsx"}))

    assert rows[0] == ("时间", "操作人", "对象", "操作", "变更")
    objects = [r[2] for r in rows[1:]]
    assert any("本市新小区" in o for o in objects)
    assert not any("邻市小区" in o for o in objects)
    assert {r[1] for r in rows[1:]} == {str(w.community_staff)}
    event = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).get()
    assert (event.what, event.row_count) == ("审计日志-数据变更", len(rows) - 1)


def test_audit_export_for_the_superuser_has_everyone(two_cities: SimpleNamespace, login) -> None:
    client = login(User.objects.get(pk=two_cities.superuser.pk))

    rows = sheet(client.get(URL, {"export": "xlsx"}))

    assert {"staff2", "nosuchname", "community_staff", "member_u_a"} <= {r[2] for r in rows[1:]}


@pytest.mark.parametrize("role", ["district_admin", "community_staff", "member"])
def test_audit_export_forbidden_without_audit_rights(two_cities: SimpleNamespace, login, role: str) -> None:
    client = login(two_cities.role_users[role])

    assert client.get(URL, {"export": "xlsx"}).status_code == 403
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).exists()


def test_audit_page_offers_the_export(two_cities: SimpleNamespace, login) -> None:
    page = login(two_cities.city_admin).get(URL, {"tab": "changes"}).content.decode()

    assert "tab=changes&amp;export=xlsx" in page or "tab=changes&export=xlsx" in page

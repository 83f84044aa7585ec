"""The service list as files: the .xlsx ledger opened with openpyxl (rows as filtered, the
beneficiary masked as the viewer's scope decides, the download audited) and the A4 PDF read back
with pdftotext (the items, no personal data)."""

from __future__ import annotations

import io
import subprocess
from types import SimpleNamespace

import openpyxl
import pytest
from django.test import Client

from baodao.accounts.models import SecurityEvent
from baodao.needs import services
from baodao.needs.tests.conftest import ask, law, published

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(nw: SimpleNamespace) -> SimpleNamespace:
    w = nw
    w.open = published(w, title="楼道灯不亮", show_name=True)  # the resident allowed a masked name
    done = published(w, title="清理楼道杂物")
    c = services.item_claim(demand=done, party=w.m_u_a, by=w.member_user)
    services.item_done(claim=c, by=w.member_user, note="已清理")
    services.item_close(demand=done, by=w.community_staff)
    w.pending = ask(w, title="还没审核的")
    services.demand_submit(by=w.staff_b, community=w.B, place=w.B1, category=law(), title="北门的事")
    return w


def sheet(client: Client, url: str) -> list[tuple[object, ...]]:
    response = client.get(url)
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(book.active.iter_rows(values_only=True))


@pytest.mark.parametrize(
    ("role", "names"),
    [
        ("community_staff", {"楼道灯不亮": "陈安居", "清理楼道杂物": "陈安居", "还没审核的": "陈安居"}),
        # Not managing the resident: a masked name only where the resident allowed it, else nothing.
        ("compound_secretary", {"楼道灯不亮": "陈*居", "清理楼道杂物": None, "还没审核的": None}),
    ],
)
def test_the_xlsx_ledger(items: SimpleNamespace, role: str, names: dict[str, str | None]) -> None:
    w = items
    client = Client()
    client.force_login(w.role_users[role])
    rows = sheet(client, "/needs/staff/?status=all&export=xlsx")
    assert rows[0][:4] == ("编号", "需求", "类型", "类别")
    by_title = {r[1]: r for r in rows[1:]}
    assert set(by_title) == {"楼道灯不亮", "清理楼道杂物", "还没审核的"}  # not 北门's
    assert by_title["清理楼道杂物"][9] == "已销号"
    assert by_title["清理楼道杂物"][12] == "王安华"
    assert {t: r[8] for t, r in by_title.items()} == names
    assert not any("13987654321" in str(cell) for r in rows for cell in r)
    event = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).latest("id")
    assert (event.user, event.row_count) == (w.role_users[role], 3)


def test_the_pinned_pdf_has_the_items_and_no_personal_data(items: SimpleNamespace, tmp_path) -> None:
    w = items
    client = Client()
    client.force_login(w.community_staff)
    response = client.get("/needs/staff/service-list.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "list.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert "安宁社区社区服务清单" in flat
    assert "楼道灯不亮" in flat and "清理楼道杂物" in flat and "王*华" in flat
    for secret in ("还没审核的", "北门的事", "陈安居", "13987654321", "王安华"):
        assert secret not in flat

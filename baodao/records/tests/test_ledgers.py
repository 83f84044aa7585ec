"""The ledgers, opened for real: the member's 纪实手册 and the unit's branch work ledger as .xlsx
(openpyxl) and A4 PDF (pdftotext); the unit's download audited; exact rows per viewer."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from baodao.accounts.models import SecurityEvent
from baodao.records import services
from baodao.reporting.tests.test_documents import pdf_text

pytestmark = pytest.mark.django_db


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def logged(w: SimpleNamespace, member: object, user: object, content: str, confirm: bool) -> None:
    start = timezone.now() - dt.timedelta(days=3)
    r = services.record_log(
        member=member,  # type: ignore[arg-type]
        community=w.A,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        content=content,
        by=user,  # type: ignore[arg-type]
    )
    if confirm:
        services.record_confirm(record=r, by=w.community_staff)


def test_member_handbook_xlsx_and_pdf(rw: SimpleNamespace, tmp_path: Path) -> None:
    logged(rw, rw.m_u_a, rw.member_user, "入户走访结对户", True)
    logged(rw, rw.m_v_a, rw.member_v_user, "钱安宁的服务", True)  # someone else's: not in his book
    c = client_for(rw.member_user)
    book = load_workbook(io.BytesIO(b"".join(c.get(reverse("records:handbook")).streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("日期", "时间", "党员")
    assert [(r[2], r[5], r[7]) for r in rows[1:]] == [("王安华", "入户走访结对户", 2)]
    assert str(rows[1][9]).startswith("已确认")
    text = pdf_text(c.get(reverse("records:handbook") + "?format=pdf").content, tmp_path)
    assert "党员纪实手册" in text and "入户走访结对户" in text and "钱安宁" not in text
    assert "经社区确认1条、2小时" in text


def test_unit_ledger_for_its_secretary_audited(rw: SimpleNamespace, tmp_path: Path) -> None:
    logged(rw, rw.m_u_a, rw.member_user, "城建局党员的服务", True)
    logged(rw, rw.m_v_a, rw.member_v_user, "教育局党员的服务", False)  # another unit
    secretary = client_for(rw.unit_secretary)
    response = secretary.get(reverse("records:unit_ledger"))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))[1:]
    assert [r[5] for r in rows] == ["城建局党员的服务"]
    assert SecurityEvent.objects.filter(kind="export", user=rw.unit_secretary, row_count=1).exists()
    text = pdf_text(secretary.get(reverse("records:unit_ledger") + "?format=pdf").content, tmp_path)
    assert "支部工作台账" in text and "城建局党员的服务" in text and "教育局" not in text
    assert client_for(rw.community_staff).get(reverse("records:unit_ledger")).status_code == 403
    assert secretary.get(reverse("records:unit_ledger") + f"?unit={rw.V.pk}").status_code == 404

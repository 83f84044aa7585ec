"""Issue 19 §23: what the record prints. Dates and times never wrap in the member's handbook and the
unit's branch ledger (PDFs opened with pdftotext); hours print rounded to one decimal everywhere
(PDF, Excel, pages); the certificate names whom to call, never "—"."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from baodao.accounts.models import User
from baodao.core import pdf
from baodao.core.numbers import hours_text
from baodao.records import services
from baodao.records.models import Record, ServiceCertificate
from baodao.reporting.tests.test_documents import pdf_text

pytestmark = pytest.mark.django_db

MINUTES = 211  # 3 h 31 min: 3.51667 hours as it comes, 3.5 printed


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def lines_of(data: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [line.strip() for line in out.splitlines()]


def served(w: SimpleNamespace, *, content: str = "入户走访结对户", confirm: bool = True) -> Record:
    """A record of 211 minutes from 14:30 a few days ago (local time)."""
    day = timezone.localdate() - dt.timedelta(days=3)
    start = dt.datetime.combine(day, dt.time(14, 30), tzinfo=timezone.get_current_timezone())
    r = services.record_log(
        member=w.m_u_a,
        community=w.A,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=MINUTES),
        content=content,
        by=w.member_user,
    )
    if confirm:
        r = services.record_confirm(record=r, by=w.community_staff)
    return r


def test_hours_print_with_one_decimal_halves_up() -> None:
    assert [hours_text(m) for m in (0, 30, 60, 90, 211, 213, 1500, None)] == [
        "0",
        "0.5",
        "1",
        "1.5",
        "3.5",
        "3.6",
        "25",
        "0",
    ]


@pytest.mark.parametrize("which", ["handbook", "unit_ledger"])
def test_ledger_pdfs_keep_each_date_and_time_on_one_line_and_round_hours(
    rw: SimpleNamespace, tmp_path: Path, which: str
) -> None:
    r = served(rw)
    start = timezone.localtime(r.starts_at)
    user = rw.member_user if which == "handbook" else rw.unit_secretary
    c = client_for(user)
    url = reverse(f"records:{which}") + f"?year={start.year}"

    lines = lines_of(c.get(url + "&format=pdf").content, tmp_path)
    assert f"{start:%Y-%m-%d} 14:30—18:01" in lines  # the date and both times, whole, on one line
    assert "3.5" in lines
    text = "\n".join(lines)
    assert "3.51" not in text and "3.52" not in text
    assert "经社区确认 1 条、3.5 小时" in text or "经社区确认1条、3.5小时" in text.replace(" ", "")

    book = load_workbook(io.BytesIO(b"".join(c.get(url).streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1][7] == 3.5  # a number, rounded as printed


def test_a_cell_breaks_between_chinese_characters_never_inside_a_date() -> None:
    style = pdf.styles()["cell"]
    for width in range(40, 120, 5):
        lines = pdf.cell_lines("已确认 12-06 安宁社区书记 2026-12-06 14:30 复核", style, width)
        assert any("12-06" in line for line in lines), (width, lines)
        assert any("2026-12-06 14:30" in line for line in lines), (width, lines)
        assert "".join(lines).replace(" ", "") == "已确认12-06安宁社区书记2026-12-0614:30复核"


def test_the_certificate_names_the_communitys_contact_even_without_a_mobile(
    rw: SimpleNamespace, tmp_path: Path
) -> None:
    served(rw)
    staff = User.objects.get(pk=rw.community_staff.pk)
    staff.mobile, staff.mobile_hash = "", None
    staff.save(update_fields=["mobile", "mobile_hash"])
    member = client_for(rw.member_user)
    today = timezone.localdate()
    response = member.post(
        reverse("records:certificates"), {"starts_on": f"{today.year - 1}-01-01", "ends_on": today.isoformat()}
    )
    assert response.status_code == 302
    cert = ServiceCertificate.objects.get()
    assert cert.contact == "安宁社区书记"
    text = pdf_text(member.get(reverse("records:certificate_pdf", args=[cert.pk])).content, tmp_path)
    assert "联系人：安宁社区书记" in text and "联系人：—" not in text
    assert "3.5小时" in text and "3.51" not in text

    # a certificate issued before (no contact kept) prints today's contact of the community
    ServiceCertificate.objects.filter(pk=cert.pk).update(contact="")
    text = pdf_text(member.get(reverse("records:certificate_pdf", args=[cert.pk])).content, tmp_path)
    assert "联系人：安宁社区书记" in text


def test_pages_print_hours_rounded(rw: SimpleNamespace) -> None:
    served(rw)
    html = client_for(rw.community_staff).get(reverse("stats:records") + f"?place={rw.A.pk}").content.decode()
    row = re.search(rf'<tr data-unit="{rw.U.pk}">.*?</tr>', html)
    assert row is not None
    assert '<td class="num">3.5</td>' in row.group(0)  # the units' table: once {% widthratio %}, which printed 4
    assert "3.51" not in html

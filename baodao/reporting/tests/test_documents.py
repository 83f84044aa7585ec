"""Printed documents, opened for real: text extracted with pdftotext, QR codes decoded with zbarimg
from a rendering made by pdftoppm (Debian packages poppler-utils and zbar-tools)."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import override_settings

from baodao.core import pdf, qr
from baodao.directory.services import rule_set
from baodao.reporting import services
from baodao.reporting.documents import agreement_pdf, certificates_pdf
from baodao.reporting.models import Certificate, UnitReport

# --- helpers shared with test_public ------------------------------------------------------------


def pdf_pages(data: bytes, tmp_path: Path) -> int:
    path = tmp_path / "pages.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def pdf_text(data: bytes, tmp_path: Path, page: int | None = None) -> str:
    """The extracted text with all whitespace removed (table cells break lines anywhere)."""
    path = tmp_path / "text.pdf"
    path.write_bytes(data)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run(["pdftotext", *pages, str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", out)


def decode_qr(data: bytes, tmp_path: Path, page: int = 1) -> list[str]:
    """Render one page to PNG and decode every QR code on it."""
    path = tmp_path / "qr.pdf"
    path.write_bytes(data)
    prefix = tmp_path / f"page{page}"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", str(page), "-l", str(page), "-singlefile", str(path), str(prefix)],
        check=True,
    )
    out = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", f"{prefix}.png"],
        capture_output=True,
        text=True,
    )
    return [line for line in out.stdout.splitlines() if line]


def cert_url(cert: Certificate) -> str:
    return f"http://testserver/reporting/r/{services.certificate_token(cert)}/"


# --- core helpers -------------------------------------------------------------------------------


def test_font_missing_names_the_package() -> None:
    with (
        override_settings(PDF_CJK_FONT="/nonexistent/font.ttc"),
        pytest.raises(RuntimeError, match="fonts-wqy-microhei"),
    ):
        pdf.font_path()


def test_qr_url_percent_encodes_chinese_and_refuses_non_urls(tmp_path: Path) -> None:
    assert (
        qr.qr_url("http://example.org/p/安宁?q=报到") == "http://example.org/p/%E5%AE%89%E5%AE%81?q=%E6%8A%A5%E5%88%B0"
    )
    for bad in ("报到证", "javascript:alert(1)", "http://", "ftp://example.org/x"):
        with pytest.raises(ValueError):
            qr.qr_url(bad)
    png = qr.qr_png("http://example.org/p/安宁")
    assert png.startswith(b"\x89PNG")
    (tmp_path / "q.png").write_bytes(png)
    out = subprocess.run(["zbarimg", "--quiet", "--raw", str(tmp_path / "q.png")], capture_output=True, text=True)
    assert out.stdout.strip() == "http://example.org/p/%E5%AE%89%E5%AE%81"


# --- 报到证 ---------------------------------------------------------------------------------------


@pytest.fixture
def certs(world: SimpleNamespace) -> list[Certificate]:
    return [
        services.certificate_issue(member=world.m_u_a, by=world.unit_secretary),
        services.certificate_issue(member=world.m_u_b, by=world.unit_secretary),
    ]


def test_certificates_pdf_one_page_each_with_text_and_qr(
    world: SimpleNamespace, certs: list[Certificate], tmp_path: Path, artifacts_dir: Path
) -> None:
    printed: dict[int, str] = {}

    def url_for(cert: Certificate) -> str:
        # Tokens carry a timestamp: remember the very URL each page was given.
        printed[cert.pk] = cert_url(cert)
        return printed[cert.pk]

    data = certificates_pdf(certs, url_for)
    (artifacts_dir / "certificates.pdf").write_bytes(data)

    assert data.startswith(b"%PDF")
    assert b"/FontFile2" in data  # the TrueType font is embedded, not referenced
    assert pdf_pages(data, tmp_path) == 2
    page1, page2 = pdf_text(data, tmp_path, 1), pdf_text(data, tmp_path, 2)
    assert "在职党员到居住地社区报到证" in page1
    assert certs[0].number in page1 and certs[1].number in page2
    assert "王安华" in page1 and "李北辰" not in page1
    assert "李北辰" in page2
    for expected in (
        "城建局",
        "城建局第一党支部",
        "安宁社区",
        "安一小区安一1栋",
        "城建局党委（盖章）",
        "签署服务承诺书",
    ):
        assert expected in page1, expected
    d = certs[0].deadline
    assert f"{d.year}年{d.month}月{d.day}日前" in page1
    assert "北门社区" in page2 and "北一小区北一1栋" in page2
    # Personal data never goes on the paper.
    for m in (world.m_u_a, world.m_u_b):
        for secret in (m.id_number, m.mobile, m.address_detail):
            assert secret not in page1 + page2

    urls = [decode_qr(data, tmp_path, page=1), decode_qr(data, tmp_path, page=2)]
    assert urls == [[printed[certs[0].pk]], [printed[certs[1].pk]]]
    token = urls[0][0].rsplit("/", 2)[-2]
    assert services.certificate_from_token(token).pk == certs[0].pk


def test_certificates_pdf_keeps_given_order(world: SimpleNamespace, certs: list[Certificate], tmp_path: Path) -> None:
    data = certificates_pdf(list(reversed(certs)), cert_url)
    assert "李北辰" in pdf_text(data, tmp_path, 1)
    assert "王安华" in pdf_text(data, tmp_path, 2)


def test_certificates_pdf_batch_of_100_in_one_query(
    world: SimpleNamespace, certs: list[Certificate], tmp_path: Path, django_assert_max_num_queries
) -> None:
    batch = certs * 50
    # Speed is measured in bench/, not asserted here: this checks the batch stays one query and
    # one page per certificate.
    with django_assert_max_num_queries(1):
        data = certificates_pdf(batch, cert_url)
    assert pdf_pages(data, tmp_path) == 100


# --- 共建协议 -------------------------------------------------------------------------------------


def _unit_report(world: SimpleNamespace) -> UnitReport:
    return services.unit_report_submit(
        unit=world.U,
        by=world.unit_secretary,
        contact_name="赵联络",
        contact_phone="13612345678",
        report_date=dt.date(2024, 3, 5),
        unit_signatory="张建国",
        unit_resources="法律援助、人民调解、公证咨询<3项>",
        community_demands="老旧小区环境整治\n空巢老人陪伴",
        resource_tags=[world.skill],
    )


def test_agreement_pdf_has_both_sides_lists_and_signatories(
    world: SimpleNamespace, tmp_path: Path, artifacts_dir: Path
) -> None:
    rule_set(key="member_min_hours_per_year", value=24, city=world.C)
    report = services.unit_report_confirm(
        report=_unit_report(world), by=world.community_staff, community_signatory="刘安宁"
    )
    data = agreement_pdf(report)
    (artifacts_dir / "agreement.pdf").write_bytes(data)

    text = pdf_text(data, tmp_path)
    for expected in (
        "共建协议书",
        "城建局",
        "安宁社区",
        "城建局党委",
        "法律援助、人民调解、公证咨询<3项>",
        "老旧小区环境整治",
        "空巢老人陪伴",
        "资源类别：法律咨询",
        "加入安宁社区大党委",
        "2024年3月5日",
        "社区党组织书记（签字）：刘安宁",
        "单位党组织书记（签字）：张建国",
        "累计服务不少于24小时",  # the city's rule, not the default 20
    ):
        assert expected in text, expected
    confirmed = report.decided_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    assert f"确认日期：{confirmed.year}年{confirmed.month}月{confirmed.day}日" in text
    assert "13612345678" not in text


def test_agreement_pdf_refuses_unconfirmed_report(world: SimpleNamespace) -> None:
    with pytest.raises(ValueError):
        agreement_pdf(_unit_report(world))

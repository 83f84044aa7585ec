"""志愿服务记录证明: issued from confirmed records only, printed as a real PDF whose QR code decodes
to the public verification page, which shows it genuine (name masked) or revoked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from baodao.records import services
from baodao.records.models import ServiceCertificate
from baodao.records.services import RecordError
from baodao.reporting.tests.test_documents import decode_qr, pdf_text

pytestmark = pytest.mark.django_db


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def served(w: SimpleNamespace, hours: float, *, confirm: bool = True, days_ago: int = 3) -> None:
    start = timezone.now() - dt.timedelta(days=days_ago)
    r = services.record_log(
        member=w.m_u_a,
        community=w.A,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        content="入户走访",
        by=w.member_user,
    )
    if confirm:
        services.record_confirm(record=r, by=w.community_staff)


def test_member_issues_prints_and_the_qr_opens_the_verification_page(rw: SimpleNamespace, tmp_path: Path) -> None:
    served(rw, 2)
    served(rw, 1.5, days_ago=5)
    served(rw, 4, confirm=False, days_ago=7)  # pending: not certified
    member = client_for(rw.member_user)
    today = timezone.localdate()
    response = member.post(
        reverse("records:certificates"), {"starts_on": f"{today.year}-01-01", "ends_on": today.isoformat()}
    )
    assert response.status_code == 302
    cert = ServiceCertificate.objects.get()
    assert (cert.records, cert.minutes, cert.contact) == (2, 210, "安宁社区书记 13700001111")
    data = member.get(reverse("records:certificate_pdf", args=[cert.pk])).content
    text = pdf_text(data, tmp_path)
    assert "志愿服务记录证明" in text and cert.number in text and "3.5小时" in text
    assert "王安华" in text and rw.m_u_a.id_number not in text  # the ID number is masked
    (url,) = decode_qr(data, tmp_path)
    assert url == f"http://testserver/records/v/{cert.token}/"
    public = Client().get(url.removeprefix("http://testserver"))
    page = public.content.decode()
    assert public.status_code == 200 and "证明真实有效" in page and "王*华" in page and "王安华" not in page
    assert "3.5 小时" in page and rw.m_u_a.id_number not in page
    # revoked by the community's staff: the same page says so
    staff = client_for(rw.community_staff)
    assert staff.post(reverse("records:certificate_revoke", args=[cert.pk]), {"reason": "时长有误"}).status_code == 302
    assert "该证明已作废" in Client().get(url.removeprefix("http://testserver")).content.decode()
    assert Client().get(reverse("records:verify", args=["not-a-token"])).status_code == 404


def test_nothing_confirmed_is_refused_and_nothing_written(rw: SimpleNamespace) -> None:
    served(rw, 2, confirm=False)
    today = timezone.localdate()
    with pytest.raises(RecordError, match="没有经社区确认的服务纪实"):
        services.certificate_issue(
            member=rw.m_u_a, community=rw.A, starts_on=dt.date(today.year, 1, 1), ends_on=today, by=rw.member_user
        )
    bad = client_for(rw.member_user).post(
        reverse("records:certificates"), {"starts_on": today.isoformat(), "ends_on": f"{today.year - 1}-01-01"}
    )
    assert bad.status_code == 422 and "截止日期不能早于起始日期" in bad.content.decode()
    assert not ServiceCertificate.objects.exists()


def test_staff_issue_for_members_of_their_community_only(rw: SimpleNamespace) -> None:
    served(rw, 2)
    today = timezone.localdate()
    body = {"starts_on": f"{today.year}-01-01", "ends_on": today.isoformat(), "member": rw.m_u_a.pk}
    assert client_for(rw.staff_b).post(reverse("records:certificates"), body).status_code == 404
    assert client_for(rw.community_staff).post(reverse("records:certificates"), body).status_code == 302
    cert = ServiceCertificate.objects.get()
    assert cert.issued_by == rw.community_staff
    # the member sees it; the member next door and the staff next door do not
    assert client_for(rw.member_user).get(reverse("records:certificate", args=[cert.pk])).status_code == 200
    assert client_for(rw.member_v_user).get(reverse("records:certificate", args=[cert.pk])).status_code == 404
    assert client_for(rw.staff_b).get(reverse("records:certificate", args=[cert.pk])).status_code == 404

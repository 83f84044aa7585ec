"""Signed co-building agreements: listed for community staff and units, reprintable after they end."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from baodao.accounts.models import User
from baodao.reporting import services
from baodao.reporting.models import UnitReport
from baodao.reporting.tests.conftest import unit_submit


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def signed(world: SimpleNamespace) -> SimpleNamespace:
    """U confirmed with A, then re-assigned to E (ended) and reported to E (not signed yet);
    W confirmed with A; V confirmed with B."""
    w = world
    w.u_old = unit_submit(w.U, w.unit_secretary)
    services.unit_report_confirm(report=w.u_old, by=w.community_staff, community_signatory="安宁书记")
    services.unit_assign(unit=w.U, community=w.E, by=w.city_admin)
    w.u_old.refresh_from_db()
    w.u_new = unit_submit(w.U, w.unit_secretary)  # to E, not signed yet
    w.w_rep = unit_submit(w.W, w.superuser)
    services.unit_report_confirm(report=w.w_rep, by=w.community_staff, community_signatory="安宁书记")
    w.v_rep = unit_submit(w.V, w.superuser)
    services.unit_report_confirm(report=w.v_rep, by=w.staff_b, community_signatory="北门书记")
    return w


def test_agreements_page_is_scoped(signed: SimpleNamespace) -> None:
    w = signed

    def listed(user: User) -> set[tuple[str, str, str]]:
        response = client_for(user).get(reverse("reporting:agreements"))
        assert response.status_code == 200
        return {(r.unit.name, r.community.name, r.status) for r in response.context["page"].object_list}

    assert w.u_old.status == UnitReport.Status.ENDED
    assert listed(w.community_staff) == {("城建局", "安宁社区", "ended"), ("西山医院", "安宁社区", "confirmed")}
    assert listed(w.staff_b) == {("教育局", "北门社区", "confirmed")}
    assert listed(w.unit_secretary) == {("城建局", "安宁社区", "ended")}  # the one to E is not signed
    assert len(listed(w.city_admin)) == 3


def test_agreements_page_refused_to_members_and_residents(signed: SimpleNamespace) -> None:
    assert client_for(signed.member_user).get(reverse("reporting:agreements")).status_code == 403
    assert client_for(signed.resident_user).get(reverse("reporting:agreements")).status_code == 403


def test_community_staff_print_the_agreement_from_their_pages(signed: SimpleNamespace) -> None:
    w = signed
    c = client_for(w.community_staff)

    pending = c.get(reverse("reporting:pending")).content.decode()
    page = c.get(reverse("reporting:agreements")).content.decode()
    pdf = c.get(reverse("reporting:agreement_pdf", args=[w.w_rep.pk]))

    assert f'href="{reverse("reporting:agreements")}"' in pending
    assert f'href="{reverse("reporting:agreement_pdf", args=[w.w_rep.pk])}"' in page
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert client_for(w.staff_b).get(reverse("reporting:agreement_pdf", args=[w.w_rep.pk])).status_code == 404


def test_an_ended_agreement_is_reprinted(signed: SimpleNamespace) -> None:
    w = signed

    for user in (w.unit_secretary, w.community_staff):
        response = client_for(user).get(reverse("reporting:agreement_pdf", args=[w.u_old.pk]))
        assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_an_agreement_never_signed_does_not_print(signed: SimpleNamespace) -> None:
    w = signed
    ended_unsigned = w.u_new  # submitted to E
    services.unit_assign(unit=w.U, community=w.B, by=w.city_admin)  # ends it before E signed
    ended_unsigned.refresh_from_db()

    assert ended_unsigned.status == UnitReport.Status.ENDED
    response = client_for(w.unit_secretary).get(reverse("reporting:agreement_pdf", args=[ended_unsigned.pk]))
    assert response.status_code == 404

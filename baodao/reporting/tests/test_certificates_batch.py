"""A batch of certificates is not blocked by one member who cannot get one (DOMAIN: cities that skip a level)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from baodao.directory import services as directory_services
from baodao.directory.models import Place
from baodao.reporting import services
from baodao.reporting.models import Certificate
from baodao.reporting.tests.conftest import new_member


@pytest.fixture
def outside(world: SimpleNamespace) -> SimpleNamespace:
    """A member of U living in a compound straight under a street: no community above it."""
    w = world
    w.loose = directory_services.place_create(
        kind=Place.Kind.COMPOUND, code="990101002900", name="街直小区", parent=w.S2
    )
    w.m_out = new_member("韩街直", w.U, w.loose)
    return w


def test_batch_issue_skips_a_member_outside_every_community(outside: SimpleNamespace) -> None:
    w = outside

    batch = services.certificates_issue_batch(unit=w.U, by=w.unit_secretary)

    assert {c.member.name for c in batch.issued} == {"王安华", "李北辰"}
    assert batch.skipped == [(w.m_out, "韩街直 的居住地不在任何社区内，请先更正居住地")]
    assert set(Certificate.objects.values_list("member__name", flat=True)) == {"王安华", "李北辰"}


def test_batch_issue_page_lists_the_skipped_members(outside: SimpleNamespace) -> None:
    w = outside
    c = Client()
    c.force_login(w.unit_secretary)

    response = c.post(reverse("reporting:certificates_issue"))

    ids = ",".join(str(x.pk) for x in Certificate.objects.order_by("id"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('reporting:ledger')}?printed={ids}"
    ledger = c.get(response["Location"]).content.decode()
    assert "以下 1 名党员未签发：韩街直 的居住地不在任何社区内，请先更正居住地" in ledger
    assert "签发 2 张报到证" in ledger


def test_batch_issue_with_only_skipped_members(outside: SimpleNamespace) -> None:
    w = outside
    for m in (w.m_u_a, w.m_u_b):
        m.residence = w.loose
        m.save(update_fields=["residence"])
    c = Client()
    c.force_login(w.unit_secretary)

    response = c.post(reverse("reporting:certificates_issue"))

    assert response.status_code == 302 and response["Location"] == reverse("reporting:ledger")
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert len(shown) == 1 and shown[0].startswith("以下 3 名党员未签发：")
    assert not Certificate.objects.exists()

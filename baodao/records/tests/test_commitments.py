"""Issue 19 §23: a unit's public commitments (公开承诺). One over the length limit is refused, saying
the limit, never cut; the unit's secretary may reword or withdraw one until the community marks it
kept; a withdrawn one leaves the bulletin and the year's count."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from baodao.records import obligations, services
from baodao.records.models import Commitment
from baodao.stats.bulletin import community_bulletin

pytestmark = pytest.mark.django_db


def client_for(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def messages_of(response: object) -> str:
    return " ".join(str(m) for m in response.context["messages"])  # type: ignore[attr-defined]


def make(w: SimpleNamespace, text: str) -> Commitment:
    return services.commitment_make(unit=w.U, community=w.A, text=text, by=w.unit_secretary)


def test_a_commitment_over_the_limit_is_refused_with_the_limit(rw: SimpleNamespace) -> None:
    w = rw
    secretary = client_for(w.unit_secretary)
    too_long = "为社区修缮路灯" * 28 + "并按时完成"
    assert len(too_long) == 201
    r = secretary.post(
        reverse("records:commitment_make"), {"unit": w.U.pk, "community": w.A.pk, "text": too_long}, follow=True
    )
    assert "承诺内容不能超过 200 字（现有 201 字）" in messages_of(r)
    assert not Commitment.objects.exists()  # not cut to 200 and published
    page = secretary.get(reverse("records:unit_year")).content.decode()
    assert "承诺内容（不超过 200 字）" in page and 'name="text" required maxlength' not in page

    ok = secretary.post(
        reverse("records:commitment_make"), {"unit": w.U.pk, "community": w.A.pk, "text": too_long[:200]}
    )
    assert ok.status_code == 302 and Commitment.objects.get().text == too_long[:200]


def test_the_unit_rewords_or_withdraws_a_commitment_until_it_is_kept(rw: SimpleNamespace) -> None:
    w = rw
    a, b = make(w, "为安一小区修缮路灯"), make(w, "每季度组织一次义诊")
    secretary = client_for(w.unit_secretary)
    page = secretary.get(reverse("records:unit_year")).content.decode()
    assert f'data-edit="{a.pk}"' in page and f'data-withdraw="{b.pk}"' in page

    secretary.post(reverse("records:commitment_edit", args=[a.pk]), {"text": "为安一、安二小区修缮路灯"})
    assert Commitment.objects.get(pk=a.pk).text == "为安一、安二小区修缮路灯"
    long_edit = secretary.post(reverse("records:commitment_edit", args=[a.pk]), {"text": "灯" * 201}, follow=True)
    assert "不能超过 200 字" in messages_of(long_edit)
    assert Commitment.objects.get(pk=a.pk).text == "为安一、安二小区修缮路灯"

    secretary.post(reverse("records:commitment_withdraw", args=[b.pk]))
    assert Commitment.objects.get(pk=b.pk).status == "withdrawn"
    bulletin = community_bulletin(w.A)
    assert [c.text for c in bulletin.commitments] == ["为安一、安二小区修缮路灯"]
    (year,) = [y for y in obligations.unit_year(w.U, timezone.localdate().year) if y.community == w.A]
    assert (year.promised, year.kept) == (1, 0)
    kept_withdrawn = client_for(w.community_staff).post(
        reverse("records:commitment_keep", args=[b.pk]), {"note": "x"}, follow=True
    )
    assert "该承诺已撤回，不能再确认兑现" in messages_of(kept_withdrawn)

    # kept: neither reworded nor withdrawn any more
    services.commitment_keep(commitment=a, by=w.community_staff, note="已修缮 12 盏")
    page = secretary.get(reverse("records:unit_year")).content.decode()
    assert f'data-edit="{a.pk}"' not in page
    late = secretary.post(reverse("records:commitment_edit", args=[a.pk]), {"text": "改"}, follow=True)
    assert "该承诺已兑现，不能再修改" in messages_of(late)
    late = secretary.post(reverse("records:commitment_withdraw", args=[a.pk]), follow=True)
    assert "该承诺已兑现，不能再撤回" in messages_of(late)
    assert Commitment.objects.get(pk=a.pk).status == "done"


def test_only_the_units_secretary_changes_its_commitment(rw: SimpleNamespace) -> None:
    w = rw
    c = make(w, "为安一小区修缮路灯")
    staff = client_for(w.community_staff)
    assert staff.post(reverse("records:commitment_edit", args=[c.pk]), {"text": "改"}).status_code == 403
    assert staff.post(reverse("records:commitment_withdraw", args=[c.pk])).status_code == 403
    for user in (w.staff_b, w.member_user):
        assert client_for(user).post(reverse("records:commitment_withdraw", args=[c.pk])).status_code == 404
    assert Commitment.objects.get(pk=c.pk).status == "promised"

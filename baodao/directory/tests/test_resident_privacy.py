"""Special-group (hardship) tags of residents are personal data: shown only with full visibility."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from baodao.directory import selectors
from baodao.directory.models import Category


@pytest.mark.parametrize(("role", "shown"), [("community_staff", True), ("compound_secretary", False)])
def test_resident_list_shows_special_groups_only_with_full_visibility(
    world: SimpleNamespace, login, role: str, shown: bool
) -> None:
    response = login(world.role_users[role]).get(reverse("directory:resident_list"))

    assert response.status_code == 200
    rows = {r.name: r.group_names for r in response.context["page"].object_list}
    assert rows == {"陈安居": ["困难群众"] if shown else []}
    table = response.content.decode().split("<tbody>")[1]
    assert ("困难群众" in table) is shown
    assert ("******" in table) is not shown


@pytest.mark.parametrize(("role", "shown"), [("community_staff", True), ("compound_secretary", False)])
def test_resident_detail_shows_special_groups_only_with_full_visibility(
    world: SimpleNamespace, login, role: str, shown: bool
) -> None:
    response = login(world.role_users[role]).get(reverse("directory:resident_detail", args=[world.r_a1.pk]))

    assert response.status_code == 200
    assert [g.name for g in response.context["groups"]] == (["困难群众"] if shown else [])
    html = response.content.decode().split("<main>")[1]
    assert ("困难群众" in html) is shown


def test_group_filter_does_not_reveal_flags_to_a_compound_secretary(world: SimpleNamespace, fresh) -> None:
    staff = {r.name for r in selectors.residents_for_user(fresh(world.community_staff), group_id=world.hardship.pk)}
    secretary = {
        r.name for r in selectors.residents_for_user(fresh(world.compound_secretary), group_id=world.hardship.pk)
    }

    assert (staff, secretary) == ({"陈安居"}, set())


def test_special_group_changes_are_in_the_audit_log(world: SimpleNamespace) -> None:
    elder = Category.objects.create(kind=Category.Kind.SPECIAL_GROUP, name="空巢老人")

    world.r_a1.special_groups.add(elder)
    world.r_a1.special_groups.remove(world.hardship)

    changes = [
        e.changes_dict["special_groups"]
        for e in LogEntry.objects.get_for_object(world.r_a1).order_by("timestamp", "pk")
        if "special_groups" in e.changes_dict
    ]
    assert [(c["operation"], c["objects"]) for c in changes] == [
        ("add", ["困难群众"]),  # resident_create
        ("add", ["空巢老人"]),
        ("delete", ["困难群众"]),
    ]

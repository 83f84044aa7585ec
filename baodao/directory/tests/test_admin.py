"""Django admin of master data: writes go through the services (paths, reports, same-unit orgs)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from baodao.accounts import services as account_services
from baodao.accounts.models import Role
from baodao.directory import scope, services
from baodao.directory.models import Member, PartyOrg, Place, path_segment


def _place_form(place: Place | None = None, **changes: object) -> dict:
    data = {"parent": "", "kind": "", "code": "", "name": "", "sort_order": "0", "latitude": "", "longitude": ""}
    if place is not None:
        data.update(
            parent=place.parent_id or "", kind=place.kind, code=place.code, name=place.name, sort_order=place.sort_order
        )
    data.update(changes)
    return data


# --- Place --------------------------------------------------------------------------------------


def test_place_created_in_admin_gets_its_path(world: SimpleNamespace, login) -> None:
    response = login(world.superuser).post(
        reverse("admin:directory_place_add"),
        _place_form(parent=world.S2.pk, kind=Place.Kind.COMMUNITY, code="990101002009", name="新建社区"),
    )

    assert response.status_code == 302
    place = Place.objects.get(code="990101002009")
    assert place.path == world.S2.path + path_segment(place.pk)
    assert place.depth == world.S2.depth + 1


def test_role_on_admin_created_place_sees_exactly_its_subtree(world: SimpleNamespace, login, fresh) -> None:
    client = login(world.superuser)
    client.post(
        reverse("admin:directory_place_add"),
        _place_form(parent=world.S2.pk, kind=Place.Kind.COMMUNITY, code="990101002009", name="新建社区"),
    )
    community = Place.objects.get(code="990101002009")
    client.post(
        reverse("admin:directory_place_add"),
        _place_form(parent=community.pk, kind=Place.Kind.COMPOUND, code="990101002009001", name="新建小区"),
    )
    staff = account_services.user_create(
        username="staff_new", password=world.password, roles=[{"role": Role.COMMUNITY_STAFF, "place": community}]
    )

    assert {p.name for p in scope.places_for_user(fresh(staff))} == {"新建社区", "新建小区"}
    assert set(scope.members_for_user(fresh(staff))) == set()


def test_place_admin_refuses_a_parent_of_the_same_level(world: SimpleNamespace, login) -> None:
    response = login(world.superuser).post(
        reverse("admin:directory_place_add"),
        _place_form(parent=world.A.pk, kind=Place.Kind.COMMUNITY, code="990101001001009", name="社区下的社区"),
    )

    assert response.status_code == 200
    assert "社区不能作为社区的上级" in response.content.decode()
    assert not Place.objects.filter(code="990101001001009").exists()


def test_moving_a_community_in_admin_rewrites_every_descendant(world: SimpleNamespace, login, fresh) -> None:
    subtree = {world.A, world.A1, world.A2, world.A1_1}
    before = {p.pk: p.depth for p in subtree}

    response = login(world.superuser).post(
        reverse("admin:directory_place_change", args=[world.A.pk]), _place_form(world.A, parent=world.S3.pk)
    )

    assert response.status_code == 302
    moved = {p.pk: p for p in Place.objects.filter(pk__in=[p.pk for p in subtree])}
    for p in moved.values():
        parent_path = Place.objects.get(pk=p.parent_id).path
        assert p.path == parent_path + path_segment(p.pk)
        assert p.depth == before[p.pk]  # S1 and S3 are both streets
    assert moved[world.A1_1.pk].path.startswith(world.S3.path)
    # Everything else kept its path.
    others = Place.objects.exclude(pk__in=moved)
    assert all(p.path == (p.parent.path if p.parent else "") + path_segment(p.pk) for p in others)
    # The street admin of S1 no longer sees A; the admin of D2 (above S3) now does.
    d2_admin = account_services.user_create(
        username="d2", password=world.password, roles=[{"role": Role.DISTRICT_ADMIN, "place": world.D2}]
    )
    assert {p.name for p in scope.places_for_user(fresh(world.street_admin))} == {
        "安北街道",
        "北门社区",
        "北一小区",
        "北一1栋",
    }
    assert {p.name for p in scope.places_for_user(fresh(d2_admin))} == {
        "西山区",
        "方圆街道",
        "方圆社区",
        "方一小区",
        "安宁社区",
        "安一小区",
        "安二小区",
        "安一1栋",
    }


def test_place_move_changes_depth_of_the_subtree(world: SimpleNamespace) -> None:
    # A compound moved from a community straight under a street (a city that skips a level).
    services.place_move(place=world.A1, parent=world.S2)

    a1, building = Place.objects.get(pk=world.A1.pk), Place.objects.get(pk=world.A1_1.pk)
    assert (a1.depth, building.depth) == (world.S2.depth + 1, world.S2.depth + 2)
    assert building.path == world.S2.path + path_segment(a1.pk) + path_segment(building.pk)


def test_place_move_under_its_own_descendant_is_refused(world: SimpleNamespace, login) -> None:
    response = login(world.superuser).post(
        reverse("admin:directory_place_change", args=[world.S1.pk]), _place_form(world.S1, parent=world.A.pk)
    )

    assert response.status_code == 200
    assert "不能把地点移到它自己或它的下级之下" in response.content.decode()
    assert Place.objects.get(pk=world.S1.pk).parent_id == world.D1.pk


def test_place_move_service_refuses_own_descendant_and_keeps_paths(world: SimpleNamespace) -> None:
    paths = dict(Place.objects.values_list("pk", "path"))
    with pytest.raises(ValidationError):
        services.place_move(place=world.D1, parent=world.S1)

    assert dict(Place.objects.values_list("pk", "path")) == paths


# --- Member, Resident, WorkTeamMembership -------------------------------------------------------


def test_member_admin_cannot_change_status_unit_or_residence(world: SimpleNamespace, login) -> None:
    client = login(world.superuser)
    url = reverse("admin:directory_member_change", args=[world.m_u_a.pk])
    page = client.get(url).content.decode()
    assert 'name="status"' not in page
    assert 'name="unit"' not in page
    assert 'name="residence"' not in page
    assert "动态管理" in page
    assert reverse("directory:member_detail", args=[world.m_u_a.pk]) in page

    response = client.post(
        url,
        {
            "name": "王安华",
            "gender": world.m_u_a.gender,
            "birth_date": world.m_u_a.birth_date.isoformat(),
            "status": Member.Status.TRANSFERRED,
            "unit": world.V.pk,
            "party_org": world.V.party_orgs.first().pk,
            "residence": world.B1.pk,
            "skills": [world.skill.pk],
            "joined_party_on": "",
            "user": "",
        },
    )

    assert response.status_code == 302
    member = Member.objects.get(pk=world.m_u_a.pk)
    assert (member.status, member.unit_id, member.residence_id) == (Member.Status.IN_SERVICE, world.U.pk, world.A1_1.pk)


def test_resident_and_work_team_membership_are_in_admin(world: SimpleNamespace, login) -> None:
    client = login(world.superuser)

    assert client.get(reverse("admin:directory_resident_changelist")).status_code == 200
    assert client.get(reverse("admin:directory_resident_change", args=[world.r_a1.pk])).status_code == 200
    assert client.get(reverse("admin:directory_workteammembership_changelist")).status_code == 200
    page = client.get(reverse("admin:directory_resident_change", args=[world.r_a1.pk])).content.decode()
    assert "13987654321" not in page  # personal fields are not in the admin form


# --- PartyOrg -----------------------------------------------------------------------------------


def test_party_org_create_refuses_a_parent_of_another_unit(world: SimpleNamespace) -> None:
    committee_v = world.V.party_orgs.get(kind=PartyOrg.Kind.COMMITTEE)

    with pytest.raises(ValidationError) as exc:
        services.party_org_create(unit=world.U, kind=PartyOrg.Kind.BRANCH, name="城建局第二党支部", parent=committee_v)

    assert exc.value.message_dict == {"parent": ["上级党组织必须属于同一单位"]}
    assert not PartyOrg.objects.filter(name="城建局第二党支部").exists()


def test_party_org_create_in_the_same_unit(world: SimpleNamespace) -> None:
    committee = world.U.party_orgs.get(kind=PartyOrg.Kind.COMMITTEE)

    general = services.party_org_create(
        unit=world.U, kind=PartyOrg.Kind.GENERAL_BRANCH, name="机关党总支", parent=committee
    )
    branch = services.party_org_create(unit=world.U, kind=PartyOrg.Kind.BRANCH, name="机关第一支部", parent=general)

    assert (branch.unit, branch.parent, general.parent) == (world.U, general, committee)
    with pytest.raises(ValidationError):  # a branch heads nothing
        services.party_org_create(unit=world.U, kind=PartyOrg.Kind.BRANCH, name="下级支部", parent=branch)
    with pytest.raises(ValidationError):  # names are unique within a unit
        services.party_org_create(unit=world.U, kind=PartyOrg.Kind.BRANCH, name="机关第一支部", parent=general)


def test_party_org_admin_refuses_a_parent_of_another_unit(world: SimpleNamespace, login) -> None:
    client = login(world.superuser)
    committee_v = world.V.party_orgs.get(kind=PartyOrg.Kind.COMMITTEE)
    branch_u = world.U.party_orgs.get(kind=PartyOrg.Kind.BRANCH)

    add = client.post(
        reverse("admin:directory_partyorg_add"),
        {"unit": world.U.pk, "parent": committee_v.pk, "kind": PartyOrg.Kind.BRANCH, "name": "城建局第二党支部"},
    )
    change = client.post(
        reverse("admin:directory_partyorg_change", args=[branch_u.pk]),
        {"parent": committee_v.pk, "kind": PartyOrg.Kind.BRANCH, "name": branch_u.name},
    )
    ok = client.post(
        reverse("admin:directory_partyorg_add"),
        {"unit": world.U.pk, "parent": branch_u.parent_id, "kind": PartyOrg.Kind.BRANCH, "name": "城建局第二党支部"},
    )

    assert (add.status_code, change.status_code, ok.status_code) == (200, 200, 302)
    assert "上级党组织必须属于同一单位" in add.content.decode()
    assert "上级党组织必须属于同一单位" in change.content.decode()
    assert PartyOrg.objects.get(pk=branch_u.pk).parent.unit == world.U
    assert PartyOrg.objects.get(name="城建局第二党支部").parent_id == branch_u.parent_id


def test_party_org_admin_refuses_a_loop(world: SimpleNamespace, login) -> None:
    committee = world.U.party_orgs.get(kind=PartyOrg.Kind.COMMITTEE)
    sub = services.party_org_create(unit=world.U, kind=PartyOrg.Kind.COMMITTEE, name="下属党委", parent=committee)

    response = login(world.superuser).post(
        reverse("admin:directory_partyorg_change", args=[committee.pk]),
        {"parent": sub.pk, "kind": PartyOrg.Kind.COMMITTEE, "name": committee.name},
    )

    assert response.status_code == 200
    assert "上级党组织形成循环" in response.content.decode()
    assert PartyOrg.objects.get(pk=committee.pk).parent is None


def test_party_org_admin_refuses_a_kind_its_children_do_not_fit(world: SimpleNamespace, login) -> None:
    committee = world.U.party_orgs.get(kind=PartyOrg.Kind.COMMITTEE)
    general = services.party_org_create(
        unit=world.U, kind=PartyOrg.Kind.GENERAL_BRANCH, name="机关党总支", parent=committee
    )

    # A committee heading a general branch cannot become a branch (a branch heads nothing).
    response = login(world.superuser).post(
        reverse("admin:directory_partyorg_change", args=[committee.pk]),
        {"parent": "", "kind": PartyOrg.Kind.BRANCH, "name": committee.name},
    )

    assert response.status_code == 200
    assert "该党组织的下级与新类型不符" in response.content.decode()
    assert PartyOrg.objects.get(pk=committee.pk).kind == PartyOrg.Kind.COMMITTEE
    assert PartyOrg.objects.get(pk=general.pk).parent_id == committee.pk


# --- rows of a place's roster (what the coverage counts) -------------------------------------------


def test_admin_changes_of_roster_rows_tell_the_places_concerned(world: SimpleNamespace, login) -> None:
    """A unit deactivated, an assignment or a term deleted in the admin: the places whose roster
    they were part of hear of it (directory.signals.roster_changed), as from the services."""
    from baodao.directory.models import FirstSecretaryTerm, UnitAssignment
    from baodao.directory.signals import roster_changed

    heard: list[set[int]] = []

    def listen(sender: type, places: list[int], **kw: object) -> None:
        heard.append(set(places))

    roster_changed.connect(listen, dispatch_uid="test_admin.roster")
    try:
        client = login(world.superuser)
        unit = world.U
        response = client.post(
            reverse("admin:directory_unit_change", args=[unit.pk]),
            {
                "name": unit.name,
                "code": unit.code,
                "kind": unit.kind,
                "office_place": world.E1.pk,  # its office moves, and it stops being active
                "party_relation_local": "on",
            },
        )
        assert response.status_code == 302
        assert heard == [{world.A.pk, world.E1.pk}]  # the old office, the assigned community, the new office

        heard.clear()
        term = FirstSecretaryTerm.objects.get(pk=world.term_A1.pk)
        assignment = UnitAssignment.objects.get(pk=world.assign_V.pk)
        client.post(reverse("admin:directory_firstsecretaryterm_delete", args=[term.pk]), {"post": "yes"})
        client.post(reverse("admin:directory_unitassignment_delete", args=[assignment.pk]), {"post": "yes"})
        assert heard == [{world.A1.pk}, {world.B.pk}]
        assert not FirstSecretaryTerm.objects.filter(pk=term.pk).exists()
    finally:
        roster_changed.disconnect(dispatch_uid="test_admin.roster")

"""Writes to master data. Keyword-only, one transaction each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, F, QuerySet, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.core import crypto, rules
from baodao.core.validators import (
    birth_date_from_id,
    gender_from_id,
    id_number_error,
    mobile_error,
    normalize_id_number,
)
from baodao.directory.models import (
    Category,
    FirstSecretaryTerm,
    HeadAppointment,
    LeaderLink,
    Member,
    PartyOrg,
    Place,
    Resident,
    Rule,
    Tenure,
    Unit,
    UnitAssignment,
    WorkTeam,
    WorkTeamMembership,
    path_segment,
    sort_segment,
)
from baodao.directory.signals import places_moved

if TYPE_CHECKING:
    from baodao.accounts.models import User

# A parent must be of a smaller level than its child (some cities skip a level); a compound and a
# grid are the same level.
PLACE_LEVEL: dict[str, int] = {
    Place.Kind.PROVINCE: 0,
    Place.Kind.CITY: 1,
    Place.Kind.DISTRICT: 2,
    Place.Kind.STREET: 3,
    Place.Kind.COMMUNITY: 4,
    Place.Kind.COMPOUND: 5,
    Place.Kind.GRID: 5,
    Place.Kind.BUILDING: 6,
}


def place_path(parent: Place | None, pk: int) -> str:
    return (parent.path if parent else "") + path_segment(pk)


def place_sort_key(parent: Place | None, sort_order: int, code: str) -> str:
    return (parent.sort_key if parent else "") + sort_segment(sort_order, code)


def _rekey_subtree(place: Place, old_key: str) -> None:
    """After a place's code, sort order or parent changed: its subtree's sort keys, in one UPDATE."""
    prefix = Place.objects.values_list("sort_key", flat=True).get(pk=place.parent_id) if place.parent_id else ""
    new_key = prefix + sort_segment(place.sort_order, place.code)
    if new_key == old_key:
        return
    _subtree(place.path, place.pk).filter(sort_key__startswith=old_key).update(
        sort_key=Concat(Value(new_key), Substr("sort_key", len(old_key) + 1), output_field=CharField())
    )
    place.sort_key = new_key


def _subtree(path: str, pk: int) -> QuerySet[Place]:
    # A row without a path (written around the services) must not stand for the whole table.
    return Place.objects.filter(path__startswith=path) if path else Place.objects.filter(pk=pk)


def place_errors(*, kind: str, parent: Place | None, place: Place | None = None) -> dict[str, str]:
    """What is wrong with putting a place of `kind` under `parent` (empty when nothing).

    For an existing `place`, also: the parent may not be the place itself or one of its
    descendants, and its children must stay of a lower level than the new kind.
    """
    errors: dict[str, str] = {}
    if kind not in PLACE_LEVEL:
        return {"kind": _("未知的地点类型")}
    if parent is not None and PLACE_LEVEL[parent.kind] >= PLACE_LEVEL[kind]:
        errors["parent"] = _("%(parent)s不能作为%(kind)s的上级") % {
            "parent": Place.Kind(parent.kind).label,
            "kind": Place.Kind(kind).label,
        }
    if place is not None and place.pk:
        old_path = Place.objects.values_list("path", flat=True).get(pk=place.pk)
        if parent is not None and _subtree(old_path, place.pk).filter(pk=parent.pk).exists():
            errors["parent"] = _("不能把地点移到它自己或它的下级之下")
        child_kinds = set(Place.objects.filter(parent_id=place.pk).values_list("kind", flat=True))
        if any(PLACE_LEVEL[k] <= PLACE_LEVEL[kind] for k in child_kinds):
            errors["kind"] = _("该地点的下级层级不低于新类型，不能改为此类型")
    return errors


@transaction.atomic
def place_create(
    *,
    kind: str,
    code: str,
    name: str,
    parent: Place | None = None,
    sort_order: int = 0,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Place:
    if errors := place_errors(kind=kind, parent=parent):
        raise ValidationError(errors)
    place = Place.objects.create(
        kind=kind,
        code=code,
        name=name,
        parent=parent,
        sort_order=sort_order,
        depth=(parent.depth + 1 if parent else 0),
        sort_key=place_sort_key(parent, sort_order, code),
        latitude=latitude,
        longitude=longitude,
    )
    place.path = place_path(parent, place.pk)
    place.save(update_fields=["path"])
    return place


@transaction.atomic
def place_move(*, place: Place, parent: Place | None) -> Place:
    """Put `place` under `parent`, rewriting the path and depth of its whole subtree.

    One UPDATE over the old path prefix (an index range), however large the subtree. The place's
    own row is saved first, so the audit log records the parent change.
    """
    old = Place.objects.select_for_update().values("path", "depth", "sort_key").get(pk=place.pk)
    if parent is not None:
        parent = Place.objects.get(pk=parent.pk)  # its stored path, not a stale copy
    if errors := place_errors(kind=place.kind, parent=parent, place=place):
        raise ValidationError(errors)
    new_path = place_path(parent, place.pk)
    new_depth = parent.depth + 1 if parent else 0
    place.parent = parent
    place.save(update_fields=["parent"])
    if new_path != old["path"]:
        _subtree(old["path"], place.pk).update(
            path=Concat(Value(new_path), Substr("path", len(old["path"]) + 1), output_field=CharField()),
            depth=F("depth") + (new_depth - old["depth"]),
        )
    place.path, place.depth = new_path, new_depth
    _rekey_subtree(place, old["sort_key"])
    if new_path != old["path"]:
        places_moved.send(sender=Place, place=place)
    return place


@transaction.atomic
def place_update(
    *,
    place: Place,
    kind: str,
    code: str,
    name: str,
    parent: Place | None,
    sort_order: int = 0,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Place:
    """Change a place's fields; a new parent moves its subtree (place_move)."""
    errors = place_errors(kind=kind, parent=parent, place=place)
    if Place.objects.filter(code=code).exclude(pk=place.pk).exists():
        errors["code"] = _("编码「%(code)s」已被使用") % {"code": code}
    if errors:
        raise ValidationError(errors)
    old_parent_id, old_key = Place.objects.values_list("parent_id", "sort_key").get(pk=place.pk)
    place.kind, place.code, place.name, place.sort_order = kind, code, name, sort_order
    place.latitude, place.longitude = latitude, longitude
    place.save(update_fields=["kind", "code", "name", "sort_order", "latitude", "longitude"])
    if (parent.pk if parent else None) != old_parent_id:
        place_move(place=place, parent=parent)  # re-keys the subtree too
    else:
        place.sort_key = old_key
        _rekey_subtree(place, old_key)
    return place


def places_bulk_create(places: list[Place]) -> list[Place]:
    """Insert places whose parents already have paths (one level at a time); fills path and depth.

    Needs the database to return primary keys from bulk inserts (PostgreSQL, SQLite >= 3.35).
    """
    for p in places:
        p.depth = p.parent.depth + 1 if p.parent else 0
        p.sort_key = place_sort_key(p.parent, p.sort_order, p.code)
    Place.objects.bulk_create(places, batch_size=2000)
    for p in places:
        p.path = place_path(p.parent, p.pk)
    Place.objects.bulk_update(places, ["path"], batch_size=2000)
    return places


def community_of(place: Place) -> Place | None:
    """The community a place lies in (the place itself if it is one); None above community level."""
    if place.kind == Place.Kind.COMMUNITY:
        return place
    return Place.objects.filter(pk__in=place.ancestor_ids(), kind=Place.Kind.COMMUNITY).first()


def _community_path(place: Place) -> str:
    """The path of the community a place lies in (the place's own path above community level)."""
    community = community_of(place)
    return community.path if community else place.path


def city_of(place: Place) -> Place | None:
    """The nearest ancestor of kind city (or the place itself)."""
    ids = place.ancestor_ids()
    return Place.objects.filter(pk__in=ids, kind=Place.Kind.CITY).order_by("-depth").first()


def member_fill_secrets(member: Member) -> None:
    """Normalise and hash the personal fields before saving (also used by bulk imports)."""
    member.id_number = normalize_id_number(member.id_number)
    member.id_hash = crypto.lookup_hash(member.id_number)
    member.mobile = (member.mobile or "").strip()
    member.mobile_hash = crypto.lookup_hash(member.mobile)


def member_validate(member: Member) -> None:
    errors: dict[str, str] = {}
    if err := id_number_error(member.id_number):
        errors["id_number"] = err
    if err := mobile_error(member.mobile):
        errors["mobile"] = err
    if member.party_org_id and member.unit_id and member.party_org.unit_id != member.unit_id:
        errors["party_org"] = _("党组织不属于该单位")
    if member.residence_id and member.residence.kind not in (
        Place.Kind.COMPOUND,
        Place.Kind.GRID,
        Place.Kind.BUILDING,
    ):
        errors["residence"] = _("居住地应为小区、网格或楼栋")
    if not errors:
        h = crypto.lookup_hash(member.id_number)
        if Member.objects.filter(id_hash=h).exclude(pk=member.pk).exists():
            errors["id_number"] = _("该身份证号已登记为其他党员")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def member_create(
    *,
    name: str,
    id_number: str,
    mobile: str,
    unit: Unit,
    party_org: PartyOrg,
    residence: Place,
    address_detail: str = "",
    joined_party_on: dt.date | None = None,
    skills: Iterable = (),
    intentions: Iterable = (),
) -> Member:
    id_number = normalize_id_number(id_number)
    member = Member(
        name=name.strip(),
        id_number=id_number,
        mobile=mobile,
        unit=unit,
        party_org=party_org,
        residence=residence,
        address_detail=address_detail,
        joined_party_on=joined_party_on,
    )
    member_validate(member)
    member.birth_date = birth_date_from_id(id_number)
    member.gender = gender_from_id(id_number)
    member_fill_secrets(member)
    member.save()
    member.skills.set(skills)
    member.intentions.set(intentions)
    return member


@transaction.atomic
def member_update(*, member: Member, **fields: object) -> Member:
    m2m = {k: fields.pop(k) for k in ("skills", "intentions") if k in fields}
    for k, v in fields.items():
        setattr(member, k, v)
    member_validate(member)
    member.birth_date = birth_date_from_id(normalize_id_number(member.id_number))
    member.gender = gender_from_id(normalize_id_number(member.id_number))
    member_fill_secrets(member)
    member.save()
    for k, v in m2m.items():
        getattr(member, k).set(v)
    return member


def party_org_nesting_ok(parent_kind: str, kind: str) -> bool:
    """A committee may head anything (also a committee); a general branch heads branches only."""
    if parent_kind == PartyOrg.Kind.COMMITTEE:
        return True
    return parent_kind == PartyOrg.Kind.GENERAL_BRANCH and kind == PartyOrg.Kind.BRANCH


def party_org_errors(
    *, unit: Unit, kind: str, name: str, parent: PartyOrg | None, org: PartyOrg | None = None
) -> dict[str, str]:
    """What is wrong with a party organization of `kind` under `parent` in `unit` (empty if nothing)."""
    errors: dict[str, str] = {}
    if kind not in PartyOrg.Kind.values:
        errors["kind"] = _("未知的党组织类型")
    name = name.strip()
    if not name or len(name) > 100:
        errors["name"] = _("名称不能为空，且不超过100个字")
    elif PartyOrg.objects.filter(unit=unit, name=name).exclude(pk__in=[org.pk] if org else []).exists():
        errors["name"] = _("同一单位内党组织名称重复")
    if "kind" not in errors and org is not None and org.pk:
        child_kinds = set(org.children.values_list("kind", flat=True))
        if not all(party_org_nesting_ok(kind, child) for child in child_kinds):
            errors["kind"] = _("该党组织的下级与新类型不符")
    if parent is None:
        return errors
    if parent.unit_id != unit.pk:
        errors["parent"] = _("上级党组织必须属于同一单位")
    elif "kind" not in errors and not party_org_nesting_ok(parent.kind, kind):
        errors["parent"] = _("%(parent)s不能作为%(kind)s的上级") % {
            "parent": PartyOrg.Kind(parent.kind).label,
            "kind": PartyOrg.Kind(kind).label,
        }
    elif org is not None and org.pk:
        up: PartyOrg | None = parent
        seen: set[int] = set()
        while up is not None and up.pk not in seen:
            if up.pk == org.pk:
                errors["parent"] = _("上级党组织形成循环")
                break
            seen.add(up.pk)
            up = up.parent
    return errors


@transaction.atomic
def party_org_create(*, unit: Unit, kind: str, name: str, parent: PartyOrg | None = None) -> PartyOrg:
    if errors := party_org_errors(unit=unit, kind=kind, name=name, parent=parent):
        raise ValidationError(errors)
    return PartyOrg.objects.create(unit=unit, kind=kind, name=name.strip(), parent=parent)


@transaction.atomic
def party_org_update(*, org: PartyOrg, kind: str, name: str, parent: PartyOrg | None) -> PartyOrg:
    """Rename, re-kind or re-parent an organization inside its unit (the unit itself stays)."""
    unit = Unit.objects.get(pk=PartyOrg.objects.values_list("unit_id", flat=True).get(pk=org.pk))
    if errors := party_org_errors(unit=unit, kind=kind, name=name, parent=parent, org=org):
        raise ValidationError(errors)
    org.unit, org.kind, org.name, org.parent = unit, kind, name.strip(), parent
    org.save(update_fields=["kind", "name", "parent"])
    return org


@transaction.atomic
def resident_create(
    *, name: str, residence: Place, mobile: str = "", address_detail: str = "", special_groups: Iterable = ()
) -> Resident:
    if mobile and (err := mobile_error(mobile)):
        raise ValidationError({"mobile": err})
    resident = Resident.objects.create(
        name=name.strip(),
        residence=residence,
        mobile=mobile.strip(),
        mobile_hash=crypto.lookup_hash(mobile),
        address_detail=address_detail,
    )
    resident.special_groups.set(special_groups)
    return resident


def _end_tenures(qs: QuerySet[Any], on: dt.date) -> None:
    """End current appointments row by row, so each ending is in the audit log (update() is not)."""
    for row in qs:
        row.ended_on = on
        row.save(update_fields=["ended_on"])


@transaction.atomic
def unit_assign(*, unit: Unit, community: Place, start_on: dt.date | None = None, note: str = "") -> UnitAssignment:
    """Assign a unit to a community, ending its current assignment (history is kept)."""
    if community.kind != Place.Kind.COMMUNITY:
        raise ValidationError({"community": _("只能分配到社区")})
    today = start_on or timezone.localdate()
    _end_tenures(UnitAssignment.objects.filter(unit=unit, ended_on__isnull=True), today)
    return UnitAssignment.objects.create(unit=unit, community=community, start_on=today, note=note)


T = TypeVar("T", bound=Tenure)


def _tenure_end(row: T, on: dt.date | None) -> T:
    """End one appointment; the row stays (history), with the day it ended."""
    on = on or timezone.localdate()
    if row.ended_on is not None:
        raise ValidationError({"ended_on": _("该任职已经结束")})
    if on < row.start_on:
        raise ValidationError({"ended_on": _("结束日期不能早于开始日期")})
    row.ended_on = on
    row.save(update_fields=["ended_on"])
    return row


def _check_in_service(member: Member) -> None:
    if member.status != Member.Status.IN_SERVICE:
        raise ValidationError({"member": _("该党员已离退休或调出，不能任职")})


@transaction.atomic
def first_secretary_appoint(*, member: Member, place: Place, start_on: dt.date) -> FirstSecretaryTerm:
    """Appoint a first secretary; the term ends after the city's term rule (default 2 years).
    The current term of the place ends on the new start day and keeps its row."""
    if place.kind not in (Place.Kind.COMPOUND, Place.Kind.GRID, Place.Kind.COMMUNITY):
        raise ValidationError({"place": _("第一书记只能任职于社区、小区或网格")})
    _check_in_service(member)
    current = FirstSecretaryTerm.objects.select_for_update().filter(place=place, ended_on__isnull=True)
    if any(t.start_on > start_on for t in current):
        raise ValidationError({"start_on": _("开始日期不能早于现任第一书记的任职开始日期")})
    years = rules.get_rule_int("first_secretary_term_years", city=city_of(place))
    _end_tenures(current, start_on)
    return FirstSecretaryTerm.objects.create(
        member=member, place=place, start_on=start_on, end_on=start_on + relativedelta(years=years)
    )


@transaction.atomic
def first_secretary_end(*, term: FirstSecretaryTerm, on: dt.date | None = None) -> FirstSecretaryTerm:
    return _tenure_end(term, on)


@transaction.atomic
def work_team_create(*, unit: Unit, community: Place, name: str = "") -> WorkTeam:
    """联系社区工作队: one active team per unit and community it is currently assigned to."""
    if community.kind != Place.Kind.COMMUNITY:
        raise ValidationError({"community": _("工作队只能联系社区")})
    if not UnitAssignment.objects.filter(unit=unit, community=community, ended_on__isnull=True).exists():
        raise ValidationError({"community": _("该单位当前未包保联系此社区")})
    if WorkTeam.objects.filter(unit=unit, community=community, is_active=True).exists():
        raise ValidationError({"community": _("该单位在此社区已有工作队")})
    name = name.strip() or _("%(unit)s联系%(community)s工作队") % {"unit": unit.name, "community": community.name}
    if len(name) > 100:
        raise ValidationError({"name": _("名称不超过100个字")})
    return WorkTeam.objects.create(unit=unit, community=community, name=name)


@transaction.atomic
def work_team_member_add(
    *,
    team: WorkTeam,
    member: Member,
    role: str = WorkTeamMembership.Role.MEMBER,
    start_on: dt.date | None = None,
) -> WorkTeamMembership:
    if not team.is_active:
        raise ValidationError({"team": _("该工作队已撤销")})
    if member.unit_id != team.unit_id:
        raise ValidationError({"member": _("只能选派本单位的党员")})
    _check_in_service(member)
    if role not in WorkTeamMembership.Role.values:
        raise ValidationError({"role": _("未知职务")})
    if WorkTeamMembership.objects.filter(team=team, member=member, ended_on__isnull=True).exists():
        raise ValidationError({"member": _("该党员已在工作队中")})
    return WorkTeamMembership.objects.create(
        team=team, member=member, role=role, start_on=start_on or timezone.localdate()
    )


@transaction.atomic
def work_team_member_end(*, membership: WorkTeamMembership, on: dt.date | None = None) -> WorkTeamMembership:
    return _tenure_end(membership, on)


@transaction.atomic
def leader_link_add(
    *,
    community: Place,
    leader_name: str,
    title: str,
    user: User | None = None,
    start_on: dt.date | None = None,
) -> LeaderLink:
    """A city leader (市级领导) links a community; one leader may link several communities."""
    leader_name, title = leader_name.strip(), title.strip()
    errors: dict[str, str] = {}
    if community.kind != Place.Kind.COMMUNITY:
        errors["community"] = _("市级领导只能联系社区")
    if not leader_name or len(leader_name) > 50:
        errors["leader_name"] = _("领导姓名不能为空，且不超过50个字")
    if not title or len(title) > 100:
        errors["title"] = _("职务不能为空，且不超过100个字")
    if (
        not errors
        and LeaderLink.objects.filter(community=community, leader_name=leader_name, ended_on__isnull=True).exists()
    ):
        errors["leader_name"] = _("该领导已联系此社区")
    if errors:
        raise ValidationError(errors)
    return LeaderLink.objects.create(
        community=community, leader_name=leader_name, title=title, user=user, start_on=start_on or timezone.localdate()
    )


@transaction.atomic
def leader_link_end(*, link: LeaderLink, on: dt.date | None = None) -> LeaderLink:
    return _tenure_end(link, on)


# Where each of the 三长 serves. The model has no household label, so a 户长 is appointed on the
# building; several 户长 per building, one current 院长 per compound and 楼长 per building.
HEAD_PLACE_KINDS: dict[str, set[str]] = {
    HeadAppointment.Kind.COMPOUND_HEAD: {Place.Kind.COMPOUND, Place.Kind.GRID},
    HeadAppointment.Kind.BUILDING_HEAD: {Place.Kind.BUILDING},
    HeadAppointment.Kind.HOUSEHOLD_HEAD: {Place.Kind.BUILDING},
}
SINGLE_HEADS = {HeadAppointment.Kind.COMPOUND_HEAD, HeadAppointment.Kind.BUILDING_HEAD}


@transaction.atomic
def head_appoint(
    *,
    kind: str,
    place: Place,
    person_name: str = "",
    member: Member | None = None,
    resident: Resident | None = None,
    start_on: dt.date | None = None,
) -> HeadAppointment:
    """Appoint a 院长 / 楼长 / 户长. A new 院长 or 楼长 ends the current one (history is kept)."""
    if kind not in HEAD_PLACE_KINDS:
        raise ValidationError({"kind": _("未知的三长类型")})
    if place.kind not in HEAD_PLACE_KINDS[kind]:
        where = _("小区或网格") if kind == HeadAppointment.Kind.COMPOUND_HEAD else _("楼栋")
        raise ValidationError(
            {"place": _("%(kind)s只能任职于%(where)s") % {"kind": HeadAppointment.Kind(kind).label, "where": where}}
        )
    if member is not None and resident is not None:
        raise ValidationError({"person_name": _("请选择党员或居民其中之一")})
    person = member or resident
    person_name = (person.name if person is not None else person_name).strip()
    if not person_name or len(person_name) > 50:
        raise ValidationError({"person_name": _("姓名不能为空，且不超过50个字")})
    if person is not None and not person.residence.path.startswith(_community_path(place)):
        raise ValidationError({"person_name": _("三长应由居住在本社区的党员或居民担任")})
    start_on = start_on or timezone.localdate()
    current = HeadAppointment.objects.select_for_update().filter(kind=kind, place=place, ended_on__isnull=True)
    if kind in SINGLE_HEADS:
        if any(h.start_on > start_on for h in current):
            raise ValidationError({"start_on": _("开始日期不能早于现任者的任职开始日期")})
        _end_tenures(current, start_on)
    elif current.filter(person_name=person_name, member=member, resident=resident).exists():
        raise ValidationError({"person_name": _("此人已是该楼栋的户长")})
    return HeadAppointment.objects.create(
        kind=kind, place=place, person_name=person_name, member=member, resident=resident, start_on=start_on
    )


@transaction.atomic
def head_end(*, appointment: HeadAppointment, on: dt.date | None = None) -> HeadAppointment:
    return _tenure_end(appointment, on)


@transaction.atomic
def rule_set(*, key: str, value: Decimal, city: Place | None) -> Rule:
    if key not in rules.RULES:
        raise ValidationError({"key": _("未知规则")})
    value = Decimal(value)
    if not value.is_finite():
        raise ValidationError({"value": _("请输入数字")})
    if value < 0:
        raise ValidationError({"value": _("数值不能为负")})
    if value >= Decimal("1e10") or value != value.quantize(Decimal("0.01")):
        raise ValidationError({"value": _("数值过大或小数位超过两位")})
    if key == "audit_retention_days" and value < rules.MIN_AUDIT_RETENTION_DAYS:
        raise ValidationError({"value": _("审计日志至少保存180天")})
    row, _created = Rule.objects.update_or_create(city=city, key=key, defaults={"value": value})
    rules.forget_rule(key, city.pk if city else None)
    return row


def rules_seed(*, city: Place | None) -> int:
    """Create a rule row per DOMAIN.md number with the seed default (existing rows are kept)."""
    existing = set(Rule.objects.filter(city=city).values_list("key", flat=True))
    rows = [Rule(city=city, key=k, value=d.default) for k, d in rules.RULES.items() if k not in existing]
    Rule.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def category_add(*, kind: str, name: str) -> Category:
    name = name.strip()
    if kind not in Category.Kind.values:
        raise ValidationError({"kind": _("未知类别")})
    if not name or len(name) > 50:
        raise ValidationError({"name": _("名称不能为空，且不超过50个字")})
    if Category.objects.filter(kind=kind, name=name).exists():
        raise ValidationError({"name": _("该名称已存在")})
    last = Category.objects.filter(kind=kind).order_by("-sort_order").first()
    return Category.objects.create(kind=kind, name=name, sort_order=(last.sort_order + 1) if last else 0)


@transaction.atomic
def category_set_active(*, category: Category, active: bool) -> Category:
    """Categories are retired, never deleted: members keep the skills they chose."""
    category.is_active = active
    category.save(update_fields=["is_active"])
    return category

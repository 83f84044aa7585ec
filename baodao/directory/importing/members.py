"""Member rows: planned (validated against maps loaded once) and written in bulk (COPY on PostgreSQL)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.core import crypto
from baodao.core.dates import input_window, window_error
from baodao.core.validators import (
    birth_date_from_id,
    gender_from_id,
    id_number_error,
    mobile_error,
    normalize_id_number,
)
from baodao.directory.importing.columns import PLACE_KIND_NAMES, RESIDENCE_KINDS, TEMPLATES
from baodao.directory.importing.plan import (
    BATCH,
    LOOKUP_CHUNK,
    PROGRESS_EVERY,
    RowErrors,
    as_text,
    category_ids,
    category_map,
    chunks,
    column_of,
    existing_values,
    mark_duplicates,
    parse_date,
    places_in_scope,
    required,
    too_long,
)
from baodao.directory.models import Category, Member, PartyOrg, Unit

# No one joined the party before it was founded: when a member joined may be older than the window of
# dates that may be entered (core.dates), so its earliest day is this one, not the window's.
PARTY_FOUNDED = dt.date(1921, 7, 1)


@dataclass(slots=True)
class _MemberRow:
    row: int
    name: str
    id_number: str
    id_hash: str
    mobile: str
    unit_id: int
    party_org_id: int
    residence_id: int
    address: str
    joined: dt.date | None
    skills: list[int]
    intentions: list[int]


def members_plan(
    rows: list[tuple[int, list[Any]]], user: User, errors: RowErrors, tick: Callable[[int], None]
) -> list[_MemberRow]:
    cols = TEMPLATES["members"]
    h = [c.header for c in cols]
    unit_codes = sorted({str(as_text(v[3])) for _, v in rows if v[3] != ""})
    units: dict[str, int] = {}
    for chunk in chunks(unit_codes, LOOKUP_CHUNK):
        units.update(Unit.objects.filter(code__in=chunk).values_list("code", "id"))
    orgs: dict[tuple[int, str], int] = {}
    for chunk in chunks(sorted(units.values()), LOOKUP_CHUNK):
        for unit_id, name, pk in PartyOrg.objects.filter(unit_id__in=chunk).values_list("unit_id", "name", "id"):
            orgs[(unit_id, name)] = pk
    places = places_in_scope(user, (str(as_text(v[5])) for _, v in rows))
    skills = category_map(Category.Kind.SKILL)
    intentions = category_map(Category.Kind.INTENTION)
    today = timezone.localdate()
    joined_window = (PARTY_FOUNDED, input_window()[1])  # read once, not per row
    skill_label, intention_label = _("兴趣特长"), _("服务意愿")

    plan: list[_MemberRow] = []
    by_hash: dict[str, list[int]] = defaultdict(list)
    for i, (row, v) in enumerate(rows, start=1):
        if i % PROGRESS_EVERY == 0:
            tick(i)
        name, idn, mobile, ucode, oname, pcode, addr, joined_raw, skill_names, intention_names = (
            x if k == 7 or type(x) is str else as_text(x)
            for k, x in enumerate(v)  # the date keeps its Excel type
        )
        required(v, cols, row, errors)
        if name:
            too_long(name, 50, row, h[0], errors)
        id_hash = ""
        if isinstance(v[1], float):
            errors.add(row, h[1], _("身份证号被Excel存成了数字，末几位已丢失：请把该列设为文本格式后重新填写"))
        elif idn:
            idn = normalize_id_number(idn)
            if err := id_number_error(idn):
                errors.add(row, h[1], err)
            else:
                id_hash = crypto.lookup_hash(idn)
                by_hash[id_hash].append(row)
        if mobile and (err := mobile_error(mobile)):
            errors.add(row, h[2], err)
        unit_id = org_id = place_id = 0
        if ucode:
            unit_id = units.get(ucode, 0)
            if not unit_id:
                errors.add(row, h[3], _("单位编码「%(code)s」不存在") % {"code": ucode})
        if oname and unit_id:
            org_id = orgs.get((unit_id, oname), 0)
            if not org_id:
                errors.add(
                    row, h[4], _("单位「%(unit)s」下没有名为「%(org)s」的党组织") % {"unit": ucode, "org": oname}
                )
        if pcode:
            place = places.get(pcode)
            if place is None:
                errors.add(row, h[5], _("居住地编码「%(code)s」不存在或不在您的管辖范围内") % {"code": pcode})
            elif place.kind not in RESIDENCE_KINDS:
                errors.add(
                    row,
                    h[5],
                    _("居住地「%(code)s」是%(kind)s，应为小区、网格或楼栋")
                    % {"code": pcode, "kind": PLACE_KIND_NAMES[place.kind]},
                )
            else:
                place_id = place.pk
        joined = None
        if joined_raw != "":
            joined = parse_date(joined_raw)
            if joined is None:
                errors.add(row, h[7], _("日期格式应为 YYYY-MM-DD，如 2005-07-01"))
            elif outside := window_error(joined, h[7], window=joined_window):
                errors.add(row, h[7], outside)
            elif joined > today:
                errors.add(row, h[7], _("入党日期不能晚于今天"))
            elif id_hash and joined < birth_date_from_id(idn):
                errors.add(row, h[7], _("入党日期早于出生日期"))
        skill_ids = category_ids(skill_names, skills, row, h[8], skill_label, errors)
        intention_ids = category_ids(intention_names, intentions, row, h[9], intention_label, errors)
        if row not in errors.bad:
            plan.append(
                _MemberRow(
                    row, name, idn, id_hash, mobile, unit_id, org_id, place_id, addr, joined, skill_ids, intention_ids
                )
            )

    mark_duplicates(by_hash, h[1], _("身份证号在文件中重复（与第%(rows)s行相同）"), errors)
    existing = existing_values(Member, "id_hash", sorted(by_hash))
    for hsh in existing:
        for r in by_hash[hsh]:
            errors.add(r, h[1], _("该身份证号已登记为其他党员"))
    return [m for m in plan if m.row not in errors.bad]


def _insert_sql(model: type[models.Model], columns: list[str]) -> str:
    qn = connection.ops.quote_name
    return "INSERT INTO {} ({}) VALUES ({})".format(
        qn(model._meta.db_table), ", ".join(qn(c) for c in columns), ", ".join(["%s"] * len(columns))
    )


MEMBER_INSERT_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_number",
    "id_hash",
    "mobile",
    "mobile_hash",
    "unit",
    "party_org",
    "residence",
    "address_detail",
    "status",
    "joined_party_on",
    "created_at",
)


def members_write(plan: list[_MemberRow], tick: Callable[[int], None]) -> int:
    """Raw inserts: measured here, bulk_create spent ~40% of the import compiling SQL.

    The plan holds the values normalised and the ID hash made as member_fill_secrets does (a test
    holds them equal), so each value is hashed once; the encrypted columns are encrypted as the
    field's get_prep_value does for a text value.
    """
    columns = [column_of(Member, n) for n in MEMBER_INSERT_FIELDS]
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    in_service = Member.Status.IN_SERVICE.value
    encrypt, lookup_hash = crypto.encrypt, crypto.lookup_hash

    def values(p: _MemberRow) -> tuple:
        idn = p.id_number
        return (
            p.name,
            gender_from_id(idn),
            ops.adapt_datefield_value(birth_date_from_id(idn)),
            encrypt(idn),
            p.id_hash,
            encrypt(p.mobile),
            lookup_hash(p.mobile),
            p.unit_id,
            p.party_org_id,
            p.residence_id,
            encrypt(p.address) if p.address else "",
            in_service,
            ops.adapt_datefield_value(p.joined),
            now,
        )

    links = ((Member.skills.through, "skills"), (Member.intentions.through, "intentions"))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _members_copy(cursor, plan, columns, values, links, tick)
            return len(plan)
        for batch in chunks(plan, BATCH):
            cursor.executemany(_insert_sql(Member, columns), [values(p) for p in batch])
            # The new keys, found by the unique hash (portable: no reliance on RETURNING order).
            found: dict[str, int] = {}
            for chunk in chunks([p.id_hash for p in batch], LOOKUP_CHUNK):
                found.update(Member.objects.filter(id_hash__in=chunk).values_list("id_hash", "pk"))
            for through, attr in links:
                pairs = [(found[p.id_hash], c) for p in batch for c in getattr(p, attr)]
                if pairs:
                    cursor.executemany(_insert_sql(through, ["member_id", "category_id"]), pairs)
            tick(len(batch))
    return len(plan)


def _members_copy(
    cursor: Any,
    plan: list[_MemberRow],
    columns: list[str],
    values: Callable[[_MemberRow], tuple],
    links: Iterable[tuple[type, str]],
    tick: Callable[[int], None],
) -> None:
    """PostgreSQL: the members in one COPY under keys taken from the table's sequence beforehand,
    then their skills and intentions in one COPY each. One stream, so the server inserts while we
    encrypt the next rows (a COPY per batch waited for the server at the end of every batch)."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [Member._meta.db_table, Member._meta.pk.column, len(plan)],
    )
    pks = [r[0] for r in cursor.fetchall()]
    n, ticked = len(plan), 0

    def reached(share: float) -> None:  # the bar, in rows, at this share of the writing
        nonlocal ticked
        if (now := int(n * share)) > ticked:
            tick(now - ticked)
            ticked = now

    # Shares of the writing measured on the bench: the members 40%, their links 10%, and the
    # foreign key checks 50%.
    with _pg_copy(cursor, Member, ["id", *columns]) as copy:
        for i, (pk, p) in enumerate(zip(pks, plan, strict=True), start=1):
            copy.write_row((pk, *values(p)))
            if i % BATCH == 0:
                reached(0.4 * i / n)
    reached(0.4)
    for share, (through, attr) in zip((0.45, 0.5), links, strict=True):
        with _pg_copy(cursor, through, ["member_id", "category_id"]) as copy:
            for pk, p in zip(pks, plan, strict=True):
                for c in getattr(p, attr):
                    copy.write_row((pk, c))
        reached(share)
    # Django makes foreign keys DEFERRABLE INITIALLY DEFERRED, so PostgreSQL would check the keys
    # of every new row in the COMMIT, after the bar is full: check them here, then back to the
    # initial mode (every deferrable constraint here is one of Django's foreign keys).
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    reached(1)


@contextlib.contextmanager
def _pg_copy(cursor: Any, model: type[models.Model], columns: list[str]) -> Iterator[Any]:
    """A COPY … FROM STDIN into the table (PostgreSQL); psycopg errors come out as Django's (an
    IntegrityError the import catches)."""
    qn = connection.ops.quote_name
    sql = "COPY {} ({}) FROM STDIN".format(qn(model._meta.db_table), ", ".join(qn(c) for c in columns))
    with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        yield copy

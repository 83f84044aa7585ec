"""The shared planner of every roster import: limits, results (rows ok, rows refused with their
row number and reason), the progress bar, and the lookups and checks every kind of row uses."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from baodao.accounts.models import User
from baodao.directory.importing.columns import DATE_RE, LIST_SPLIT, Column
from baodao.directory.models import Category, Place
from baodao.directory.scope import (
    places_for_user,
)

BATCH = 2000
LOOKUP_CHUNK = 900  # stays under SQLite's bound-parameter limit on every version
PROGRESS_EVERY = 1000
MAX_ROWS = 200_000


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int  # the Excel row number as the user sees it (the header is row 1)
    column: str
    message: str


@dataclass
class ImportResult:
    kind: str
    total_rows: int = 0
    created: int = 0
    rejected: list[RowError] = field(default_factory=list)
    committed: bool = False

    @property
    def rejected_row_count(self) -> int:
        return len({e.row for e in self.rejected})


class FileProblem(Exception):
    """The file as a whole cannot be imported (not an .xlsx, wrong headers, no data)."""

    def __init__(self, message: str, row: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.row = row


Progress = Callable[[int, int], None]


class ProgressBar:
    """One bar over the three phases, in steps per row: reading 1, checking 2, writing 7.

    The weights follow the times measured on PostgreSQL with the bench's 100,000 members (reading
    with calamine ~10%, checking ~20%, writing and checking the foreign keys ~70%).
    """

    READ, CHECK, WRITE = 1, 2, 7
    PER_ROW = READ + CHECK + WRITE

    def __init__(self, report: Progress) -> None:
        self.report = report
        self.n = 0
        self.read_done = 0

    def read(self, done: int, estimate: int) -> None:
        if done > self.read_done:  # openpyxl reading again what calamine began: no step back
            self.read_done = done
            self.report(done * self.READ, max(estimate, done) * self.PER_ROW)

    def checked(self, done: int) -> None:
        self.report(self.n * self.READ + done * self.CHECK, self.n * self.PER_ROW)

    def written(self, done: int) -> None:
        before = self.n * (self.READ + self.CHECK)
        self.report(min(before + done * self.WRITE, self.n * self.PER_ROW), self.n * self.PER_ROW)

    def finish(self) -> None:
        self.report(self.n * self.PER_ROW, self.n * self.PER_ROW)


class RowErrors:
    """Collects row errors; knows which rows are bad."""

    def __init__(self) -> None:
        self.items: list[RowError] = []
        self.bad: set[int] = set()
        self.cells: set[tuple[int, str]] = set()

    def add(self, row: int, column: str, message: str) -> None:
        # One message per cell, the first: a later check of a cell already found wrong (a code
        # looked up after its name was found ambiguous) would only say the same thing worse.
        if column and (row, column) in self.cells:
            return
        self.cells.add((row, column))
        self.items.append(RowError(row, column, message))
        self.bad.add(row)


# --- shared lookups -----------------------------------------------------------------------------


def chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def places_in_scope(user: User, codes: Iterable[str]) -> dict[str, Place]:
    """Places with these codes that the user may see; out of scope looks the same as missing."""
    codes = sorted({c for c in codes if c})
    found: dict[str, Place] = {}
    base = places_for_user(user).only("id", "code", "kind", "path", "depth", "name")
    for chunk in chunks(codes, LOOKUP_CHUNK):
        for p in base.filter(code__in=chunk):
            found[p.code] = p
    return found


def column_of(model: type[models.Model], name: str) -> str:
    """The database column of a concrete field (raw SQL names it)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.column:
        raise TypeError(f"{model.__name__}.{name} has no column")
    return field.column


def existing_values(model: type[models.Model], field: str, values: list[str]) -> set[str]:
    """Which of these values the field already holds. On PostgreSQL in one query with an array
    (chunks of IN (%s, …) spent seconds on 100,000 ID hashes); elsewhere in chunks under
    SQLite's limit on bound parameters."""
    if connection.vendor == "postgresql":
        qn = connection.ops.quote_name
        column, table = qn(column_of(model, field)), qn(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {column} FROM {table} WHERE {column} = ANY(%s)", [values])
            return {r[0] for r in cursor.fetchall()}
    found: set[str] = set()
    for chunk in chunks(values, LOOKUP_CHUNK):
        found.update(model._default_manager.filter(**{f"{field}__in": chunk}).values_list(field, flat=True))
    return found


def category_map(kind: str) -> dict[str, int]:
    return dict(Category.objects.filter(kind=kind, is_active=True).values_list("name", "id"))


def category_ids(value: str, names: dict[str, int], row: int, column: str, label: str, errors: RowErrors) -> list[int]:
    if not value:
        return []
    wanted = [n.strip() for n in LIST_SPLIT.split(str(value)) if n.strip()]
    unknown = [n for n in wanted if n not in names]
    if unknown:
        errors.add(
            row,
            column,
            _("未知的%(label)s：%(names)s（请使用系统中已有的名称）") % {"label": label, "names": "、".join(unknown)},
        )
        return []
    return sorted({names[n] for n in wanted})


def required(values: list[Any], columns: list[Column], row: int, errors: RowErrors) -> None:
    for col, v in zip(columns, values, strict=True):
        if col.required and v == "":
            errors.add(row, col.header, _("必填项不能为空"))


def too_long(value: str, limit: int, row: int, column: str, errors: RowErrors) -> bool:
    if len(value) > limit:
        errors.add(row, column, _("不能超过%(n)s个字") % {"n": limit})
        return True
    return False


def as_text(value: Any) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def parse_date(value: Any) -> dt.date | None:
    """A real Excel date, an Excel serial number or YYYY-MM-DD (also / . 年月日); None if invalid."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    if re.fullmatch(r"\d{5}", value):
        serial = from_excel(int(value))
        return serial.date() if serial else None
    m = DATE_RE.match(value)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def mark_duplicates(groups: dict[Any, list[int]], column: str, message: str, errors: RowErrors) -> None:
    """Every row of a group of two or more is named, with the other rows' numbers."""
    for rows in groups.values():
        if len(rows) < 2:
            continue
        for r in rows:
            others = "、".join(str(o) for o in rows if o != r)
            errors.add(r, column, message % {"rows": others})

"""The import itself: read, plan every row, then write all rows in one transaction, or none when a
row fails (unless the user asked for the valid rows only); the result is recorded as a security event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from baodao.accounts.models import SecurityEvent, User
from baodao.accounts.services import security_event_record
from baodao.directory.importing.columns import KIND_LABELS, TEMPLATES
from baodao.directory.importing.members import members_plan, members_write
from baodao.directory.importing.names import resolve_names
from baodao.directory.importing.places import places_plan, places_write
from baodao.directory.importing.plan import FileProblem, ImportResult, Progress, ProgressBar, RowError, RowErrors
from baodao.directory.importing.readers import read_rows
from baodao.directory.importing.residents import residents_plan, residents_write
from baodao.directory.importing.units import units_plan, units_write
from baodao.directory.scope import (
    can_manage_master_data,
)


def _planner(kind: str) -> Callable:
    return {"members": members_plan, "residents": residents_plan, "places": places_plan, "units": units_plan}[kind]


def _write(kind: str, plan: list, user: User, tick: Callable[[int], None]) -> int:
    if kind == "members":
        return members_write(plan, tick)
    if kind == "residents":
        return residents_write(plan, tick)
    if kind == "places":
        return places_write(plan, user, tick)
    return units_write(plan, user, tick)


def import_xlsx(
    *,
    kind: str,
    file: Any,
    user: User,
    valid_only: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate every row of an .xlsx roster, then write all of it (or, if asked, the valid rows).

    Never raises for a bad file: the problem comes back as a single error of the result.
    """
    if kind not in TEMPLATES:
        raise ValueError(f"unknown import kind {kind!r}")
    result = ImportResult(kind=kind)
    bar = ProgressBar(progress or (lambda done, total: None))
    if not can_manage_master_data(user):
        result.rejected.append(RowError(0, "", _("您没有导入基础数据的权限")))
        return result
    try:
        rows = read_rows(file, TEMPLATES[kind], bar)
    except FileProblem as problem:
        result.rejected.append(RowError(problem.row, "", problem.message))
        _record(result, user)
        return result

    n = bar.n = result.total_rows = len(rows)
    bar.checked(0)
    errors = RowErrors()
    resolve_names(kind, rows, user, errors)
    plan = _planner(kind)(rows, user, errors, bar.checked)
    del rows
    order = {c.header: i for i, c in enumerate(TEMPLATES[kind])}
    result.rejected = sorted(errors.items, key=lambda e: (e.row, order.get(e.column, 99)))

    if plan and (valid_only or not errors.bad):
        written = n - len(plan)  # rejected rows have nothing left to do

        def tick(count: int) -> None:
            nonlocal written
            written += count
            bar.written(written)

        try:
            with transaction.atomic():
                result.created = _write(kind, plan, user, tick)
        except IntegrityError:
            # Someone wrote the same keys between our check and our insert; nothing was written.
            result.created = 0
            result.rejected.append(
                RowError(0, "", _("写入时发现重复数据（可能有人同时导入了相同的数据），未写入任何数据，请重新导入。"))
            )
        else:
            result.committed = True
    bar.finish()
    _record(result, user)
    return result


def _record(result: ImportResult, user: User) -> None:
    security_event_record(
        kind=SecurityEvent.Kind.IMPORT,
        user=user,
        what=_("导入%(kind)s：共%(total)s行，写入%(created)s行，错误%(bad)s行")
        % {
            "kind": KIND_LABELS[result.kind],
            "total": result.total_rows,
            "created": result.created,
            "bad": result.rejected_row_count,
        },
        row_count=result.created,
    )

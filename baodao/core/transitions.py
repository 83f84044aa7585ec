"""Status transitions: a declared table per model (from, to, who, event) and the one helper that runs them.

Every model with a status declares its `Workflow` in its app's transitions.py: the states a row is
created in, which transitions exist, from which states, to which state, which roles may ask for
them (as words for people; the app's access.py enforces it), which timeline event each writes and
who hears of it. `apply` is the recipe that used to be written out in every service: lock the row,
check that its status allows the transition, set the status and the other fields, save with
`update_fields`, write the timeline event — all in one transaction. A transition asked of a row in
the wrong state raises the workflow's error with the transition's message, and nothing is written.
`apply_many` runs one transition on a batch; `apply_where` is the one conditional UPDATE a worker
takes a job with (no lock held across slow work).

A status is never written elsewhere (scripts/house.py counts the places that do; only the demo's
bulk history is left). Setting the status of a new row before its first save is not a transition:
the states allowed there are the workflow's `initial`.

`python manage.py transitions` prints every table; core/tests/test_status_tables.py walks them all.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.module_loading import autodiscover_modules

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

M = TypeVar("M", bound=models.Model)

# Every workflow declared, for the printed tables (in the order the apps declared them).
WORKFLOWS: list[Workflow[Any]] = []


def _choices(model: type[models.Model], field: str) -> list[tuple[Any, Any]]:
    f = model._meta.get_field(field)
    return list(getattr(f, "choices", None) or [])


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str
    who: StrOrPromise  # the roles that may ask for it, as people say it ("社区工作人员、上级管理员")
    refused: StrOrPromise  # the message when the row is in none of `sources`; "%(s)s" names the state it is in
    event: str = ""  # the timeline event kind written, if any
    tell: tuple[str, ...] = ()  # who hears of it (the app's words: "党员", "单位党组织书记"...), see `announce`


class Workflow(Generic[M]):
    """The transition table of one model's status field.

    `record(row, transition, by, note)` writes the timeline event of a transition whose `event` is
    set; `moved(row, old_status, before)` hears of every status change in the same transaction
    (the row as saved, the status it left, a copy of the row as it was), which keeps counters
    exact; `announce(row, transition, by)` tells the people waiting on a transition whose `tell` is
    set, once the transaction has committed (nothing goes out for a step that was rolled back);
    `error` is the ValidationError subclass the app raises for refused steps; `initial` names the
    states a new row may be created in (its first save, no transition), every other state must be
    the target of some transition.
    """

    def __init__(
        self,
        model: type[M],
        transitions: Sequence[Transition],
        *,
        initial: Sequence[str] = (),
        field: str = "status",
        record: Callable[[M, Transition, Any, str], object] | None = None,
        announce: Callable[[M, Transition, Any], object] | None = None,
        moved: Callable[[M, str, M], object] | None = None,
        error: type[ValidationError] = ValidationError,
    ) -> None:
        self.model = model
        self.field = field
        self.record = record
        self.announce = announce
        self.moved = moved
        self.error = error
        self.initial = tuple(initial)
        self.transitions = {t.name: t for t in transitions}
        if len(self.transitions) != len(transitions):
            raise ValueError(f"{model.__name__}: two transitions share a name")
        states = {value for value, _label in _choices(model, field)}
        if set(self.initial) - states:
            raise ValueError(f"{model.__name__}: unknown initial states {sorted(set(self.initial) - states)}")
        for t in transitions:
            unknown = {*t.sources, t.target} - states
            if unknown:
                raise ValueError(f"{model.__name__}.{t.name}: unknown states {sorted(unknown)}")
            if t.tell and announce is None:
                raise ValueError(f"{model.__name__}.{t.name}: tells {t.tell} but the workflow announces nothing")
        WORKFLOWS.append(self)

    def __getitem__(self, name: str) -> Transition:
        return self.transitions[name]

    def allows(self, name: str, status: str) -> bool:
        return status in self.transitions[name].sources

    def label(self, status: str) -> str:
        choices = dict(_choices(self.model, self.field))
        return str(choices.get(status, status))

    def states(self) -> list[str]:
        return [value for value, _label in _choices(self.model, self.field)]

    def refusal(self, t: Transition, status: str) -> str:
        """The message refusing `t` to a row in `status`."""
        message = str(t.refused)
        return message % {"s": self.label(status)} if "%(s)" in message else message

    def rows(self) -> list[tuple[str, str, str, str, str, str]]:
        """(transition, from, to, who, event, told) for people to read; states by their Chinese labels."""
        return [
            (
                t.name,
                "、".join(self.label(s) for s in t.sources),
                self.label(t.target),
                str(t.who),
                t.event,
                "、".join(t.tell),
            )
            for t in self.transitions.values()
        ]

    def _check(self, row: M, t: Transition) -> None:
        status = getattr(row, self.field)
        if status not in t.sources:
            raise self.error(self.refusal(t, status))

    def _save(
        self, row: M, t: Transition, changes: Mapping[str, Any], by: object, note: str | Callable[[M], str]
    ) -> None:
        old = getattr(row, self.field)
        before = copy.copy(row) if self.moved is not None else row
        setattr(row, self.field, t.target)
        for name, value in changes.items():
            setattr(row, name, value)
        row.save(update_fields=[self.field, *changes])  # save(), not update(): the audit log sees it
        if self.moved is not None and old != t.target:
            self.moved(row, old, before)
        if t.event and self.record is not None:
            self.record(row, t, by, note(row) if callable(note) else note)
        if t.tell and self.announce is not None:
            announce = self.announce
            transaction.on_commit(lambda: announce(row, t, by), robust=True)


def apply(
    workflow: Workflow[M],
    name: str,
    obj: M,
    *,
    by: object = None,
    changes: Mapping[str, Any] | None = None,
    check: Callable[[M], None] | None = None,
    note: str | Callable[[M], str] = "",
    locked: bool = False,
) -> M:
    """Run transition `name` on `obj`'s row: lock, check the status (then `check(row)`, which may
    raise), set the target status and `changes`, save them, write the event (its note may be read
    from the saved row). Returns the locked, updated row; `obj` itself is left as it was.

    `locked=True`: `obj` is a row the caller already locked in the transaction it is in (services
    that lock several rows in a fixed order, or take a slot by a conditional UPDATE first); it is
    checked and changed in place, and returned."""
    t = workflow[name]
    if locked and not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{workflow.model.__name__}.{name}: a row locked outside a transaction is not locked")
    with transaction.atomic():
        row = obj if locked else type(obj)._default_manager.select_for_update().get(pk=obj.pk)
        workflow._check(row, t)
        if check is not None:
            check(row)
        changes = dict(changes or {})
        workflow._save(row, t, changes, by, note)
    return row


def apply_many(
    workflow: Workflow[M],
    name: str,
    rows: Iterable[M],
    *,
    by: object = None,
    changes: Callable[[M], Mapping[str, Any]] | None = None,
    note: str = "",
) -> list[M]:
    """Run transition `name` on every row of `rows` (primary keys taken from them) that is in a
    source state, under one lock in primary-key order; rows in another state are skipped (a batch
    of confirmations where someone else decided one meanwhile). Returns the rows changed."""
    t = workflow[name]
    with transaction.atomic():
        locked = list(
            workflow.model._default_manager.select_for_update()
            .filter(pk__in=[r.pk for r in rows], **{f"{workflow.field}__in": t.sources})
            .order_by("pk")
        )
        for row in locked:
            workflow._save(row, t, dict(changes(row)) if changes else {}, by, note)
    return locked


def apply_where(
    workflow: Workflow[M], name: str, rows: models.QuerySet[M], *, changes: Mapping[str, Any] | None = None
) -> int:
    """Run transition `name` as one conditional UPDATE of the rows of `rows` that are in a source
    state (and as `rows` filters them further), and say how many moved. For the steps of workers
    that race each other across processes — a job taken by one worker only, a job found lost unless
    it beat meanwhile, a delivery's outcome — where a row lock would be held across slow work. No
    row is read back, so a workflow that hears of its rows (`moved`, `record`, `announce`) cannot
    use it: there `apply_many` is the batch."""
    t = workflow[name]
    if workflow.moved is not None or workflow.record is not None or workflow.announce is not None:
        raise ValueError(f"{workflow.model.__name__}.{name}: its workflow hears of rows; use apply_many")
    if rows.model is not workflow.model:
        raise ValueError(f"{workflow.model.__name__}.{name}: rows of {rows.model.__name__}")
    moved = rows.filter(**{f"{workflow.field}__in": t.sources})
    return moved.update(**{workflow.field: t.target}, **dict(changes or {}))


def workflows() -> list[Workflow[Any]]:
    """Every workflow declared (each installed app's transitions module is imported first), in the
    order of INSTALLED_APPS — the layers, bottom up — and of declaration within an app."""
    autodiscover_modules("transitions")
    order = {config.label: i for i, config in enumerate(apps.get_app_configs())}
    return sorted(WORKFLOWS, key=lambda wf: order.get(wf.model._meta.app_label, len(order)))


def render_tables(tables: Iterable[Workflow[Any]] | None = None) -> str:
    """Every workflow's table as Markdown, for the `transitions` command and for review."""
    out = []
    for wf in workflows() if tables is None else tables:
        out.append(f"### {wf.model._meta.verbose_name} ({wf.model._meta.label}.{wf.field})\n")
        if wf.initial:
            out.append(f"新建时：{'、'.join(wf.label(s) for s in wf.initial)}\n")
        out.append("| 操作 | 从 | 到 | 谁可以 | 时间线事件 | 通知 |")
        out.append("|---|---|---|---|---|---|")
        out += [f"| {' | '.join(str(c) for c in row)} |" for row in wf.rows()]
        if wf.moved is not None:
            # What every status change also does (counters, events to the layers above), in its transaction.
            doc = " ".join((wf.moved.__doc__ or "").split())
            out.append(f"\nOn every change: `{wf.moved.__module__}.{wf.moved.__qualname__}` — {doc}")
        out.append("")
    return "\n".join(out)

"""What counts in the three coverages: the denominators (units, in-service members, compounds and
grids), each annotated with its `area` path and a `done` flag. Shared by the live figures
(stats.coverage) and the tallies (stats.tallies), so both always count the same things."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from baodao.directory.models import Member, Place, Unit, UnitAssignment
from baodao.directory.selectors import first_secretary_terms_in_force
from baodao.reporting.models import MemberReport, UnitReport


def units_base(qs: QuerySet[Unit]) -> QuerySet[Unit]:
    current = UnitAssignment.objects.filter(unit=OuterRef("pk"), ended_on__isnull=True)
    return qs.filter(is_active=True).annotate(
        area=Coalesce(Subquery(current.values("community__path")[:1]), F("office_place__path")),
        done=Exists(UnitReport.objects.filter(unit=OuterRef("pk"), status=UnitReport.Status.CONFIRMED)),
    )


def members_base(qs: QuerySet[Member]) -> QuerySet[Member]:
    return qs.filter(status=Member.Status.IN_SERVICE).annotate(
        area=F("residence__path"),
        done=Exists(MemberReport.objects.filter(member=OuterRef("pk"), status=MemberReport.Status.CONFIRMED)),
    )


def compounds_base(qs: QuerySet[Place], *, today: dt.date | None = None) -> QuerySet[Place]:
    return qs.filter(kind__in=[Place.Kind.COMPOUND, Place.Kind.GRID]).annotate(
        area=F("path"),
        done=Exists(first_secretary_terms_in_force(today).filter(place=OuterRef("pk"))),
    )

"""Counter rows of the figures: per-community coverage tallies and the marks that ask for a recount."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CoverageTally(models.Model):
    """Running totals of the three coverages for one community (or a place outside any community).

    Every unit, in-service member and compound/grid counts in exactly one tally: the community on
    its area's path, or the area itself when no community is above it. An area above community
    level (street, district, city, province) is then the sum of the tallies under its path, so the
    province's figures read ~10,000 rows instead of a million members (bench/province_coverage.py).
    Kept exact by `baodao.stats.tallies`: writes leave a CoverageMark, reads recount the marked
    communities first; `python manage.py rebuild_coverage` recounts everything.
    """

    place = models.OneToOneField("directory.Place", primary_key=True, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=255, db_index=True)
    units_total = models.PositiveIntegerField(default=0)
    units_done = models.PositiveIntegerField(default=0)
    members_total = models.PositiveIntegerField(default=0)
    members_done = models.PositiveIntegerField(default=0)
    compounds_total = models.PositiveIntegerField(default=0)
    compounds_done = models.PositiveIntegerField(default=0)
    # First-secretary terms lapse by date alone: the tally must be recounted after this day.
    fresh_until = models.DateField(null=True, blank=True)
    counted_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("覆盖率计数")
        verbose_name_plural = _("覆盖率计数")

    def __str__(self) -> str:
        return f"{self.path}: {self.units_done}/{self.units_total} {self.members_done}/{self.members_total}"


class CoverageMark(models.Model):
    """A place whose tally must be recounted before coverage is read again; no place: everything.

    Written by signals next to the change (same transaction) and deleted by the reader that
    recounted it, so a change committed while a recount runs keeps its own mark for the next one.
    """

    place_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("覆盖率待重算")
        verbose_name_plural = _("覆盖率待重算")

    def __str__(self) -> str:
        return f"{self.place_id or '*'} @ {self.created_at:%Y-%m-%d %H:%M:%S}"

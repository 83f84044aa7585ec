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


class NeedCount(models.Model):
    """One running count of the three lists for one community and year (the year the demand was
    collected): `key` names what is counted — `status:<status>`, `channel:<channel>`,
    `category:<id>`, `acceptance:<accepted|silent>`, `rating_sum`, `rating_n`, and day histograms
    `claim_days:<n>` / `close_days:<n>` from which the medians are read. Moved in the same
    transaction as the change (baodao.stats.needs_counts); `python manage.py recount_needs` finds
    and reports drift. An area's figures sum the rows under its path (counters, not aggregates)."""

    place = models.ForeignKey("directory.Place", on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=255)
    year = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=40)
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("三张清单计数")
        verbose_name_plural = _("三张清单计数")
        constraints = [models.UniqueConstraint(fields=["place", "year", "key"], name="needcount_place_year_key")]
        indexes = [models.Index(fields=["year", "path"], name="needcount_year_path")]

    def __str__(self) -> str:
        return f"{self.path} {self.year} {self.key}={self.n}"


class ServiceYear(models.Model):
    """A member's confirmed service in one year (DOMAIN.md §3.3: at least 5 activities, 20 hours):
    how many confirmed records, how many of them are activities attended (Record.counts_as_activity:
    what the 5-activity rule reads — never self-logged service) and the minutes of them all (what
    the 20-hour rule reads). Moved in the same transaction as the confirmation, return or edit
    (baodao.stats.service_counts); `python manage.py recount_records` finds and reports drift.
    "Who is behind" reads these rows, never the records."""

    member = models.ForeignKey("directory.Member", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    records = models.IntegerField(default=0)
    activities = models.IntegerField(default=0, db_default=0)
    minutes = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("党员年度服务计数")
        verbose_name_plural = _("党员年度服务计数")
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="serviceyear_member_year")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.year}: {self.activities} / {self.records} / {self.minutes}"


class ServiceMet(models.Model):
    """How many members reported (confirmed) to a community met the year's minimums — so an area's
    "who is behind" count is its reported members less the sum of these rows under its path, read
    from ~10,000 rows for a province instead of an anti-join over a million members. Moved with
    ServiceYear when a member's year crosses the minimums, and when a report is confirmed or ends;
    `recount_records` rebuilds both. A change of the rules' numbers needs a recount."""

    place = models.ForeignKey("directory.Place", on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=255)
    year = models.PositiveSmallIntegerField()
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("年度服务达标计数")
        verbose_name_plural = _("年度服务达标计数")
        constraints = [models.UniqueConstraint(fields=["place", "year"], name="servicemet_place_year")]
        indexes = [models.Index(fields=["year", "path"], name="servicemet_year_path")]

    def __str__(self) -> str:
        return f"{self.path} {self.year}: {self.n}"


class ServiceTally(models.Model):
    """A community's confirmed service in one year — records, minutes, how many of them carried
    integrity flags when confirmed, aid items and money (DOMAIN.md §3.3 [seed 004]: "帮扶物资 1,192
    件、资金 131,061 元") — so an area's figures sum these rows under its path instead of reading
    millions of records. Moved with ServiceYear by records.signals.record_counted; rebuilt by
    `recount_records`."""

    place = models.ForeignKey("directory.Place", on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=255)
    year = models.PositiveSmallIntegerField()
    records = models.IntegerField(default=0)
    minutes = models.BigIntegerField(default=0)
    flagged = models.IntegerField(default=0)
    aid_count = models.BigIntegerField(default=0)
    aid_money = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("社区年度服务计数")
        verbose_name_plural = _("社区年度服务计数")
        constraints = [models.UniqueConstraint(fields=["place", "year"], name="servicetally_place_year")]
        indexes = [models.Index(fields=["year", "path"], name="servicetally_year_path")]

    def __str__(self) -> str:
        return f"{self.path} {self.year}: {self.records}"


class UnitServiceTally(models.Model):
    """A unit's confirmed service in one community in one year (the issue's "per unit per community
    per year" counter): its members' records there and its own (实事, party lecture, theme days),
    with the aid given — summed over communities for the per-unit totals of the seeds."""

    unit = models.ForeignKey("directory.Unit", on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey("directory.Place", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    records = models.IntegerField(default=0)
    minutes = models.BigIntegerField(default=0)
    aid_count = models.BigIntegerField(default=0)
    aid_money = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("单位年度服务计数")
        verbose_name_plural = _("单位年度服务计数")
        constraints = [
            models.UniqueConstraint(fields=["unit", "community", "year"], name="unitservicetally_unit_community_year")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} @ {self.community_id} {self.year}: {self.records}"

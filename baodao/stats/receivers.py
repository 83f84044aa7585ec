"""What the figures hear of from the layers below (connected in StatsConfig.ready()): each domain
event and the counters it moves, in the transaction of the change that sent it. The movers are in
needs_counts, service_counts and tallies; every counter row moves through stats.counters."""

from __future__ import annotations

from baodao.directory import signals as directory
from baodao.directory.models import Place
from baodao.needs import signals as needs
from baodao.needs.models import Demand
from baodao.records import signals as records
from baodao.records.models import Record
from baodao.reporting import signals as reporting
from baodao.reporting.models import MemberReport, UnitReport
from baodao.stats import counters, needs_counts, service_counts, tallies
from baodao.stats.families import FAMILIES

# --- the three lists ---------------------------------------------------------------------------------


def demand_created(sender: type, demand: Demand, **kw: object) -> None:
    needs_counts.created(demand)


def demand_moved(sender: type, demand: Demand, old: str, new: str, before: Demand, **kw: object) -> None:
    needs_counts.moved(demand, old, new, before)


def demand_first_claimed(sender: type, demand: Demand, **kw: object) -> None:
    needs_counts.first_claimed(demand)


def demand_answered(sender: type, demand: Demand, new: str, **kw: object) -> None:
    needs_counts.answered(demand, new)


def demand_rated(sender: type, demand: Demand, **kw: object) -> None:
    needs_counts.rated(demand)


def demand_recategorized(sender: type, demand: Demand, old_category_id: int, **kw: object) -> None:
    needs_counts.recategorized(demand, old_category_id)


# --- the service record ---------------------------------------------------------------------------------


def record_counted(sender: type, record: Record, sign: int, **kw: object) -> None:
    service_counts.counted(record, sign)


# --- 双报到 -------------------------------------------------------------------------------------------


def member_report_moved(sender: type, report: MemberReport, old: str, before: MemberReport, **kw: object) -> None:
    service_counts.report_moved(report, old, before)
    tallies.member_report_moved(report)


def member_report_transferred(sender: type, report: MemberReport, old_community_id: int, **kw: object) -> None:
    service_counts.report_transferred(report, old_community_id)


def unit_report_moved(sender: type, report: UnitReport, old: str, **kw: object) -> None:
    tallies.unit_report_moved(report)


# --- master data -------------------------------------------------------------------------------------


def roster_changed(sender: type, places: list[int], **kw: object) -> None:
    tallies.mark(*places)


def roster_imported(sender: type, **kw: object) -> None:
    tallies.mark_everything()  # the import wrote rows in bulk


def places_moved(sender: type, place: Place, old_path: str = "", **kw: object) -> None:
    tallies.mark_everything()  # a subtree's paths changed in one UPDATE: the coverage tallies' paths are stale
    if old_path:
        counters.repath(old_path, place.path, FAMILIES)  # the other counters keep their places' paths


def connect() -> None:
    uid = "baodao.stats.receivers"
    for signal, receiver in (
        (needs.demand_created, demand_created),
        (needs.demand_moved, demand_moved),
        (needs.demand_first_claimed, demand_first_claimed),
        (needs.demand_answered, demand_answered),
        (needs.demand_rated, demand_rated),
        (needs.demand_recategorized, demand_recategorized),
        (records.record_counted, record_counted),
        (reporting.member_report_moved, member_report_moved),
        (reporting.member_report_transferred, member_report_transferred),
        (reporting.unit_report_moved, unit_report_moved),
        (directory.roster_changed, roster_changed),
        (directory.roster_imported, roster_imported),
        (directory.places_moved, places_moved),
    ):
        signal.connect(receiver, dispatch_uid=f"{uid}.{receiver.__name__}")
    records.member_progress.provide(service_counts.progress)

"""What 双报到 does when a lower layer tells it of a change, and the parts it adds to directory's
pages (connected in ReportingConfig.ready())."""

from __future__ import annotations

from baodao.directory.display import add_page_part
from baodao.directory.models import Place
from baodao.directory.signals import places_moved
from baodao.reporting import parts, services


def place_moved(sender: type, place: Place, **kw: object) -> None:
    """A compound moved to another community takes its members' reports and open certificates
    along (each report sends member_report_transferred; stats follows the same move)."""
    services.reports_follow_moved_place(place=place)


def connect() -> None:
    places_moved.connect(place_moved, dispatch_uid="baodao.reporting.places_moved")
    add_page_part("member", parts.member_part)
    add_page_part("rules", parts.rules_part)

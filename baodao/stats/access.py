"""Who may open which figures: the staff pages of coverage and the lists of who is behind.

Seeing an area is directory.scope's (an area out of sight is a 404); these decide whether a user
who reaches a figures page may read it at all (PermissionDenied otherwise).
"""

from __future__ import annotations

from collections.abc import Container

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from baodao.accounts.models import Actor
from baodao.directory import access as directory_access
from baodao.directory import scope
from baodao.directory import selectors as directory_selectors
from baodao.directory.models import Place, Unit


def get_area_for_figures(user: Actor, pk: int | None) -> Place:
    """The area whose figures a staff user reads: `pk` among the places seen, else the top one.

    Staff only; a user whose grants reach no area (a unit secretary) is refused."""
    directory_access.require_staff(user)
    places = directory_selectors.places_for_user(user)
    if pk:
        return get_object_or_404(places, pk=pk)
    top = places.exclude(kind=Place.Kind.BUILDING).order_by("depth", "path").first()
    if top is None:
        raise directory_access.denied(_("没有可查看的区域"))
    return top


def require_known_list(kind: str, known: Container[str]) -> None:
    """A list of who is behind exists for each coverage; any other name is a missing page."""
    if kind not in known:
        raise Http404(_("没有这个名单"))


def get_area_for_need_figures(user: Actor, pk: int | None) -> Place:
    """The area whose three-lists figures a staff user reads. They are summed from per-community
    counters, so the user must see the whole area (directory.scope.sees_whole_area), and the area
    is a community or above."""
    area = get_area_for_figures(user, pk)
    if area.kind in (Place.Kind.COMPOUND, Place.Kind.GRID, Place.Kind.BUILDING):
        community = directory_selectors.community_of(area)
        if community is None or not scope.sees_whole_area(user, community):
            raise directory_access.denied(_("三张清单的统计按社区及以上区域查看"))
        return community
    if not scope.sees_whole_area(user, area):
        raise directory_access.denied(_("只能查看本人负责的整个区域的统计"))
    return area


def get_unit_for_behind(user: Actor, pk: int | None) -> Unit | None:
    """The unit whose members' progress a unit secretary reads ("who is behind" in the unit); None
    for staff and admins, who read an area. A staff user asking for a unit is refused."""
    s = scope.scope_for(user)
    if pk is None and (s.superuser or s.place_grants):
        return None
    if not s.unit_ids:
        if pk is not None:
            raise directory_access.denied(_("只有单位党组织书记可以按单位查看"))
        directory_access.require_staff(user)
        return None
    if pk is None:
        return Unit.objects.filter(pk__in=s.unit_ids).order_by("pk").first()
    return get_object_or_404(Unit.objects.filter(pk__in=s.unit_ids), pk=pk)

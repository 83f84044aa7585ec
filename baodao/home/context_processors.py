"""The header of every page: the audience's base template, the links a user may follow, the unread count."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.functional import SimpleLazyObject

from baodao.accounts.models import Actor
from baodao.directory import access as directory_access
from baodao.directory import scope
from baodao.needs import access as needs_access
from baodao.notifications.selectors import unread_count
from baodao.records import access as records_access
from baodao.reporting import access as reporting_access
from baodao.stats import access as stats_access


def passes(guard: Callable[[], object]) -> bool:
    """Whether a view's own guard lets the user through: a link shows exactly when following it
    would not answer 没有权限 (or a missing page)."""
    try:
        guard()
    except (PermissionDenied, Http404):
        return False
    return True


class Nav:
    """The menu's links, each shown by the guard of the view it leads to (one predicate per link,
    the view's own, so a link and its page never disagree). Each is asked only when a base template
    shows it, and once a request."""

    def __init__(self, user: Actor) -> None:
        self.user = user
        self.scope = scope.scope_for(user)

    # --- the phone's menu -------------------------------------------------------------------------
    @property
    def is_member(self) -> bool:
        return bool(self.scope.member_ids)

    @property
    def is_resident(self) -> bool:
        return bool(self.scope.resident_ids)

    @cached_property
    def can_ask(self) -> bool:
        """我有需求: a resident's own demand form."""
        return passes(lambda: needs_access.get_own_resident(self.user))

    # --- the staff menu ---------------------------------------------------------------------------
    @cached_property
    def can_directory(self) -> bool:
        return passes(lambda: directory_access.require_staff(self.user))

    @cached_property
    def can_coverage(self) -> bool:
        return passes(lambda: stats_access.get_area_for_figures(self.user, None))

    @cached_property
    def can_confirm_reports(self) -> bool:
        return passes(lambda: reporting_access.get_communities_for_decisions(self.user, None))

    @cached_property
    def can_needs(self) -> bool:
        return passes(lambda: needs_access.require_staff(self.user))

    @cached_property
    def can_need_figures(self) -> bool:
        return passes(lambda: stats_access.get_area_for_need_figures(self.user, None))

    @cached_property
    def can_activities(self) -> bool:
        return passes(lambda: records_access.get_community_for_organizing(self.user, None))

    @cached_property
    def can_teams(self) -> bool:
        return passes(lambda: records_access.get_community_for_teams(self.user, None))

    @cached_property
    def can_confirm_records(self) -> bool:
        return passes(lambda: records_access.require_record_confirmer(self.user))

    @cached_property
    def can_behind(self) -> bool:
        # The view's order: a unit secretary's unit, else an area seen whole.
        return passes(
            lambda: (
                stats_access.get_unit_for_behind(self.user, None)
                or stats_access.get_area_for_need_figures(self.user, None)
            )
        )

    @cached_property
    def can_leaders(self) -> bool:
        return passes(lambda: records_access.require_leader_visits_reader(self.user))

    @cached_property
    def can_unit_claims(self) -> bool:
        return passes(lambda: needs_access.get_unit_for_figures(self.user, None))

    @cached_property
    def is_unit_secretary(self) -> bool:
        """The unit's own pages (单位报到, 报到台账)."""
        return passes(lambda: reporting_access.get_unit_for_secretary(self.user))

    @cached_property
    def can_assign(self) -> bool:
        return scope.may_assign_units(self.user)

    @cached_property
    def can_import(self) -> bool:
        return passes(lambda: directory_access.require_master_data_manager(self.user))

    @cached_property
    def can_rules(self) -> bool:
        return passes(lambda: directory_access.get_city_for_rules(self.user))

    @cached_property
    def can_categories(self) -> bool:
        return passes(lambda: directory_access.require_category_editor(self.user))

    @cached_property
    def can_audit(self) -> bool:
        return passes(lambda: directory_access.require_audit_reader(self.user))

    @cached_property
    def can_reset_passwords(self) -> bool:
        return passes(lambda: directory_access.require_password_resetter(self.user))


def base_template_for(user: Actor | None) -> str:
    """The audience's layout: the staff one (menu, wide tables) for anyone with a staff role, the
    phone one for members, residents and visitors. Every page a staff role can open renders in it,
    whoever else may open the page too."""
    if user is None or not user.is_authenticated:
        return "base_mobile.html"
    return "base_staff.html" if scope.scope_for(user).is_staff_like else "base_mobile.html"


def nav(request: HttpRequest) -> dict:
    """Header links, the audience's base template and the unread count (lazy: paid only if shown)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"base_template": base_template_for(None)}
    return {
        "base_template": base_template_for(user),
        "unread_count": SimpleLazyObject(lambda: unread_count(user)),
        "nav": Nav(user),
    }

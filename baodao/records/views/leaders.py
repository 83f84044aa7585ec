"""City leaders' weekly research visits (市级领导调研, DOMAIN.md §2 [seed 002]: at least one compound a
week, a rule row). The leader logs a visit — or the community's staff log it for the leader — and
the visited community's staff confirm or return it; the city and the communities follow each
leader's weeks against the rule."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from baodao.accounts.models import Actor, AuthedHttpRequest
from baodao.core.http import act, int_or_none, page_of
from baodao.directory import scope
from baodao.directory.models import LeaderLink
from baodao.records import access, forms, obligations, selectors, services

MAX_LINKS = 500


def _loggable(user: Actor, links: list[LeaderLink]) -> list[LeaderLink]:
    return [k for k in links if access.may_log_visit(user, k)]


def _refused(request: AuthedHttpRequest, reasons: list[str] | None = None) -> forms.VisitForm:
    """The posted form again, over every link the user may log for, with what was typed and why it
    was refused (the reasons above the fields)."""
    form = forms.VisitForm(request.POST, links=_loggable(request.user, list(scope.leader_links_for_user(request.user))))
    form.is_valid()
    for reason in reasons or []:
        form.add_error(None, reason)
    return form


def _page(
    request: AuthedHttpRequest, form: forms.VisitForm | None = None, errors: list[str] | None = None
) -> HttpResponse:
    access.require_leader_visits_reader(request.user)
    year = timezone.localdate().year
    all_links = (
        scope.leader_links_for_user(request.user).select_related("community").order_by("community__sort_key", "id")
    )
    # Three lists, each paged by its own parameter: the leaders' years, visits to confirm, visits.
    links = page_of(request, all_links)
    loggable = _loggable(request.user, list(all_links[:MAX_LINKS]))  # the form's choices
    return render(
        request,
        "records/leaders.html",
        {
            "year": year,
            "rows": obligations.leader_years(list(links.object_list), year),
            "page": links,
            "pending": page_of(request, selectors.visits_to_decide(request.user), param="pending"),
            "recent": page_of(request, selectors.visits_of(all_links), param="recent"),
            "form": form or (forms.VisitForm(links=loggable) if loggable else None),
            "errors": errors or [],
        },
        status=422 if errors or (form is not None and form.errors) else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def leaders(request: AuthedHttpRequest) -> HttpResponse:
    if request.method == "GET" or not access.may_view_leader_visits(request.user):
        return _page(request)
    link_id = int_or_none(request.POST.get("link"))
    links = [access.get_leader_link_for_log(request.user, link_id)] if link_id is not None else []
    form = forms.VisitForm(request.POST, links=links)
    if not form.is_valid():  # again over every link the user may log for, not only the one posted
        return _page(request, _refused(request))
    return act(
        request,
        # The form's link is the one asked of access above (its only choice).
        lambda: services.leader_visit_log(by=request.user, **form.cleaned_data),
        ok=_("调研已登记，待社区确认"),
        then=reverse("records:leaders"),
        refused=lambda errors: _page(request, _refused(request, errors)),
    )


@login_required
@require_POST
def visit_decide(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    visit = access.get_visit_for_decision(request.user, pk)
    confirm = request.POST.get("action") != "return"
    return act(
        request,
        lambda: services.leader_visit_decide(
            visit=visit, by=request.user, confirm=confirm, reason=request.POST.get("reason", "")
        ),
        ok=_("已确认") if confirm else _("已退回"),
        then=reverse("records:leaders"),
        refused=lambda errors: _page(request, errors=errors),
    )

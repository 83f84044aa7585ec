"""City leaders' weekly research visits (市级领导调研, DOMAIN.md §2 [seed 002]: at least one compound a
week, a rule row). The leader logs a visit — or the community's staff log it for the leader — and
the visited community's staff confirm or return it; the city and the communities follow each
leader's weeks against the rule."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from baodao.accounts.models import Actor, AuthedHttpRequest
from baodao.core.forms import Form
from baodao.core.http import int_or_none, page_of
from baodao.directory import scope
from baodao.directory.models import LeaderLink, Place
from baodao.records import access, obligations, services
from baodao.records.models import LeaderVisit

MAX_LINKS = 500


class VisitForm(Form):
    link = forms.ModelChoiceField(label=gettext_lazy("市级领导（联系社区）"), queryset=LeaderLink.objects.none())
    place = forms.ModelChoiceField(label=gettext_lazy("调研小区（网格）"), queryset=Place.objects.none())
    visited_on = forms.DateField(label=gettext_lazy("调研日期"), widget=forms.DateInput(attrs={"type": "date"}))
    content = forms.CharField(label=gettext_lazy("调研内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: object, links: list[LeaderLink], **kw: object) -> None:
        super().__init__(*args, **kw)
        ids = [link.pk for link in links]
        self.fields["link"].queryset = LeaderLink.objects.filter(pk__in=ids).select_related("community")  # type: ignore[attr-defined]
        self.fields["link"].label_from_instance = lambda k: f"{k.leader_name}（{k.title}）→ {k.community.name}"  # type: ignore[attr-defined]
        q = Q(pk__in=[])
        for path in {link.community.path for link in links}:
            q |= Q(path__startswith=path)
        visited = Place.objects.filter(q, kind__in=(Place.Kind.COMPOUND, Place.Kind.GRID)).order_by("sort_key")
        self.fields["place"].queryset = visited  # type: ignore[attr-defined]
        self.fields["visited_on"].initial = timezone.localdate()
        if len(ids) == 1:
            self.fields["link"].initial = ids[0]


def _loggable(user: Actor, links: list[LeaderLink]) -> list[LeaderLink]:
    return [k for k in links if access.may_log_visit(user, k)]


def _refused(request: AuthedHttpRequest, reasons: list[str] | None = None) -> VisitForm:
    """The posted form again, over every link the user may log for, with what was typed and why it
    was refused (the reasons above the fields)."""
    form = VisitForm(request.POST, links=_loggable(request.user, list(scope.leader_links_for_user(request.user))))
    form.is_valid()
    for reason in reasons or []:
        form.add_error(None, reason)
    return form


def _page(request: AuthedHttpRequest, form: VisitForm | None = None, errors: list[str] | None = None) -> HttpResponse:
    access.require_leader_visits_reader(request.user)
    year = timezone.localdate().year
    all_links = (
        scope.leader_links_for_user(request.user).select_related("community").order_by("community__sort_key", "id")
    )
    # Three lists, each paged by its own parameter: the leaders' years, visits to confirm, visits.
    links = page_of(request, all_links)
    loggable = _loggable(request.user, list(all_links[:MAX_LINKS]))  # the form's choices
    decidable = scope.communities_confirmed_by(request.user)
    pending = (
        LeaderVisit.objects.filter(status=LeaderVisit.Status.PENDING, community__in=decidable)
        .exclude(logged_by=request.user)
        .exclude(link__user=request.user)
        .select_related("link", "place", "community")
        .order_by("visited_on", "id")
    )
    recent = (
        LeaderVisit.objects.filter(link__in=all_links.values("pk"))
        .select_related("link", "place")
        .order_by("-visited_on", "-id")
    )
    return render(
        request,
        "records/leaders.html",
        {
            "year": year,
            "rows": obligations.leader_years(list(links.object_list), year),
            "page": links,
            "pending": page_of(request, pending, param="pending"),
            "recent": page_of(request, recent, param="recent"),
            "form": form or (VisitForm(links=loggable) if loggable else None),
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
    form = VisitForm(request.POST, links=links)
    if not form.is_valid():
        return _page(request, _refused(request))
    link = links[0]
    try:
        services.leader_visit_log(
            link=link,
            place=form.cleaned_data["place"],
            visited_on=form.cleaned_data["visited_on"],
            content=form.cleaned_data["content"],
            by=request.user,
        )
    except ValidationError as exc:
        return _page(request, _refused(request, exc.messages))
    messages.success(request, _("调研已登记，待社区确认"))
    return redirect(reverse("records:leaders"))


@login_required
@require_POST
def visit_decide(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    visit = access.get_visit_for_decision(request.user, pk)
    confirm = request.POST.get("action") != "return"
    try:
        services.leader_visit_decide(
            visit=visit, by=request.user, confirm=confirm, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        return _page(request, errors=exc.messages)
    messages.success(request, _("已确认") if confirm else _("已退回"))
    return redirect(reverse("records:leaders"))

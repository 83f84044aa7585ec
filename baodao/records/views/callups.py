"""应急动员: staff call the members of a community, a compound or a team; members answer on the phone;
the headcount is live on the staff's page (htmx asks every few seconds); who came gets a record."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from baodao.accounts.models import AuthedHttpRequest
from baodao.core.forms import Form
from baodao.core.http import int_or_none, page_of
from baodao.directory.models import Place
from baodao.records import access, selectors, services
from baodao.records.forms import LocalDateTime
from baodao.records.models import Callup, Team

HEADCOUNT_EVERY = 5  # seconds between the live headcount's refreshes


class CallupForm(Form):
    title = forms.CharField(label=gettext_lazy("任务"), max_length=100)
    address = forms.CharField(label=gettext_lazy("集合地点"), max_length=100)
    starts_at = LocalDateTime(label=gettext_lazy("开始时间"))
    ends_at = LocalDateTime(label=gettext_lazy("结束时间"))
    needed = forms.IntegerField(label=gettext_lazy("需要人数"), min_value=1, max_value=10000)
    place = forms.ModelChoiceField(
        label=gettext_lazy("只召集某小区的党员（可不选）"), queryset=Place.objects.none(), required=False
    )
    team = forms.ModelChoiceField(
        label=gettext_lazy("或召集某服务队（可不选）"), queryset=Team.objects.none(), required=False
    )

    def __init__(self, *args: object, community: Place, **kw: object) -> None:
        super().__init__(*args, **kw)
        self.fields["place"].queryset = Place.objects.filter(  # type: ignore[attr-defined]
            parent=community, kind__in=(Place.Kind.COMPOUND, Place.Kind.GRID)
        ).order_by("sort_key")
        self.fields["team"].queryset = Team.objects.filter(  # type: ignore[attr-defined]
            community=community, is_active=True
        ).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def callups(request: AuthedHttpRequest) -> HttpResponse:
    choices = selectors.team_communities(request.user)
    pk = int_or_none(request.GET.get("community") or request.POST.get("community"))
    community = access.get_community_for_callups(request.user, pk)
    form = CallupForm(request.POST or None, community=community)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            d = form.cleaned_data
            try:
                c = services.callup_create(
                    community=community,
                    title=d["title"],
                    address=d["address"],
                    starts_at=d["starts_at"],
                    ends_at=d["ends_at"],
                    needed=d["needed"],
                    place=d["place"],
                    team=d["team"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("已发出动员"))
                return redirect(reverse("records:callup", args=[c.pk]))
    page = page_of(request, Callup.objects.filter(community=community).order_by("-starts_at", "-id"))
    return render(
        request,
        "records/callups.html",
        {"communities": choices[:300], "community": community, "rows": page.object_list, "page": page, "form": form},
        status=status,
    )


@login_required
@require_GET
def callup(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    c, member, runs = access.get_callup_for_view(request.user, pk)
    ctx = {"c": c, "count": services.callup_headcount(c), "every": HEADCOUNT_EVERY, "runs": runs}
    if request.headers.get("HX-Request"):
        return render(request, "records/_headcount.html", ctx)
    if member is not None:
        ctx["mine"] = c.answers.filter(member=member).first()
    if runs:
        ctx["answers"] = list(c.answers.select_related("member").order_by("-coming", "member__name"))
    return render(request, "records/callup.html", ctx)


@login_required
@require_POST
def callup_answer(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    c, member = access.get_callup_for_answer(request.user, pk)
    coming = request.POST.get("coming") == "1"
    try:
        services.callup_answer(callup=c, member=member, coming=coming, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已回复：能到场") if coming else _("已回复：来不了"))
    return redirect(reverse("records:callup", args=[pk]))


@login_required
@require_POST
def callup_attend(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    c = access.get_callup_for_running(request.user, pk)
    ids = [i for i in (int_or_none(x) for x in request.POST.getlist("members")) if i is not None]
    members = access.get_members_for_callup_attend(request.user, c, ids)
    try:
        n = services.callup_attend(callup=c, members=members, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已登记 %(n)s 人到场，纪实待确认") % {"n": n})
    return redirect(reverse("records:callup", args=[pk]))


@login_required
@require_POST
def callup_close(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    c = access.get_callup_for_running(request.user, pk)
    try:
        services.callup_close(callup=c, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("动员已结束"))
    return redirect(reverse("records:callup", args=[pk]))

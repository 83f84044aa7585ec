"""结对帮扶: the community pairs a reported member with a resident household in need; the member logs
each visit as a record pointing at the pairing. The household's details are shown to the staff who
manage the resident and to the paired member while paired (the three lists' privacy rule)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from baodao.accounts.models import AuthedHttpRequest
from baodao.core.forms import Form
from baodao.core.http import int_or_none, page_of
from baodao.directory.models import Member, Place, Resident
from baodao.records import access, selectors, services
from baodao.records.models import Pairing
from baodao.reporting.models import MemberReport

MAX_CHOICES = 500


class PairingForm(Form):
    member = forms.ModelChoiceField(label=gettext_lazy("结对党员"), queryset=Member.objects.none())
    resident = forms.ModelChoiceField(label=gettext_lazy("帮扶对象（居民户）"), queryset=Resident.objects.none())
    need = forms.CharField(label=gettext_lazy("帮扶需求"), max_length=200)

    def __init__(self, *args: object, community: Place, **kw: object) -> None:
        super().__init__(*args, **kw)
        reported = MemberReport.objects.filter(community=community, status=MemberReport.Status.CONFIRMED)
        # A select of at most MAX_CHOICES each (a sliced queryset cannot validate: keep the ids).
        members = list(reported.order_by("member__name").values_list("member_id", flat=True)[:MAX_CHOICES])
        self.fields["member"].queryset = Member.objects.filter(pk__in=members).order_by("name")  # type: ignore[attr-defined]
        # Households with a special-group flag (困难群众、空巢老人…) first, then the others.
        residents = Resident.objects.filter(residence__path__startswith=community.path)
        flagged = list(
            residents.filter(special_groups__isnull=False).distinct().values_list("pk", flat=True)[:MAX_CHOICES]
        )
        others = list(residents.exclude(pk__in=flagged).order_by("name").values_list("pk", flat=True)[:MAX_CHOICES])
        self.fields["resident"].queryset = Resident.objects.filter(  # type: ignore[attr-defined]
            pk__in=flagged + others[: MAX_CHOICES - len(flagged)]
        ).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def pairings(request: AuthedHttpRequest) -> HttpResponse:
    choices = selectors.team_communities(request.user)
    pk = int_or_none(request.GET.get("community") or request.POST.get("community"))
    community = access.get_community_for_pairings(request.user, pk)
    form = PairingForm(request.POST or None, community=community)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.pairing_create(
                    member=form.cleaned_data["member"],
                    resident=form.cleaned_data["resident"],
                    need=form.cleaned_data["need"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("已结对"))
                return redirect(f"{reverse('records:pairings')}?community={community.pk}")
    page = page_of(
        request,
        Pairing.objects.filter(community=community)
        .select_related("member", "resident")
        .annotate(visit_count=Count("visits"))
        .order_by("ended_on", "-started_on", "-id"),
    )
    return render(
        request,
        "records/pairings.html",
        {"communities": choices[:300], "community": community, "rows": page.object_list, "page": page, "form": form},
        status=status,
    )


@login_required
@require_POST
def pairing_end(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    pairing = get_object_or_404(Pairing.objects.filter(community__in=selectors.team_communities(request.user)), pk=pk)
    try:
        services.pairing_end(pairing=pairing, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("结对已结束"))
    return redirect(f"{reverse('records:pairings')}?community={pairing.community_id}")

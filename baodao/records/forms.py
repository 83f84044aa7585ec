"""Forms of the record's pages: an activity, a logged service and its correction, a manual
attendance mark, a team, a call-up, a pairing, a leader's visit, a certificate's period, a return."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from baodao.accounts.models import Actor
from baodao.core.forms import Form
from baodao.directory import selectors as directory_selectors
from baodao.directory.models import Category, LeaderLink, Member, Place, Resident, Unit
from baodao.needs.forms import PhotosField
from baodao.needs.models import Claim
from baodao.needs.selectors import public_name
from baodao.records import selectors
from baodao.records.models import Activity, Pairing, Record, Team
from baodao.records.services import donor_of
from baodao.reporting.models import MemberReport

LOCAL = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
MAX_CHOICES = 500  # the pairing form's selects


def add_refusal(form: forms.BaseForm, exc: ValidationError) -> None:
    """A service's refusal on the form: under the field it names when the form has that field,
    else at the top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class LocalDateTime(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kw: Any) -> None:  # noqa: ANN401 - field options
        kw.setdefault("input_formats", LOCAL)
        super().__init__(**kw)


class ActivityForm(Form):
    title = forms.CharField(label=_("活动名称"), max_length=100)
    kind = forms.ModelChoiceField(label=_("活动类型"), queryset=Category.objects.none())
    place = forms.ModelChoiceField(label=_("地点（小区/楼栋）"), queryset=Place.objects.none())
    address = forms.CharField(label=_("具体地点"), max_length=100, required=False)
    starts_at = LocalDateTime(label=_("开始时间"))
    ends_at = LocalDateTime(label=_("结束时间"))
    capacity = forms.IntegerField(label=_("人数上限"), min_value=1, max_value=10000, initial=20)
    audience = forms.ChoiceField(label=_("报名范围"), choices=Activity.Audience.choices)
    units = forms.ModelMultipleChoiceField(
        label=_("指定单位"), queryset=Unit.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    team = forms.ModelChoiceField(label=_("指定服务队"), queryset=Team.objects.none(), required=False)
    description = forms.CharField(label=_("活动内容"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, community: Place, **kw: Any) -> None:  # noqa: ANN401
        super().__init__(*args, **kw)
        self.fields["kind"].queryset = Category.objects.filter(  # type: ignore[attr-defined]
            kind=Category.Kind.ACTIVITY_TYPE, is_active=True
        ).order_by("sort_order", "id")
        self.fields["place"].queryset = Place.objects.filter(  # type: ignore[attr-defined]
            path__startswith=community.path,
            kind__in=(Place.Kind.COMMUNITY, Place.Kind.COMPOUND, Place.Kind.GRID, Place.Kind.BUILDING),
        ).order_by("sort_key")
        self.fields["units"].queryset = directory_selectors.assigned_units(community)  # type: ignore[attr-defined]
        self.fields["team"].queryset = Team.objects.filter(  # type: ignore[attr-defined]
            community=community, is_active=True
        ).order_by("name")


class LogForm(Form):
    starts_at = LocalDateTime(label=_("开始时间"))
    ends_at = LocalDateTime(label=_("结束时间"))
    content = forms.CharField(label=_("服务内容"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    place = forms.ModelChoiceField(label=_("服务地点（小区/楼栋）"), queryset=Place.objects.none(), required=False)
    address = forms.CharField(label=_("具体地点"), max_length=100, required=False)
    beneficiary = forms.CharField(label=_("服务对象"), max_length=200, required=False)
    kind = forms.ModelChoiceField(label=_("服务类型"), queryset=Category.objects.none(), required=False)
    pairing = forms.ModelChoiceField(label=_("结对帮扶走访"), queryset=Pairing.objects.none(), required=False)
    aid_items = forms.CharField(label=_("帮扶物资（选填）"), max_length=200, required=False)
    aid_count = forms.IntegerField(label=_("物资件数"), min_value=0, max_value=100000, required=False, initial=0)
    aid_money = forms.DecimalField(
        label=_("帮扶资金（元）"), min_value=0, max_value=10000000, decimal_places=2, required=False, initial=0
    )
    donor_kind = forms.ChoiceField(label=_("捐助方"), choices=[("", "—"), *Record.Donor.choices], required=False)
    donor_name = forms.CharField(label=_("捐助方名称"), max_length=100, required=False)
    demand = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, community: Place | None, member: Any = None, **kw: Any) -> None:  # noqa: ANN401
        super().__init__(*args, **kw)
        if member is not None:
            self.fields["pairing"].queryset = Pairing.objects.filter(  # type: ignore[attr-defined]
                member=member, ended_on__isnull=True
            ).select_related("resident")
        self.fields["kind"].queryset = Category.objects.filter(  # type: ignore[attr-defined]
            kind=Category.Kind.ACTIVITY_TYPE, is_active=True
        ).order_by("sort_order", "id")
        if community is not None:
            self.fields["place"].queryset = Place.objects.filter(  # type: ignore[attr-defined]
                path__startswith=community.path
            ).order_by("sort_key")


class ClaimLogForm(LogForm):
    """Service logged against a claim, pre-filled from it (what, where, for whom, who gave the aid):
    typed once. `done` reports the claim's share done in the same step, the content its note."""

    photos = PhotosField(label=_("照片（选填，JPG/PNG）"))
    done = forms.BooleanField(label=_("同时报告完成（服务内容作为完成说明）"), required=False)

    def __init__(self, *args: Any, claim: Claim, **kw: Any) -> None:  # noqa: ANN401
        demand = claim.demand
        kw.setdefault("initial", claim_log_initial(claim))
        kw.setdefault("auto_id", "log_%s")  # beside the done form on the claim's page: ids apart
        super().__init__(*args, community=demand.community, **kw)
        del self.fields["pairing"], self.fields["demand"]
        if claim.status not in (Claim.Status.CLAIMED, Claim.Status.STARTED):
            del self.fields["done"]  # reported done already: the hours alone


def claim_log_initial(claim: Claim) -> dict[str, Any]:
    """What the claim already says: the item's title, its building, the asker as the public lists
    show them (a masked name, if the resident allowed one), who gave the aid."""
    demand = claim.demand
    who = [public_name(demand), demand.place.residence_label]
    return {
        "content": demand.title,
        "place": demand.place_id,
        "beneficiary": "，".join(x for x in who if x)[:200],
        "donor_kind": donor_of(claim),
    }


class MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return f"{obj.name}（{obj.unit.name}）"


class AttendanceForm(Form):
    """手工登记考勤: the member is chosen among those the activity is for (who could not scan has
    often not signed up on a phone either); the times start at the activity's."""

    member = MemberChoice(label=_("党员"), queryset=Member.objects.none(), empty_label=_("请选择党员"))
    checkin_at = LocalDateTime(label=_("签到时间"))
    checkout_at = LocalDateTime(label=_("签退时间"))
    reason = forms.CharField(label=_("手工登记原因"), max_length=200, help_text=_("如：没有智能手机、手机没电"))

    def __init__(self, *args: Any, user: Actor, activity: Activity, **kw: Any) -> None:  # noqa: ANN401
        from django.utils import timezone

        kw.setdefault(
            "initial", {"checkin_at": activity.starts_at, "checkout_at": min(activity.ends_at, timezone.now())}
        )
        super().__init__(*args, **kw)
        self.fields["member"].queryset = selectors.attendance_candidates(user, activity)  # type: ignore[attr-defined]


class RecordEditForm(Form):
    """Correct a record (a new version; the old one stays in the timeline). What the member logged
    may be mended whole; an attendance only its times and content (its place and type are the
    activity's)."""

    starts_at = LocalDateTime(label=_("开始时间"))
    ends_at = LocalDateTime(label=_("结束时间"))
    content = forms.CharField(label=_("服务内容"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    place = forms.ModelChoiceField(
        label=_("服务地点（小区/楼栋）"), queryset=Place.objects.none(), required=False, empty_label=_("不选")
    )
    address = forms.CharField(label=_("具体地点"), max_length=100, required=False)
    beneficiary = forms.CharField(label=_("服务对象"), max_length=200, required=False)
    kind = forms.ModelChoiceField(
        label=_("服务类型"), queryset=Category.objects.none(), required=False, empty_label=_("不选")
    )

    def __init__(self, *args: Any, record: Record, **kw: Any) -> None:  # noqa: ANN401
        kw.setdefault(
            "initial",
            {
                "starts_at": record.starts_at,
                "ends_at": record.ends_at,
                "content": record.content,
                "place": record.place_id,
                "address": record.address,
                "beneficiary": record.beneficiary,
                "kind": record.kind_id,
            },
        )
        super().__init__(*args, **kw)
        if record.source != Record.Source.LOGGED:
            for name in ("place", "address", "kind"):
                del self.fields[name]
            return
        self.fields["place"].queryset = Place.objects.filter(  # type: ignore[attr-defined]
            path__startswith=record.community.path
        ).order_by("sort_key")
        self.fields["kind"].queryset = Category.objects.filter(  # type: ignore[attr-defined]
            kind=Category.Kind.ACTIVITY_TYPE, is_active=True
        ).order_by("sort_order", "id")


class TeamForm(Form):
    kind = forms.ModelChoiceField(label=_("服务队类型"), queryset=Category.objects.none())
    name = forms.CharField(label=_("名称（可不填）"), max_length=100, required=False)
    leader = forms.ModelChoiceField(label=_("队长"), queryset=Member.objects.none())

    def __init__(self, *args: object, community: Place, **kw: object) -> None:
        super().__init__(*args, **kw)
        self.fields["kind"].queryset = Category.objects.filter(  # type: ignore[attr-defined]
            kind=Category.Kind.TEAM_TYPE, is_active=True
        ).order_by("sort_order", "id")
        reported = MemberReport.objects.filter(community=community, status=MemberReport.Status.CONFIRMED)
        self.fields["leader"].queryset = Member.objects.filter(  # type: ignore[attr-defined]
            pk__in=reported.values("member_id")
        ).order_by("name")


class CallupForm(Form):
    title = forms.CharField(label=_("任务"), max_length=100)
    address = forms.CharField(label=_("集合地点"), max_length=100)
    starts_at = LocalDateTime(label=_("开始时间"))
    ends_at = LocalDateTime(label=_("结束时间"))
    needed = forms.IntegerField(label=_("需要人数"), min_value=1, max_value=10000)
    place = forms.ModelChoiceField(
        label=_("只召集某小区的党员（可不选）"), queryset=Place.objects.none(), required=False
    )
    team = forms.ModelChoiceField(label=_("或召集某服务队（可不选）"), queryset=Team.objects.none(), required=False)

    def __init__(self, *args: object, community: Place, **kw: object) -> None:
        super().__init__(*args, **kw)
        self.fields["place"].queryset = Place.objects.filter(  # type: ignore[attr-defined]
            parent=community, kind__in=(Place.Kind.COMPOUND, Place.Kind.GRID)
        ).order_by("sort_key")
        self.fields["team"].queryset = Team.objects.filter(  # type: ignore[attr-defined]
            community=community, is_active=True
        ).order_by("name")


class PairingForm(Form):
    member = forms.ModelChoiceField(label=_("结对党员"), queryset=Member.objects.none())
    resident = forms.ModelChoiceField(label=_("帮扶对象（居民户）"), queryset=Resident.objects.none())
    need = forms.CharField(label=_("帮扶需求"), max_length=200)

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


class VisitForm(Form):
    link = forms.ModelChoiceField(label=_("市级领导（联系社区）"), queryset=LeaderLink.objects.none())
    place = forms.ModelChoiceField(label=_("调研小区（网格）"), queryset=Place.objects.none())
    visited_on = forms.DateField(label=_("调研日期"), widget=forms.DateInput(attrs={"type": "date"}))
    content = forms.CharField(label=_("调研内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

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


class PeriodForm(Form):
    starts_on = forms.DateField(label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    ends_on = forms.DateField(label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    member = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReturnForm(Form):
    reason = forms.CharField(label=_("退回原因"), max_length=200)


class UnitLogForm(Form):
    starts_at = LocalDateTime(label=_("开始时间"))
    ends_at = LocalDateTime(label=_("结束时间"))
    content = forms.CharField(label=_("内容（实事、党课、主题党日等）"), max_length=1000)

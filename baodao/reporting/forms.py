"""Forms of 双报到: unit report, functions, commitment text, return reasons, activation and registration."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from baodao.core.forms import Form
from baodao.core.http import int_or_none
from baodao.core.validators import id_number_error, mobile_error
from baodao.core.widgets import DateInput
from baodao.directory.models import Category, Place


def _categories(kind: str) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=Category.objects.filter(kind=kind, is_active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class UnitReportForm(Form):
    contact_name = forms.CharField(label=_("联系人"), max_length=50)
    contact_phone = forms.CharField(label=_("联系电话（手机）"), max_length=11)
    report_date = forms.DateField(label=_("报到日期"), widget=DateInput())
    unit_signatory = forms.CharField(label=_("单位党组织书记"), max_length=50)
    unit_resources = forms.CharField(label=_("单位资源清单"), widget=forms.Textarea(attrs={"rows": 4}))
    resource_tags = _categories(Category.Kind.INTENTION)
    community_demands = forms.CharField(label=_("社区需求清单"), widget=forms.Textarea(attrs={"rows": 4}))
    demand_tags = _categories(Category.Kind.INTENTION)
    joins_big_committee = forms.BooleanField(label=_("单位党组织加入社区大党委"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401 - Django's form signature
        super().__init__(*args, **kwargs)
        self.fields["report_date"].initial = timezone.localdate()
        self.fields["resource_tags"].label = _("资源类别")
        self.fields["demand_tags"].label = _("需求类别")

    def clean_contact_phone(self) -> str:
        value = self.cleaned_data["contact_phone"].strip()
        if err := mobile_error(value):
            raise forms.ValidationError(err)
        return value


class UnitFunctionsForm(Form):
    """The unit's functions: what it can offer a community, before and besides any agreement."""

    functions = _categories(Category.Kind.INTENTION)

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401 - Django's form signature
        super().__init__(*args, **kwargs)
        self.fields["functions"].label = _("单位职能（资源类别）")


COMMITMENT_HELP = _("可用 {activities} 和 {hours} 代表本市规则中每年参加活动的次数和服务小时数，规则调整后自动更新。")


class CommitmentForm(Form):
    """A city's own 服务承诺书 (city admin)."""

    text = forms.CharField(
        label=_("服务承诺书"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=COMMITMENT_HELP,
        error_messages={"required": _("请填写服务承诺书内容")},
    )


class ReturnForm(Form):
    reason = forms.CharField(label=_("退回原因"), max_length=200, error_messages={"required": _("退回时请填写原因")})


class ConfirmUnitForm(Form):
    community_signatory = forms.CharField(
        label=_("社区党组织书记"), max_length=50, error_messages={"required": _("请填写社区党组织书记姓名")}
    )


class ActivateForm(Form):
    """First visit from a certificate link: prove the roster mobile, choose a password."""

    mobile = forms.CharField(label=_("手机号（单位登记的）"), max_length=11)
    # Kept when the page comes back for another field's error; emptied when they are what is wrong.
    password = forms.CharField(label=_("设置密码"), widget=forms.PasswordInput(render_value=True), strip=False)
    password2 = forms.CharField(label=_("再次输入密码"), widget=forms.PasswordInput(render_value=True), strip=False)

    def clean_mobile(self) -> str:
        value = self.cleaned_data["mobile"].strip()
        if err := mobile_error(value):
            raise forms.ValidationError(err)
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # What the rules say belongs to the password itself; the confirmation only has to match it.
        if data.get("password"):
            try:
                validate_password(data["password"])
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", _("两次输入的密码不一致"))
        if "password" in self.errors or "password2" in self.errors:
            for name in ("password", "password2"):
                widget = self.fields[name].widget
                assert isinstance(widget, forms.PasswordInput)
                widget.render_value = False
        return data


class RosterActivateForm(ActivateForm):
    """Self-report from a community poster: the ID number and mobile must match the roster."""

    id_number = forms.CharField(label=_("身份证号"), max_length=18)
    # A changed phone: ask the unit secretary to approve the new mobile instead of being refused.
    request_change = forms.BooleanField(
        label=_("申请以新手机号报到（手机号已更换，由所在单位党组织审核）"), required=False
    )
    field_order = ["id_number", "mobile", "password", "password2", "request_change"]

    def clean_id_number(self) -> str:
        value = self.cleaned_data["id_number"].strip().upper()
        if err := id_number_error(value):
            raise forms.ValidationError(err)
        return value


@dataclass
class ResidenceGroup:
    """A compound or grid of the registration tree, with its buildings."""

    place: Place
    buildings: list[Place] = field(default_factory=list)
    chosen: int | None = None  # the residence chosen so far, when it is in this group

    @property
    def open(self) -> bool:
        return self.chosen is not None

    @property
    def selectable(self) -> bool:
        """The group itself can be the residence (a compound or grid, not the community)."""
        return self.place.kind != Place.Kind.COMMUNITY


class RegisterForm(Form):
    """Step 2 on the phone: residence, skills, intentions, team types, the commitment."""

    residence = forms.ModelChoiceField(
        label=_("居住小区/楼栋"),
        queryset=Place.objects.none(),
        error_messages={"required": _("请选择居住的小区或楼栋"), "invalid_choice": _("请从列表中选择居住的小区或楼栋")},
    )
    room = forms.CharField(label=_("门牌号（如 2单元301）"), max_length=50, required=False)
    skills = _categories(Category.Kind.SKILL)
    intentions = _categories(Category.Kind.INTENTION)
    team_types = _categories(Category.Kind.TEAM_TYPE)
    commitment = forms.BooleanField(label=_("我已阅读并签署服务承诺书"), required=False)

    def __init__(self, *args: Any, community: Place, min_teams: int = 1, **kwargs: Any) -> None:  # noqa: ANN401
        super().__init__(*args, **kwargs)
        self.community = community
        residence = self.fields["residence"]
        assert isinstance(residence, forms.ModelChoiceField)
        residence.queryset = Place.objects.filter(
            path__startswith=community.path,
            kind__in=[Place.Kind.COMPOUND, Place.Kind.GRID, Place.Kind.BUILDING],
        ).select_related("parent")
        residence.label_from_instance = lambda p: (  # type: ignore[assignment]
            f"{p.parent.name} {p.name}" if p.kind == Place.Kind.BUILDING else p.name
        )
        self.fields["skills"].label = _("兴趣特长")
        self.fields["intentions"].label = _("服务意愿")
        self.fields["team_types"].label = _("愿意加入的志愿服务队（至少 %(n)d 个）") % {"n": min_teams}

    def residence_groups(self) -> list[ResidenceGroup]:
        """The community's compounds and grids, each with its buildings, for the radio tree.

        A building belongs to its nearest compound or grid; buildings straight under the community
        form a group of their own (the community). One query, in path order.
        """
        value = str(self["residence"].value() or "")
        chosen = int_or_none(value)
        groups: dict[int, ResidenceGroup] = {}
        loose = ResidenceGroup(place=self.community)
        residence = self.fields["residence"]
        assert isinstance(residence, forms.ModelChoiceField) and residence.queryset is not None
        for p in residence.queryset.order_by("path"):
            if p.kind != Place.Kind.BUILDING:
                groups[p.pk] = ResidenceGroup(place=p, chosen=chosen if p.pk == chosen else None)
                continue
            group = next((groups[i] for i in reversed(p.ancestor_ids()) if i in groups), loose)
            group.buildings.append(p)
            if p.pk == chosen:
                group.chosen = chosen
        out = list(groups.values())
        return [*out, loose] if loose.buildings else out

"""Forms of the three lists: a resident's demand (phone), the poster's demand without an account,
staff entry, review, dispatch, and the claimant's and the resident's answers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from baodao.core.forms import Form
from baodao.core.images import MAX_PHOTO_BYTES
from baodao.directory.models import Category, Place
from baodao.needs.models import Demand
from baodao.needs.services import MAX_PHOTOS

MOBILE = RegexValidator(r"^1[3-9][0-9]{9}$", _("请填写 11 位手机号"))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to MAX_PHOTOS photos; each is checked and re-encoded by the service (core.images)."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:  # noqa: ANN401
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"accept": "image/jpeg,image/png", "multiple": True})

    def clean(self, data: Any, initial: Any = None) -> list[Any]:  # noqa: ANN401 - Django's field signature
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("照片最多 %(n)s 张") % {"n": MAX_PHOTOS})
        return [super(PhotosField, self).clean(f, initial) for f in files]


def categories() -> forms.ModelChoiceField:
    """The category of a demand: one of the active intentions. The API checks a category id it is
    sent with this field too (one rule, one message)."""
    return forms.ModelChoiceField(
        queryset=Category.objects.filter(kind=Category.Kind.INTENTION, is_active=True).order_by("sort_order", "id"),
        label=_("类别"),
        empty_label=_("请选择"),
        error_messages={"invalid_choice": _("请选择有效的需求类别")},
    )


class DemandForm(Form):
    """What a resident asks for, on the phone."""

    kind = forms.ChoiceField(label=_("类型"), choices=Demand.Kind.choices, initial=Demand.Kind.WISH)
    title = forms.CharField(
        label=_("需要什么"),
        max_length=60,
        widget=forms.TextInput(attrs={"placeholder": _("如：家里老人需要一台轮椅"), "autocomplete": "off"}),
    )
    category = categories()
    description = forms.CharField(
        label=_("详细说明"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    place = forms.ModelChoiceField(queryset=Place.objects.none(), label=_("所在小区/楼栋"), empty_label=_("请选择"))
    preferred_time = forms.CharField(
        label=_("希望时间（选填）"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：周末上午")}),
    )
    show_name = forms.BooleanField(label=_("公开服务清单时可显示我的姓氏（如 陈*居）"), required=False)
    photos = PhotosField(
        label=_("照片（选填）"),
        help_text=_("JPG 或 PNG，最多 %(n)s 张，每张不超过 %(mb)s MB；照片中的位置信息会被去除")
        % {"n": MAX_PHOTOS, "mb": MAX_PHOTO_BYTES // (1024 * 1024)},
    )

    def __init__(self, *args: Any, community: Place, **kwargs: Any) -> None:  # noqa: ANN401
        super().__init__(*args, **kwargs)
        field = self.fields["place"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Place.objects.filter(
            path__startswith=community.path, kind__in=(Place.Kind.COMPOUND, Place.Kind.GRID, Place.Kind.BUILDING)
        ).order_by("sort_key")
        field.label_from_instance = lambda p: p.residence_label  # type: ignore[method-assign,assignment]


class PosterDemandForm(DemandForm):
    """The poster's page: a resident without an account leaves a name and a mobile."""

    contact_name = forms.CharField(label=_("您的姓名"), max_length=50)
    contact_mobile = forms.CharField(label=_("手机号"), max_length=11, validators=[MOBILE])
    field_order = ["contact_name", "contact_mobile"]


class EntryForm(DemandForm):
    """Staff enter a demand collected offline, for a named resident or the compound as a whole."""

    channel = forms.ChoiceField(
        label=_("收集渠道"), choices=[c for c in Demand.Channel.choices if c[0] != Demand.Channel.RESIDENT]
    )
    governance = forms.ChoiceField(
        label=_("小区问题（十乱、十怨、十患、十盼）"), choices=Demand.Governance.choices, required=False
    )
    contact_name = forms.CharField(label=_("居民姓名（小区整体问题不填）"), max_length=50, required=False)
    contact_mobile = forms.CharField(label=_("居民手机号"), max_length=11, required=False, validators=[MOBILE])
    field_order = ["channel", "governance", "contact_name", "contact_mobile"]


class AcceptForm(Form):
    category = categories()
    size = forms.ChoiceField(label=_("办理规模"), choices=Demand.Size.choices, initial=Demand.Size.PERSON)
    slots = forms.IntegerField(label=_("认领名额"), min_value=1, max_value=999, initial=1)


class CategoryForm(Form):
    """The reviewer puts a demand in another category (kept on the timeline)."""

    category = categories()


class ReasonForm(Form):
    reason = forms.CharField(label=_("原因"), max_length=200)


class MergeForm(Form):
    into = forms.IntegerField(label=_("并入需求编号"), min_value=1, max_value=2**62)


class DispatchForm(Form):
    party = forms.ChoiceField(
        label=_("派单对象类型"), choices=[("member", _("党员")), ("team", _("服务队")), ("unit", _("单位"))]
    )
    party_id = forms.IntegerField(label=_("派单对象"), min_value=1, max_value=2**62)


class DoneForm(Form):
    note = forms.CharField(label=_("完成情况"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(label=_("完成照片（选填）"))


class ReopenForm(Form):
    comment = forms.CharField(label=_("哪里还没有解决"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}))


class RateForm(Form):
    stars = forms.TypedChoiceField(
        label=_("评价"), coerce=int, choices=[(i, "★" * i) for i in range(5, 0, -1)], widget=forms.RadioSelect
    )
    comment = forms.CharField(label=_("说几句（选填）"), max_length=200, required=False)


def hint_while_typing(form: DemandForm, url: str) -> None:
    """While the need is typed, ask `url` for the similar open demands; the "先看看有没有相同的需求"
    button asks it too (`form.similar_url`). Both POST the title alone (htmx, with the CSRF header
    of the page): the resident's words never go into a URL, and the page — the chosen photos with
    it — stays as it is. Without script that button posts the whole form to its page instead."""
    form.similar_url = url  # type: ignore[attr-defined]
    form.fields["title"].widget.attrs.update(
        {
            "hx-post": url,
            "hx-params": "title",
            "hx-trigger": "input changed delay:500ms",
            "hx-target": "#similar",
            "hx-swap": "outerHTML",
        }
    )

"""Django admin for superusers only (staff users use the application pages).

Personal fields are not listed; ID numbers and mobiles are edited through the application's services.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from baodao.core.forms import ModelForm
from baodao.directory import models as m
from baodao.directory import services


class RosterAdmin(admin.ModelAdmin):
    """Rows that are part of a place's roster (units, assignments, terms, members, places) are saved
    and deleted through the roster services, so the figures counted from them hear of it."""

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:  # noqa: ANN401
        services.roster_row_save(obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:  # noqa: ANN401
        services.roster_row_delete(obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:  # noqa: ANN401
        for obj in queryset:
            services.roster_row_delete(obj)


class PlaceAdminForm(ModelForm):
    class Meta:
        model = m.Place
        fields = ("parent", "kind", "code", "name", "sort_order", "latitude", "longitude")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "kind" in data and "parent" in data:
            place = self.instance if self.instance.pk else None
            for field, message in services.place_errors(kind=data["kind"], parent=data["parent"], place=place).items():
                self.add_error(field, message)
        return data


@admin.register(m.Place)
class PlaceAdmin(RosterAdmin):
    """Places are written through the services: a new place gets its materialized path, and a new
    parent rewrites the path of the whole subtree (a place with an empty path would put a role on
    it over the whole deployment)."""

    form = PlaceAdminForm
    list_display = ("code", "name", "kind", "parent", "sort_order")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)
    readonly_fields = ("path", "depth")

    def save_model(self, request: HttpRequest, obj: m.Place, form: forms.ModelForm, change: bool) -> None:
        fields: dict[str, Any] = {k: form.cleaned_data.get(k) for k in PlaceAdminForm.Meta.fields}
        if change:
            services.place_update(place=obj, **fields)
        else:
            place = services.place_create(**fields)
            obj.pk, obj.path, obj.depth = place.pk, place.path, place.depth
            obj._state.adding = False


@admin.register(m.Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "sort_order", "is_active")
    list_filter = ("kind", "is_active")


@admin.register(m.Unit)
class UnitAdmin(RosterAdmin):
    list_display = ("code", "name", "kind", "office_place", "party_relation_local")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    raw_id_fields = ("office_place",)


class PartyOrgAdminForm(ModelForm):
    class Meta:
        model = m.PartyOrg
        fields = ("unit", "parent", "kind", "name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        unit = self.instance.unit if self.instance.pk else data.get("unit")
        if unit is not None and data.get("kind") and data.get("name"):
            org = self.instance if self.instance.pk else None
            errors = services.party_org_errors(
                unit=unit, kind=data["kind"], name=data["name"], parent=data.get("parent"), org=org
            )
            for field, message in errors.items():
                self.add_error(field, message)
        return data


@admin.register(m.PartyOrg)
class PartyOrgAdmin(admin.ModelAdmin):
    """Written through the services: a parent must belong to the same unit, kinds nest properly."""

    form = PartyOrgAdminForm
    list_display = ("name", "kind", "unit", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "unit__name")
    raw_id_fields = ("unit", "parent")

    def get_readonly_fields(self, request: HttpRequest, obj: m.PartyOrg | None = None) -> tuple[str, ...]:
        return ("unit",) if obj else ()  # members of the organization belong to its unit

    def save_model(self, request: HttpRequest, obj: m.PartyOrg, form: forms.ModelForm, change: bool) -> None:
        d = form.cleaned_data
        if change:
            services.party_org_update(org=obj, kind=d["kind"], name=d["name"], parent=d.get("parent"))
        else:
            org = services.party_org_create(unit=d["unit"], kind=d["kind"], name=d["name"], parent=d.get("parent"))
            obj.pk = org.pk
            obj._state.adding = False


@admin.register(m.Member)
class MemberAdmin(RosterAdmin):
    """Status, unit, party organization and residence are read-only here: changing them ends or
    moves the member's active report (baodao.reporting.services), which only the member page does."""

    list_display = ("name", "unit", "party_org", "residence", "status")
    list_filter = ("status",)
    search_fields = ("name",)
    raw_id_fields = ("user",)
    exclude = ("id_number", "mobile", "address_detail")
    readonly_fields = ("status", "unit", "party_org", "residence", "manage_on_member_page")

    @admin.display(description=_("动态管理"))
    def manage_on_member_page(self, obj: m.Member) -> str:
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("directory:member_detail", args=[obj.pk]),
            _("状态、单位、党组织和居住地请在党员页面的“动态管理”中修改（会同时结束或转移报到）"),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # creation validates and hashes ID numbers: use import or the services


@admin.register(m.Resident)
class ResidentAdmin(admin.ModelAdmin):
    list_display = ("name", "residence")
    search_fields = ("name",)
    raw_id_fields = ("residence", "user")
    exclude = ("mobile", "address_detail")
    filter_horizontal = ("special_groups",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # creation validates and hashes mobiles: use import or the services


@admin.register(m.WorkTeamMembership)
class WorkTeamMembershipAdmin(admin.ModelAdmin):
    list_display = ("team", "member", "role", "start_on", "ended_on")
    list_filter = ("role",)
    raw_id_fields = ("team", "member")


@admin.register(m.Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ("key", "city", "value", "updated_at")
    list_filter = ("key",)


for roster_model in (m.UnitAssignment, m.FirstSecretaryTerm):
    relations = [f.name for f in roster_model._meta.fields if f.is_relation]
    admin.site.register(roster_model, RosterAdmin, raw_id_fields=relations)
for model in (m.WorkTeam, m.LeaderLink, m.HeadAppointment):
    admin.site.register(model, raw_id_fields=[f.name for f in model._meta.fields if f.is_relation])

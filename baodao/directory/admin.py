"""Django admin for superusers only (staff users use the application pages).

Personal fields are not listed; ID numbers and mobiles are edited through the application's services.
"""

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from baodao.directory import models as m
from baodao.directory import services


class PlaceAdminForm(forms.ModelForm):
    class Meta:
        model = m.Place
        fields = ("parent", "kind", "code", "name", "sort_order", "latitude", "longitude")

    def clean(self) -> dict:
        data = super().clean()
        if "kind" in data and "parent" in data:
            place = self.instance if self.instance.pk else None
            for field, message in services.place_errors(kind=data["kind"], parent=data["parent"], place=place).items():
                self.add_error(field, message)
        return data


@admin.register(m.Place)
class PlaceAdmin(admin.ModelAdmin):
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
        fields = {k: form.cleaned_data.get(k) for k in PlaceAdminForm.Meta.fields}
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
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "office_place", "party_relation_local")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    raw_id_fields = ("office_place",)


@admin.register(m.Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("name", "unit", "party_org", "residence", "status")
    list_filter = ("status",)
    search_fields = ("name",)
    raw_id_fields = ("unit", "party_org", "residence", "user")
    exclude = ("id_number", "mobile", "address_detail")

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False  # creation validates and hashes ID numbers: use import or the services


@admin.register(m.Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ("key", "city", "value", "updated_at")
    list_filter = ("key",)


for model in (m.PartyOrg, m.UnitAssignment, m.WorkTeam, m.FirstSecretaryTerm, m.LeaderLink, m.HeadAppointment):
    admin.site.register(model, raw_id_fields=[f.name for f in model._meta.fields if f.is_relation])

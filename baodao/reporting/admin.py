"""Django admin of 双报到 for superusers: the per-city commitment text.

Reports, certificates and their timelines change only through the services (the application's
pages), so they are not registered here.
"""

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from baodao.accounts.models import User
from baodao.core.forms import ModelForm
from baodao.directory.models import Place
from baodao.reporting import services
from baodao.reporting.forms import COMMITMENT_HELP
from baodao.reporting.models import CommitmentTemplate


class CommitmentTemplateForm(ModelForm):
    class Meta:
        model = CommitmentTemplate
        fields = ("city", "text")

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401 - Django's form signature
        super().__init__(*args, **kwargs)
        if "city" in self.fields:
            city = self.fields["city"]
            assert isinstance(city, forms.ModelChoiceField)
            city.queryset = Place.objects.filter(kind=Place.Kind.CITY)
            city.label = _("城市")  # the model field has no Chinese name; the messages name this label
        self.fields["text"].help_text = COMMITMENT_HELP

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        if err := services.commitment_text_error(text):
            raise ValidationError(err)
        return text.strip()


@admin.register(CommitmentTemplate)
class CommitmentTemplateAdmin(admin.ModelAdmin):
    form = CommitmentTemplateForm
    list_display = ("city", "updated_at")
    search_fields = ("city__name",)

    def get_readonly_fields(self, request: HttpRequest, obj: CommitmentTemplate | None = None) -> tuple[str, ...]:
        return ("city",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: CommitmentTemplate, form: forms.ModelForm, change: bool) -> None:
        row = services.commitment_template_set(
            city=form.cleaned_data.get("city") or obj.city,
            text=form.cleaned_data["text"],
            by=cast(User, request.user),  # the admin is for superusers only
        )
        assert row is not None  # a text was given: the row is there
        obj.pk = row.pk
        obj._state.adding = False

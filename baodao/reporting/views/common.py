"""What more than one audience of 双报到 posts to: the unit's functions form (unit report page, assign page)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpResponse
from django.utils.translation import gettext as _

from baodao.accounts.models import AuthedHttpRequest
from baodao.core.http import act
from baodao.directory.models import Unit
from baodao.reporting import access, forms, services


def unit_functions_post(
    request: AuthedHttpRequest, unit: Unit, then: str, page: Callable[[forms.UnitFunctionsForm], HttpResponse]
) -> HttpResponse:
    """Save the unit's functions (unit secretary or assigning admin): back to `then` when saved,
    else `page(form)` re-renders the form with its errors (422)."""
    access.get_unit_for_functions(request.user, unit)
    form = forms.UnitFunctionsForm(request.POST)
    return act(
        request,
        lambda: services.unit_functions_set(unit=unit, functions=form.cleaned_data["functions"], by=request.user),
        form=form,
        ok=_("单位职能已保存"),
        then=then,
        refused=lambda _errors: page(form),
    )


def functions_form_of(unit: Unit) -> forms.UnitFunctionsForm:
    return forms.UnitFunctionsForm(initial={"functions": list(unit.functions.all())})

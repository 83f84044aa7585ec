"""Login, logout and the lockout page."""

from __future__ import annotations

from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from baodao.accounts.forms import LoginForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


def lockout_response(
    request: HttpRequest, credentials: dict[str, object] | None = None, *args: object, **kwargs: object
) -> HttpResponse:
    """django-axes lockout: JSON for the API, the Chinese page for the web; always 429."""
    message = "连续多次登录失败，账号已暂时锁定，请稍后再试或联系管理员解锁。"
    if request.path.startswith("/api/"):
        return JsonResponse({"message": message}, status=429)
    return render(request, "accounts/locked.html", {"message": message}, status=429)

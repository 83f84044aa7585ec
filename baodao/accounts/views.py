"""Login, logout, the password change and the lockout page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from baodao.accounts import services
from baodao.accounts.forms import LoginForm, PasswordChangeForm
from baodao.accounts.models import AuthedHttpRequest
from baodao.core.http import act


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: AuthedHttpRequest) -> HttpResponse:
    """Any user's own password: the current one, the new one twice. This session stays signed in;
    every other session and API token of the user ends."""
    user = request.user
    form = PasswordChangeForm(user, request.POST if request.method == "POST" else None)
    ctx = {"form": form, "forced": user.must_change_password}
    return act(
        request,
        lambda: _changed(request, form.cleaned_data["new_password1"]),
        form=form,
        ok=_("密码已修改。其他设备上的登录已退出。"),
        then=settings.LOGIN_REDIRECT_URL,  # the site's front page is the project's to name
        refused=lambda errors: render(request, "accounts/password_change.html", ctx, status=422 if errors else 200),
    )


def _changed(request: AuthedHttpRequest, new_password: str) -> None:
    """The user's new password set, this session kept signed in."""
    services.password_change(user=request.user, new_password=new_password, ip=services.client_ip(request))
    update_session_auth_hash(request, request.user)


def lockout_response(
    request: HttpRequest, credentials: dict[str, object] | None = None, *args: object, **kwargs: object
) -> HttpResponse:
    """django-axes lockout: JSON for the API, the Chinese page for the web; always 429."""
    message = "连续多次登录失败，账号已暂时锁定，请稍后再试或联系管理员解锁。"
    if request.path.startswith("/api/"):
        return JsonResponse({"message": message}, status=429)
    return render(request, "accounts/locked.html", {"message": message}, status=429)

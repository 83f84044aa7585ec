from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from baodao.core import crypto
from baodao.core.validators import MOBILE_RE


class UsernameOrMobileBackend(ModelBackend):
    """Log in with the username, or with the mobile number (looked up by its keyed hash)."""

    def authenticate(self, request, username=None, password=None, **kwargs):  # noqa: ANN001, ANN201
        if username is None or password is None:
            return None
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None and MOBILE_RE.match(username.strip()):
            user = User.objects.filter(mobile_hash=crypto.lookup_hash(username)).first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

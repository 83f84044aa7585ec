import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from baodao.accounts import keycheck  # noqa: E402 - needs the apps loaded above

# A FIELD_KEY that does not read the data: one line, and gunicorn stops (exit 4: "App failed to
# load", which it does not retry) instead of serving 500s and writing under a second key.
keycheck.refuse_if_mismatched(exit_code=4)

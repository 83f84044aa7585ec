"""Baodao settings: one file, every knob an environment variable (see .env.example).

With nothing set this runs locally on SQLite with DEBUG on. DATABASE_URL=postgres://... switches to
PostgreSQL; REDIS_URL turns on the Redis cache and real Celery workers.
"""

import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str = "False") -> bool:
    return os.environ.get(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def envsecret(name: str, default: str = "") -> str:
    """A secret from NAME, or from the file named by NAME_FILE (docker/k8s secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def database_from_url(url: str) -> dict:
    if not url or url.startswith("sqlite"):
        name = url.split("///", 1)[1] if url and "///" in url else str(BASE_DIR / "db.sqlite3")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            "OPTIONS": {
                # IMMEDIATE transactions + busy timeout: concurrent writers wait instead of failing.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            "TEST": {"NAME": os.environ.get("SQLITE_TEST_NAME") or None},
        }
    parts = urlparse(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": envint("DB_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
    }


DEBUG = envbool("DEBUG", "True")
SECRET_KEY = envsecret("SECRET_KEY", "dev-only-insecure-key" if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off")
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost" + (",*" if DEBUG else "")).split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Key for personal data at rest (SM4-GCM + HMAC-SM3). 32 hex chars. Never in the repo: with DEBUG
# on and nothing set, a random key is created once in var/field.key (git-ignored).
FIELD_KEY = envsecret("FIELD_KEY")
FIELD_KEY_FILE_DEFAULT = BASE_DIR / "var" / "field.key"

INSTALLED_APPS = [
    # django.contrib.admin, with an admin site that only superusers may open.
    "baodao.accounts.admin_site.SuperuserAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    # The API docs page then uses django-ninja's own Swagger UI files (served under /static/ninja/),
    # not a CDN: an intranet without internet shows it.
    "ninja",
    # Our apps come before auditlog so accounts' `auditlogflush` (which refuses) shadows auditlog's.
    "baodao.core",
    "baodao.accounts",
    "baodao.directory",
    "baodao.notifications",
    "baodao.reporting",
    "baodao.needs",
    "baodao.records",
    "baodao.stats",
    "baodao.home",
    "baodao.demo",
    "auditlog",
    "axes",
]

MIDDLEWARE = [
    # Outermost: under /api/ it turns every error response, from any layer below, into JSON.
    "baodao.api.middleware.JsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "baodao.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A POST to a login endpoint either authenticates or counts as a failed attempt (django-axes),
    # whatever happens below it; so it stands above everything that may refuse a request.
    "baodao.accounts.middleware.LoginAttemptMiddleware",
    # Under /api/: a body is one UTF-8 JSON object; anything else is a JSON 4xx before it is read.
    "baodao.api.middleware.ApiInputMiddleware",
    # Everywhere: a path, query or form body no field can take (a NUL byte...) is a 400.
    "baodao.core.middleware.RequestInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with the user row cached until it changes (and no session on the public /p/ pages).
    "baodao.accounts.middleware.CachedUserAuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "baodao.accounts.middleware.IdleTimeoutMiddleware",
    "baodao.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A 405 (require_POST...) outside the API as a page in the site's layout.
    "baodao.home.errors.MethodNotAllowedPage",
    # auditlog's, with its signal receiver connected once instead of on every request.
    "baodao.accounts.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Nothing from elsewhere, nothing inline (baodao.core.middleware). Images may be data: URIs (the
# certificate's QR, Swagger UI's icons); a page may not be framed.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

ROOT_URLCONF = "config.urls"
CSRF_FAILURE_VIEW = "baodao.home.errors.csrf_failure"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "baodao.home.context_processors.nav",
            ],
        },
    }
]

DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL", ""))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "baodao.accounts.backends.UsernameOrMobileBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "baodao.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "baodao.accounts.validators.ComplexityValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout after repeated failures (django-axes): per account + IP. The callable turns a typed mobile
# into the account's username, so the count is the same whichever identifier is typed, and a typed
# mobile or ID number is never stored in clear (masked when it names no account).
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "baodao.accounts.backends.axes_username"
# Never copy the typed identifier (or a search query) into AccessAttempt.get_data/post_data.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "q"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "baodao.accounts.views.lockout_response"
AXES_CLIENT_IP_CALLABLE = "baodao.accounts.services.client_ip"
# Where a POST is a login attempt (baodao.accounts.middleware.LoginAttemptMiddleware): URL names.
LOGIN_ENDPOINTS = ["accounts:login", "admin:login", "api:auth_token"]

# Reverse proxies in front that append the client's address to X-Forwarded-For (README's nginx:
# one). Without this every client would look like 127.0.0.1 to lockouts and rate limits; set 0
# when clients reach gunicorn directly, or they could choose their own address.
PROXY_COUNT = envint("PROXY_COUNT", 0 if DEBUG else 1)
# Failed roster checks on the public self-report page per client address per hour: each one tells
# whether an ID number is on the party roster, so they are counted (baodao/core/ratelimit.py).
# Failures only, and not too few: members of one office may all report from behind one NAT address.
SELF_REPORT_CHECKS_PER_HOUR = envint("SELF_REPORT_CHECKS_PER_HOUR", 20)

REDIS_URL = os.environ.get("REDIS_URL", "")
# Room for every live key (sessions, rate limits, the home cache, an import's progress): at the
# default 300 entries LocMem culls a third of them when full, and an import's bar fell back to
# its row's older figure mid-run.
LOCMEM_CACHE: dict[str, Any] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "OPTIONS": {"MAX_ENTRIES": 50_000},
}
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    # Django's RedisCache with one redis client per pool instead of one per call (see the module).
    CACHES = {"default": {"BACKEND": "baodao.core.redis_cache.ReusedClientRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": LOCMEM_CACHE}
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL or envbool("CELERY_EAGER")
CELERY_TASK_EAGER_PROPAGATES = True
# The queue jobs are sent to and workers take them from (also what a worker's sweep sends again).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "celery")
# A broker that does not answer must not hold a web request: connect and answer timeouts, and one
# try at publishing (baodao.core.jobs.enqueue keeps or refuses the job). Longer than the workers'
# one-second BRPOP, which shares these options.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 5}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# Every WORKER_SWEEP_SECONDS each worker sends again what the database says is due but no message
# carries any more (a worker killed in the middle, a Redis restart, a broker down when a job was
# submitted) and fails the roster imports whose worker died (config/celery.py).
WORKER_SWEEP_SECONDS = envint("WORKER_SWEEP_SECONDS", 30)
# With eager tasks (no REDIS_URL), roster imports run in a background thread so the upload page
# can show their progress (baodao/directory/tasks.py); the tests turn it off.
IMPORT_RUN_IN_THREAD = envbool("IMPORT_RUN_IN_THREAD", "True")
# A running import with no heartbeat for this long has lost its worker: it is failed, its upload deleted.
IMPORT_STALE_SECONDS = envint("IMPORT_STALE_SECONDS", 120)

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG and envbool("SECURE_COOKIES", "True")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    # nginx redirects http to https (README); Django does it too only when asked.
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "False")
    # HSTS only where the site is https-only, i.e. where cookies are secure; a plain-http intranet
    # (SECURE_COOKIES=0) must not tell browsers to refuse http.
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000) if SESSION_COOKIE_SECURE else 0
    SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0 and envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS")
    # Trust X-Forwarded-Proto only behind a proxy that sets it (README's nginx does); without one a
    # client could send the header and pass as https.
    if envbool("TRUST_X_FORWARDED_PROTO", "True"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
MEDIA_URL = "media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

NOTIFICATION_CHANNELS = [
    c
    for c in os.environ.get(
        "NOTIFICATION_CHANNELS",
        "baodao.notifications.channels.EmailChannel,baodao.notifications.channels.LoggingSmsChannel",
    ).split(",")
    if c
]
# Group robots (baodao/notifications/webhooks.py) post only to the 企业微信 / 钉钉 / 飞书 webhook hosts,
# over https. More hosts an operator admits (an intranet gateway that forwards to them), comma-separated:
# `host` (https, port 443), `host:port`, `http://host:port`; port `*` = any. Hosts listed here may
# resolve to internal addresses, which the platforms' own hosts may not.
WEBHOOK_ALLOWED_HOSTS = [h.strip() for h in os.environ.get("WEBHOOK_ALLOWED_HOSTS", "").split(",") if h.strip()]
# Seconds to connect to a robot and to wait for its answer, and before the first retry (then doubled).
WEBHOOK_CONNECT_TIMEOUT = envint("WEBHOOK_CONNECT_TIMEOUT", 3)
WEBHOOK_READ_TIMEOUT = envint("WEBHOOK_READ_TIMEOUT", 5)
WEBHOOK_RETRY_SECONDS = envint("WEBHOOK_RETRY_SECONDS", 30)
# A delivery being posted is held by its worker this long (default: twice the timeouts, plus 30 s);
# a worker's sweep sends it again once it has been due for WEBHOOK_SWEEP_GRACE_SECONDS with no worker
# on it: its worker died, or its message was lost.
WEBHOOK_LEASE_SECONDS = envint("WEBHOOK_LEASE_SECONDS", 2 * (WEBHOOK_CONNECT_TIMEOUT + WEBHOOK_READ_TIMEOUT) + 30)
WEBHOOK_SWEEP_GRACE_SECONDS = envint("WEBHOOK_SWEEP_GRACE_SECONDS", 60)
# With eager tasks (no REDIS_URL), robot messages go out from a background thread of the web process,
# never inside a request; the tests turn it off and deliver right after the commit instead.
WEBHOOK_RUN_IN_THREAD = envbool("WEBHOOK_RUN_IN_THREAD", "True")
# The site's address as members reach it, for links in messages sent with no request at hand
# (e.g. the certificate link texted by the daily reminders to members without an account).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "baodao@localhost")

# auditlog: actor from the middleware; personal fields are excluded per model at registration.
AUDITLOG_INCLUDE_ALL_MODELS = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

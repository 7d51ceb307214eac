"""Settings for educloud, driven by the environment (django-environ).

Everything a deployment changes comes from environment variables:

- ``EDUCLOUD_HOME`` (default ``./var``): the SQLite database, uploaded files and the
  generated secret key live here. Never committed.
- ``DATABASE_URL``: e.g. ``postgres://user@host:5432/educloud`` switches to PostgreSQL.
- ``EDUCLOUD_SECRET_KEY``: the secret key; if unset, one is generated once into
  ``$EDUCLOUD_HOME/secret_key`` so restarts keep sessions valid.
- ``EDUCLOUD_DEBUG`` (default false), ``EDUCLOUD_ALLOWED_HOSTS`` (comma list),
  ``EDUCLOUD_SECURE`` (true behind an HTTPS proxy: secure cookies, HSTS, SSL redirect).
- ``EDUCLOUD_DB_POOL`` (default true on PostgreSQL): a psycopg connection pool per process
  (``EDUCLOUD_DB_POOL_MAX`` connections, default 8); false falls back to ``EDUCLOUD_CONN_MAX_AGE``.
- ``REDIS_URL``: when set, Redis is the cache (shared by several workers: login and xAPI
  failure counters live there); otherwise a local-memory cache.
  Redis also carries the channel layer (WebSocket messages between worker processes, ADR 0019);
  without it the layer lives in process memory: one worker only (the demo).
- ``EDUCLOUD_TRUSTED_PROXY_COUNT`` (default 0): how many reverse proxies stand in front; only then
  is ``X-Forwarded-For`` believed (``lib/client_address.py``). Login and hashing limits: see the
  ``EDUCLOUD_LOGIN_*``, ``EDUCLOUD_LRS_AUTH_*`` and ``EDUCLOUD_HASH_*`` lines below.

Read next: ``config/urls.py`` (what is mounted where), ``docs/decisions/0001-stack.md``.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent  # src/educloud
env = environ.Env()

HOME = Path(env.str("EDUCLOUD_HOME", default=str(Path.cwd() / "var"))).resolve()
HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The secret key from the environment, else one generated once under HOME (mode 0600)."""
    from_env = env.str("EDUCLOUD_SECRET_KEY", default="")
    if from_env:
        return from_env
    key_file = HOME / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
# The site's public base URL. xAPI identities of learners and LRS clients are built on it, and
# learning items' activity IRIs too: set it once per deployment and never change it.
EDUCLOUD_BASE_URL = env.str("EDUCLOUD_BASE_URL", default="http://127.0.0.1:8000")
DEBUG = env.bool("EDUCLOUD_DEBUG", default=False)
ALLOWED_HOSTS = env.list("EDUCLOUD_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("EDUCLOUD_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # serves Swagger UI from its own static files instead of a CDN
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "educloud.regions",
    "educloud.schools",
    "educloud.accounts",
    "educloud.search",
    "educloud.lrs",
    "educloud.library",
    "educloud.learning",
    "educloud.equity",
    "educloud.assessment",
    "educloud.recommend",
    "educloud.pairing",
    "educloud.governance",
    "educloud.community",
    "educloud.industry",
    "educloud.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy on every response (ADR 0009)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After auth and messages (its 400 page shows who is logged in); PostgreSQL cannot store NUL.
    "educloud.lib.nul_guard.RejectNulCharactersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns lockouts into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "educloud.config.urls"
WSGI_APPLICATION = "educloud.config.wsgi.application"
ASGI_APPLICATION = "educloud.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "educloud.web.context.platform",
            ],
        },
    }
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{HOME / 'educloud.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while one writer commits; IMMEDIATE avoids lock upgrades mid-transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
elif env.bool("EDUCLOUD_DB_POOL", default=True):
    # A connection pool per process (psycopg_pool), not CONN_MAX_AGE: under ASGI Django keeps its
    # connections per request context, so "persistent" connections are opened anew for every
    # request (measured: one new PostgreSQL session per request, ~15 ms each on this machine).
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool requires it
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env.int("EDUCLOUD_DB_POOL_MAX", default=8),
        "max_idle": 300,
        "timeout": 30,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("EDUCLOUD_CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django turns psycopg's prepared statements off (threshold None) and its own cursors bind
    # client-side, which never prepare. The search backend prepares its few fixed statements
    # explicitly (search.backends.PreparedCursor, ADR 0012); psycopg allows that only with a threshold.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # One pool per process, not one connection per request (lib/cache.py, ADR 0012).
            "OPTIONS": {"pool_class": "educloud.lib.cache.SharedConnectionPool"},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Django Channels (community's WebSockets, ADR 0019): Redis between workers when REDIS_URL is set. The
# in-memory layer reaches only the consumers of its own process: a single-process demo, not --workers N.
CHANNEL_LAYERS = {
    "default": (
        {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}
        if REDIS_URL
        else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    )
}
# With a shared cache (Redis) a session is read from it and written through to the database: one query
# fewer per logged-in request. Not with per-process memory: a session ended (logout) in one worker would
# live on in another worker's memory until it expired.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2 (~100 MB per hash) with at most EDUCLOUD_HASH_CONCURRENCY hashes at once per process;
# a request that waits longer than EDUCLOUD_HASH_WAIT_SECONDS for a slot is answered 503 (accounts.hashers).
PASSWORD_HASHERS = [
    "educloud.accounts.hashers.BoundedArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
EDUCLOUD_HASH_CONCURRENCY = env.int("EDUCLOUD_HASH_CONCURRENCY", default=2)
EDUCLOUD_HASH_WAIT_SECONDS = env.float("EDUCLOUD_HASH_WAIT_SECONDS", default=5.0)
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

# Client addresses (lib/client_address.py): X-Forwarded-For is believed only behind this many
# reverse proxies (0: use the TCP peer's address; the README's nginx recipe sets 1).
EDUCLOUD_TRUSTED_PROXY_COUNT = env.int("EDUCLOUD_TRUSTED_PROXY_COUNT", default=0)

# Wrong-password lockout (django-axes): 5 failures lock the username from that address for 15
# minutes. Accounts and addresses have their own limits on top (accounts/login_limits.py, ADR 0010):
# a username that collects EDUCLOUD_LOGIN_ACCOUNT_FAILURE_LIMIT failures from any addresses within
# EDUCLOUD_LOGIN_ACCOUNT_WINDOW_MINUTES waits for the rest of that window, and so does an address
# with EDUCLOUD_LOGIN_ADDRESS_FAILURE_LIMIT failures over any usernames.
AXES_FAILURE_LIMIT = env.int("EDUCLOUD_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("EDUCLOUD_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "educloud.lib.client_address.client_address"
AXES_LOCKOUT_CALLABLE = "educloud.web.login.login_locked_out"
AXES_RESET_ON_SUCCESS = True
EDUCLOUD_LOGIN_ACCOUNT_FAILURE_LIMIT = env.int("EDUCLOUD_LOGIN_ACCOUNT_FAILURE_LIMIT", default=20)
EDUCLOUD_LOGIN_ACCOUNT_WINDOW_MINUTES = env.int("EDUCLOUD_LOGIN_ACCOUNT_WINDOW_MINUTES", default=15)
EDUCLOUD_LOGIN_ADDRESS_FAILURE_LIMIT = env.int("EDUCLOUD_LOGIN_ADDRESS_FAILURE_LIMIT", default=50)
# xAPI Basic auth with a wrong secret (lrs/auth.py): per client address and per client key.
EDUCLOUD_LRS_AUTH_FAILURE_LIMIT = env.int("EDUCLOUD_LRS_AUTH_FAILURE_LIMIT", default=20)
EDUCLOUD_LRS_AUTH_WINDOW_MINUTES = env.int("EDUCLOUD_LRS_AUTH_WINDOW_MINUTES", default=5)
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = HOME / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on a missing root even when it serves from finders
MEDIA_URL = "media/"
MEDIA_ROOT = HOME / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("EDUCLOUD_MANIFEST_STATIC", default=False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Without collectstatic (demo, tests) WhiteNoise serves straight from the app folders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie; kept default-compatible.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp; docs/decisions/0009-content-security-policy.md): scripts only
# from this site's own files — no inline script, no event-handler attributes, no eval — so text that
# slips into HTML unescaped cannot run. Inline style *attributes* stay allowed (ECharts' tooltips and
# Swagger UI write them); <style> elements only from this site (style-src-elem, CSP level 3).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # fetch/XHR and WebSockets: this site only. CSP level 3 lets 'self' match ws:/wss: of the same
        # host and port (the community's live rooms, ADR 0019); no other origin.
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "img-src": [SELF, "data:"],
        "style-src": [SELF, UNSAFE_INLINE],
        "style-src-elem": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
    }
}
if env.bool("EDUCLOUD_SECURE", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("EDUCLOUD_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("EDUCLOUD_LOG_LEVEL", default="WARNING")},
}

NINJA_PAGINATION_PER_PAGE = 50

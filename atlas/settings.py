"""Settings for Interphase Atlas: one module, configured from the environment."""

import ipaddress
import os
from datetime import timedelta
from email.utils import getaddresses
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), not {value!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


# Off unless asked for: a production server that forgets its settings fails closed (no
# debug pages, no shared key). `make run` and `make test` turn it on for development.
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (DEBUG=1 for a development machine; "
            "a long random SECRET_KEY in production)"
        )
    SECRET_KEY = "insecure-development-key-only-for-local-use"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# HTTPS in production. Behind a reverse proxy that terminates TLS, set
# SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https (and SECURE_SSL_REDIRECT=0 if the
# proxy already redirects).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    header, _, value = os.environ["SECURE_PROXY_SSL_HEADER"].partition(",")
    SECURE_PROXY_SSL_HEADER = (header.strip(), value.strip() or "https")
# The health endpoint answers the orchestrator's plain-HTTP probe instead of redirecting it.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# The site's own pages load nothing from elsewhere and run no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

INSTALLED_APPS = [
    "atlas.apps.AtlasAdminConfig",  # django.contrib.admin, with the atlas's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "django_filters",
    "simple_history",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "corsheaders",
    "axes",
    "health_check",
    "references",
    "interfaces",
    "api",
]

MIDDLEWARE = [
    # First: every response and every log record of a request carries the request's id.
    "atlas.logs.RequestIdMiddleware",
    # Notes what a request's writes changed, to draw the most read pages again once it is answered.
    "atlas.warming.WarmAfterSaveMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files with compressed, hashed names, served by the application itself.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # CORS headers on /api/ only (CORS_URLS_REGEX), before anything that may answer.
    "corsheaders.middleware.CorsMiddleware",
    "atlas.routers.ReplicaReadsMiddleware",
    # The data versions the cached parts are keyed by: read once a request, in one round trip.
    "atlas.caching.VersionsReadOnceMiddleware",
    # Outside the session, CSRF and auth middleware, so it sees their cookies: Cache-Control,
    # Vary and an ETag on every response, and 304 for a copy that still holds.
    "atlas.freshness.FreshnessMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Records who made each change that the history of references, studies and figures keeps.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "atlas.urls"

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
                "interfaces.releases.latest_release_context",
            ],
        },
    },
]

WSGI_APPLICATION = "atlas.wsgi.application"

# A persistent connection is checked before a request reuses it, so a database restart costs
# no request a 500.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    )
}
# Read-only copies of the primary (PostgreSQL streaming replicas), comma-separated URLs:
# public pages read from them; writes, the admin and commands use the primary. A replica that
# refuses connections, errs or lags more than REPLICA_MAX_LAG_BYTES of WAL behind the primary
# is left out for REPLICA_RETRY_SECONDS, and the primary answers instead.
for number, url in enumerate(env_list("DATABASE_REPLICA_URLS", ""), start=1):
    DATABASES[f"replica{number}"] = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True) | {
        "TEST": {"MIRROR": "default"}
    }
    if "postgresql" in DATABASES[f"replica{number}"]["ENGINE"]:
        DATABASES[f"replica{number}"].setdefault("OPTIONS", {})["connect_timeout"] = 2
# PostgreSQL compiles a query it estimates costly (a count over every study with a subquery a
# row) to machine code before running it: about a second on a small server, more than such a
# query then takes. The atlas's queries are short: no JIT on any connection. A count over every
# study hashes about 20 MB at 100,000 studies (the charts' counts, grouped every way in one
# pass): with PostgreSQL's default of 4 MB it spilled to disk and took twice as long, and below
# 64 MB PostgreSQL plans to sort the studies for one of the groupings (a third slower).
for _database in DATABASES.values():
    if "postgresql" in _database["ENGINE"]:
        _database.setdefault("OPTIONS", {})["options"] = "-c jit=off -c work_mem=64MB"
DATABASE_ROUTERS = ["atlas.routers.PrimaryReplicaRouter"]
REPLICA_MAX_LAG_BYTES = int(os.environ.get("REPLICA_MAX_LAG_BYTES", 16 * 1024 * 1024))
REPLICA_RETRY_SECONDS = 30
# After a curator's write, that browser reads from the primary for this long (read-your-writes).
READ_YOUR_WRITES_SECONDS = 60

# The proxies whose X-Forwarded-For is believed: comma-separated addresses or CIDR ranges
# (TRUSTED_PROXIES=127.0.0.1,10.0.0.0/8). Every per-client limit counts a request against
# atlas.clients.client_ip: the right-most forwarded address that is not one of these
# proxies, or REMOTE_ADDR for a request that did not come through one.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as exc:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an address or a CIDR range") from exc

# Failed sign-ins (django-axes): FAILURE_LIMIT failures lock out that account from that
# address, and an address that failed that often on any accounts (a password spray) is
# locked out too, for AXES_COOLOFF_TIME; a correct password is refused meanwhile. Failures
# older than the cool-off no longer count; a sign-in does not wipe them. A superuser
# lifts a lockout by deleting its access attempts in the admin (or `manage.py axes_reset`).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_CLIENT_IP_CALLABLE = "atlas.clients.client_ip"
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
# In development WhiteNoise serves straight from static/ (no collectstatic needed).
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # In production: run collectstatic; files get content hashes and gzip/brotli copies.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The overview's and the facets' counts are cached until the data change: in Redis when
# REDIS_URL is set (shared by every worker), else in each process's memory.
# A cache that errs or does not answer within its short timeouts is skipped for
# CACHE_RETRY_SECONDS: the page computes what it needs instead.
CACHES = {
    "default": {
        "BACKEND": "atlas.redis_cache.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    }
    if os.environ.get("REDIS_URL")
    # Counts are kept part by part of the studies (a hundred entries a filter at 100,000 studies):
    # room for thousands, where Django's default of 300 would throw them out as they are made.
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 50_000}}
}
CACHE_RETRY_SECONDS = 15

# Public pages and the API, read by someone not signed in, may be kept by the reverse proxy and
# browsers for PUBLIC_MAX_AGE seconds, and a browser may show its expired copy PUBLIC_STALE_SECONDS
# longer while it asks again: a save reaches every reader within 2 × PUBLIC_MAX_AGE +
# PUBLIC_STALE_SECONDS, 90 s by default (README, "Caching"). Curators, the admin and forms: never kept.
PUBLIC_MAX_AGE = env_int("PUBLIC_MAX_AGE", 30)
PUBLIC_STALE_SECONDS = env_int("PUBLIC_STALE_SECONDS", 30)
# Once a request that changed the atlas's data is answered, its worker asks for these addresses
# as a reader would, and for the pages of up to WARM_STUDY_PAGES studies it changed, so that their
# next reader finds them counted and drawn (atlas/warming.py). Empty and 0: off.
WARM_AFTER_SAVE = env_list(
    "WARM_AFTER_SAVE", "/,/studies/,/studies/charts/?format=json,/references/,/api/studies/"
)
WARM_STUDY_PAGES = env_int("WARM_STUDY_PAGES", 3)
# A page's ETag from the data version (a copy that still holds costs no rendering) needs every
# worker to share that version (Redis) and no replica that may lag behind it; otherwise the
# ETag is the body's hash.
ETAGS_FROM_DATA_VERSION = env_bool(
    "ETAGS_FROM_DATA_VERSION",
    bool(os.environ.get("REDIS_URL")) and not os.environ.get("DATABASE_REPLICA_URLS"),
)

# A .bib upload larger than this is refused before parsing.
BIBTEX_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
# All of one import's files and pasted text together; larger is refused, nothing saved.
BIBTEX_UPLOAD_TOTAL_MAX_BYTES = 8 * 1024 * 1024
# At most this many files in one request (the import's .bib files).
DATA_UPLOAD_MAX_NUMBER_FILES = 20
# A request body other than its files: the import's confirm posts the previewed text back,
# up to BIBTEX_UPLOAD_TOTAL_MAX_BYTES, form-encoded (BibTeX grows by about a third).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * BIBTEX_UPLOAD_TOTAL_MAX_BYTES
# Uploads larger than this are written to a temporary file rather than held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = BIBTEX_UPLOAD_MAX_BYTES

CURATED_DATA_DIR = BASE_DIR / "fixtures"

# The read-only API (api/): JSON only, anonymous, read-only; OpenAPI 3 by drf-spectacular.
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.views.exception_handler",
    # `format` is the HTML pages' export parameter, not the API's.
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Interphase Atlas API",
    "DESCRIPTION": (
        "Read-only JSON of the atlas: studies, measurements, references, electrolytes, interlayer "
        "materials and electrolyte families. Lists are paged (`page`, `page_size`) and take the "
        "same filter parameters as the site's HTML lists, giving the same rows in the same order; "
        "documents have the same shape as the site's `format=json` exports. Data: CC BY 4.0."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "LICENSE": {"name": "CC BY 4.0 (data)", "url": "https://creativecommons.org/licenses/by/4.0/"},
}
# Any origin may GET the API (a notebook, a browser app elsewhere); nothing else is shared.
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified"]

# Data releases (manage.py release VERSION): one folder per version, never rewritten.
RELEASES_DIR = Path(os.environ.get("RELEASES_DIR") or BASE_DIR / "releases")
# The site's public address, for the absolute links a release's files carry.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# The address Crossref may write to about the curation admin's lookups: sent as `mailto` with
# each request, as Crossref asks of its users (its "polite" pool). Unset, lookups still work.
CROSSREF_MAILTO = os.environ.get("CROSSREF_MAILTO", "")

# Logs: every record one JSON line on stderr, with its request's id, method and path
# (atlas/logs.py); a 500 with its traceback. With ADMINS set, Django's errors (a 500, a
# suspicious request) are also mailed to them.
ADMINS = [(name, address) for name, address in getaddresses(env_list("ADMINS", "")) if address]
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", "root@localhost")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", SERVER_EMAIL)
EMAIL_SUBJECT_PREFIX = os.environ.get("EMAIL_SUBJECT_PREFIX", "[Interphase Atlas] ")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 10
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "atlas.logs.RequestContextFilter"}},
    "formatters": {"json": {"()": "atlas.logs.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "filters": ["request"],
            "formatter": "json",
        },
        "mail_admins": {"class": "django.utils.log.AdminEmailHandler", "level": "ERROR"},
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own records reach the root's handler; its errors are mailed when ADMINS is set.
        "django": {"handlers": ["mail_admins"] if ADMINS else [], "level": LOG_LEVEL, "propagate": True},
        "django.server": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        # Its banner at every start says nothing the settings do not; its lockouts are kept.
        "axes.apps": {"level": "WARNING"},
    },
}

# An error tracker, only when SENTRY_DSN is set: unhandled errors with their request id,
# without personal data (no addresses, cookies, users or request bodies).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration()],
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        send_default_pii=False,
        max_request_body_size="never",
        traces_sample_rate=0.0,
    )

# Exports are written here once per data version and query, then sent whole. With
# EXPORTS_ACCEL_REDIRECT (the internal location that nginx maps onto EXPORTS_DIR, e.g.
# /protected-exports/), the proxy sends the file and no worker waits on a slow reader.
EXPORTS_DIR = Path(os.environ.get("EXPORTS_DIR") or BASE_DIR / "exports")
EXPORTS_ACCEL_REDIRECT = os.environ.get("EXPORTS_ACCEL_REDIRECT", "")

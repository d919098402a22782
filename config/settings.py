"""Rightsdesk settings: one module, every deployment value read from the environment.

The defaults give the embedded set-up of `make run` (SQLite, Celery's file-system
broker, mails written to files under var/). Production sets DEBUG=0 and must then give
SECRET_KEY, BIOMETRIC_KEYS, SUBJECT_WRAPPING_KEYS and IDENTIFIER_PEPPER explicitly.
"""

import base64
import hashlib
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp import constants as csp_constants
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-for-debug-" + "x" * 20

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # The admin site requires a second factor for its users (see orgs/apps.py).
    "orgs.apps.RightsdeskAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_celery_beat",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_ratelimit",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "csp",
    "axes",
    "orgs",
    "requests_app",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise: static files keep their long cache; every page gets no-store.
    "orgs.headers.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.paths.NulInPathMiddleware",
    # A signed-in user whose second factor is pending reaches only its pages and sign-out.
    "orgs.accounts.second_factor.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Last: turns a lock-out flagged during the sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "orgs.accounts.account.staff_header",
            ],
        },
    },
]


def _database_from_env() -> dict:
    url = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
    try:
        config = dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL Rightsdesk understands: {exc}") from None
    if config["ENGINE"].endswith("sqlite3"):
        config["CONN_MAX_AGE"] = 0
        # A web server, a worker and beat share the file in `make run`. A deferred
        # transaction that reads and then writes fails at once with "database is locked"
        # when another process holds the write lock (SQLite cannot wait there without
        # risking a deadlock); taking the write lock at BEGIN (IMMEDIATE) makes every
        # writer wait its turn for up to `timeout` seconds instead. WAL lets readers
        # (the pages) go on while a worker writes.
        config.setdefault("OPTIONS", {}).update(
            timeout=20, transaction_mode="IMMEDIATE",
            init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        )
    return config


DATABASES = {"default": _database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in. Axes comes first: it refuses a locked-out username+address before any
# password is checked, and records every sign-in (AccessLog) and failure
# (AccessAttempt, AccessFailureLog; the password is never stored). Its backend needs
# the request, so tests sign in with force_login or through the real view.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/desk/"
LOGOUT_REDIRECT_URL = "login"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(hours=1)
# Two counters: five failures for one username at one address lock that pair, and
# AXES_USERNAME_FAILURE_LIMIT failures for one username from any addresses lock the
# username everywhere (one guesser spread over many addresses). The page says the same
# whether or not the username exists (axes counts attempts on unknown names too).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_USERNAME_FAILURE_LIMIT = 20
AXES_HANDLER = "orgs.accounts.lockout.TwoLimitHandler"
AXES_RESET_ON_SUCCESS = True
# The hour runs from the lock-out; attempts during it are refused but do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token"]
# The address is REMOTE_ADDR (as for the rate limits): a forwarded header could be
# spoofed to get a fresh five tries per invented address. Behind a proxy, the proxy's
# own X-Real-IP (which it must overwrite, never pass on) is the client's address.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
AXES_CLIENT_IP_CALLABLE = "orgs.client_address.client_address"
RATELIMIT_IP_META_KEY = "orgs.client_address.client_address"
# Second factor (TOTP): required for owners, staff and superusers (orgs/accounts/second_factor.py).
OTP_TOTP_ISSUER = "Rightsdesk"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin may remove a lost device, never read its secret
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # a reset link works for a day

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
MAX_UPLOAD_FILES = 5
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Rate limits count in this cache; it must be shared by every web process (Redis in
# production). The embedded set-up runs one web process, so memory is enough there.
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL.startswith("redis://"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "rightsdesk"),
        }
    }
    # django-ratelimit lists django-redis, not Django's own RedisCache, which has the
    # atomic add/incr it needs.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
elif CACHE_URL:
    raise ImproperlyConfigured("CACHE_URL must be a redis:// URL (or unset for the in-memory cache)")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # One process in development; in production django-ratelimit's check stops a cache
    # each gunicorn worker would count in on its own.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"] if DEBUG else []
RATELIMIT_VIEW = "requests_app.public.views.rate_limited"

# Email: by default written to files so a person running `make run` can read the codes.
# Development writes mails to var/mail/ and texts to the console; production sends them
# (SMTP unless EMAIL_BACKEND says otherwise; texts only through a configured SMS_BACKEND),
# so codes and status links never end up in files or logs by default.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Rightsdesk <no-reply@rightsdesk.localhost>")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# The Data Rights Protocol's signing key of status callbacks (base64 of a 32-byte Ed25519 seed);
# empty: one derived from SECRET_KEY (requests_app/delivery/drp_callbacks.py).
DRP_SIGNING_KEY = env_str("DRP_SIGNING_KEY", "")
SMS_BACKEND = env_str(
    "SMS_BACKEND", "requests_app.delivery.sms.ConsoleBackend" if DEBUG else "requests_app.delivery.sms.UnconfiguredBackend"
)


# Passkeys (django-otp-webauthn), a second factor beside TOTP (orgs/accounts/passkeys.py). The
# relying party is this site's host, from SITE_URL: a browser refuses an IP address as
# relying party id, so the loopback address of `make run` becomes localhost (browse at
# http://localhost:8000 to use passkeys there). Passkeys registered for one host do not
# work on another. Never a first factor: the password comes first.
def _passkey_site() -> tuple[str, str]:
    site = urlsplit(SITE_URL)
    host = site.hostname or "localhost"
    if host in ("127.0.0.1", "::1"):
        host = "localhost"
    port = f":{site.port}" if site.port else ""
    return host, f"{site.scheme}://{host}{port}"


OTP_WEBAUTHN_RP_ID = env_str("PASSKEY_RP_ID", _passkey_site()[0])
OTP_WEBAUTHN_RP_NAME = "Rightsdesk"
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list("PASSKEY_ORIGINS", [_passkey_site()[1]])
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_HELPER_CLASS = "orgs.accounts.passkeys.PasskeyHelper"
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = ""  # orgs/accounts/passkey_views.py logs each refusal itself


# Biometric templates are encrypted with MultiFernet: the first key encrypts, every key
# decrypts, so a new key is put first and `rotate_biometric_keys` re-encrypts the rest.
def _derived_key(purpose: str) -> str:
    digest = hashlib.sha256(f"{purpose}:{SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def _fernet_keys(name: str, purpose: str) -> list[str]:
    keys = env_list(name, [])
    if not keys:
        if not DEBUG:
            raise ImproperlyConfigured(f"{name} must be set when DEBUG is off")
        return [_derived_key(purpose)]
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} entry {position} is not a Fernet key (32 url-safe base64-encoded bytes)"
            ) from None
    return keys


BIOMETRIC_KEYS = _fernet_keys("BIOMETRIC_KEYS", "biometric-key")
# Each person's data key (requests_app/models/sealed.py) is stored wrapped under these, the same
# way: the first wraps, every one unwraps; `rotate_subject_keys` re-wraps under the first.
SUBJECT_WRAPPING_KEYS = _fernet_keys("SUBJECT_WRAPPING_KEYS", "subject-wrapping-key")

# The transparency log (requests_app/transparency): its Ed25519 signing key is a file,
# never a database row (create it with `manage.py create_log_key`), and each signed tree
# head is also written to TRANSPARENCY_LOG_DIR, ideally a volume the database host
# cannot write. Production names the key file explicitly.
TRANSPARENCY_LOG_KEY_FILE = env_str("TRANSPARENCY_LOG_KEY_FILE", "")
if not TRANSPARENCY_LOG_KEY_FILE:
    if not DEBUG:
        raise ImproperlyConfigured("TRANSPARENCY_LOG_KEY_FILE must be set when DEBUG is off")
    TRANSPARENCY_LOG_KEY_FILE = str(VAR_DIR / "transparency-log.key")
TRANSPARENCY_LOG_DIR = env_str("TRANSPARENCY_LOG_DIR", str(VAR_DIR / "transparency"))
# The checkpoints' first line: names this log wherever its heads are copied.
TRANSPARENCY_LOG_ORIGIN = env_str("TRANSPARENCY_LOG_ORIGIN", "rightsdesk.localhost/audit-log")

IDENTIFIER_PEPPER = env_str("IDENTIFIER_PEPPER", "")
if not IDENTIFIER_PEPPER:
    if not DEBUG:
        raise ImproperlyConfigured("IDENTIFIER_PEPPER must be set when DEBUG is off")
    IDENTIFIER_PEPPER = _derived_key("identifier-pepper")
elif len(IDENTIFIER_PEPPER) < 32:
    raise ImproperlyConfigured("IDENTIFIER_PEPPER must be at least 32 characters")

# Celery: the database row is the truth, the broker only a nudge.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "broker" / "out"),
        "data_folder_out": str(VAR_DIR / "broker" / "out"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "store_processed": False,
        # The folder is polled; each hop of a fulfilment (begin, run, complete) waits one poll.
        "polling_interval": 0.02,
    }
    if CELERY_BROKER_URL.startswith("filesystem://")
    else {
        # A message not acked within this time (its worker died) is delivered again.
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
        "socket_connect_timeout": 3,
        "socket_timeout": 10,
    }
)
# If the broker is down, give up publishing quickly: the row is stored and a sweep re-queues.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker that lost Redis reconnects, however long Redis stays away (the default gives up
# after 100 tries and the worker ends); the transport it does so with is config/broker.py's.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Tasks running when the connection goes finish (Celery 6 would cancel them): each claims
# its row, so its redelivery does nothing, while one cancelled between sending a mail and
# recording it would leave the sweep to send a second one.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

# Production hardening; each can be relaxed by environment for local HTTP.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts, styles, fonts and fetches from this
# site only (htmx and Pico are vendored under static/); no inline script anywhere. The
# self-contained pages (letters, case file, the admin's few rules) carry a <style> with
# the request's nonce, the 500 page (rendered without a request) its stylesheet's hash;
# Pico's icons are data: SVGs. No site may frame a page.
# The hash of templates/500.html's <style> (tests/test_headers.py checks it).
ERROR_PAGE_STYLE_HASH = "'sha256-g0L2aMs3DM58wCwLdqsFq8l8TXrm5QwZXQriAbu4qSw='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", csp_constants.NONCE, ERROR_PAGE_STYLE_HASH],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Logs carry ids and references, never a person's contact details or identifiers.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # The PDF renderer logs each layout step and font subset at INFO: noise for every download.
    "loggers": {name: {"level": "WARNING"} for name in ("weasyprint", "fontTools")},
}


# REST API (/api/v1/): token or session authentication, one error format, OpenAPI 3.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "requests_app.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "requests_app.api.schema.PublicAutoSchema",
    "EXCEPTION_HANDLER": "requests_app.api.errors.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Rightsdesk API",
    "DESCRIPTION": "Personal-data-rights requests: officers' queue and actions, citizens' requests, systems' callbacks.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The docs' JavaScript and CSS come from this site: no CDN, nothing leaves the network.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set, however many serializers use it.
    "ENUM_NAME_OVERRIDES": {
        "RequestStatusEnum": "requests_app.models.RequestStatus",
        "TaskStatusEnum": "requests_app.models.TaskStatus",
        "ClaimStatusEnum": "requests_app.models.ClaimStatus",
        "RequestKindEnum": "requests_app.models.RequestKind",
        "OrganisationKindEnum": "orgs.models.Organisation.Kind",
        "RecordOutcomeEnum": "requests_app.cases.outcomes.RecordOutcome",
        "PlaceKindEnum": "orgs.models.PlaceKind",
        "AlternativeEnum": "orgs.models.Alternative",
        "DeviceKindEnum": "orgs.models.DeviceKind",
        "DeviceStatusEnum": "orgs.models.DeviceStatus",
        "TemplateStorageEnum": "orgs.models.TemplateStorage",
        "AssessmentStateEnum": "orgs.models.AssessmentState",
        # The biometric record's state keeps the name it had before assessments had states too.
        "StateEnum": "orgs.models.RecordState",
        "FlagCodeEnum": "orgs.register.FlagCode",
        "ConsentActionEnum": "orgs.models.ConsentAction",
        "ConsentChannelEnum": "orgs.models.ConsentChannel",
    },
}
API_TOKEN_LIFETIME_DAYS = env_int("API_TOKEN_LIFETIME_DAYS", 90)
STATUS_LINK_IDLE_DAYS = env_int("STATUS_LINK_IDLE_DAYS", 180)

# Webhook and event-subscription endpoints (requests_app/delivery/destinations.py): https and
# public addresses only in production; development's demo endpoints live on this machine.
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", DEBUG)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", DEBUG)
# A CA bundle (file) the workers trust for those endpoints' certificates instead of the
# public ones, e.g. an organisation's own CA; empty: the public CAs (certifi).
WEBHOOK_CA_BUNDLE = env_str("WEBHOOK_CA_BUNDLE", "")

"""Settings for Outlet CRM, read from the environment.

Every variable has a default that works on a laptop with no servers: SQLite in
``var/`` and kombu's filesystem broker. Production sets DATABASE_URL,
CELERY_BROKER_URL, SECRET_KEY and ALLOWED_HOSTS (see README.md).
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
# A deployer's own .env (see .env.example); real environment variables win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Servers (gunicorn, celery) start in production mode unless DEBUG says
# otherwise; manage.py in a checkout is a development tool and asks for
# development mode by default (DJANGO_DEBUG_DEFAULT, set in manage.py).
DEBUG = env.bool("DEBUG", default=env.bool("DJANGO_DEBUG_DEFAULT", default=False))
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-deploy")
else:
    # Refuse to start a production-shaped process with a guessable key.
    SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])


def _proxy_ssl_header(value: str) -> tuple[str, str] | None:
    """``HTTP_X_FORWARDED_PROTO,https`` -> the (header, value) pair; empty: none.

    Only set it behind a proxy that always sets (or strips) that header, or a
    client could claim HTTPS over plain HTTP.
    """
    if not value:
        return None
    header, _, secure = value.partition(",")
    if not header.startswith("HTTP_") or not secure:
        raise environ.ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER takes HEADER,value, e.g. "
            "HTTP_X_FORWARDED_PROTO,https"
        )
    return header.strip(), secure.strip()


# --- Behind a TLS proxy (README: "Deploying behind TLS") -------------------
# Off by default so `make run` works over plain HTTP on a laptop; production
# sets them all, and `manage.py check --deploy` then reports no issue.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_PROXY_SSL_HEADER = _proxy_ssl_header(
    env.str("SECURE_PROXY_SSL_HEADER", default="")
)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False
)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
# Staff log in each working day; a stolen session cookie is worth a day, not
# Django's two weeks.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=24 * 60 * 60)
SECURE_REFERRER_POLICY = "same-origin"
# Besides every answer to a logged-in person (lib/cache_control.py): the API
# and the customer's progress board and survey.
NO_STORE_PATH_PREFIXES = ["/api/", "/p/", "/s/"]
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "phonenumber_field",
    "axes",
    "csp",
    # Who changed a customer, their file or a policy (the audit trail).
    "simple_history",
    # Floors, bottom to top (docs/architecture.md): each imports only below it.
    "outlets",
    "customers",
    "clocks",
    "shipments",
    "followups",
    "demo",
]

MIDDLEWARE = [
    # Outermost: every error under /api/ leaves in the API's one error shape.
    "outlets.api.errors.ApiErrorShapeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The audit trail's "who": read when a row is saved, so an API token's
    # user (known only inside the view) is recorded too.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Answers that may carry personal data are never stored by a browser or a
    # proxy (lib/cache_control.py).
    "lib.cache_control.NoStoreMiddleware",
    # Turns a locked-out login (outlets/login_throttle.py) into its answer.
    "axes.middleware.AxesMiddleware",
    # Innermost: a POST (PUT, PATCH, DELETE) is one transaction around the
    # view, rolled back when it answers an error (lib/atomic_writes.py).
    "lib.atomic_writes.AtomicWritesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "outlets.Staff"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'outlet_crm.sqlite3'}"
    )
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: WAL lets readers run beside the
    # writer, and the busy timeout makes a writer wait instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # SQLite cannot enforce "one policy per scope" when the outlet is NULL (the
    # network default); PostgreSQL does, and the policy service checks it too.
    SILENCED_SYSTEM_CHECKS = ["models.W047"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Short, frequent statements (the sweep, ingest batches): PostgreSQL's JIT
    # spends more compiling them than it could save running them.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
if env.str("DATABASE_TEST_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env.str("DATABASE_TEST_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_VALIDATORS = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATORS}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_VALIDATORS}.MinimumLengthValidator"},
    {"NAME": f"{_VALIDATORS}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATORS}.NumericPasswordValidator"},
]

# --- Login throttling (django-axes) ----------------------------------------
# The login page, the admin login and the API token endpoint all go through
# authenticate(): the throttle backend refuses a locked-out account or address
# before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "outlets.login_throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
# Each on its own: guessing one account from many addresses, or many accounts
# from one address, both lock.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "outlets.login_throttle.lockout_response"
AXES_CLIENT_STR_CALLABLE = "outlets.login_throttle.client_description"
# Behind N proxies the client is the N-th address from the right of
# X-Forwarded-For; without one, REMOTE_ADDR (a header could be forged).
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
if PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = PROXY_COUNT
    AXES_IPWARE_PROXY_ORDER = "right-most"
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

# --- Language and time ----------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# ISO first in every language's *_INPUT_FORMATS: what date and time inputs take.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
PHONENUMBER_DEFAULT_REGION = "CN"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # DEBUG=0: hashed names (cached for ever by browsers) from `collectstatic`,
    # served by whitenoise, so no separate web server is needed. DEBUG=1 (make
    # run, the test suite): the files as they are in the checkout.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Content-Security-Policy (django-csp) ------------------------------------
# Only our own vendored scripts and styles; an inline <script> or <style> runs
# only with the request's nonce (templates/errors/standalone.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # Bootstrap draws its icons (menu, select arrow, close) as data: SVGs.
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- API -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "outlets.api.authentication.StaffTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["outlets.api.permissions.IsActiveStaff"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "outlets.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Outlet CRM API",
    "DESCRIPTION": "Customers, pickups, shipments and service clocks of an outlet.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and Swagger UI need a login unless API_DOCS_PUBLIC opens them.
    "SERVE_PERMISSIONS": ["outlets.api.permissions.DocsAccess"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a field called "kind" or "status": name each enum.
    "ENUM_NAME_OVERRIDES": {
        "ClockKindEnum": "clocks.models.ClockKind",
        "ClockStateEnum": "clocks.models.ClockState",
        "MilestoneKindEnum": "shipments.models.MilestoneKind",
        "ProblemKindEnum": "shipments.models.ProblemKind",
        "ProblemStageEnum": "shipments.models.ProblemStage",
        "PickupStatusEnum": "shipments.models.PickupStatus",
        "ShipmentStatusEnum": "shipments.models.ShipmentStatus",
        "ContactMethodEnum": "shipments.models.ContactMethod",
        "TierEnum": "customers.models.Tier",
        "NeedEnum": "customers.models.Need",
        "ExcursionStateEnum": "shipments.models.ExcursionState",
        "FollowUpKindEnum": "followups.models.FollowUpKind",
        "CareTagEnum": "customers.models.CareTag",
        "PersonalDateKindEnum": "customers.models.PersonalDateKind",
        "OccasionEnum": "followups.occasions.models.Occasion",
        "CampaignDeliveryEnum": "followups.occasions.models.CampaignDelivery",
        "CampaignStateEnum": "followups.occasions.models.CampaignState",
        "FollowUpStateEnum": "followups.models.FollowUpState",
        "FollowUpChannelEnum": "followups.models.FollowUpChannel",
        "FollowUpOutcomeEnum": "followups.models.FollowUpOutcome",
        "ChurnReasonEnum": "followups.kpis.models.ChurnReason",
        "CarePlanKindEnum": "followups.care_plans.models.PLAN_KIND_CHOICES",
    },
}

API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=False)
# API tokens (django-rest-knox, hashed at rest): one per person, issued by
# outlets.services.api_token_issue; it expires after API_TOKEN_DAYS and stops
# working at once when the password changes or the account is disabled.
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=30)
KNOX_TOKEN_MODEL = "outlets.ApiToken"
# knox's own migrations create its AuthToken table even when KNOX_TOKEN_MODEL
# swaps it out; that orphan table would hold a key to every staff row. Without
# them nothing of knox's is created (outlets' migrations make ApiToken).
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {"AUTH_HEADER_PREFIX": "Token"}

# --- Celery ----------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost//")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # At-least-once: a task a dead worker held comes back after this, so it must
    # outlast the hard time limit of every task (90 s) but no more than needed.
    # Nothing is lost meanwhile: clocks and messages are rows, and the next
    # beat sweep claims whatever a lost task left behind.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300),
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("in", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        {
            "data_folder_in": str(_broker_dir / "in"),
            "data_folder_out": str(_broker_dir / "in"),
            "processed_folder": str(_broker_dir / "processed"),
            # The exchange tables; kombu's default is ./control in the checkout.
            "control_folder": str(_broker_dir / "control"),
            "store_processed": False,
        }
    )
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Task modules autodiscovery does not find (it looks for <app>.tasks only).
CELERY_IMPORTS = [
    "followups.care_plans.tasks",
    "followups.occasions.tasks",
    "followups.surveys.tasks",
    "followups.referrals.tasks",
    "followups.kpis.tasks",
]
CELERY_TASK_ROUTES = {
    "clocks.sweep": {"queue": "clocks"},
}
CELERY_BEAT_SCHEDULE = {
    # The service clock: every second, on its own queue; a sweep that could not
    # start within a few seconds is dropped, the next one catches up.
    "sweep-clocks": {
        "task": "clocks.sweep",
        "schedule": 1.0,
        "options": {"queue": "clocks", "expires": 5},
    },
    "deliver-messages": {
        "task": "clocks.deliver_messages",
        "schedule": 15.0,
        "options": {"expires": 30},
    },
    "send-progress-updates": {
        "task": "shipments.tasks.send_progress_updates",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    "heartbeat": {
        "task": "outlets.tasks.heartbeat",
        "schedule": 60.0,
    },
    "recompute-tiers-nightly": {
        "task": "customers.tasks.recompute_tiers",
        "schedule": crontab(hour=2, minute=15),
    },
    # Personal dates, season planning and the 3-day warehouse warning.
    "dated-care-nightly": {
        "task": "followups.plan_dated_care",
        "schedule": crontab(hour=2, minute=35),
    },
    # A campaign goes out within minutes of its hour.
    "fan-out-campaigns": {
        "task": "followups.campaigns_fan_out_due",
        "schedule": 300.0,
        "options": {"expires": 240},
    },
    # After the tiers: tonight's care-plan follow-ups, due this morning.
    "care-plan-nightly": {
        "task": "followups.care_plans.plan_nightly",
        "schedule": crontab(hour=2, minute=45),
    },
    # A customer who turns strategic without an account manager reaches the
    # outlet manager within minutes.
    "scan-strategic-customers": {
        "task": "followups.care_plans.scan_strategic",
        "schedule": 120.0,
        "options": {"expires": 100},
    },
    # Surveys after signed deliveries and remedied problems, and thank-yous to
    # referrers, pulled from new rows: a few minutes after the event.
    "send-surveys": {
        "task": "followups.surveys.send_due",
        "schedule": 120.0,
        "options": {"expires": 100},
    },
    "scan-referral-first-shipments": {
        "task": "followups.referrals.scan_first_shipments",
        "schedule": 300.0,
        "options": {"expires": 240},
    },
    # Churn warnings after the night's shipments are in; each new risk raises
    # a retention call due the same morning.
    "churn-scan-nightly": {
        "task": "followups.kpis.churn_scan",
        "schedule": crontab(hour=3, minute=5),
    },
    # Freezes the last complete month's KPI figures; nightly, so a missed first
    # of the month is made up, and a frozen month costs nothing.
    "kpi-snapshots-nightly": {
        "task": "followups.kpis.snapshot_months",
        "schedule": crontab(hour=3, minute=30),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Outbound messages -------------------------------------------------------
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
MESSAGE_TIMEOUT_SECONDS = env.float("MESSAGE_TIMEOUT_SECONDS", default=5.0)
MESSAGE_MAX_ATTEMPTS = env.int("MESSAGE_MAX_ATTEMPTS", default=6)
# A delivery run starts a send only while a full MESSAGE_TIMEOUT_SECONDS still
# fits in this budget, so a slow gateway never runs it into the task's soft
# time limit (60 s); what it did not reach is released for the next run.
MESSAGE_DELIVERY_BUDGET_SECONDS = env.float(
    "MESSAGE_DELIVERY_BUDGET_SECONDS", default=20.0
)
# A customer's progress board link stops working after this many days; the
# next message to the customer carries a fresh one.
PROGRESS_LINK_DAYS = env.int("PROGRESS_LINK_DAYS", default=180)
# Satisfaction surveys (NPS): the share of signed deliveries that get one (at
# most one a customer per calendar month), and how long its link works.
SURVEY_SAMPLE_PERCENT = env.int("SURVEY_SAMPLE_PERCENT", default=20)
SURVEY_LINK_DAYS = env.int("SURVEY_LINK_DAYS", default=14)
# Churn warnings (流失预警): a customer who shipped nothing for this many days,
# having shipped in the 90 before, is at risk; so is one whose last 30 days
# fell under half of their monthly average of the 90 days before (an average
# of at least CHURN_DROP_MIN_MONTHLY parcels), and one who answered a survey
# with 0-6 in the last CHURN_DETRACTOR_DAYS. Who counts as churned is a fixed
# rule (followups/kpis/churn.py), not a setting, so the rate is comparable.
CHURN_SILENT_DAYS = env.int("CHURN_SILENT_DAYS", default=30)
CHURN_DROP_MIN_MONTHLY = env.int("CHURN_DROP_MIN_MONTHLY", default=3)
CHURN_DETRACTOR_DAYS = env.int("CHURN_DETRACTOR_DAYS", default=90)
# The KPI dashboard's month in progress is computed live and kept this long.
KPI_LIVE_SECONDS = env.int("KPI_LIVE_SECONDS", default=300)
# Out-of-range readings must last this long before the cold-chain alarm starts,
# so one noisy sensor reading does not page anyone.
COLD_CHAIN_MIN_EXCURSION_SECONDS = env.int(
    "COLD_CHAIN_MIN_EXCURSION_SECONDS", default=120
)


def _message_channel(
    backend: str, url_var: str, key_var: str, key_option: str = "secret", **extra
) -> dict:
    """A gateway channel when its URL is set, else the console (laptop, CI).

    Once the URL is set its key is required, so a half-configured gateway stops
    the process at startup instead of quietly logging customers' messages.
    """
    url = env.str(url_var, default="")
    if not url:
        return {"BACKEND": "clocks.channels.ConsoleChannel", "OPTIONS": {}}
    return {
        "BACKEND": f"clocks.channels.{backend}",
        "OPTIONS": {
            "url": url,
            key_option: env.str(key_var),
            "timeout": MESSAGE_TIMEOUT_SECONDS,
            **extra,
        },
    }


def _staff_channel(kind: str) -> dict:
    """Staff alerts: a signed webhook (a relay), or a WeCom / DingTalk group robot
    in its own message format; the robot's key is in its URL, DingTalk's
    optional signing secret in STAFF_WEBHOOK_SECRET."""
    robots = {"wecom": "WeComRobotChannel", "dingtalk": "DingTalkRobotChannel"}
    if kind == "webhook":
        return _message_channel(
            "WebhookChannel", "STAFF_WEBHOOK_URL", "STAFF_WEBHOOK_SECRET"
        )
    if kind not in robots:
        raise environ.ImproperlyConfigured(
            "STAFF_ALERT_FORMAT is webhook, wecom or dingtalk"
        )
    url = env.str("STAFF_WEBHOOK_URL", default="")
    if not url:
        return {"BACKEND": "clocks.channels.ConsoleChannel", "OPTIONS": {}}
    return {
        "BACKEND": f"clocks.channels.{robots[kind]}",
        "OPTIONS": {
            "url": url,
            "secret": env.str("STAFF_WEBHOOK_SECRET", default=""),
            "timeout": MESSAGE_TIMEOUT_SECONDS,
        },
    }


MESSAGE_CHANNELS = {
    "sms": _message_channel(
        "SmsGatewayChannel",
        "SMS_GATEWAY_URL",
        "SMS_GATEWAY_KEY",
        "api_key",
        sender=env.str("SMS_SENDER", default=""),
        # Aliyun / Tencent Cloud: a registered signature and a template code per
        # message kind ("milestone=SMS_100001,delay_notice=SMS_100002,...").
        signature=env.str("SMS_SIGNATURE", default=""),
        templates=env.dict("SMS_TEMPLATE_CODES", default={}),
    ),
    "wechat": _message_channel(
        "WebhookChannel", "WECHAT_WEBHOOK_URL", "WECHAT_WEBHOOK_SECRET"
    ),
    "staff": _staff_channel(env.str("STAFF_ALERT_FORMAT", default="webhook")),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    # No phone number or progress-board token in any line (lib/log_scrub.py).
    "filters": {"personal_data": {"()": "lib.log_scrub.ScrubPersonalData"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own handlers (runserver's request lines hold /p/<token>/) would
    # bypass the filter: everything goes to the one console handler.
    "loggers": {
        name: {"handlers": [], "propagate": True}
        for name in ("django", "django.server")
    },
}

"""Xuncha settings: one file, every value from the environment (see .env.example)."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from xuncha.core.env import env_bool, env_choice, env_database, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("XUNCHA_DATA_DIR", str(BASE_DIR / "data"))).resolve()

DEBUG = env_bool("XUNCHA_DEBUG", False)
PRODUCTION = env_bool("XUNCHA_PRODUCTION", False)

_DEV_SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("XUNCHA_SECRET_KEY", "" if PRODUCTION else _DEV_SECRET_KEY)
if PRODUCTION and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "生产环境必须设置 XUNCHA_SECRET_KEY (至少 50 个字符的随机值) / "
        "production needs XUNCHA_SECRET_KEY: a random value of at least 50 characters"
    )

ALLOWED_HOSTS = env_list("XUNCHA_ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("XUNCHA_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "xuncha.core",
    "xuncha.audit",
    "xuncha.org",
    "xuncha.plans",
    "xuncha.inspections",
    "xuncha.petitions",
    "xuncha.clues",
    "xuncha.rectification",
    "xuncha.reports",
    "xuncha.analytics",
    "xuncha.archive",
    "xuncha.stats",
    "xuncha.notifications",
    "xuncha.savedviews",
    "xuncha.study",
    "xuncha.training",
    "xuncha.library",
]

MIDDLEWARE = [
    "xuncha.core.middleware.ApiErrorMiddleware",  # outermost: sees Django's error pages too
    "django.middleware.security.SecurityMiddleware",
    "xuncha.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "xuncha.core.middleware.RequestGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "xuncha.org.middleware.SessionPolicyMiddleware",  # after messages: it adds some
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "xuncha.audit.middleware.AuditContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "xuncha.urls"
WSGI_APPLICATION = "xuncha.wsgi.application"

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
                "xuncha.org.context_processors.navigation",
                "xuncha.analytics.context_processors.search_box",
            ],
            # The visual language's badges and button classes on every template.
            "builtins": ["xuncha.core.templatetags.ui"],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": env_database("DATABASE_URL", conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "xuncha.sqlite3",
            # Keep a worker's connection between requests: opening one runs the PRAGMAs
            # below and starts SQLite's page cache cold, most of a cached page's time.
            "CONN_MAX_AGE": env_int("XUNCHA_SQLITE_CONN_MAX_AGE", 600),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                # A web server and a task worker share the file: WAL lets readers run
                # beside the writer, IMMEDIATE takes the write lock at BEGIN so two
                # writers queue instead of failing with "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA cache_size=-20000; PRAGMA temp_store=MEMORY;"
                ),
            },
        }
    }
# Parallel developers and CI jobs on one PostgreSQL server need distinct test databases.
if env_str("XUNCHA_TEST_DB_NAME", ""):
    DATABASES["default"]["TEST"] = {"NAME": env_str("XUNCHA_TEST_DB_NAME")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

# --- Passwords, login, sessions (等保 2.0 level 3) ------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
PASSWORD_MIN_LENGTH = env_int("XUNCHA_PASSWORD_MIN_LENGTH", 8)
PASSWORD_HISTORY = env_int("XUNCHA_PASSWORD_HISTORY", 5)
PASSWORD_MAX_AGE_DAYS = env_int("XUNCHA_PASSWORD_MAX_AGE_DAYS", 90)
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "xuncha.org.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "xuncha.org.passwords.CharacterClassValidator"},
    {"NAME": "xuncha.org.passwords.HistoryValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "org:login"
LOGIN_REDIRECT_URL = "org:home"
LOGOUT_REDIRECT_URL = "org:login"

AXES_FAILURE_LIMIT = env_int("XUNCHA_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("XUNCHA_LOGIN_LOCKOUT_MINUTES", 30) / 60  # hours
# Lock the account, not the address: an office behind one NAT address must not be locked
# out because one colleague mistyped a password five times.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_LOCKOUT_CALLABLE = "xuncha.org.views.lockout"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Two-factor login: always for administrators; these roles too when listed.
OTP_REQUIRED_ROLES = env_list("XUNCHA_OTP_REQUIRED_ROLES", "office_admin,sysadmin")
OTP_TOTP_ISSUER = "巡察综合监督平台"

SESSION_IDLE_TIMEOUT_MINUTES = env_int("XUNCHA_SESSION_IDLE_MINUTES", 30)
# API bearer tokens expire this many days after they are made.
API_TOKEN_DAYS = env_int("XUNCHA_API_TOKEN_DAYS", 90)
if API_TOKEN_DAYS < 1:
    raise ImproperlyConfigured("XUNCHA_API_TOKEN_DAYS 至少为 1 / must be at least 1")
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("XUNCHA_SECURE_COOKIES", PRODUCTION)
SECURE_SSL_REDIRECT = env_bool("XUNCHA_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("XUNCHA_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (core/middleware.py): violations are posted to CSP_REPORT_URI
# and logged, at most CSP_REPORT_RATE per client and CSP_REPORT_RATE_SITE in all.
CSP_REPORT_ONLY = env_bool("XUNCHA_CSP_REPORT_ONLY", False)
CSP_REPORT_URI = "/csp-report/"
CSP_REPORT_RATE = env_str("XUNCHA_CSP_REPORT_RATE", "30/m")
CSP_REPORT_RATE_SITE = env_str("XUNCHA_CSP_REPORT_RATE_SITE", "1000/h")
BEHIND_PROXY = env_bool("XUNCHA_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies of our own stand in front (each appends to X-Forwarded-For):
# the client address is the hop just before them (xuncha/core/net.py); 0 ignores the header.
TRUSTED_PROXIES = env_int("XUNCHA_TRUSTED_PROXIES", 1 if BEHIND_PROXY else 0)
if TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("XUNCHA_TRUSTED_PROXIES 不能为负数 / must not be negative")

# --- Keys ----------------------------------------------------------------------
# One folder for every key file: petitions, analytics index, field kit, the audit chain
# key and its signed checkpoints (xuncha/core/keys.py). Empty: DATA_DIR/keys, for
# development; in production put it outside DATA_DIR and outside the backups
# (`xuncha check --deploy` warns otherwise).
_KEYS_DIR = env_str("XUNCHA_KEYS_DIR", "")
KEYS_DIR = Path(_KEYS_DIR).resolve() if _KEYS_DIR else ""
# Where database backups are written (only checked: keys must not be inside it).
_BACKUP_DIR = env_str("XUNCHA_BACKUP_DIR", "")
BACKUP_DIR = Path(_BACKUP_DIR).resolve() if _BACKUP_DIR else ""

# --- Operations page (xuncha/core/operations.py) -----------------------------
# Warn when the last backup is older than this, a key file older than this, the TLS
# certificate (PEM, when readable here) closer to expiry than this, or a disk fuller.
OPS_BACKUP_MAX_AGE_DAYS = env_int("XUNCHA_BACKUP_MAX_AGE_DAYS", 1)
OPS_KEY_MAX_AGE_DAYS = env_int("XUNCHA_KEY_MAX_AGE_DAYS", 365)
OPS_TLS_CERT_FILE = env_str("XUNCHA_TLS_CERT_FILE", "")
OPS_CERT_WARN_DAYS = env_int("XUNCHA_CERT_WARN_DAYS", 30)
OPS_DISK_WARN_PERCENT = env_int("XUNCHA_DISK_WARN_PERCENT", 10)

# --- Audit log ---------------------------------------------------------------
AUDIT_HASH_ALGORITHM = env_choice("XUNCHA_AUDIT_HASH", "sm3", ("sm3", "sha256"))
# The chain is keyed (HMAC-SM3 / HMAC-SHA-256) under this key, base64 of 32 bytes; empty:
# KEYS_DIR/audit-chain.key, generated on first use. Signed checkpoints of the chain head
# are appended to this file (default KEYS_DIR/audit-checkpoints.jsonl).
AUDIT_KEY = env_str("XUNCHA_AUDIT_KEY", "")
AUDIT_CHECKPOINT_FILE = env_str("XUNCHA_AUDIT_CHECKPOINT_FILE", "")

# --- Requests and uploads ----------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("XUNCHA_MAX_BODY_BYTES", 2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
UPLOAD_MAX_BYTES = env_int("XUNCHA_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
MEDIA_ROOT = DATA_DIR / "uploads"
# Bomb limits (core/uploads.py), checked before anything is decoded: an Office package's
# total inflated size, per-member compression ratio and member count; an image's pixels.
UPLOAD_ZIP_MAX_INFLATED_BYTES = env_int("XUNCHA_UPLOAD_ZIP_MAX_INFLATED_BYTES", 200 * 1024 * 1024)
UPLOAD_ZIP_MAX_RATIO = env_int("XUNCHA_UPLOAD_ZIP_MAX_RATIO", 200)
UPLOAD_ZIP_MAX_MEMBERS = env_int("XUNCHA_UPLOAD_ZIP_MAX_MEMBERS", 5000)
UPLOAD_MAX_IMAGE_PIXELS = env_int("XUNCHA_UPLOAD_MAX_IMAGE_PIXELS", 25_000_000)
# Ledger import (rectification/ledger.py): rows and cells read at most.
LEDGER_IMPORT_MAX_ROWS = env_int("XUNCHA_LEDGER_IMPORT_MAX_ROWS", 5000)

# --- Language and time -----------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = env_str("XUNCHA_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static assets: installed from npm (package.json), served locally -------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/altcha", BASE_DIR / "node_modules" / "altcha" / "dist"),
    ("vendor/swagger-ui", BASE_DIR / "node_modules" / "swagger-ui-dist"),
    ("vendor/tom-select", BASE_DIR / "node_modules" / "tom-select" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- Background tasks (django-tasks, database backend: no broker) ------------
TASKS = {
    "default": {
        "BACKEND": env_str("XUNCHA_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# The task worker (`xuncha worker`, xuncha/core/worker.py) writes a heartbeat every
# TASK_HEARTBEAT_SECONDS; a task left RUNNING by a worker whose heartbeat is older than
# TASK_STALE_SECONDS (or whose process is gone on this machine) goes back to the queue, and
# fails after TASK_MAX_ATTEMPTS such deaths. A task of a worker that never wrote a heartbeat
# (the plain db_worker) is taken back after TASK_STALE_HOURS.
TASK_HEARTBEAT_SECONDS = env_int("XUNCHA_TASK_HEARTBEAT_SECONDS", 10)
TASK_STALE_SECONDS = env_int("XUNCHA_TASK_STALE_SECONDS", 120)
TASK_STALE_HOURS = env_int("XUNCHA_TASK_STALE_HOURS", 6)
TASK_MAX_ATTEMPTS = env_int("XUNCHA_TASK_MAX_ATTEMPTS", 3)

# --- E-mail (notifications): SMTP settings from the environment ---------------
EMAIL_BACKEND = env_str("XUNCHA_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("XUNCHA_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("XUNCHA_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("XUNCHA_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("XUNCHA_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("XUNCHA_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("XUNCHA_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("XUNCHA_EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("XUNCHA_EMAIL_FROM", "xuncha@localhost")
# The platform's address as users reach it: links in e-mail are built on it.
XUNCHA_BASE_URL = env_str("XUNCHA_BASE_URL", "http://localhost:8000")

# --- Cache: shared by every gunicorn worker (rate limits); `createcachetable` makes it --
REDIS_URL = env_str("XUNCHA_REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "xuncha_cache",
        }
    ),
    # Per-process memory, for figures that may be a few seconds old (home-page to-dos).
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "xuncha"},
}
# Sessions stay server-side (a row in django_session: revocable, listed, deleted at
# logout) and are read through the shared cache first: Redis when set, else the database
# cache, so a request does not also read the session table.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "default"
# Role assignments, the menu, home panels and dashboard figures are cached per user until
# the next audited write (xuncha/core/cache.py), and at most this many seconds.
USER_CACHE_SECONDS = env_int("XUNCHA_USER_CACHE_SECONDS", 300)
HOME_TODO_CACHE_SECONDS = env_int("XUNCHA_HOME_TODO_CACHE_SECONDS", 20)
# Set only by tests and benchmarks for the servers they start: /ping names it (see bench/common.py).
SERVER_NONCE = env_str("XUNCHA_SERVER_NONCE", "")

# --- People's channel (petitions) ------------------------------------------
# Envelope encryption of submissions: "aes-256-gcm" (default) or "sm4-gcm" (国密, via gmssl).
PETITIONS_CIPHER = env_choice("XUNCHA_PETITIONS_CIPHER", "aes-256-gcm", ("aes-256-gcm", "sm4-gcm"))
# Master key (base64, 32 bytes) and receipt-code HMAC key; when unset they are generated
# on first use in KEYS_DIR (keep that folder outside database backups).
PETITIONS_MASTER_KEY = env_str("XUNCHA_PETITIONS_MASTER_KEY", "")
PETITIONS_RECEIPT_KEY = env_str("XUNCHA_PETITIONS_RECEIPT_KEY", "")
ANALYTICS_INDEX_KEY = env_str("XUNCHA_ANALYTICS_INDEX_KEY", "")
# Worker processes of a full analytics recomputation (the pure part: decrypt, normalise,
# spam, MinHash, suggestions); 1 computes in the task worker's own process.
ANALYTICS_WORKERS = env_int("XUNCHA_ANALYTICS_WORKERS", 2)
# Hot issues: recency half-life (days) and the surge alert (last 7 days > weekly mean of the
# previous N weeks + K standard deviations, and at least MIN submissions).
ANALYTICS_HALF_LIFE_DAYS = env_int("XUNCHA_ANALYTICS_HALF_LIFE_DAYS", 30)
ANALYTICS_SURGE_WEEKS = env_int("XUNCHA_ANALYTICS_SURGE_WEEKS", 8)
ANALYTICS_SURGE_K = float(env_str("XUNCHA_ANALYTICS_SURGE_K", "2.0"))
ANALYTICS_SURGE_MIN = env_int("XUNCHA_ANALYTICS_SURGE_MIN", 3)
# A suggested taxonomy category is applied without a person at or above this confidence
# (0–1; the default 1.1 means never: staff accept each suggestion).
ANALYTICS_AUTO_CATEGORY_CONFIDENCE = float(
    env_str("XUNCHA_ANALYTICS_AUTO_CATEGORY_CONFIDENCE", "1.1")
)
PETITIONS_RECEIPT_HMAC = env_choice("XUNCHA_PETITIONS_RECEIPT_HMAC", "sha256", ("sha256", "sm3"))
PETITIONS_POW_ENABLED = env_bool("XUNCHA_POW_ENABLED", True)
PETITIONS_POW_ALGORITHM = env_str("XUNCHA_POW_ALGORITHM", "PBKDF2/SHA-256")
PETITIONS_POW_COST = env_int("XUNCHA_POW_COST", 5000)
PETITIONS_POW_PREFIX = env_str("XUNCHA_POW_PREFIX", "00")
PETITIONS_RATE_PER_SOURCE = env_str("XUNCHA_RATE_PER_SOURCE", "20/h")
PETITIONS_RATE_SITE = env_str("XUNCHA_RATE_SITE", "20000/h")
PETITIONS_RATE_RECEIPT_FAILURES = env_str("XUNCHA_RATE_RECEIPT_FAILURES", "10/h")
PETITIONS_MAX_TEXT = env_int("XUNCHA_PETITIONS_MAX_TEXT", 20000)
PETITIONS_MAX_FILES = env_int("XUNCHA_PETITIONS_MAX_FILES", 5)
PETITIONS_ACCEPT_DAYS = env_int("XUNCHA_PETITIONS_ACCEPT_DAYS", 15)
PETITIONS_RESULT_DAYS = env_int("XUNCHA_PETITIONS_RESULT_DAYS", 15)
# Years a closed submission is kept (from 1 January after closing) unless the office sets
# its own period on /archive/submissions/; then a recorded decision crypto-shreds it.
SUBMISSION_RETENTION_YEARS = env_int("XUNCHA_SUBMISSION_RETENTION_YEARS", 5)
CLAMD_SOCKET = env_str("XUNCHA_CLAMD_SOCKET", "")

# --- Offline field kit (inspections/fieldkit.py) -------------------------------
# Chunk cipher and package signature; keys are generated in KEYS_DIR on first use
# (copy fieldkit.key to the offline machine; trust its public key in keys/fieldkit-trusted/).
FIELDKIT_CIPHER = env_choice("XUNCHA_FIELDKIT_CIPHER", "aes-256-gcm", ("aes-256-gcm", "sm4-gcm"))
FIELDKIT_SIGNATURE = env_choice("XUNCHA_FIELDKIT_SIGNATURE", "ed25519", ("ed25519", "sm2"))
FIELDKIT_KEY = env_str("XUNCHA_FIELDKIT_KEY", "")  # base64 of 32 bytes; empty = key file

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("XUNCHA_LOG_LEVEL", "WARNING")},
    # Every signed audit checkpoint goes to the log too, for shipping to a log server.
    "loggers": {"xuncha.audit.checkpoint": {"level": "INFO"}},
}
CSRF_FAILURE_VIEW = "xuncha.core.views.csrf_failure"

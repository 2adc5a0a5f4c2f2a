"""khabar settings. Everything that differs between installs comes from the environment."""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("KHABAR_DATA_DIR", "data")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def load_or_create_secret_key(data_dir: Path) -> str:
    """Use SECRET_KEY from the environment, else one generated once into the data dir."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = load_or_create_secret_key(DATA_DIR)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "khabar.sources",
    "khabar.articles",
    "khabar.ingest",
    "khabar.reader",
    "khabar.search",
    "khabar.tagging",
    "khabar.stories",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "khabar.reader.middleware.ArabicFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "khabar.urls"
WSGI_APPLICATION = "khabar.wsgi.application"

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

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'khabar.sqlite3'}",
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; the timeout rides out short locks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": os.environ.get("KHABAR_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
    }
}

LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", _("Arabic")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "admin:login"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- khabar's own settings -------------------------------------------------

# Outbound HTTP (khabar.lib.http). Private, loopback and link-local addresses are refused at
# connect time unless this is on; only tests and the demo, which serve feeds on 127.0.0.1, set it.
KHABAR_ALLOW_PRIVATE_ADDRESSES = env_bool("KHABAR_ALLOW_PRIVATE_ADDRESSES", False)
# Seconds for a whole exchange: connecting, redirects and the body, so a slow drip fails too.
KHABAR_HTTP_TIMEOUT = float(os.environ.get("KHABAR_HTTP_TIMEOUT", "20"))
KHABAR_HTTP_MAX_BYTES = int(os.environ.get("KHABAR_HTTP_MAX_BYTES", str(10 * 1024 * 1024)))
KHABAR_HTTP_MAX_REDIRECTS = int(os.environ.get("KHABAR_HTTP_MAX_REDIRECTS", "5"))
KHABAR_HTTP_PER_HOST = int(os.environ.get("KHABAR_HTTP_PER_HOST", "2"))

# Fetch scheduling (khabar.sources.schedule).
KHABAR_FETCH_INTERVAL = int(os.environ.get("KHABAR_FETCH_INTERVAL", str(30 * 60)))
KHABAR_MAX_BACKOFF = int(os.environ.get("KHABAR_MAX_BACKOFF", str(24 * 3600)))
# How long a worker's claim on a source lasts; a worker killed mid-fetch frees it after this.
KHABAR_FETCH_LEASE = int(os.environ.get("KHABAR_FETCH_LEASE", str(15 * 60)))

# Extraction and cleaning (khabar.ingest). Language detection chooses among these only.
KHABAR_DETECT_LANGUAGES = env_list("KHABAR_DETECT_LANGUAGES", "ar,en,fr")
# A short line seen in at least this many of a source's articles, and in this share of them,
# is that source's boilerplate (menus, "اقرأ أيضاً", footers); a longer line needs the _LONG count.
KHABAR_LEARN_MIN_ARTICLES = int(os.environ.get("KHABAR_LEARN_MIN_ARTICLES", "3"))
KHABAR_LEARN_MIN_ARTICLES_LONG = int(os.environ.get("KHABAR_LEARN_MIN_ARTICLES_LONG", "10"))
KHABAR_LEARN_MIN_SHARE = float(os.environ.get("KHABAR_LEARN_MIN_SHARE", "0.05"))

# Sanitizing (khabar.lib.html): iframes are kept only from these hosts, each with an optional
# path prefix; everything else embedded is removed.
KHABAR_EMBED_HOSTS = env_list(
    "KHABAR_EMBED_HOSTS",
    "www.youtube.com/embed/,youtube.com/embed/,www.youtube-nocookie.com/embed/,"
    "youtube-nocookie.com/embed/,player.vimeo.com/video/,www.dailymotion.com/embed/,"
    "geo.dailymotion.com/player,platform.twitter.com/embed/,www.facebook.com/plugins/video.php,"
    "w.soundcloud.com/player/,open.spotify.com/embed/",
)

# Search (khabar.search): "tantivy" keeps an index in KHABAR_SEARCH_DIR, written by the worker
# only; "postgres" keeps it in the database. Empty: postgres on PostgreSQL, else tantivy.
KHABAR_SEARCH_BACKEND = os.environ.get("KHABAR_SEARCH_BACKEND", "")
KHABAR_SEARCH_DIR = DATA_DIR / "search"

"""Base settings of the bundled demo project.

Every demo instance has its own ``demo_settings.py`` (written by
:func:`diskette_tui.demo.write_demo_files`) that star-imports this module and
adds ``DATABASES`` and ``MEDIA_ROOT`` pointing into the instance folder: the
package stays read-only, the instance holds all the state.
"""

# A fixed key: the demo is local throwaway data, and a stable key keeps the
# seeded session rows decodable and identical from one build to the next.
SECRET_KEY = "diskette-tui-demo-not-secret-0f3c9a51e7b24d6a8c1e"

DEBUG = True
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "demo.example.com"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "diskette_tui.demo.catalog",
    "diskette_tui.demo.orders",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "diskette_tui.demo.urls"

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
            ],
        },
    },
]

SITE_ID = 1

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

MEDIA_URL = "/media/"
STATIC_URL = "/static/"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

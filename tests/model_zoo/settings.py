"""Settings of the model zoo project: SQLite file or PostgreSQL from the environment.

``ZOO_DATABASE`` is a JSON ``DATABASES["default"]`` entry (default: SQLite at
``ZOO_SQLITE``). Time zones are on, in a zone that is not UTC.
"""

import json
import os

SECRET_KEY = "model-zoo"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "model_zoo",
]
DATABASES = {
    "default": json.loads(os.environ["ZOO_DATABASE"])
    if os.environ.get("ZOO_DATABASE")
    else {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ.get("ZOO_SQLITE", ":memory:")}
}
USE_TZ = True
TIME_ZONE = "Europe/Paris"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
# ImageField's check wants Pillow; the zoo only stores the image's name.
SILENCED_SYSTEM_CHECKS = ["fields.E210"]

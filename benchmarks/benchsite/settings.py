"""Base settings of a benchmark instance; the generator writes ``bench_settings.py`` on top.

The instance's settings module sets ``BASE`` (its folder) and star-imports this
one; the database, media and the three diskette definitions follow from it.
Both tools read the same ``DISKETTE_*`` settings (diskette's own names).
"""

import os
from pathlib import Path

BASE = Path(os.environ.get("BENCH_INSTANCE", Path.cwd())).resolve()

SECRET_KEY = "benchmark-only"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
INSTALLED_APPS = ["django.contrib.contenttypes", "benchsite"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE / "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

DISKETTE_APPS = [
    [
        "Catalog",
        {
            "models": ["benchsite.Category", "benchsite.Tag", "benchsite.Product"],
            "natural_foreign": True,
        },
    ],
    [
        "Sales",
        {
            "models": ["benchsite.Customer", "benchsite.Order", "benchsite.OrderLine"],
            "natural_foreign": True,
        },
    ],
    ["Comments", {"models": ["benchsite.Comment"], "natural_foreign": True}],
]
DISKETTE_STORAGES = [BASE / "media"]
DISKETTE_STORAGES_EXCLUDES = []
DISKETTE_DUMP_PATH = BASE / "dumps"
DISKETTE_DUMP_PERMISSIONS = 0o644
DISKETTE_LOAD_STORAGES_PATH = BASE

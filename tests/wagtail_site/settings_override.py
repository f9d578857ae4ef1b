"""Settings of the Wagtail test site, written into the project made by ``wagtail start``
as ``mysite/settings/diskette_test.py``.

The database and the media folder come from the environment, so one generated project
serves every source and target of a test:

- ``WAGTAIL_TEST_DB``: an SQLite file, or a ``postgresql://user@host:port/name`` URL;
- ``WAGTAIL_TEST_MEDIA``: the media folder (MEDIA_ROOT).
"""

import os
from urllib.parse import urlparse

from .dev import *  # noqa: F401,F403
from .dev import BASE_DIR

_db = os.environ.get("WAGTAIL_TEST_DB", str(BASE_DIR / "db.sqlite3"))
if _db.startswith("postgresql://"):
    _url = urlparse(_db)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": _url.path.lstrip("/"),
            "USER": _url.username or "",
            "PASSWORD": _url.password or "",
            "HOST": _url.hostname or "",
            "PORT": str(_url.port or ""),
        }
    }
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": _db}}

MEDIA_ROOT = os.environ.get("WAGTAIL_TEST_MEDIA", str(BASE_DIR / "media"))
# Fast password hashing: the tests create users, they do not guard them.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
WAGTAILADMIN_BASE_URL = "http://localhost"

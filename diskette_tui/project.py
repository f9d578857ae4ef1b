"""Django bootstrap: settings module, python path, ``django.setup()``.

This is one of the few modules allowed to import Django; it does so lazily so
that ``diskette --help`` stays fast.
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
from pathlib import Path

from .exceptions import ProjectError


class Project:
    """A Django project to dump from or load into.

    ``settings`` is a settings module path (``mysite.settings``); when None the
    ``DJANGO_SETTINGS_MODULE`` environment variable is used. ``pythonpath``
    folders are put first on ``sys.path`` so the settings module can be found.
    """

    def __init__(self, settings: str | None = None, pythonpath=()):
        self.settings = settings
        self.pythonpath = [Path(item) for item in pythonpath or ()]
        self.ready = False

    @property
    def settings_module(self) -> str | None:
        """The settings module that is or will be used."""
        return self.settings or os.environ.get("DJANGO_SETTINGS_MODULE")

    def setup(self) -> Project:
        """Import the settings and run ``django.setup()``; raise ProjectError if impossible."""
        if self.ready:
            return self
        for folder in reversed(self.pythonpath):
            if not folder.is_dir():
                raise ProjectError(f"pythonpath folder does not exist: {folder}")
            if str(folder) not in sys.path:
                sys.path.insert(0, str(folder))
        module = self.settings_module
        if not module:
            raise ProjectError(
                "no Django settings module: use --settings, 'settings' in diskette.toml "
                "or DJANGO_SETTINGS_MODULE"
            )
        import django
        from django.conf import settings as django_settings
        from django.core.exceptions import ImproperlyConfigured

        if django_settings.configured and os.environ.get("DJANGO_SETTINGS_MODULE") not in (
            None,
            module,
        ):
            # Django can be set up once per process; a second project is a usage error.
            raise ProjectError(
                f"Django is already set up with {os.environ['DJANGO_SETTINGS_MODULE']!r}, "
                f"cannot switch to {module!r} in the same process"
            )
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise ProjectError(
                f"cannot import settings module {module!r}: {exc}{_pythonpath_hint(module, exc)}"
            ) from None
        except Exception as exc:  # a settings file that crashes while importing
            raise ProjectError(
                f"settings module {module!r} failed to import: {type(exc).__name__}: {exc}"
            ) from None
        os.environ["DJANGO_SETTINGS_MODULE"] = module
        try:
            django.setup()
        except ImproperlyConfigured as exc:
            raise ProjectError(f"Django is not configured properly: {exc}") from None
        except ImportError as exc:  # INSTALLED_APPS names a module that is not there
            name = getattr(exc, "name", None) or str(exc)
            raise ProjectError(
                f"INSTALLED_APPS of {module!r} names a module that cannot be imported: "
                f"{name!r} ({exc})"
            ) from None
        self.ready = True
        return self

    @staticmethod
    def database_vendor(using: str = "default") -> str:
        """The vendor of a database connection (``sqlite``, ``postgresql``...)."""
        from django.db import connections

        return connections[using].vendor

    @staticmethod
    def database_label(using: str = "default") -> str:
        """Which database a load writes into: ``sqlite database /srv/site/db.sqlite3``."""
        from django.db import connections

        connection = connections[using]
        name = connection.settings_dict.get("NAME") or "?"
        host = connection.settings_dict.get("HOST")
        return f"{connection.vendor} database {name}" + (f" on {host}" if host else "")

    def environment(self, using: str = "default") -> dict:
        """Versions recorded in a manifest: Python, Django, database vendor."""
        import django

        return {
            "python": platform.python_version(),
            "django": django.get_version(),
            "database": self.database_vendor(using),
            "settings": self.settings_module,
        }


def _pythonpath_hint(module: str, exc: ImportError) -> str:
    """What to add when the settings module's own package is not on the path, or ``""``.

    ``--pythonpath .`` when the package is in the current folder, else a pointer
    to ``--pythonpath``; nothing when the failing import is another module.
    """
    missing = getattr(exc, "name", None)
    if not missing or not (module == missing or module.startswith(missing + ".")):
        return ""
    top = missing.split(".")[0]
    cwd = Path.cwd()
    if (cwd / top).is_dir() or (cwd / f"{top}.py").is_file():
        return f" ('{top}' is in the current folder: add --pythonpath .)"
    return f" (add the folder that holds '{top}' with --pythonpath)"

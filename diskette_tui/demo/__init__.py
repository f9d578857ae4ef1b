"""The bundled demo Django project (SQLite), for the quickstart and the tests.

A demo *instance* is a folder holding everything that changes: its settings
module (``demo_settings.py``, which star-imports :mod:`diskette_tui.demo.settings`),
its ``diskette.toml``, the SQLite database, the ``media`` and ``private``
storages and the ``dumps`` destination. The package itself is never written to.

Creating an instance takes two steps because Django can be set up only once
per process and the caller decides how::

    write_demo_files(path)                                   # no Django needed
    Project(settings="demo_settings", pythonpath=[path]).setup()
    build_demo(path)                                         # migrate + seed + marker

This module does not import Django: ``diskette --help`` stays fast.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

#: Environment variable that chooses the demo instance folder.
DEMO_DIR_ENV = "DISKETTE_DEMO_DIR"
#: File written last by :func:`build_demo`: the instance is complete.
READY_MARKER = ".diskette-demo-ready"
#: File written first by :func:`write_demo_files`: this folder is a demo instance,
#: so a later reset may remove what the demo put there.
OWNER_MARKER = ".diskette_demo"
#: Settings module name of every instance (``demo_settings.py`` in its folder).
SETTINGS_MODULE = "demo_settings"
#: The configuration file copied into each instance.
CONFIG_TEMPLATE = Path(__file__).resolve().parent / "diskette.toml"

# What write_demo_files owns inside an instance folder; nothing else is removed.
_OWNED_FOLDERS = ("media", "private", "dumps")
_OWNED_FILES = (
    "db.sqlite3",
    "db.sqlite3-journal",
    "db.sqlite3-wal",
    "db.sqlite3-shm",
    READY_MARKER,
)

_SETTINGS_TEMPLATE = '''\
"""Settings of a diskette-tui demo instance (rewritten by `diskette demo`)."""

from pathlib import Path

from diskette_tui.demo.settings import *  # noqa: F403

BASE = Path(__file__).resolve().parent

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE / "db.sqlite3",
    }
}

MEDIA_ROOT = BASE / "media"
'''


def default_demo_dir() -> Path:
    """The demo instance folder: ``$DISKETTE_DEMO_DIR``, else ``<user data dir>/demo``."""
    chosen = os.environ.get(DEMO_DIR_ENV)
    if chosen:
        return Path(chosen).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("diskette-tui")) / "demo"


def is_ready(path: Path) -> bool:
    """Whether ``path`` holds a completely built demo instance."""
    return (Path(path) / READY_MARKER).is_file()


def is_owned(path: Path) -> bool:
    """Whether ``path`` was made by the demo (so resetting it loses nothing of the user's)."""
    path = Path(path)
    return (path / OWNER_MARKER).is_file() or (path / READY_MARKER).is_file()


def check_demo_folder(path: Path) -> None:
    """Refuse a folder the demo may not write to: one that holds anything not its own.

    The demo creates a missing or empty folder, or resets one it made itself
    (:func:`is_owned`); anything else is someone's data. Raises
    :class:`~diskette_tui.exceptions.ConfigError` (exit code 2), one line.
    """
    from ..exceptions import ConfigError

    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return
    if not path.is_dir():
        raise ConfigError(f"demo folder {path} exists and is not a folder: choose another")
    if is_owned(path) or not any(path.iterdir()):
        return
    raise ConfigError(
        f"demo folder {path} is not empty and was not made by 'diskette demo': "
        "refusing to write the demo there (choose a missing or empty folder)"
    )


def write_demo_files(path: Path) -> None:
    """(Re)create the files of a demo instance in ``path``, without its database.

    ``path`` must be missing, empty or a demo instance (:func:`check_demo_folder`).
    Removes what a previous instance left (database, ``media``, ``private``,
    ``dumps``, the ready marker) and nothing else, then writes
    ``demo_settings.py``, ``diskette.toml`` and the storages. The instance is
    not ready until :func:`build_demo` has run.
    """
    path = Path(path)
    check_demo_folder(path)
    path.mkdir(parents=True, exist_ok=True)
    (path / OWNER_MARKER).write_text("made by diskette-tui's demo: may be reset\n")
    # The marker goes first: an interrupted rewrite never looks ready.
    for name in reversed(_OWNED_FILES):
        (path / name).unlink(missing_ok=True)
    for name in _OWNED_FOLDERS:
        target = path / name
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.is_dir():
            shutil.rmtree(target)

    (path / f"{SETTINGS_MODULE}.py").write_text(_SETTINGS_TEMPLATE, encoding="utf-8")
    shutil.copyfile(CONFIG_TEMPLATE, path / "diskette.toml")

    from .media import write_media

    write_media(path)


def build_demo(path: Path) -> None:
    """Migrate and seed the database of the instance in ``path`` (WAL mode), then mark it ready.

    Django must already be set up with that instance's settings
    (``Project(settings="demo_settings", pythonpath=[path]).setup()``), after
    :func:`write_demo_files` made a fresh instance.
    """
    from django.conf import settings
    from django.core.management import call_command

    from ..exceptions import ProjectError

    path = Path(path)
    expected = (path / "db.sqlite3").resolve()
    database = settings.DATABASES.get("default", {}).get("NAME")
    if database is None or Path(database).resolve() != expected:
        raise ProjectError(
            f"Django is set up with database {database!r}, not the demo instance in {path}"
        )
    call_command("migrate", verbosity=0, interactive=False)
    # WAL, as a busy site should run SQLite: a dump's read transaction does not block writers.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")

    from .seed import seed

    seed()
    (path / READY_MARKER).write_text("diskette-tui demo instance\n", encoding="utf-8")

"""A demo instance with the integrity test app (tests/integrity_app), run in subprocesses.

Django is set up once per test process (with the demo): everything that uses the
integrity app runs in a subprocess, against an instance folder holding the demo
files, an ``int_settings`` module adding the app, and an SQLite database.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from pg import instance_env

from diskette_tui.demo import write_demo_files

SETTINGS_TEXT = """\
from demo_settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "integrity_app"]  # noqa: F405
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": {database!r}}}}}
"""

BUILD_SCRIPT = """
import sys
from diskette_tui.project import Project
Project(settings="int_settings", pythonpath=[sys.argv[1]]).setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
if sys.argv[2] == "seed":
    from integrity_app.seed import seed_integrity
    seed_integrity()
"""

#: The integrity app dumped by natural keys, both ways.
LIBRARY_APPS = """
[[apps]]
name = "Library"
models = ["integrity_app"]
natural_foreign = true
natural_primary = true
"""


def run(instance: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``python *args`` in ``instance``; with ``check``, fail the test on an error."""
    result = subprocess.run(
        [sys.executable, *args],
        env=instance_env(instance),
        cwd=instance,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check:
        assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stderr}"
    return result


def make_instance(path: Path, seed: bool = True) -> Path:
    """An instance folder with the integrity app, migrated (and seeded)."""
    write_demo_files(path)
    database = str(path / "db.sqlite3")
    (path / "int_settings.py").write_text(SETTINGS_TEXT.format(database=database))
    run(path, "-c", BUILD_SCRIPT, str(path), "seed" if seed else "empty")
    return path


def copy_instance(source: Path, path: Path) -> Path:
    """A copy of an instance folder (its database included)."""
    shutil.copytree(source, path)
    text = (path / "int_settings.py").read_text().replace(str(source), str(path))
    (path / "int_settings.py").write_text(text)
    return path


def write_config(instance: Path, apps: str = LIBRARY_APPS) -> Path:
    """A ``diskette.toml`` in ``instance`` for the integrity app, data only."""
    path = instance / "diskette.toml"
    path.write_text(
        'settings = "int_settings"\npythonpath = "."\nstorages = []\ndestination = "dumps"\n' + apps
    )
    return path


def diskette(instance: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """The real ``diskette`` command line in ``instance`` (its ``diskette.toml``)."""
    return run(instance, "-m", "diskette_tui", *args, check=check)


def check_json(instance: Path) -> dict:
    """``diskette check --json`` of ``instance``."""
    return json.loads(diskette(instance, "check", "--json").stdout)


def python(instance: Path, code: str, *args: str) -> str:
    """Run ``code`` with Django set up on ``instance``; its stdout."""
    setup = (
        "import sys\nfrom diskette_tui.project import Project\n"
        "Project(settings='int_settings', pythonpath=[sys.argv[1]]).setup()\n"
    )
    return run(instance, "-c", setup + code, str(instance), *args).stdout

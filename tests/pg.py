"""PostgreSQL for the tests: the server from ``DISKETTE_TEST_PG``, fresh databases, demo instances.

``just test-pg`` (or ``.ci/postgres.sh run pytest``) starts a throw-away server
and sets ``DISKETTE_TEST_PG=postgresql://user@host:port/database``; without it
the tests that need the server are skipped, saying so (in CI they fail instead:
CI always has the server).

Django is set up once per process, with the SQLite demo: everything that
talks to PostgreSQL through Django runs in a subprocess, with a settings module
written into a demo instance folder that star-imports the instance's
``demo_settings`` and points ``DATABASES`` elsewhere (:func:`write_settings`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from diskette_tui.demo import write_demo_files

PG_ENV = "DISKETTE_TEST_PG"
SOURCE_ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
NO_SERVER = (
    f"PostgreSQL tests need a server: {PG_ENV} is not set "
    "(run them with `just test-pg`, which starts a throw-away one)"
)

SETTINGS_TEMPLATE = """\
from demo_settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "roundtrip_types"]  # noqa: F405
DATABASES = {{"default": {database!r}}}
"""

#: Build a demo database: migrate, seed the demo, seed the awkward types.
BUILD_SCRIPT = """
import sys
from diskette_tui.project import Project
Project(settings=sys.argv[2], pythonpath=[sys.argv[1]]).setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
if sys.argv[3] == "seed":
    from diskette_tui.demo.seed import seed
    from roundtrip_types.seed import seed_types
    seed()
    seed_types()
"""

#: Every row of the given models, as JSON-ready values: M2M as sets of natural keys.
ROWS_SCRIPT = """
import datetime, decimal, json, sys, uuid
from diskette_tui.project import Project
Project(settings=sys.argv[2], pythonpath=[sys.argv[1]]).setup()
from django.apps import apps

def key(obj):
    return list(obj.natural_key()) if hasattr(obj, "natural_key") else str(obj.pk)

def value(obj, field):
    raw = getattr(obj, field.attname)
    kind = field.get_internal_type()
    if kind == "JSONField":
        return json.dumps(raw, sort_keys=True)
    if kind == "FileField":
        return raw.name
    if isinstance(raw, (datetime.datetime, datetime.date, datetime.time)):
        return raw.isoformat()  # microseconds and offset kept
    if isinstance(raw, (decimal.Decimal, uuid.UUID)):
        return str(raw)
    return raw

found = {}
for label in sys.argv[3:]:
    model = apps.get_model(label)
    fields = model._meta.concrete_fields
    m2m = model._meta.many_to_many
    rows = []
    for obj in model._base_manager.all():
        row = {field.attname: value(obj, field) for field in fields}
        for field in m2m:
            row[field.name] = sorted(key(other) for other in getattr(obj, field.name).all())
        rows.append(row)
    found[label] = sorted(rows, key=lambda row: json.dumps(row, sort_keys=True))
print(json.dumps(found))
"""


def server_url() -> str:
    """The test server's URL; skips (fails in CI) when there is none."""
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_ENV} is not set in CI: .ci/run starts the PostgreSQL server")
        pytest.skip(NO_SERVER)
    return url


def django_database(url: str, name: str, **options) -> dict:
    """A Django ``DATABASES`` entry for database ``name`` on the server of ``url``."""
    parts = urlsplit(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": parts.username or "",
        "PASSWORD": parts.password or "",
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": options,
    }


def database_url(url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``url``."""
    return urlsplit(url)._replace(path=f"/{name}").geturl()


def connect(url: str, name: str | None = None):
    """A psycopg connection (autocommit) to database ``name`` (default: the URL's)."""
    import psycopg

    return psycopg.connect(database_url(url, name) if name else url, autocommit=True)


class Server:
    """The test server: makes fresh databases, drops them at the end."""

    def __init__(self, url: str):
        self.url = url
        self.made: list[str] = []

    def database(self) -> str:
        """Create an empty database; return its name."""
        name = f"diskette_{uuid.uuid4().hex[:12]}"
        with connect(self.url) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        return name

    def drop_all(self) -> None:
        """Drop every database this server object made."""
        with connect(self.url) as connection:
            for name in self.made:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def instance_env(instance: Path) -> dict[str, str]:
    """Environment of a subprocess working on ``instance`` (no settings chosen)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(instance), str(TESTS), str(SOURCE_ROOT)])
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def run(instance: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run ``python *args`` in ``instance``; fail the test with its stderr on error."""
    result = subprocess.run(
        [sys.executable, *args],
        env=instance_env(instance),
        cwd=instance,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stderr}"
    return result


def write_settings(instance: Path, module: str, database: dict | None = None) -> str:
    """Write settings ``module`` into ``instance``: the demo's, with the types app and
    ``database`` (default: the instance's SQLite file); return the module name."""
    if database is None:
        database = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(instance / "db.sqlite3")}
    text = SETTINGS_TEMPLATE.format(database=database)
    (instance / f"{module}.py").write_text(text, encoding="utf-8")
    return module


def make_instance(path: Path, database: dict | None = None, seed: bool = True) -> Path:
    """A demo instance folder whose ``site_settings`` use ``database``; migrated, seeded."""
    write_demo_files(path)
    write_settings(path, "site_settings", database)
    run(path, "-c", BUILD_SCRIPT, str(path), "site_settings", "seed" if seed else "empty")
    return path


def diskette(instance: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the real ``diskette`` command line for ``instance`` (its ``site_settings``)."""
    return run(
        instance,
        "-m",
        "diskette_tui",
        *args[:1],
        "--settings",
        "site_settings",
        "--pythonpath",
        str(instance),
        *args[1:],
    )


def rows(instance: Path, labels) -> dict:
    """Every row of ``labels`` in ``instance``'s database, read through Django."""
    result = run(instance, "-c", ROWS_SCRIPT, str(instance), "site_settings", *labels)
    return json.loads(result.stdout)

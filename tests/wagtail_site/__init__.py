"""A real Wagtail site for the restore tests, made from the installed ``wagtail`` package.

``wagtail start`` writes the project (a ``home`` app whose migration creates the
"Home" page and the default Site, a ``search`` view); ``settings_override.py`` is
added as ``mysite/settings/diskette_test.py`` so that the database and the media
folder come from the environment (``WAGTAIL_TEST_DB``: an SQLite file or a
``postgresql://`` URL; ``WAGTAIL_TEST_MEDIA``). ``content.py`` fills a site the
way an editor would; ``snapshot.py`` writes every table comparably across
databases (content types and permissions by natural key); ``site_check.py`` asks
the site's pages, search and admin through Django's test client.

Typical use (see the ``wagtail_site`` fixture in tests/conftest.py, which builds
one per test session)::

    site = make_project(tmp / "project")
    source = site.target(tmp / "source.sqlite3", tmp / "source-media")
    site.migrate(source)            # a fresh install, as after `manage.py migrate`
    site.add_content(source)
    fresh = site.target(tmp / "fresh.sqlite3", tmp / "fresh-media")
    site.migrate(fresh)
    site.diskette("dump", "--yes", target=source, ...)
    assert diff_snapshots(site.snapshot(source), site.snapshot(fresh)) == []
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SETTINGS = "mysite.settings.diskette_test"


@dataclass(frozen=True)
class Target:
    """One install of the site: its database (SQLite file or PostgreSQL URL) and media."""

    db: str
    media: Path


@dataclass(frozen=True)
class WagtailSite:
    """The project folder made by ``wagtail start``, and how to run things in it."""

    project: Path

    def target(self, db, media) -> Target:
        """An install of this site using ``db`` (a path or a postgresql:// URL) and ``media``."""
        return Target(str(db), Path(media))

    def env(self, target: Target) -> dict[str, str]:
        """The environment of a command run against ``target``."""
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE=SETTINGS,
            WAGTAIL_TEST_DB=target.db,
            WAGTAIL_TEST_MEDIA=str(target.media),
            PYTHONPATH=os.pathsep.join(filter(None, [str(self.project), env.get("PYTHONPATH")])),
        )
        return env

    def run(self, args, target: Target, check=True, cwd=None) -> subprocess.CompletedProcess:
        """Run ``python ARGS`` in the project folder (or ``cwd``) against ``target``."""
        result = subprocess.run(
            [sys.executable, *map(str, args)],
            cwd=cwd or self.project,
            env=self.env(target),
            capture_output=True,
            text=True,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{args} exited {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )
        return result

    def manage(self, *args, target: Target, check=True) -> subprocess.CompletedProcess:
        """``manage.py ARGS`` against ``target``."""
        return self.run(["manage.py", *args], target, check=check)

    def migrate(self, target: Target) -> None:
        """Make ``target`` a fresh install: migrated, with what the migrations create."""
        target.media.mkdir(parents=True, exist_ok=True)
        self.manage("migrate", "--noinput", target=target)

    def add_content(self, target: Target) -> None:
        """Fill ``target`` with the test content (content.py)."""
        self.run([HERE / "content.py"], target)

    def snapshot(self, target: Target) -> dict[str, list[str]]:
        """Every table of ``target`` (snapshot.py), as {table: sorted rows}."""
        out = Path(f"{target.media}.snapshot.json")
        self.run([HERE / "snapshot.py", out], target)
        return json.loads(out.read_text())

    def check_site(self, target: Target) -> dict[str, object]:
        """What the site answers (site_check.py): status codes, search results."""
        out = Path(f"{target.media}.site.json")
        self.run([HERE / "site_check.py", out], target)
        return json.loads(out.read_text())

    def diskette(self, *args, target: Target, cwd=None, check=False):
        """``diskette ARGS --settings … --pythonpath …`` against ``target``."""
        return self.run(
            [
                "-m",
                "diskette_tui",
                *args,
                "--settings",
                SETTINGS,
                "--pythonpath",
                self.project,
            ],
            target,
            check=check,
            cwd=cwd,
        )


@dataclass(frozen=True)
class WagtailBuild:
    """A built test site: the project, a pristine fresh install, and a source with content.

    ``fresh`` must stay untouched: ``new_fresh`` and ``new_flushed`` copy it.
    """

    site: WagtailSite
    fresh: Target
    source: Target

    def new_fresh(self, folder: Path, name: str = "target") -> Target:
        """A fresh install (migrated, nothing else) of its own, in ``folder``."""
        return copy_target(self.fresh, folder / f"{name}.sqlite3", folder / f"{name}-media")

    def new_flushed(self, folder: Path, name: str = "flushed") -> Target:
        """A fresh install then ``manage.py flush``: content types and permissions are
        recreated in another order, so their ids differ from the source's."""
        target = self.new_fresh(folder, name)
        self.site.manage("flush", "--noinput", target=target)
        return target


def build(root: Path) -> WagtailBuild:
    """Make the project, a fresh install and a source filled by content.py, under ``root``."""
    site = make_project(root / "project")
    fresh = site.target(root / "fresh.sqlite3", root / "fresh-media")
    site.migrate(fresh)
    source = copy_target(fresh, root / "source.sqlite3", root / "source-media")
    site.add_content(source)
    return WagtailBuild(site, fresh, source)


def make_project(dest: Path) -> WagtailSite:
    """Run ``wagtail start mysite DEST`` and add the test settings module."""
    dest.mkdir(parents=True, exist_ok=True)
    wagtail = Path(sys.executable).with_name("wagtail")
    command = [str(wagtail)] if wagtail.exists() else [sys.executable, "-m", "wagtail"]
    subprocess.run([*command, "start", "mysite", str(dest)], check=True, capture_output=True)
    shutil.copy(HERE / "settings_override.py", dest / "mysite" / "settings" / "diskette_test.py")
    return WagtailSite(dest)


def copy_target(source: Target, db, media) -> Target:
    """A copy of an SQLite install (database file and media folder)."""
    shutil.copy(source.db, db)
    if Path(media).exists():
        shutil.rmtree(media)
    shutil.copytree(source.media, media)
    return Target(str(db), Path(media))


def media_files(media: Path) -> dict[str, bytes]:
    """Every file under ``media``, by relative path, with its bytes."""
    return {
        str(path.relative_to(media)): path.read_bytes()
        for path in sorted(media.rglob("*"))
        if path.is_file()
    }


def diff_snapshots(expected: dict, actual: dict, examples: int = 2) -> list[str]:
    """What differs between two snapshots, one line per table (with example rows)."""
    lines = []
    for table in sorted(set(expected) | set(actual)):
        want, got = expected.get(table, []), actual.get(table, [])
        if want == got:
            continue
        want_set, got_set = set(want), set(got)
        missing = [row for row in want if row not in got_set]
        extra = [row for row in got if row not in want_set]
        line = f"{table}: {len(want)} rows expected, {len(got)} found"
        if missing:
            line += f"; missing {len(missing)}, e.g. {missing[:examples]}"
        if extra:
            line += f"; unexpected {len(extra)}, e.g. {extra[:examples]}"
        lines.append(line)
    return lines

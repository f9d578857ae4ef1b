"""Shared fixtures: the bundled demo project, built once per test session.

Django can be set up only once per process, so every in-process test shares
the one demo instance that ``demo_project`` builds; tests that need another
project run it in a subprocess.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # plain `pytest` (not `python -m pytest`) on a source checkout
    sys.path.insert(0, str(ROOT))

from diskette_tui.demo import DEMO_DIR_ENV, build_demo, write_demo_files  # noqa: E402
from diskette_tui.project import Project  # noqa: E402


@pytest.fixture(scope="session")
def demo_project(tmp_path_factory) -> Path:
    """Folder of a built demo instance, Django set up in-process with its settings.

    ``DISKETTE_DEMO_DIR`` points to it for the rest of the session.
    """
    path = tmp_path_factory.mktemp("demo")
    write_demo_files(path)
    Project(settings="demo_settings", pythonpath=[path]).setup()
    build_demo(path)
    previous = os.environ.get(DEMO_DIR_ENV)
    os.environ[DEMO_DIR_ENV] = str(path)
    yield path
    if previous is None:
        os.environ.pop(DEMO_DIR_ENV, None)
    else:
        os.environ[DEMO_DIR_ENV] = previous


@pytest.fixture(scope="session")
def pg_server():
    """The PostgreSQL test server (``DISKETTE_TEST_PG``, see tests/pg.py): makes fresh
    databases and drops them at the end. Skips, saying why, when there is no server."""
    from pg import Server, server_url

    server = Server(server_url())
    yield server
    server.drop_all()


@pytest.fixture
def shared_tmp():
    """A temporary folder that the unprivileged user of tests/unprivileged.py can reach."""
    from unprivileged import shared_folder

    yield from shared_folder()


@pytest.fixture(scope="session")
def wagtail_site(tmp_path_factory):
    """A real Wagtail site (tests/wagtail_site), built once per test session (~40 s):
    ``.site`` (the project made by ``wagtail start``), ``.fresh`` (a pristine migrated
    install, copy it with ``.new_fresh(folder)`` / ``.new_flushed(folder)``) and
    ``.source`` (an install filled with pages, revisions, images, documents, workflows…)."""
    from wagtail_site import build

    return build(tmp_path_factory.mktemp("wagtail"))

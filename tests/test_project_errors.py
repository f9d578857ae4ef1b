"""A project that is not ready gives one line and exit code 2, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from diskette_tui.demo import write_demo_files


def diskette(folder: Path, *args: str):
    """Run the real command in ``folder`` (its own process: its own Django)."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, "-m", "diskette_tui", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_apps_on_a_database_without_migrations_says_so(tmp_path):
    write_demo_files(tmp_path)  # settings and configuration, but no migrated database
    result = diskette(tmp_path, "apps", "--settings", "demo_settings", "--pythonpath", ".")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "the database is not migrated" in lines[0]
    assert "manage.py migrate" in lines[0]


def test_a_missing_installed_app_names_the_module(tmp_path):
    write_demo_files(tmp_path)
    (tmp_path / "broken_settings.py").write_text(
        "from demo_settings import *  # noqa\n"
        "INSTALLED_APPS = [*INSTALLED_APPS, 'no_such_app_here']\n"
    )
    result = diskette(tmp_path, "apps", "--settings", "broken_settings", "--pythonpath", ".")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "INSTALLED_APPS" in lines[0] and "'no_such_app_here'" in lines[0]

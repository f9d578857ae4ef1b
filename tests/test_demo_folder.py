"""The demo never destroys a folder it did not make (``--demo-dir``, ``DISKETTE_DEMO_DIR``).

Each test runs the real ``diskette`` command in a subprocess against a folder
that holds somebody's files, and checks that they are all still there.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from diskette_tui import demo
from diskette_tui.demo import check_demo_folder, is_owned, write_demo_files
from diskette_tui.exceptions import ConfigError


def diskette(*args: str, env: dict | None = None, cwd: Path | None = None):
    """Run ``python -m diskette_tui *args``; return the completed process."""
    return subprocess.run(
        [sys.executable, "-m", "diskette_tui", *args],
        env={**os.environ, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def precious(tmp_path) -> Path:
    """A folder laid out like a demo instance, holding a user's own data."""
    folder = tmp_path / "x"
    (folder / "media").mkdir(parents=True)
    (folder / "dumps").mkdir()
    (folder / "media" / "a.txt").write_text("precious\n")
    (folder / "dumps" / "old.tar.gz").write_text("b\n")
    with sqlite3.connect(folder / "db.sqlite3") as connection:
        connection.execute("create table mine(x)")
    return folder


def assert_untouched(folder: Path) -> None:
    assert (folder / "media" / "a.txt").read_text() == "precious\n"
    assert (folder / "dumps" / "old.tar.gz").read_text() == "b\n"
    with sqlite3.connect(folder / "db.sqlite3") as connection:
        tables = [row[0] for row in connection.execute("select name from sqlite_master")]
    assert tables == ["mine"]
    assert not (folder / demo.OWNER_MARKER).exists()


@pytest.mark.parametrize(
    "command",
    [
        ["check", "--demo", "--demo-dir", "{folder}"],
        ["dump", "--demo", "--yes", "--demo-dir", "{folder}"],
        ["demo", "--demo-dir", "{folder}"],
    ],
    ids=["check", "dump", "demo"],
)
def test_demo_dir_with_someone_elses_files_is_refused(precious, tmp_path, command):
    args = [part.format(folder=precious) for part in command]
    result = diskette(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "not empty and was not made by 'diskette demo'" in lines[0]
    assert str(precious) in lines[0]
    assert "Traceback" not in result.stderr
    assert_untouched(precious)


def test_demo_dir_from_the_environment_is_refused_too(precious, tmp_path):
    result = diskette("check", "--demo", cwd=tmp_path, env={demo.DEMO_DIR_ENV: str(precious)})
    assert result.returncode == 2, result.stderr
    assert "refusing to write the demo there" in result.stderr
    assert_untouched(precious)


def test_demo_dir_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "file"
    target.write_text("mine")
    with pytest.raises(ConfigError, match="exists and is not a folder"):
        write_demo_files(target)
    assert target.read_text() == "mine"


def test_missing_or_empty_folder_becomes_an_owned_instance(tmp_path):
    for folder in (tmp_path / "missing" / "demo", tmp_path / "empty"):
        if folder.name == "empty":
            folder.mkdir()
        write_demo_files(folder)
        assert is_owned(folder)
        assert (folder / "diskette.toml").is_file()
        check_demo_folder(folder)  # may be reset later: it is the demo's own


def test_check_never_resets_a_ready_demo(demo_project, tmp_path):
    """``check --demo`` and ``dump --demo`` create a missing demo, never reset one."""
    keep = demo_project / "dumps" / "kept.tar.gz"
    keep.parent.mkdir(exist_ok=True)
    keep.write_text("kept")
    marker = (demo_project / demo.READY_MARKER).stat().st_mtime_ns
    result = diskette("check", "--demo", "--demo-dir", str(demo_project), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert keep.read_text() == "kept"
    assert (demo_project / demo.READY_MARKER).stat().st_mtime_ns == marker
    keep.unlink()

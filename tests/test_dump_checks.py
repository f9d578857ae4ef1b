"""``check`` predicts ``dump``: what would make the dump fail is refused up front.

Each case is run through ``check`` and ``dump --yes``: both report the same
one-line error with the same exit code, and nothing is written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from diskette_tui import cli

from test_cli import write_config

runner = CliRunner()
SOURCE_ROOT = Path(__file__).resolve().parent.parent


def check_and_dump(config: Path, *args) -> tuple:
    """``check`` then ``dump --yes`` with the same arguments."""
    check = runner.invoke(cli.app, ["check", "-c", str(config), *map(str, args)])
    dump = runner.invoke(cli.app, ["dump", "-c", str(config), "--yes", "-q", *map(str, args)])
    return check, dump


def assert_both_refuse(check, dump, code: int, message: str) -> None:
    for result in (check, dump):
        assert result.exit_code == code, result.output
        assert f"error: {message}" in result.output.splitlines(), result.output
        assert "Traceback" not in result.output


def test_a_yaml_dump_without_pyyaml_is_refused_by_check_and_dump(
    demo_project, tmp_path, monkeypatch
):
    monkeypatch.setitem(sys.modules, "yaml", None)  # PyYAML cannot be imported
    apps = '[[apps]]\nname = "Sites"\nmodels = ["sites"]\nfilename = "sites.yaml"\n'
    config = write_config(tmp_path, demo_project, apps=apps)
    check, dump = check_and_dump(config)
    assert_both_refuse(
        check,
        dump,
        2,
        "definition 'Sites': filename 'sites.yaml' is YAML, which needs PyYAML "
        "(not installed): pip install PyYAML, or use .json",
    )
    assert not (tmp_path / "dumps").exists()


def test_a_dump_command_that_does_not_exist_is_refused_by_check_and_dump(demo_project, tmp_path):
    apps = '[[apps]]\nname = "Sites"\nmodels = ["sites"]\ndump_command = "dumpdatta"\n'
    config = write_config(tmp_path, demo_project, apps=apps)
    check, dump = check_and_dump(config)
    assert_both_refuse(
        check,
        dump,
        2,
        "definition 'Sites': dump_command 'dumpdatta' is not a management command of this "
        "project (see django-admin help)",
    )
    assert not (tmp_path / "dumps").exists()
    fine = write_config(tmp_path, demo_project, apps=apps.replace("dumpdatta", "dumpdata"))
    assert runner.invoke(cli.app, ["check", "-c", str(fine)]).exit_code == 0


def test_a_folder_at_the_archive_path_is_refused_by_check_and_dump(demo_project, tmp_path):
    config = write_config(tmp_path, demo_project)
    in_the_way = tmp_path / "dumps" / "diskette_data_storages.tar.gz"
    (in_the_way / "inside").mkdir(parents=True)
    check, dump = check_and_dump(config)
    assert_both_refuse(
        check, dump, 1, f"a folder is in the way at the archive's path: {in_the_way}"
    )
    assert sorted(p.name for p in (tmp_path / "dumps").iterdir()) == [in_the_way.name]
    assert [p.name for p in in_the_way.iterdir()] == ["inside"]


def test_a_destination_under_a_file_is_refused_by_check_and_dump(demo_project, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    config = write_config(tmp_path, demo_project)
    check, dump = check_and_dump(config, "-d", blocker / "dumps")
    assert_both_refuse(
        check,
        dump,
        1,
        f"cannot create destination folder {blocker / 'dumps'}: {blocker} is not a folder",
    )
    assert blocker.read_text() == "not a folder"


SETTINGS = """
SECRET_KEY = "x"
INSTALLED_APPS = []
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
USE_TZ = True
"""


def as_another_user() -> list[str]:
    """The command prefix that runs as a user without rights on root's folders."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root and setpriv (util-linux) is missing: cannot drop rights")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.fixture
def readable_project():
    """A storages-only project in a folder everybody can read (pytest's tmp is owner-only)."""
    folder = Path(tempfile.mkdtemp(prefix="diskette-rights-"))
    try:
        folder.chmod(0o755)
        (folder / "mysettings.py").write_text(SETTINGS)
        (folder / "media").mkdir()
        (folder / "media" / "a.txt").write_text("a")
        (folder / "diskette.toml").write_text(
            f'settings = "mysettings"\npythonpath = "{folder}"\n'
            f'storages_basepath = "{folder}"\nstorages = ["media"]\ndestination = "dumps"\n'
        )
        for path in folder.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        yield folder
    finally:
        shutil.rmtree(folder)


def test_a_destination_the_user_cannot_write_is_refused_by_check_and_dump(readable_project):
    prefix = as_another_user()
    dumps = readable_project / "dumps"
    dumps.mkdir(mode=0o555)
    dumps.chmod(0o555)  # others (and, without root, the owner too) cannot write here
    env = {**os.environ, "PYTHONPATH": str(SOURCE_ROOT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    results = [
        subprocess.run(
            [*prefix, sys.executable, "-m", "diskette_tui", command, "-q", *extra],
            cwd=readable_project,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        for command, extra in (("check", []), ("dump", ["--yes"]))
    ]
    for result in results:
        assert result.returncode == 1, result.stderr
        assert result.stderr.strip() == (
            f"error: cannot write in destination folder {dumps}: permission denied"
        )
    assert list(dumps.iterdir()) == []
    # The same project can dump where the user may write.
    mine = subprocess.run(
        [*prefix, sys.executable, "-m", "diskette_tui", "check", "-q", "-d", "/tmp"],
        cwd=readable_project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert mine.returncode == 0, mine.stderr

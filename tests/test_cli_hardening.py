"""The command line against odd combinations: conflicting flags, settings precedence, pipes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from test_cli import invoke, write_config

from diskette_tui import cli


@pytest.mark.parametrize("command", [["dump", "--yes"], ["check"]])
def test_exclude_with_no_storages_excludes_is_refused(demo_project, tmp_path, command):
    """The explicit pattern would be silently ignored: the combination is a usage error."""
    config = write_config(tmp_path, demo_project)
    result = invoke(*command, "-c", config, "--exclude", "documents/", "--no-storages-excludes")
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == f"error: {cli.EXCLUDE_CONFLICT}"
    assert not (tmp_path / "dumps").exists()


def run_cli(folder: Path, *args, settings_env: str | None = None):
    """The real command in its own process (its own Django).

    ``DJANGO_SETTINGS_MODULE`` is ``settings_env``, or unset.
    """
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    if settings_env:
        env["DJANGO_SETTINGS_MODULE"] = settings_env
    return subprocess.run(
        [sys.executable, "-m", "diskette_tui", *map(str, args)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_load_storages_path_setting_is_for_loads_only(demo_project, tmp_path):
    """DISKETTE_LOAD_STORAGES_PATH names where loads restore; the dump's base is the cwd."""
    site = tmp_path / "site"
    (site / "uploads").mkdir(parents=True)
    (site / "uploads" / "a.txt").write_text("kept")
    (site / "loaded_settings.py").write_text(
        "from pathlib import Path\n"
        "from demo_settings import *  # noqa\n"
        "DISKETTE_APPS = [('Sites', {'models': ['sites']})]\n"
        "DISKETTE_STORAGES = [Path('uploads')]\n"
        f"DISKETTE_LOAD_STORAGES_PATH = Path({str(tmp_path / 'restore')!r})\n"
        f"DISKETTE_DUMP_PATH = Path({str(tmp_path / 'dumps')!r})\n"
    )
    common = ("--settings", "loaded_settings", "--pythonpath", ".", "--pythonpath", demo_project)
    dumped = run_cli(site, "dump", "--yes", "-q", "--no-data", "--json", *common)
    assert dumped.returncode == 0, dumped.stderr
    archive = Path(json.loads(dumped.stdout)["path"])
    with tarfile.open(archive) as tar:
        assert "uploads/a.txt" in tar.getnames()
    (tmp_path / "restore").mkdir()
    loaded = run_cli(site, "load", archive, "--yes", "-q", "--no-data", *common)
    assert loaded.returncode == 0, loaded.stderr
    assert (tmp_path / "restore" / "uploads" / "a.txt").read_text() == "kept"


def sites_settings(folder: Path, name: str = "sites_settings") -> None:
    """A settings module over the demo's, configuring diskette with DISKETTE_APPS only."""
    (folder / f"{name}.py").write_text(
        "from demo_settings import *  # noqa\n"
        "DISKETTE_APPS = [('Only sites', {'models': ['sites']})]\n"
    )


def test_settings_precedence_is_flag_then_environment_then_file(demo_project, tmp_path):
    sites_settings(tmp_path)
    (tmp_path / "diskette.toml").write_text(
        f'settings = "nowhere.settings"\npythonpath = [".", "{demo_project}"]\n'
        '[[apps]]\nname = "From the file"\nmodels = ["sites"]\n'
    )
    file_only = run_cli(tmp_path, "check", "--json")
    assert file_only.returncode == 2
    assert "cannot import settings module 'nowhere.settings'" in file_only.stderr

    environment = run_cli(tmp_path, "check", "--json", settings_env="sites_settings")
    assert environment.returncode == 0, environment.stderr
    assert [d["name"] for d in json.loads(environment.stdout)["definitions"]] == ["From the file"]

    flag = run_cli(tmp_path, "check", "--json", "--settings", "sites_settings",
                   settings_env="elsewhere.settings")  # fmt: skip
    assert flag.returncode == 0, flag.stderr


def test_a_file_naming_only_the_project_takes_the_rest_from_django_settings(
    demo_project, tmp_path
):
    sites_settings(tmp_path)
    (tmp_path / "diskette.toml").write_text(
        f'settings = "sites_settings"\npythonpath = [".", "{demo_project}"]\n'
    )
    result = run_cli(tmp_path, "check", "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert [d["name"] for d in plan["definitions"]] == ["Only sites"]


def test_demo_opens_its_own_settings_whatever_the_environment_says(demo_project, tmp_path):
    result = run_cli(tmp_path, "check", "--demo", "--json", settings_env="elsewhere.settings")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["totals"]["rows"] == 818

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

from diskette_tui import cli, cli_common


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


def test_a_file_naming_only_the_project_takes_the_rest_from_django_settings(demo_project, tmp_path):
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


def run_into_a_closed_pipe(folder: Path, *args) -> subprocess.CompletedProcess:
    """Run the real command with stdout a pipe whose reader is already gone (``| head -1``)."""
    reader, writer = os.pipe()
    os.close(reader)
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    try:
        return subprocess.run(
            [sys.executable, "-m", "diskette_tui", *map(str, args)],
            cwd=folder,
            env=env,
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(writer)


@pytest.fixture(scope="module")
def demo_archive(demo_project, tmp_path_factory) -> Path:
    destination = tmp_path_factory.mktemp("piped")
    result = invoke("dump", "--demo", "--yes", "-q", "-d", destination)
    assert result.exit_code == 0, result.output
    return destination / "diskette_data_storages.tar.gz"


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--demo"],
        ["check", "--demo", "-v"],
        ["check", "--demo", "--json"],
        ["apps", "--demo"],
        ["apps", "--demo", "--json"],
        ["inspect", "ARCHIVE"],
        ["inspect", "ARCHIVE", "--json"],
        ["verify", "ARCHIVE", "--json"],
        ["script", "--demo"],
    ],
)
def test_output_into_a_closed_pipe_exits_0_quietly(demo_archive, tmp_path, args):
    args = [demo_archive if arg == "ARCHIVE" else arg for arg in args]
    result = run_into_a_closed_pipe(tmp_path, *args)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_dump_with_its_messages_into_a_closed_pipe_still_writes_the_archive(demo_project, tmp_path):
    """Messages that cannot be shown do not stop the work, nor hide whether it was done."""
    reader, writer = os.pipe()
    os.close(reader)
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    try:
        result = subprocess.run(
            [sys.executable, "-m", "diskette_tui", "dump", "--demo", "--yes", "-d", "out"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=writer,
            timeout=120,
        )
    finally:
        os.close(writer)
    assert result.returncode == 0
    assert (tmp_path / "out" / "diskette_data_storages.tar.gz").is_file()


def test_json_output_is_written_plain_without_rich(demo_project, tmp_path, monkeypatch):
    """rich's JSON highlighting made --json 17 times slower than text at 100,000 files."""

    def no_rich(*args, **kwargs):
        raise AssertionError("JSON output went through rich")

    monkeypatch.setattr(cli_common.out, "print", no_rich)
    monkeypatch.setattr(cli_common.out, "print_json", no_rich)
    config = write_config(tmp_path, demo_project)
    dumped = invoke("dump", "-c", config, "--yes", "-q", "--json")
    assert dumped.exit_code == 0, dumped.output
    archive = json.loads(dumped.stdout)["path"]
    for args in (
        ["check", "-c", config, "--json"],
        ["apps", "-c", config, "--json"],
        ["inspect", archive, "--json"],
        ["verify", archive, "--json"],
    ):
        result = invoke(*args)
        assert result.exit_code == 0, (args, result.output)
        assert isinstance(json.loads(result.stdout), dict)

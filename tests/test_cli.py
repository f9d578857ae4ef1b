"""The command line, in-process with Typer's CliRunner, on the demo project."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from diskette_tui import cli, cli_common

runner = CliRunner()


def demo_apps_section(demo: Path) -> str:
    """The ``[[apps]]`` part of the demo's configuration."""
    text = (demo / "diskette.toml").read_text()
    return text[text.index("[[apps]]") :]


def write_config(folder: Path, demo: Path, head: str = "", apps: str | None = None) -> Path:
    """A diskette.toml in ``folder`` dumping the demo into ``folder/dumps``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "diskette.toml"
    path.write_text(
        f'settings = "demo_settings"\n'
        f'pythonpath = "{demo}"\n'
        f'storages_basepath = "{demo}"\n'
        f'storages = ["{demo}/media", "{demo}/private"]\n'
        f'storages_excludes = ["*.tmp", "!keep.tmp", "cache/", ".DS_Store"]\n'
        f'destination = "dumps"\n'
        f"{head}\n"
        f"{demo_apps_section(demo) if apps is None else apps}"
    )
    return path


def invoke(*args):
    result = runner.invoke(cli.app, [str(arg) for arg in args])
    return result


def assert_usage_error(result, message, destination: Path):
    assert result.exit_code == 2, result.output
    assert message in result.output, result.output
    assert "Traceback" not in result.output
    assert not destination.exists() or list(destination.iterdir()) == []


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output.startswith("diskette-tui ")


def test_dump_yes_writes_archive_and_reports_json(demo_project, tmp_path):
    config = write_config(tmp_path, demo_project)
    result = invoke("dump", "-c", config, "--yes", "--json", "-q")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    archive = Path(report["path"])
    assert archive == tmp_path / "dumps" / "diskette_data_storages.tar.gz"
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert stat.S_IMODE(archive.parent.stat().st_mode) == 0o700
    assert report["objects"]["data/shop-catalog.json"] == 260
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["datas"][0] == "data/djangocontribsites.json"
    assert manifest["objects"] == report["objects"]


def test_dump_options_select_definitions_and_permissions(demo_project, tmp_path):
    config = write_config(tmp_path, demo_project)
    result = invoke(
        "dump",
        "-c",
        config,
        "--yes",
        "--json",
        "-q",
        "--no-storages",
        "--app",
        "Users",
        "--app",
        "Shop orders",
        "--chmod",
        "640",
        "--filename",
        "only{features}_{date}.tar.gz",
        "-d",
        tmp_path / "elsewhere",
    )
    assert result.exit_code == 0, result.output
    archive = Path(json.loads(result.stdout)["path"])
    assert archive.parent == tmp_path / "elsewhere"
    assert archive.name.startswith("only_data_") and archive.name.endswith(".tar.gz")
    assert stat.S_IMODE(archive.stat().st_mode) == 0o640
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["datas"] == ["data/users.json", "data/shop-orders.jsonl"]
    assert manifest["storages"] is None
    assert not any(name.startswith("media") for name in names)


def test_dump_extra_exclude_and_storage_options(demo_project, tmp_path):
    config = write_config(tmp_path, demo_project)
    result = invoke(
        "check",
        "-c",
        config,
        "--json",
        "--no-data",
        "--storage",
        demo_project / "media",
        "--exclude",
        "documents/",
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert [s["name"] for s in plan["storages"]] == ["media"]
    excluded = {e["name"]: e["pattern"] for e in plan["storages"][0]["excluded"]}
    assert excluded["media/documents"] == "documents/"
    assert plan["filename"] == "diskette_storages.tar.gz"


def test_non_terminal_without_yes_prints_plan_and_exits_2(demo_project, tmp_path):
    config = write_config(tmp_path, demo_project)
    result = invoke("dump", "-c", config)
    assert result.exit_code == 2
    assert "add --yes" in result.output
    assert "Shop catalog" in result.output
    assert not (tmp_path / "dumps").exists()


def test_terminal_opens_the_preview_app(demo_project, tmp_path, monkeypatch):
    """On a terminal, dump and check hand the session to the Textual preview."""
    monkeypatch.setattr(cli_common, "is_interactive", lambda: True)
    calls = []

    def preview(session, request, read_only, **options):
        choices = (
            not request.with_data,
            not request.with_storages,
            not request.with_storages_excludes,
            list(request.apps) if request.apps is not None else None,
        )
        calls.append((request.destination, choices, read_only))
        return 130

    monkeypatch.setattr(cli, "run_preview_app", preview)
    config = write_config(tmp_path, demo_project)
    result = invoke("dump", "-c", config, "--app", "Users")
    assert result.exit_code == 130
    assert calls == [(tmp_path / "dumps", (False, False, False, ["Users"]), False)]
    assert invoke("check", "-c", config).exit_code == 130
    assert calls[-1][2] is True
    # Usage errors are reported before the app starts.
    bad = invoke("dump", "-c", config, "--no-data", "--no-storages")
    assert bad.exit_code == 2 and len(calls) == 2


def test_terminal_confirmation_with_json(demo_project, tmp_path, monkeypatch):
    monkeypatch.setattr(cli_common, "is_interactive", lambda: True)
    config = write_config(tmp_path, demo_project)
    refused = runner.invoke(cli.app, ["dump", "-c", str(config), "--json"], input="n\n")
    assert refused.exit_code == 1
    assert not (tmp_path / "dumps").exists()
    accepted = runner.invoke(cli.app, ["dump", "-c", str(config), "--json"], input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert (tmp_path / "dumps" / "diskette_data_storages.tar.gz").exists()


def test_check_json_lists_everything_and_writes_nothing(demo_project, tmp_path):
    config = write_config(tmp_path, demo_project)
    result = invoke("check", "-c", config, "--json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    names = [d["name"] for d in plan["definitions"]]
    assert names == [
        "django.contrib.sites",
        "Users",
        "Shop catalog",
        "Shop orders",
        "Everything else",
    ]
    drain = plan["definitions"][-1]
    assert drain["is_drain"] and [m["label"] for m in drain["models"]] == ["orders.Cart"]
    media = plan["storages"][0]
    entries = {e["name"]: e for e in media["entries"]}
    assert "media/documents/keep.tmp" in entries  # re-included by !keep.tmp
    assert entries["media/latest.png"]["kind"] == "link"
    assert entries["media/uploads/empty"]["kind"] == "dir"
    assert {e["name"] for e in media["skipped_links"]} == {"media/outside-link"}
    assert plan["totals"]["rows"] == 818
    # References to permissions are remapped at load: an info, not a warning.
    assert not any("auth.Permission" in w for w in plan["warnings"])
    assert any("auth.Permission" in w for w in plan["remapped_references"])
    assert plan["dangling"] == [] and plan["natural_keys"] == []
    assert not (tmp_path / "dumps").exists()


def test_check_text_output(demo_project, tmp_path):
    config = write_config(tmp_path, demo_project)
    result = invoke("check", "-c", config)
    assert result.exit_code == 0, result.output
    assert "excluded media/cache/ by cache/" in result.output
    assert "skipped media/outside-link" in result.output
    assert "Everything else (drain)" in result.output


def test_apps_command(demo_project, tmp_path):
    config = write_config(tmp_path, demo_project)
    result = invoke("apps", "-c", config, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    users = data["definitions"][1]
    assert [m["label"] for m in users["models"]] == ["auth.Group", "auth.User"]
    assert users["excludes"] == ["auth.Permission"]
    assert data["warnings"] == []  # the demo's references to permissions are remapped
    assert users["dangling"] == []
    text = invoke("apps", "-c", config)
    assert "remapped by natural key when loaded" in text.output
    assert text.exit_code == 0 and "Shop catalog" in text.output
    assert "Storages" not in text.output and "Archive" not in text.output


def test_script_command(demo_project, tmp_path):
    config = write_config(tmp_path, demo_project)
    out_dir = tmp_path / "out dir"
    result = invoke(
        "script", "-c", config, "--executable", "python manage.py", "-d", out_dir, "--indent", 2
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:2] == ["set -e", f"mkdir -p -- '{out_dir}'"]
    assert lines[2] == "# django.contrib.sites"
    assert lines[3] == (
        "python manage.py dumpdata --indent=2 --format=json sites.Site "
        f"'--output={out_dir}/djangocontribsites.json'"
    )
    # The drain leaves what the other definitions dump: it excludes them.
    assert "--exclude=orders.Customer" in result.stdout
    assert any("--format=jsonl" in line for line in lines)


def test_demo_flag_uses_the_demo_instance(demo_project, tmp_path):
    result = invoke("check", "--demo", "--json", "-d", tmp_path)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["archive"] == str(tmp_path / "diskette_data_storages.tar.gz")


@pytest.mark.parametrize(
    "head, apps, message",
    [
        ('colour = "red"', None, "unknown key 'colour'"),
        ('indent = "2"', None, "'indent' must be an integer"),
        ('filename = "d.zip"', None, "must end with '.tar.gz'"),
        ('filename = "d{nope}.tar.gz"', None, "unknown field {nope}"),
        (
            "",
            '[[apps]]\nname = "A"\nmodels = ["auth.Nope"]\n',
            "unknown model label(s) in 'models': auth.Nope",
        ),
        ("", '[[apps]]\nname = "A"\nmodels = ["auth"]\nexcludes = ["auth"]\n', "fully qualified"),
        ("", '[[apps]]\nname = "A"\nmodels = ["auth"]\nfilename = "a.csv"\n', "use one of"),
        ("", '[[apps]]\nname = "A"\nmodels = ["auth"]\ncolour = 1\n', "unknown option 'colour'"),
        (
            "",
            '[[apps]]\nname = "A"\nmodels = ["auth"]\n[[apps]]\nname = "A"\nmodels = ["sites"]\n',
            "used 2 times",
        ),
        (
            "",
            '[[apps]]\nname = "A"\nmodels = ["auth"]\n[[apps]]\nname = "B"\nmodels = ["sites"]\nfilename = "a.json"\n',
            "used by 2 definitions",
        ),
        ("[broken", None, "invalid TOML"),
        (
            "",
            '[[apps]]\nname = "R1"\nis_drain = true\n[[apps]]\nname = "R2"\nis_drain = true\n',
            "only one drain is allowed",
        ),
    ],
)
def test_configuration_errors_exit_2_and_write_nothing(demo_project, tmp_path, head, apps, message):
    config = write_config(tmp_path, demo_project, head=head, apps=apps)
    result = invoke("dump", "-c", config, "--yes")
    assert_usage_error(result, message, tmp_path / "dumps")
    assert result.output.count("error:") >= 1
    assert all(line.startswith("error:") for line in result.output.strip().splitlines())


@pytest.mark.parametrize(
    "storage, message",
    [
        ("missing", "does not exist"),
        ("data", "reserved"),
        ("/tmp", "not inside"),
        (".", "base path itself"),
        ("media/pictures", "is inside storage"),
        ("media/documents/README.txt", "not a folder"),
    ],
)
def test_storage_errors_exit_2_and_write_nothing(demo_project, tmp_path, storage, message):
    (demo_project / "data").mkdir(exist_ok=True)
    config = write_config(tmp_path, demo_project)
    target = storage if storage.startswith("/") else demo_project / storage
    result = invoke(
        "dump", "-c", config, "--yes", "--storage", demo_project / "media", "--storage", target
    )
    assert_usage_error(result, message, tmp_path / "dumps")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--no-data", "--no-storages"], "leave nothing to dump"),
        (["--app", "Nope"], "unknown definition 'Nope'"),
        (["--chmod", "abc"], "octal mode"),
        (["--exclude", "["], "pattern"),
        (["-d", __file__], f"destination is not a folder: {__file__}"),
    ],
)
def test_bad_flags_exit_2_and_write_nothing(demo_project, tmp_path, args, message):
    config = write_config(tmp_path, demo_project)
    result = invoke("dump", "-c", config, "--yes", *args)
    assert_usage_error(result, message, tmp_path / "dumps")


def test_missing_config_file_is_a_usage_error(tmp_path):
    result = invoke("dump", "-c", tmp_path / "nope.toml", "--yes")
    assert result.exit_code == 2
    assert "config file not found" in result.output


def run_cli(*args, cwd, env_extra=None):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "diskette_tui", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_unknown_settings_module_is_one_line_without_traceback(tmp_path):
    (tmp_path / "diskette.toml").write_text(
        'settings = "nowhere.settings"\n[[apps]]\nname = "A"\nmodels = ["auth"]\n'
    )
    result = run_cli("dump", "--yes", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: cannot import settings module 'nowhere.settings': No module named 'nowhere' "
        "(add the folder that holds 'nowhere' with --pythonpath)"
    )
    verbose = run_cli("dump", "--yes", "-v", cwd=tmp_path)
    assert verbose.returncode == 2 and "Traceback" in verbose.stderr


def test_no_configuration_at_all(tmp_path):
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 2
    assert "no configuration" in result.stderr
    assert "Traceback" not in result.stderr


def test_django_settings_configuration(demo_project, tmp_path):
    """A project set up for diskette (DISKETTE_* settings) works unchanged."""
    (tmp_path / "private").mkdir()
    (tmp_path / "diskette_settings.py").write_text(
        "from demo_settings import *\n"
        "from pathlib import Path\n"
        f"DISKETTE_APPS = [('Sites', {{'models': ['sites']}}), ('Rest', {{'is_drain': True, "
        f"'excludes': ['contenttypes.ContentType', 'auth.Permission']}})]\n"
        f"DISKETTE_STORAGES = [Path('{tmp_path}/private')]\n"  # under the cwd, the dump's base
        f"DISKETTE_LOAD_STORAGES_PATH = Path('{demo_project}')\n"
        f"DISKETTE_DUMP_PATH = Path('{tmp_path}/out')\n"
        "DISKETTE_DUMP_FILENAME = 'site{features}.tar.gz'\n"
    )
    result = run_cli(
        "check",
        "--json",
        "--settings",
        "diskette_settings",
        "--pythonpath",
        tmp_path,
        "--pythonpath",
        demo_project,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["archive"] == f"{tmp_path}/out/site_data_storages.tar.gz"
    assert [d["name"] for d in plan["definitions"]] == ["Sites", "Rest"]
    assert plan["storages"][0]["name"] == "private"


def test_demo_command_creates_and_resets_the_demo(tmp_path):
    folder = tmp_path / "demo"
    first = run_cli("demo", "--demo-dir", folder, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == str(folder)
    assert (folder / "db.sqlite3").is_file() and (folder / "diskette.toml").is_file()
    (folder / "media" / "stray.txt").write_text("left over")
    again = run_cli("demo", "--demo-dir", folder, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert not (folder / "media" / "stray.txt").exists()
    check = run_cli(
        "check", "--demo", "--json", cwd=tmp_path, env_extra={"DISKETTE_DEMO_DIR": str(folder)}
    )
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout)["totals"]["rows"] == 818


def test_config_without_settings_module_says_so(tmp_path):
    (tmp_path / "diskette.toml").write_text('[[apps]]\nname = "A"\nmodels = ["auth"]\n')
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: no Django settings module: use --settings, 'settings' in the configuration "
        "or DJANGO_SETTINGS_MODULE"
    )


def test_destination_that_cannot_be_created_fails_cleanly(demo_project, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    config = write_config(tmp_path, demo_project)
    result = invoke("dump", "-c", config, "--yes", "-q", "-d", blocker / "dumps")
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"error: cannot create destination folder {blocker / 'dumps'}: {blocker} is not a folder"
    )

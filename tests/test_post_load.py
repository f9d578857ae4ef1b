"""A definition's ``post_load``: validated, recorded in the manifest, listed, run by the load.

Loads that fail run in-process against the session demo (they roll back, so
it stays as it was); loads that succeed go into fresh demo instances in
subprocesses, with a small ``probe`` app whose command says what it saw.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archives import build, member
from diskette_tui.cli import app
from diskette_tui.config import load_config
from diskette_tui.core import reader
from diskette_tui.core.dumper import Dumper
from diskette_tui.core.requests import DumpRequest, LoadRequest
from diskette_tui.core.restore import Loader
from diskette_tui.exceptions import ApplicationRegistryError, ConfigError
from test_demo import instance_env
from test_restore import fresh_instance, row_counts

runner = CliRunner()

PROBE_COMMAND = '''
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    """Write what it sees (transaction, the probe tag) to a file; fail when asked."""

    def add_arguments(self, parser):
        parser.add_argument("report")
        parser.add_argument("--fail", action="store_true")

    def handle(self, report, fail, **options):
        from diskette_tui.demo.catalog.models import Tag

        seen = {
            "in_transaction": connection.in_atomic_block,
            "probe_tag": Tag.objects.filter(name="post-load-probe").exists(),
        }
        path = Path(report)
        runs = json.loads(path.read_text()) if path.exists() else []
        path.write_text(json.dumps([*runs, seen]))
        if fail:
            raise CommandError("asked to fail")
'''


def probe_instance(path: Path) -> Path:
    """A fresh demo instance with a ``probe`` app and ``probe_settings`` that install it."""
    fresh_instance(path)
    commands = path / "probe" / "management" / "commands"
    commands.mkdir(parents=True)
    for folder in (path / "probe", path / "probe" / "management", commands):
        (folder / "__init__.py").write_text("")
    (commands / "probe.py").write_text(PROBE_COMMAND)
    (path / "probe_settings.py").write_text(
        "from demo_settings import *  # noqa: F403\n"
        'INSTALLED_APPS = [*INSTALLED_APPS, "probe"]  # noqa: F405\n'
    )
    return path


def probe_archive(path: Path, **post_load) -> Path:
    """An archive of one tag whose definition carries the given post_load keys."""
    tag = [{"model": "catalog.tag", "pk": 990001, "fields": {"name": "post-load-probe"}}]
    payload = {"name": "Tags", "filename": "tags.json", "models": ["catalog.Tag"], **post_load}
    return build(
        path,
        [member("data", kind="dir"), member("data/tags.json", json.dumps(tag).encode())],
        manifest={
            "version": "0.1.0",
            "datas": ["data/tags.json"],
            "storages": None,
            "applications": [payload],
        },
    )


def load_into(instance: Path, archive: Path) -> subprocess.CompletedProcess:
    """``diskette load --yes`` into ``instance`` with the probe app installed."""
    env = instance_env(instance)
    env["DJANGO_SETTINGS_MODULE"] = "probe_settings"
    return subprocess.run(
        [sys.executable, "-m", "diskette_tui", "load", "--yes", "--no-storages", str(archive)],
        env=env,
        cwd=instance,
        capture_output=True,
        text=True,
        timeout=180,
    )


def tag_exists(instance: Path) -> bool:
    """Whether the probe tag is in the instance's database."""
    import sqlite3

    with sqlite3.connect(instance / "db.sqlite3") as connection:
        query = "SELECT COUNT(*) FROM catalog_tag WHERE name = 'post-load-probe'"
        return connection.execute(query).fetchone()[0] == 1


# -- configuration ---------------------------------------------------------------------


def write_config(folder: Path, apps: str) -> Path:
    """A diskette.toml for the session demo with the given ``[[apps]]`` tables."""
    path = folder / "diskette.toml"
    path.write_text('settings = "demo_settings"\n' + textwrap.dedent(apps))
    return path


def test_post_load_of_a_wrong_type_is_a_configuration_error(tmp_path):
    write_config(
        tmp_path,
        """
        [[apps]]
        name = "Tags"
        models = ["catalog.Tag"]
        post_load = 3
        """,
    )
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert caught.value.problems == [
        "diskette.toml: app 'Tags': 'post_load' must be a string or a list of strings, got int"
    ]


def test_unknown_command_and_unsplittable_line_are_reported_by_name(demo_project):
    apps = [
        ("Tags", {"models": ["catalog.Tag"], "post_load": ["no_such_command", "check 'open"]}),
        ("Orders", {"models": ["orders"], "post_load_after_commit": [""]}),
    ]
    with pytest.raises(ApplicationRegistryError) as caught:
        Dumper(apps).validate_applications()
    assert caught.value.problems == [
        "definition 'Tags': post_load command 'no_such_command' is not a management "
        "command of this project (see django-admin help)",
        "definition 'Tags': post_load \"check 'open\" cannot be split into words: "
        "No closing quotation",
        "definition 'Orders': 'post_load_after_commit' holds an empty command",
    ]


def test_manifest_records_post_load_only_where_given(demo_project, tmp_path):
    config = write_config(
        tmp_path,
        """
        [[apps]]
        name = "Tags"
        models = ["catalog.Tag"]
        post_load = "check --tag models"
        post_load_after_commit = ["check"]

        [[apps]]
        name = "Sites"
        models = ["sites"]
        """,
    )
    result = runner.invoke(
        app, ["dump", "--config", str(config), "--yes", "-q", "--no-storages", "-d", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    (archive,) = tmp_path.glob("*.tar.gz")
    tags, sites = reader.scan(archive).manifest["applications"]
    assert tags["post_load"] == ["check --tag models"]
    assert tags["post_load_after_commit"] == ["check"]
    # Without the option a payload is diskette's, key for key.
    assert "post_load" not in sites and "post_load_after_commit" not in sites


def test_plan_payload_carries_the_commands(demo_project, tmp_path):
    dumper = Dumper([("Tags", {"models": ["catalog.Tag"], "post_load": ["check"]})])
    plan = dumper.plan(DumpRequest(tmp_path, with_storages=False, count_rows=False))
    assert plan.definitions[0].payload["post_load"] == ["check"]


# -- the load ---------------------------------------------------------------------------


def test_load_preview_lists_the_commands(demo_project, tmp_path):
    archive = probe_archive(
        tmp_path / "a.tar.gz",
        post_load=["check --tag models", "check"],
        post_load_after_commit="check --deploy",
    )
    result = runner.invoke(app, ["load", "--demo", "--no-storages", str(archive)])
    assert result.exit_code == 2, result.output  # not a terminal, no --yes: preview only
    assert "then runs check --tag models, check (in the transaction)" in result.output
    assert "after the commit runs check --deploy" in result.output
    excluded = runner.invoke(
        app, ["load", "--demo", "--no-storages", "--exclude-data", "Tags", str(archive)]
    )
    assert "then runs" not in excluded.output  # its definition's data is not loaded
    # load --json carries them in its plan.
    plan = Loader().plan(LoadRequest(archive, tmp_path, with_storages=False))
    assert json.loads(json.dumps(plan.as_dict()))["post_load"] == [
        {"command": "check --tag models", "definitions": ["Tags"], "after_commit": False},
        {"command": "check", "definitions": ["Tags"], "after_commit": False},
        {"command": "check --deploy", "definitions": ["Tags"], "after_commit": True},
    ]


def test_a_failing_command_rolls_the_load_back_with_one_line(demo_project, tmp_path):
    archive = probe_archive(tmp_path / "a.tar.gz", post_load=["check --tag no-such-tag"])
    counts = row_counts()
    result = runner.invoke(app, ["load", "--demo", "--yes", "--no-storages", str(archive)])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert lines == [
        "error: post_load command 'check --tag no-such-tag' (Tags) failed, database rolled "
        'back: CommandError: There is no system check with the "no-such-tag" tag.'
    ]
    assert row_counts() == counts


def test_commands_run_in_the_transaction_once_the_data_is_in(tmp_path):
    instance = probe_instance(tmp_path / "target")
    report = tmp_path / "report.json"
    archive = probe_archive(
        tmp_path / "a.tar.gz",
        post_load=[f"probe {report}"],
        post_load_after_commit=[f"probe {report}"],
    )
    result = load_into(instance, archive)
    assert result.returncode == 0, result.stderr
    assert json.loads(report.read_text()) == [
        {"in_transaction": True, "probe_tag": True},
        {"in_transaction": False, "probe_tag": True},
    ]
    assert tag_exists(instance)


def test_a_command_failing_in_the_transaction_leaves_the_database_unchanged(tmp_path):
    instance = probe_instance(tmp_path / "target")
    report = tmp_path / "report.json"
    archive = probe_archive(tmp_path / "a.tar.gz", post_load=[f"probe {report} --fail"])
    result = load_into(instance, archive)
    assert result.returncode == 1, result.stderr
    assert "post_load command 'probe" in result.stderr and "database rolled back" in result.stderr
    assert json.loads(report.read_text()) == [{"in_transaction": True, "probe_tag": True}]
    assert not tag_exists(instance)


def test_a_command_failing_after_the_commit_says_the_data_stays(tmp_path):
    instance = probe_instance(tmp_path / "target")
    report = tmp_path / "report.json"
    archive = probe_archive(
        tmp_path / "a.tar.gz", post_load_after_commit=[f"probe {report} --fail"]
    )
    result = load_into(instance, archive)
    assert result.returncode == 1, result.stderr
    assert "the loaded data stays committed; run it by hand" in result.stderr
    assert tag_exists(instance)

"""User text (names, labels, exception messages, paths) is printed as is, never as rich markup."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from rich.console import Console

from diskette_tui import cli_common
from diskette_tui.demo import write_demo_files
from diskette_tui.loggers import ConsoleLogger

from test_cli import demo_apps_section, invoke, write_config


def run_cli(folder: Path, *args: str):
    """The real command in its own process (its own Django, no settings in the environment)."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, "-m", "diskette_tui", *map(str, args)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def markup_named_config(folder: Path, demo: Path) -> Path:
    """The demo's definitions with 'Users' renamed 'Users [red]ALERT[/red]' and one 'A[/b]'."""
    apps = demo_apps_section(demo).replace('name = "Users"', 'name = "Users [red]ALERT[/red]"')
    apps = apps.replace('name = "django.contrib.sites"', 'name = "A[/b]"')
    return write_config(folder, demo, apps=apps)


def test_definition_names_with_brackets_are_shown_literally_by_check(demo_project, tmp_path):
    config = markup_named_config(tmp_path, demo_project)
    result = invoke("check", "-c", config)
    assert result.exit_code == 0, result.output
    assert "Users [red]ALERT[/red]" in result.stdout
    assert "A[/b]  data/" in result.stdout
    assert "Traceback" not in result.output


def test_definition_names_with_brackets_are_logged_literally_by_dump(demo_project, tmp_path):
    config = markup_named_config(tmp_path, demo_project)
    result = invoke("dump", "-c", config, "--yes", "--no-storages")
    assert result.exit_code == 0, result.output
    assert "Dumping data for definition 'A[/b]'" in result.stderr
    assert "Dumping data for definition 'Users [red]ALERT[/red]'" in result.stderr
    archive = tmp_path / "dumps" / "diskette_data.tar.gz"
    inspected = invoke("inspect", archive)
    assert inspected.exit_code == 0, inspected.output
    assert "· A[/b]" in inspected.stdout


def test_an_unknown_label_with_a_closing_tag_is_one_error_line(demo_project, tmp_path):
    apps = '[[apps]]\nname = "A[/b]"\nmodels = ["auth", "nope[/x]"]\n'
    config = write_config(tmp_path, demo_project, apps=apps)
    result = invoke("check", "-c", config)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        "error: definition 'A[/b]': unknown app label(s) in 'models': nope[/x]"
    ]


def test_no_configuration_message_keeps_its_square_brackets(tmp_path):
    result = run_cli(tmp_path, "check")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: no configuration: no diskette.toml, no [tool.diskette] in pyproject.toml, "
        "and no Django settings (--settings or DJANGO_SETTINGS_MODULE)"
    )


def test_settings_raising_an_error_with_markup_is_one_line(tmp_path):
    write_demo_files(tmp_path)
    (tmp_path / "boom_settings.py").write_text('raise RuntimeError("boom [/x]")\n')
    result = run_cli(tmp_path, "check", "--settings", "boom_settings", "--pythonpath", ".")
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (
        "error: settings module 'boom_settings' failed to import: RuntimeError: boom [/x]"
    )


def test_an_unexpected_error_with_markup_is_one_line(capsys):
    with pytest.raises(typer.Exit) as exit_info:
        with cli_common.reported_errors(cli_common.Shared()):
            raise RuntimeError("boom [/x] [red]ALERT[/red]")
    assert exit_info.value.exit_code == 1
    assert capsys.readouterr().err.strip() == "error: RuntimeError: boom [/x] [red]ALERT[/red]"


def test_logger_messages_are_printed_literally(capsys):
    logger = ConsoleLogger(Console(stderr=True, highlight=False, soft_wrap=True), verbosity=2)
    for level in ("debug", "info", "warning", "error"):
        getattr(logger, level)(f"{level} [/x] [red]ALERT[/red]")
    assert capsys.readouterr().err.splitlines() == [
        "debug [/x] [red]ALERT[/red]",
        "info [/x] [red]ALERT[/red]",
        "warning: warning [/x] [red]ALERT[/red]",
        "error: error [/x] [red]ALERT[/red]",
    ]

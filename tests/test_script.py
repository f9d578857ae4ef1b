"""``diskette script``: a shell script that stays safe whatever the names hold.

The script is produced by the real command, then run with bash in a temporary
folder; ``--executable echo`` stands in for ``manage.py`` so no Django runs.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from diskette_tui import cli

from test_cli import write_config

runner = CliRunner()

HOSTILE_APPS = """
[[apps]]
name = "x\\ntouch INJECTED_BY_NAME"
models = ["sites"]

[[apps]]
name = "Tags $(touch INJECTED_BY_SUBSTITUTION) `touch INJECTED_BY_BACKTICKS`"
models = ["catalog.Tag"]
filename = "tags;touch INJECTED_BY_FILENAME.json"

[[apps]]
name = "Rest\\r\\u2028touch INJECTED_BY_SEPARATOR"
is_drain = true
"""


def produce_script(demo: Path, folder: Path, destination: str) -> str:
    config = write_config(folder, demo, apps=HOSTILE_APPS)
    result = runner.invoke(
        cli.app, ["script", "-c", str(config), "--executable", "echo", "-d", destination]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is needed to run the script")
def test_newline_in_a_definition_name_never_turns_a_comment_into_a_command(demo_project, tmp_path):
    config_folder = tmp_path / "config"
    run_folder = tmp_path / "run"
    run_folder.mkdir()
    destination = run_folder / "my dumps $(touch INJECTED_BY_DESTINATION)"
    script = produce_script(demo_project, config_folder, str(destination))
    lines = script.splitlines()
    assert lines[0] == "set -e"
    assert lines[1] == f"mkdir -p -- '{destination}'"
    assert "# x\\ntouch INJECTED_BY_NAME" in lines
    assert "# Rest\\r\\u2028touch INJECTED_BY_SEPARATOR" in lines
    # Every line is a comment or a command under one.
    commands = [line for line in lines[2:] if not line.startswith("#")]
    assert len(commands) == 3 and all(line.startswith("echo dumpdata ") for line in commands)

    ran = subprocess.run(
        ["bash", "-c", script], cwd=run_folder, capture_output=True, text=True, timeout=60
    )
    assert ran.returncode == 0, ran.stderr
    assert list(run_folder.iterdir()) == [destination]
    assert not list(tmp_path.rglob("INJECTED*"))
    echoed = ran.stdout.splitlines()
    assert len(echoed) == 3
    assert echoed[1].endswith(f"--output={destination}/tags;touch INJECTED_BY_FILENAME.json")


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is needed to run the script")
def test_script_stops_at_the_first_failing_command(demo_project, tmp_path):
    script = produce_script(demo_project, tmp_path / "config", str(tmp_path / "out"))
    failing = script.replace("echo dumpdata", "false dumpdata", 1)
    ran = subprocess.run(
        ["bash", "-c", failing + "\ntouch REACHED_THE_END"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 1
    assert not (tmp_path / "REACHED_THE_END").exists()
    assert (tmp_path / "out").is_dir()  # mkdir -p ran first


def test_executable_is_split_into_quoted_words(demo_project, tmp_path):
    config = write_config(tmp_path, demo_project, apps='[[apps]]\nname = "S"\nmodels = ["sites"]\n')
    result = runner.invoke(
        cli.app, ["script", "-c", str(config), "--executable", "python 'my manage.py';id"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[3].startswith("python 'my manage.py;id' dumpdata ")
    unclosed = runner.invoke(
        cli.app, ["script", "-c", str(config), "--executable", "python 'manage.py"]
    )
    assert unclosed.exit_code == 2
    assert "cannot be split into shell words" in unclosed.output

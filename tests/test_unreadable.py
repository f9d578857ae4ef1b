"""Unreadable storage entries fail ``check`` and ``dump`` by name, unless --skip-unreadable.

Root reads anything, so the commands run in a subprocess as an unprivileged
user (``tests/unprivileged.py``) on a copy of the demo project that user owns,
with a folder and a file it may not read. Warnings are never silent: ``dump
--yes -q`` lists them (in-process, on the demo).
"""

from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner
from unprivileged import give_to_unprivileged, run_unprivileged

from diskette_tui import cli

LOCKED = "media/locked"
SECRET = "media/documents/secret.txt"


@pytest.fixture
def locked_site(demo_project, shared_tmp) -> Path:
    """A copy of the demo, owned by the unprivileged user, with a folder and a file it cannot read."""
    site = shared_tmp / "site"
    shutil.copytree(
        demo_project, site, symlinks=True, ignore=shutil.ignore_patterns("dumps", "__pycache__")
    )
    (site / LOCKED).mkdir()
    (site / LOCKED / "inside.txt").write_text("never read")
    (site / SECRET).write_text("never read")
    give_to_unprivileged(site)
    (site / LOCKED).chmod(0)
    (site / SECRET).chmod(0)
    return site


def diskette(site: Path, *args: str):
    """``diskette …`` as the unprivileged user, in the site, with its configuration."""
    return run_unprivileged(["-m", "diskette_tui", *args, "-c", "diskette.toml"], cwd=site)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


def test_unreadable_folder_and_file_fail_the_dump_with_their_names(locked_site):
    result = diskette(locked_site, "dump", "--yes", "-q")

    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert error_lines(result.stderr) == [
        f"error: {SECRET}: permission denied (exclude it with a pattern, "
        "or leave it out with --skip-unreadable)",
        f"error: {LOCKED}: permission denied (exclude it with a pattern, "
        "or leave it out with --skip-unreadable)",
    ]
    assert not (locked_site / "dumps").exists()  # nothing written, not even a temporary file


def test_check_reports_unreadable_files_and_folders_as_errors(locked_site):
    text = diskette(locked_site, "check")
    as_json = diskette(locked_site, "check", "--json")
    lenient = diskette(locked_site, "check", "--skip-unreadable")

    assert text.returncode == 1, text.stderr
    assert [line.split(":")[1].strip() for line in error_lines(text.stderr)] == [SECRET, LOCKED]
    assert as_json.returncode == 1, as_json.stderr
    plan = json.loads(as_json.stdout)
    assert [line.split(":")[0] for line in plan["errors"]] == [SECRET, LOCKED]
    media = next(item for item in plan["storages"] if item["name"] == "media")
    unreadable = {e["name"] for e in media["skipped_links"] if e.get("unreadable")}
    assert unreadable == {SECRET, LOCKED}
    # Leniency turns them into what is skipped: listed, not errors.
    assert lenient.returncode == 0, lenient.stderr
    assert error_lines(lenient.stderr) == []
    assert f"skipped {LOCKED}" in lenient.stdout and f"skipped {SECRET}" in lenient.stdout


def test_skip_unreadable_lists_each_skipped_path_even_quiet_and_in_the_manifest(locked_site):
    result = diskette(locked_site, "dump", "--yes", "-q", "--skip-unreadable")

    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert f"warning: skipped {SECRET} (permission denied)" in warnings
    assert f"warning: skipped {LOCKED} (permission denied)" in warnings
    (archive,) = (locked_site / "dumps").glob("*.tar.gz")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert SECRET not in names and not any(name.startswith(LOCKED) for name in names)
    assert "media/documents" in names  # the rest of the folder is there
    skipped = {entry["name"]: entry["reason"] for entry in manifest["skipped"]}
    assert skipped[SECRET] == skipped[LOCKED] == "permission denied"


def test_dump_yes_lists_its_warnings_even_with_quiet(demo_project, tmp_path):
    runner = CliRunner()
    # "Shop orders" alone has load-order warnings (the demo's others are remapped references).
    only = ["--app", "Shop orders"]
    check = runner.invoke(cli.app, ["check", "--demo", "--json", "-d", str(tmp_path), *only])
    plan = json.loads(check.stdout)
    media = next(item for item in plan["storages"] if item["name"] == "media")

    result = runner.invoke(cli.app, ["dump", "--demo", "--yes", "-q", "-d", str(tmp_path), *only])

    assert result.exit_code == 0, result.output
    listed = result.stderr.splitlines()
    assert plan["warnings"] and media["skipped_links"]  # the demo has both kinds
    for message in plan["warnings"]:
        assert any(line.startswith("warning: ") and message in line for line in listed), message
    for entry in media["skipped_links"]:
        assert any(
            line.startswith(f"warning: skipped {entry['name']} → {entry['target']}")
            for line in listed
        ), entry
    assert all(line.startswith("warning: ") for line in listed)  # -q: nothing else

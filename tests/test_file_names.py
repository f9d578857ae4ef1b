"""Odd storage file names: newlines round-trip through SHA256SUMS, non-UTF-8 names are refused.

Real files in a storage of their own, the real command line (in-process, on
the demo's Django settings), real archives checked with ``diskette verify``,
``load`` and GNU ``sha256sum -c``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from diskette_tui import cli
from diskette_tui.core.dumper import Dumper
from diskette_tui.core.manifest import format_checksums, parse_checksums
from diskette_tui.core.requests import DumpRequest
from diskette_tui.exceptions import ArchiveError, DumpFailed
from diskette_tui.wording import write_description

runner = CliRunner()

ODD_NAMES = ["new\nline.txt", "back\\slash.txt", "carriage\rreturn.txt", "tab\tand\x0bvt.txt"]
NOT_UTF8 = "media/caf\\xe9.txt"  # how the name is shown: its byte escaped


def invoke(*args):
    return runner.invoke(cli.app, [str(arg) for arg in args])


@pytest.fixture
def site(demo_project, tmp_path) -> Path:
    """A folder with a ``media`` storage and a storages-only configuration on the demo's Django."""
    (tmp_path / "media").mkdir()
    (tmp_path / "diskette.toml").write_text(
        f'settings = "demo_settings"\n'
        f'pythonpath = "{demo_project}"\n'
        f'storages_basepath = "{tmp_path}"\n'
        f'storages = ["{tmp_path}/media"]\n'
        f'destination = "dumps"\n'
    )
    return tmp_path


# SHA256SUMS ---------------------------------------------------------------------


def test_newline_in_a_file_name_round_trips_through_sha256sums():
    names = ["plain.txt", *ODD_NAMES, "\\n-literally", "ends-with\\"]
    digests = [(name, hashlib.sha256(name.encode()).hexdigest()) for name in names]

    written = format_checksums(digests)

    assert written.count(b"\n") == len(names)  # one line per name, whatever it holds
    assert written.startswith(b"%s  plain.txt\n" % digests[0][1].encode())
    assert b"\\" + digests[1][1].encode() + b"  new\\nline.txt\n" in written
    assert parse_checksums(written) == dict(digests)


def test_sha256sums_written_by_gnu_coreutils_are_read(tmp_path):
    sha256sum = shutil.which("sha256sum")
    if sha256sum is None:
        pytest.skip("GNU sha256sum is not installed")
    for name in ODD_NAMES:
        (tmp_path / name).write_text(name)
    listing = subprocess.run(
        [sha256sum, "--", *ODD_NAMES], cwd=tmp_path, capture_output=True, check=True
    ).stdout

    assert parse_checksums(listing) == {
        name: hashlib.sha256(name.encode()).hexdigest() for name in ODD_NAMES
    }


@pytest.mark.parametrize(
    "line",
    [
        b"\\" + b"a" * 64 + b"  bad\\escape",
        b"a" * 64 + b"  ",
        b"z" * 64 + b"  name",
        b"a" * 64 + b"\tname",
    ],
)
def test_malformed_sha256sums_lines_are_refused(line):
    with pytest.raises(ArchiveError, match="SHA256SUMS line 1 is malformed"):
        parse_checksums(line + b"\n")


def test_odd_file_names_dump_verify_load_and_pass_sha256sum_check(site, tmp_path):
    for name in ODD_NAMES:
        (site / "media" / name).write_text(f"content of {name!r}")

    dump = invoke("dump", "-c", site / "diskette.toml", "--yes", "-q")
    assert dump.exit_code == 0, dump.output
    (archive,) = (site / "dumps").glob("*.tar.gz")
    verify = invoke("verify", archive)
    assert verify.exit_code == 0, verify.output

    restored = tmp_path / "restored"
    load = invoke(
        "load", "-c", site / "diskette.toml", "--yes", "--no-data",
        "--storages-basepath", restored, archive,
    )  # fmt: skip
    assert load.exit_code == 0, load.output
    for name in ODD_NAMES:
        assert (restored / "media" / name).read_text() == f"content of {name!r}"

    sha256sum = shutil.which("sha256sum")
    if sha256sum is None:
        pytest.skip("GNU sha256sum is not installed: the rest is checked")
    extracted = tmp_path / "extracted"
    with tarfile.open(archive) as tar:
        tar.extractall(extracted, filter="data")
    check = subprocess.run(
        [sha256sum, "--check", "--strict", "SHA256SUMS"], cwd=extracted, capture_output=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(b": OK\n") == len(ODD_NAMES)


# Names that are not UTF-8 ---------------------------------------------------------


@pytest.fixture
def not_utf8(site) -> Path:
    """``media/caf\\xe9.txt`` (Latin-1 bytes) next to a good file."""
    with open(os.fsencode(site / "media") + b"/caf\xe9.txt", "wb") as file:
        file.write(b"written by a Latin-1 system")
    (site / "media" / "good.txt").write_text("good")
    return site


def test_a_file_name_that_is_not_utf8_fails_check_and_dump_alike(not_utf8):
    config = not_utf8 / "diskette.toml"
    problem = (
        f"error: {NOT_UTF8}: file name is not valid UTF-8 (rename it, exclude it with a pattern, "
        "or leave it out with --skip-unreadable)"
    )

    check = invoke("check", "-c", config)
    as_json = invoke("check", "-c", config, "--json")
    dump = invoke("dump", "-c", config, "--yes")

    assert check.exit_code == 1 and problem in check.stderr.splitlines(), check.output
    assert as_json.exit_code == 1
    plan = json.loads(as_json.stdout_bytes.decode("utf-8"))  # valid UTF-8, valid JSON
    assert plan["errors"] == [problem.removeprefix("error: ")]
    assert dump.exit_code == 1 and problem in dump.stderr.splitlines(), dump.output
    assert "Traceback" not in dump.output and "UnicodeEncodeError" not in dump.output
    assert not (not_utf8 / "dumps").exists()


def test_a_file_name_that_is_not_utf8_can_be_skipped_or_excluded(not_utf8):
    config = not_utf8 / "diskette.toml"

    skipped = invoke("dump", "-c", config, "--yes", "-q", "--skip-unreadable")
    assert skipped.exit_code == 0, skipped.output
    assert f"warning: skipped {NOT_UTF8} (file name is not valid UTF-8)" in skipped.stderr
    (archive,) = (not_utf8 / "dumps").glob("*.tar.gz")
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        assert tar.getnames()[:2] == ["media", "media/good.txt"]
    assert manifest["skipped"] == [{"name": NOT_UTF8, "reason": "file name is not valid UTF-8"}]
    assert invoke("verify", archive).exit_code == 0

    excluded = invoke("dump", "-c", config, "--yes", "-q", "--exclude", "caf*.txt")
    assert excluded.exit_code == 0, excluded.output
    assert excluded.stderr == ""


def test_execute_refuses_a_plan_with_unreadable_entries(not_utf8):
    # What every front end calls (the preview too): the plan's errors stop it.
    dumper = Dumper([], storages_basepath=not_utf8, storages=[not_utf8 / "media"])
    request = DumpRequest(not_utf8 / "dumps", with_data=False)

    plan = dumper.plan(request)
    with pytest.raises(DumpFailed) as failed:
        dumper.execute(plan)

    assert [problem.split(":")[0] for problem in failed.value.problems] == [NOT_UTF8]
    assert not (not_utf8 / "dumps").exists()
    # The preview's confirmation says so before the write is asked for.
    assert "✗ 1 unreadable path: the dump fails" in "\n".join(write_description(plan))
    lenient = dumper.plan(DumpRequest(not_utf8 / "dumps", with_data=False, skip_unreadable=True))
    assert "⚠ 1 unreadable path left out" in write_description(lenient)
    assert dumper.execute(lenient).files == 1

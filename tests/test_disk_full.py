"""A full disk: one clear line, exit 1, and nothing half-written anywhere.

The tests mount a small tmpfs (root only; skipped, saying why, where mounting
is not allowed) and fill it nearly up: a dump whose data dumps or archive do
not fit leaves no partial archive, no temporary file or work folder, and the
previous archive of that name untouched; a load whose staging does not fit
changes neither the database nor the storage. Every mount is undone in a
``finally``.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from diskette_tui import cli

KIB = 1024


@pytest.fixture
def small_filesystem(tmp_path):
    """``mount(size_kib, free_kib=None, inodes=None)``: a tmpfs of that size (and inodes),
    filled to leave ``free_kib``."""
    mounted: list[Path] = []

    def mount(size_kib: int, free_kib: int | None = None, inodes: int | None = None) -> Path:
        if os.geteuid() != 0:
            pytest.skip(f"mounting a small tmpfs needs root (running as uid {os.geteuid()})")
        folder = tmp_path / f"fs{len(mounted)}"
        folder.mkdir()
        options = f"size={size_kib}k,mode=0755" + (f",nr_inodes={inodes}" if inodes else "")
        run = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
            capture_output=True,
            text=True,
        )
        if run.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {run.stderr.strip() or run.returncode}")
        mounted.append(folder)
        if free_kib is not None:
            fill(folder, free_kib)
        return folder

    try:
        yield mount
    finally:
        for folder in reversed(mounted):
            if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
                subprocess.run(["umount", "-l", str(folder)], check=True)


def fill(folder: Path, free_kib: int) -> None:
    """Write a filler file so that only about ``free_kib`` stay free."""
    stats = os.statvfs(folder)
    free = stats.f_bavail * stats.f_frsize
    (folder / "filler").write_bytes(b"\0" * max(free - free_kib * KIB, 0))


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error")]


def listing(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


@pytest.fixture
def runner():
    return CliRunner()


# -- dump ----------------------------------------------------------------------------


def test_data_dumps_on_a_nearly_full_disk_fail_with_one_line_and_leave_nothing(
    demo_project, small_filesystem, runner
):
    disk = small_filesystem(1024, free_kib=16)
    previous = disk / "diskette_data_storages.tar.gz"
    previous.write_bytes(b"previous archive")
    before = listing(disk)

    result = runner.invoke(cli.app, ["dump", "--demo", "--yes", "-q", "-d", str(disk)])

    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    (line,) = error_lines(result.stderr)
    assert re.fullmatch(
        rf"error: no space left on the file system at {re.escape(str(disk))} while writing "
        r"data/[\w.-]+ \(the data of '[^']+'\); nothing was written",
        line,
    ), line
    assert listing(disk) == before  # no .part, no .diskette-work-…, no data file
    assert previous.read_bytes() == b"previous archive"


def test_an_archive_that_does_not_fit_fails_with_one_line_and_leaves_nothing(
    demo_project, small_filesystem, runner
):
    disk = small_filesystem(1024, free_kib=256)  # the demo's media need about 840 kB
    previous = disk / "diskette_storages.tar.gz"
    previous.write_bytes(b"previous archive")
    before = listing(disk)

    result = runner.invoke(cli.app, ["dump", "--demo", "--yes", "-q", "--no-data", "-d", str(disk)])

    assert result.exit_code == 1, result.output
    assert error_lines(result.stderr) == [
        f"error: no space left on the file system at {disk} while writing the archive "
        "diskette_storages.tar.gz; nothing was written"
    ]
    assert listing(disk) == before
    assert previous.read_bytes() == b"previous archive"


@pytest.mark.parametrize("inodes", [1, 2])
def test_a_file_system_without_inodes_fails_the_dump_and_leaves_nothing(
    demo_project, small_filesystem, runner, inodes
):
    """The root folder takes one inode; with one more the temporary archive fits, not its
    work folder (which must not leave the temporary archive behind)."""
    disk = small_filesystem(1024, inodes=inodes)

    result = runner.invoke(cli.app, ["dump", "--demo", "--yes", "-q", "-d", str(disk)])

    assert result.exit_code == 1, result.output
    assert error_lines(result.stderr) == [
        f"error: no space left on the file system at {disk} while creating the temporary "
        "archive and its work folder; nothing was written"
    ]
    assert listing(disk) == []


def test_a_dump_that_fits_is_written(demo_project, small_filesystem, runner):
    """The control: the same dump on the same kind of disk, with room, succeeds."""
    disk = small_filesystem(8 * 1024)
    result = runner.invoke(cli.app, ["dump", "--demo", "--yes", "-q", "-d", str(disk)])
    assert result.exit_code == 0, result.output
    assert listing(disk) == ["diskette_data_storages.tar.gz"]


# -- load ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_archive(demo_project, tmp_path_factory) -> Path:
    """An archive of the demo: its data and its media (about 840 kB)."""
    destination = tmp_path_factory.mktemp("archive")
    result = CliRunner().invoke(cli.app, ["dump", "--demo", "--yes", "-q", "-d", str(destination)])
    assert result.exit_code == 0, result.output
    return destination / "diskette_data_storages.tar.gz"


@pytest.fixture
def changed_site(demo_project):
    """The demo's Site renamed (the archive would rename it back); restored afterwards."""
    from django.contrib.sites.models import Site

    site = Site.objects.order_by("pk").first()
    original = site.domain
    Site.objects.filter(pk=site.pk).update(domain="changed.example")
    yield site.pk
    Site.objects.filter(pk=site.pk).update(domain=original)


def site_domain(pk) -> str:
    from django.contrib.sites.models import Site

    return Site.objects.get(pk=pk).domain


@pytest.mark.parametrize("mode", ["merge", "replace"])
def test_a_load_whose_storage_staging_fills_the_disk_changes_nothing(
    mode, demo_archive, changed_site, small_filesystem, runner
):
    disk = small_filesystem(256)
    (disk / "media").mkdir()
    (disk / "media" / "keep.txt").write_text("kept")
    before = listing(disk)

    result = runner.invoke(
        cli.app,
        ["load", "--demo", "--yes", "-q", str(demo_archive)]
        + ["--storages-basepath", str(disk), "--storages-mode", mode],
    )

    assert result.exit_code == 1, result.output
    (line,) = error_lines(result.stderr)
    assert re.fullmatch(
        rf"error: no space left on the file system at {re.escape(str(disk))} while staging "
        r"media/\S+; nothing was changed \(the database and the storages are as they were\)",
        line,
    ), line
    assert listing(disk) == before  # no .media.diskette-new-… left
    assert (disk / "media" / "keep.txt").read_text() == "kept"
    assert site_domain(changed_site) == "changed.example"


def test_a_load_whose_data_staging_fills_the_disk_changes_nothing(
    demo_archive, changed_site, small_filesystem, runner, monkeypatch
):
    temporary = small_filesystem(64, free_kib=8)  # where the data files are staged
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    before = listing(temporary)

    result = runner.invoke(
        cli.app, ["load", "--demo", "--yes", "-q", "--no-storages", str(demo_archive)]
    )

    assert result.exit_code == 1, result.output
    (line,) = error_lines(result.stderr)
    assert re.fullmatch(
        rf"error: no space left on the file system at {re.escape(str(temporary))} while "
        r"staging data/\S+; nothing was changed \(the database and the storages are as they were\)",
        line,
    ), line
    assert listing(temporary) == before
    assert site_domain(changed_site) == "changed.example"

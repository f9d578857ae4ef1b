"""Storage files that change under the dump: never archived cut, padded or mixed.

A file can disappear, shrink, grow, be swapped for a link or a fifo, or become
unreadable between the scan (``Dumper.plan``) and its read (``execute``), or
while it is read. The dump then fails naming it (exit 1, nothing written), or,
with ``--skip-unreadable``, leaves it out: a warning (even with ``-q``) and an
entry in the manifest's ``"skipped"``. Whatever the archive holds has the
plan's size and the checksum SHA256SUMS records.

Deterministic without mocks: real files changed in-process between ``plan()``
and ``execute()``, and, for "while it is read", by the progress callback once
the first chunk of a large file (streamed, not read whole) has been read.
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner
from unprivileged import give_to_unprivileged, run_unprivileged

from diskette_tui import cli
from diskette_tui.core import reader
from diskette_tui.core.archive import WHOLE_READ_LIMIT
from diskette_tui.core.dumper import Dumper
from diskette_tui.core.manifest import parse_checksums
from diskette_tui.core.requests import DumpRequest
from diskette_tui.exceptions import DumpFailed

#: A file streamed in chunks (bigger than what is read whole), so a hook can act mid-read.
BIG = WHOLE_READ_LIMIT * 3
OLD = 1_600_000_000  # an mtime long past: any write since shows


@pytest.fixture
def site(tmp_path) -> Path:
    """A storages base path with ``media``: a small file, a big one, and files after them."""
    base = tmp_path / "site"
    media = base / "media"
    media.mkdir(parents=True)
    (media / "a-first.txt").write_text("first")
    (media / "big.bin").write_bytes(os.urandom(BIG))
    (media / "small.txt").write_text("hello, world")
    (media / "z-last.txt").write_text("last")
    for path in media.iterdir():
        os.utime(path, (OLD, OLD))
    return base


def dumper_for(site: Path, demo_project) -> Dumper:
    return Dumper(
        [{"name": "Sites", "models": "sites"}],
        storages_basepath=site,
        storages=[site / "media"],
    )


def plan_for(dumper: Dumper, destination: Path, skip_unreadable=False):
    request = DumpRequest(destination, "site.tar.gz", skip_unreadable=skip_unreadable)
    return dumper.plan(request)


def assert_nothing_written(destination: Path) -> None:
    assert not destination.exists() or list(destination.iterdir()) == []


def assert_archive_matches_plan(result, plan) -> dict:
    """Every file member has the plan's size and SHA256SUMS's checksum; return the manifest."""
    planned = {
        e.arcname: e.size for s in plan.selected_storages for e in s.entries if e.kind == "file"
    }
    with tarfile.open(result.path, "r:gz") as tar:  # reads the whole gzip stream: CRC checked
        sums = parse_checksums(tar.extractfile("SHA256SUMS").read())
        manifest = json.load(tar.extractfile("manifest.json"))
        for info in tar.getmembers():
            if info.isreg() and info.name in planned:
                content = tar.extractfile(info).read()
                assert info.size == len(content) == planned[info.name], info.name
                assert hashlib.sha256(content).hexdigest() == sums[info.name], info.name
    report = reader.verify(reader.scan(result.path))
    assert report.status == "ok", report.problems()
    return manifest


def names_in(archive: Path) -> set[str]:
    with tarfile.open(archive, "r:gz") as tar:
        return set(tar.getnames())


# -- between the scan and the read ----------------------------------------------------

CHANGES_BEFORE_READ = {
    "disappears": (lambda path: path.unlink(), "disappeared since the scan"),
    "shrinks": (
        lambda path: path.write_text("hello"),
        "shrank since the scan: 12 bytes planned, 5 now",
    ),
    "grows": (
        lambda path: path.write_text("hello, world, and more"),
        "grew since the scan: 12 bytes planned, 22 now",
    ),
    "becomes a link": (
        lambda path: (path.unlink(), path.symlink_to("/etc/hostname")),
        "replaced by a symbolic link since the scan",
    ),
    "becomes a fifo": (
        lambda path: (path.unlink(), os.mkfifo(path)),
        "not a regular file any more",
    ),
    "becomes a folder": (lambda path: (path.unlink(), path.mkdir()), "not a regular file any more"),
}


@pytest.mark.parametrize("change", list(CHANGES_BEFORE_READ))
def test_a_file_changed_between_scan_and_read_fails_the_dump_naming_it(
    change, site, tmp_path, demo_project
):
    act, reason = CHANGES_BEFORE_READ[change]
    dumper = dumper_for(site, demo_project)
    destination = tmp_path / "dumps"
    plan = plan_for(dumper, destination)
    act(site / "media" / "small.txt")

    with pytest.raises(DumpFailed) as failed:
        dumper.execute(plan)

    assert failed.value.problems == [
        f"media/small.txt: {reason} (nothing was written; dump again, "
        "or leave such files out with --skip-unreadable)"
    ]
    assert_nothing_written(destination)


@pytest.mark.parametrize("change", list(CHANGES_BEFORE_READ))
def test_skip_unreadable_leaves_a_changed_file_out_and_lists_it(
    change, site, tmp_path, demo_project
):
    act, reason = CHANGES_BEFORE_READ[change]
    dumper = dumper_for(site, demo_project)
    plan = plan_for(dumper, tmp_path / "dumps", skip_unreadable=True)
    act(site / "media" / "small.txt")

    result = dumper.execute(plan)

    assert [(e.arcname, e.reason) for e in result.skipped] == [("media/small.txt", reason)]
    assert "media/small.txt" not in names_in(result.path)
    assert {"media/a-first.txt", "media/big.bin", "media/z-last.txt"} <= names_in(result.path)
    manifest = assert_archive_matches_plan(result, plan)
    assert {"name": "media/small.txt", "reason": reason} in manifest["skipped"]
    assert result.files == plan.files - 1


# -- while it is read -------------------------------------------------------------------


def after_first_chunk(name: str, act):
    """A progress callback that changes a file once, as soon as its first bytes are read."""
    done = []

    def progress(update):
        if update.stage == "storage" and update.item == name and not done:
            done.append(update.completed)
            act()

    return progress, done


def append(path: Path):
    with path.open("ab") as stream:
        stream.write(b"appended while read")


def rewrite_in_place(path: Path):
    with path.open("r+b") as stream:
        stream.seek(BIG - 10)
        stream.write(b"X" * 10)


CHANGES_WHILE_READ = {
    "grows": (append, "grew while it was read"),
    "shrinks": (lambda path: os.truncate(path, BIG // 2), "shrank while it was read"),
    "is removed": (lambda path: path.unlink(), "was removed while it was read"),
    "loses its permissions": (lambda path: path.chmod(0), "permissions changed while it was read"),
    "is rewritten in place": (rewrite_in_place, "changed while it was read"),
}


@pytest.mark.parametrize("change", list(CHANGES_WHILE_READ))
def test_a_file_changed_while_it_is_read_fails_the_dump(change, site, tmp_path, demo_project):
    act, reason = CHANGES_WHILE_READ[change]
    dumper = dumper_for(site, demo_project)
    destination = tmp_path / "dumps"
    plan = plan_for(dumper, destination)
    big = site / "media" / "big.bin"
    progress, done = after_first_chunk("media/big.bin", lambda: act(big))

    with pytest.raises(DumpFailed, match=f"^media/big.bin: {reason} "):
        dumper.execute(plan, progress=progress)

    assert done and done[0] < BIG  # the change came in the middle of the read
    assert_nothing_written(destination)


@pytest.mark.parametrize("change", list(CHANGES_WHILE_READ))
def test_skip_unreadable_takes_a_file_changed_while_read_back_out(
    change, site, tmp_path, demo_project
):
    """The half-written member is rewound: the members after it are whole and verified."""
    act, reason = CHANGES_WHILE_READ[change]
    dumper = dumper_for(site, demo_project)
    plan = plan_for(dumper, tmp_path / "dumps", skip_unreadable=True)
    big = site / "media" / "big.bin"
    progress, done = after_first_chunk("media/big.bin", lambda: act(big))

    result = dumper.execute(plan, progress=progress)

    assert done and done[0] < BIG
    assert [(e.arcname, e.reason) for e in result.skipped] == [("media/big.bin", reason)]
    names = names_in(result.path)
    assert "media/big.bin" not in names
    assert {"media/a-first.txt", "media/small.txt", "media/z-last.txt", "data/sites.json"} <= names
    manifest = assert_archive_matches_plan(result, plan)
    assert {"name": "media/big.bin", "reason": reason} in manifest["skipped"]
    # The archive's own size and sha256 are those of the file on disk.
    assert result.size == result.path.stat().st_size
    assert result.sha256 == hashlib.sha256(result.path.read_bytes()).hexdigest()


def test_an_unchanged_big_file_is_archived_whole(site, tmp_path, demo_project):
    dumper = dumper_for(site, demo_project)
    plan = plan_for(dumper, tmp_path / "dumps")
    result = dumper.execute(plan)
    assert result.skipped == ()
    with tarfile.open(result.path, "r:gz") as tar:
        assert tar.extractfile("media/big.bin").read() == (site / "media" / "big.bin").read_bytes()
    assert "skipped" not in assert_archive_matches_plan(result, plan)


# -- a file that becomes unreadable (root reads anything: as an unprivileged user) ------

UNREADABLE_SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    from datetime import datetime
    from pathlib import Path
    from diskette_tui.core.archive import ArchiveWriter
    from diskette_tui.core.manifest import build_manifest
    from diskette_tui.core.plan import DumpPlan
    from diskette_tui.core.requests import DumpRequest
    from diskette_tui.core.storages import scan_storages
    from diskette_tui.exceptions import DumpFailed

    base = Path("site")
    request = DumpRequest(Path("dumps"), "site.tar.gz", skip_unreadable=sys.argv[1] == "skip")
    plan = DumpPlan(
        definitions=(), storages=scan_storages([base / "media"], base), request=request,
        created=datetime(2024, 1, 1), storages_basepath=base,
    )
    (base / "media" / "small.txt").chmod(0)  # after the scan, before the read
    writer = ArchiveWriter(plan, None, lambda objects: build_manifest(plan, "1", objects=objects))
    try:
        result = writer.write()
    except DumpFailed as exc:
        print(json.dumps({"problems": exc.problems}))
    else:
        print(json.dumps({"skipped": [e.as_dict() for e in result.skipped],
                          "manifest": result.manifest["skipped"], "path": str(result.path)}))
    """
)


@pytest.mark.parametrize("skip", [False, True])
def test_a_file_that_becomes_unreadable_after_the_scan(skip, site, shared_tmp):
    work = shared_tmp / "work"
    work.mkdir()
    os.rename(site, work / "site")
    (work / "dumps").mkdir()
    give_to_unprivileged(work)

    run = run_unprivileged(["-c", UNREADABLE_SCRIPT, "skip" if skip else "fail"], cwd=work)

    assert run.returncode == 0, run.stderr
    outcome = json.loads(run.stdout)
    if not skip:
        assert outcome["problems"] == [
            "media/small.txt: permission denied (nothing was written; dump again, "
            "or leave such files out with --skip-unreadable)"
        ]
        assert list((work / "dumps").iterdir()) == []
    else:
        expected = {"name": "media/small.txt", "reason": "permission denied"}
        assert outcome["skipped"] == outcome["manifest"] == [expected]
        assert "media/small.txt" not in names_in(work / outcome["path"])


# -- the command line ---------------------------------------------------------------------


@pytest.fixture
def site_config(site, demo_project, tmp_path) -> Path:
    """A diskette.toml for ``site`` on the demo's Django settings."""
    config = tmp_path / "diskette.toml"
    config.write_text(
        f'settings = "demo_settings"\n'
        f"pythonpath = [{json.dumps(str(demo_project))}]\n"
        f"storages_basepath = {json.dumps(str(site))}\n"
        f"storages = [{json.dumps(str(site / 'media'))}]\n"
        f"destination = {json.dumps(str(tmp_path / 'dumps'))}\n"
        'filename = "site.tar.gz"\n'
        '[[apps]]\nname = "Sites"\nmodels = ["sites"]\n'
    )
    return config


@pytest.fixture
def shrink_after_plan(site, monkeypatch):
    """Every ``Dumper.execute`` finds media/small.txt shrunk since its plan."""
    execute = Dumper.execute

    def shrunk_then_executed(self, plan, progress=None):
        (site / "media" / "small.txt").write_text("hi")
        return execute(self, plan, progress)

    monkeypatch.setattr(Dumper, "execute", shrunk_then_executed)


def test_dump_fails_with_one_line_naming_the_changed_file(site_config, tmp_path, shrink_after_plan):
    result = CliRunner().invoke(cli.app, ["dump", "-c", str(site_config), "--yes", "-q"])

    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [
        "error: media/small.txt: shrank since the scan: 12 bytes planned, 2 now (nothing was "
        "written; dump again, or leave such files out with --skip-unreadable)"
    ]
    assert list((tmp_path / "dumps").iterdir()) == []


def test_skip_unreadable_warns_even_quiet_and_json_lists_it(
    site, site_config, tmp_path, shrink_after_plan
):
    runner = CliRunner()
    quiet = runner.invoke(
        cli.app, ["dump", "-c", str(site_config), "--yes", "-q", "--skip-unreadable"]
    )
    (site / "media" / "small.txt").write_text("hello, world")  # as the next plan sees it
    as_json = runner.invoke(
        cli.app, ["dump", "-c", str(site_config), "--yes", "--json", "--skip-unreadable"]
    )

    warning = "warning: skipped media/small.txt (shrank since the scan: 12 bytes planned, 2 now)"
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stderr.splitlines() == [warning]
    assert as_json.exit_code == 0, as_json.output
    assert warning in as_json.stderr.splitlines()
    written = json.loads(as_json.stdout)
    assert written["skipped"] == [
        {"name": "media/small.txt", "reason": "shrank since the scan: 12 bytes planned, 2 now"}
    ]

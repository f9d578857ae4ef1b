"""Round trip and interruption: the archive restores row for row and byte for byte.

The demo is dumped with the real command line; each manifest data file is then
loaded with plain ``loaddata``, in manifest order, into a freshly migrated
second SQLite database (in a subprocess: Django is set up once per process),
and every row of every dumped model is compared.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from typer.testing import CliRunner

from diskette_tui import cli
from diskette_tui.demo import write_demo_files

SOURCE_ROOT = Path(__file__).resolve().parent.parent

LOAD_SCRIPT = """
import sys
from diskette_tui.project import Project
Project(settings="demo_settings", pythonpath=[sys.argv[1]]).setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
for fixture in sys.argv[2:]:
    call_command("loaddata", fixture, verbosity=0)
"""


def tables_of(labels):
    """``(table, is_m2m)`` holding the rows of these models, M2M tables included."""
    tables = []
    for label in labels:
        model = django_apps.get_model(label)
        tables.append((model._meta.db_table, False))
        for field in model._meta.local_many_to_many:
            if field.remote_field.through._meta.auto_created:
                tables.append((field.remote_field.through._meta.db_table, True))
    return tables


def rows(database: Path, table: str, is_m2m: bool = False):
    """Every row of a table; for an M2M table the links without their own id,
    which loaddata does not keep (it recreates links from the owner's field)."""
    with sqlite3.connect(database) as connection:
        found = connection.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()
    return sorted(row[1:] for row in found) if is_m2m else found


@pytest.fixture(scope="module")
def dumped(demo_project, tmp_path_factory):
    """The demo dumped with ``diskette dump --demo --yes``: (archive, extracted folder)."""
    out = tmp_path_factory.mktemp("dump")
    result = CliRunner().invoke(
        cli.app, ["dump", "--demo", "--yes", "--json", "-q", "-d", str(out)]
    )
    assert result.exit_code == 0, result.output
    archive = Path(json.loads(result.stdout)["path"])
    extracted = out / "extracted"
    with tarfile.open(archive) as tar:
        tar.extractall(extracted, filter="tar")
    return archive, extracted


def test_every_dumped_row_loads_back_equal(demo_project, dumped, tmp_path):
    archive, extracted = dumped
    manifest = json.loads((extracted / "manifest.json").read_text())
    restored = tmp_path / "restored"
    write_demo_files(restored)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(restored), str(SOURCE_ROOT)]))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    fixtures = [str(extracted / name) for name in manifest["datas"]]
    loaded = subprocess.run(
        [sys.executable, "-c", LOAD_SCRIPT, str(restored), *fixtures],
        env=env,
        cwd=restored,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert loaded.returncode == 0, loaded.stderr

    labels = [label for app in manifest["applications"] for label in app["models"]]
    assert "catalog.Product" in labels and "orders.Cart" in labels
    for table, is_m2m in tables_of(labels):
        source = rows(demo_project / "db.sqlite3", table, is_m2m)
        target = rows(restored / "db.sqlite3", table, is_m2m)
        assert source, f"{table} is empty in the demo: the comparison would prove nothing"
        assert target == source, f"{table} differs after loading"
    # Unpublished products (hidden by the default manager) travel thanks to --all.
    assert len(rows(restored / "db.sqlite3", "catalog_product")) == 220


def test_object_counts_in_manifest_match_the_data_files(dumped):
    _archive, extracted = dumped
    manifest = json.loads((extracted / "manifest.json").read_text())
    for name, count in manifest["objects"].items():
        path = extracted / name
        if name.endswith(".jsonl"):
            assert len(path.read_text().splitlines()) == count
        else:
            assert len(json.loads(path.read_text())) == count


def test_every_storage_file_is_byte_equal(demo_project, dumped):
    archive, extracted = dumped
    for storage in ("media", "private"):
        for source in (demo_project / storage).rglob("*"):
            relative = source.relative_to(demo_project)
            copy = extracted / relative
            parts = relative.parts
            if (
                "cache" in parts
                or source.name in (".DS_Store", "outside-link")
                or (source.suffix == ".tmp" and source.name != "keep.tmp")
            ):
                assert not copy.exists() and not copy.is_symlink(), f"{relative} should be excluded"
            elif source.is_symlink():
                assert copy.is_symlink() and os.readlink(copy) == os.readlink(source)
            elif source.is_dir():
                assert copy.is_dir(), f"folder {relative} is missing"
            else:
                assert copy.read_bytes() == source.read_bytes(), f"{relative} differs"
    assert (extracted / "media/uploads/empty").is_dir()
    assert (extracted / "media/documents/keep.tmp").is_file()


# A shell starts background jobs (``cmd &`` without job control, as CI scripts do)
# with SIGINT ignored, and children inherit that: a dump started so rightly ignores
# Ctrl+C and finishes with exit 0. The dump under test gets the default
# disposition a terminal's foreground process has.
@contextlib.contextmanager
def sigint_default_in_children():
    """Children started inside get SIGINT's default action, whatever ours is."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def stop_while_writing(process, folder: Path, timeout: float = 60) -> int:
    """Stop ``process`` (SIGSTOP) while its temporary archive in ``folder`` grows.

    Each check is made on the stopped process, so what it sees stays true until
    SIGCONT: the ``.part`` file exists (the archive is not renamed yet) and holds
    more than 1 MiB (the storages are being compressed). Returns its size.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not list(folder.glob(".*.part")):
            assert process.poll() is None, process.communicate()
            time.sleep(0.01)
            continue
        os.kill(process.pid, signal.SIGSTOP)
        _pid, status = os.waitpid(process.pid, os.WUNTRACED)
        if not os.WIFSTOPPED(status):
            pytest.fail(f"the dump ended before it could be stopped (wait status {status})")
        parts = list(folder.glob(".*.part"))
        if parts and parts[0].stat().st_size > (1 << 20):
            return parts[0].stat().st_size
        os.kill(process.pid, signal.SIGCONT)
        if not parts:
            pytest.fail("the temporary archive vanished: the dump finished or failed")
        time.sleep(0.01)
    pytest.fail("the archive step never started")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_during_archive_step_leaves_nothing(demo_project, tmp_path, signum):
    """A signal while storages are compressed: exit 130, previous archive untouched.

    The signal is sent while the dump is stopped mid-write and handled as soon as
    it resumes, so the dump cannot finish first, however fast the machine.
    """
    big = tmp_path / "big"
    big.mkdir()
    chunk = os.urandom(1 << 20)
    blobs = 48
    for index in range(blobs):
        (big / f"blob-{index:02d}.bin").write_bytes(chunk * 4)
    storage_bytes = blobs * len(chunk) * 4
    (tmp_path / "diskette.toml").write_text(
        f'settings = "demo_settings"\npythonpath = "{demo_project}"\n'
        f'storages = ["big"]\ndestination = "dumps"\n'
        '[[apps]]\nname = "Sites"\nmodels = "sites"\n'
    )
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    final = dumps / "diskette_data_storages.tar.gz"
    final.write_bytes(b"the previous archive")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    with sigint_default_in_children():
        process = subprocess.Popen(
            [sys.executable, "-m", "diskette_tui", "dump", "--yes", "-q"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    try:
        written = stop_while_writing(process, dumps)
        # Random bytes do not compress: far less than the storages is written so far.
        assert written < storage_bytes // 2, "the dump was stopped too late to prove anything"
        process.send_signal(signum)  # pending while stopped
        process.send_signal(signal.SIGCONT)
        _out, err = process.communicate(timeout=60)
    finally:
        if process.returncode is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert final.read_bytes() == b"the previous archive"
    assert sorted(path.name for path in dumps.iterdir()) == [final.name]

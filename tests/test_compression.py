"""Archives at every compresslevel: standard .tar.gz read by every tool (issue 12, item 3).

Each level writes a real archive of a storage (no Django) that Python's
``tarfile``, GNU ``tar -tzf`` and ``gzip -t`` read back member for member;
the demo project's archives at every level load with diskette 0.6.0's
``diskette_load``; without ``isal`` (its import made to fail in a subprocess)
every level falls back to Python's zlib and still writes the same members.
"""

from __future__ import annotations

import gzip
import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import zlib
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from diskette_tui.cli import app
from diskette_tui.core.archive import ISAL_LEVELS, ArchiveWriter, gzip_backend, gzip_writer
from diskette_tui.core.manifest import build_manifest
from diskette_tui.core.plan import DumpPlan
from diskette_tui.core.requests import DEFAULT_COMPRESSLEVEL, DumpRequest
from diskette_tui.core.storages import scan_storages

LEVELS = range(10)
HAS_ISAL = importlib.util.find_spec("isal") is not None
runner = CliRunner()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A base path with a storage of random bytes, text and an empty file."""
    base = tmp_path_factory.mktemp("site")
    media = base / "media"
    (media / "photos").mkdir(parents=True)
    (media / "photos" / "random.jpg").write_bytes(os.urandom(300_000))
    (media / "notes.txt").write_text("lorem ipsum dolor sit amet " * 20_000)
    (media / "empty.txt").write_bytes(b"")
    return base


def write_archive(base: Path, destination: Path, level: int) -> Path:
    """An archive of ``base``'s media at ``level``, by the real writer."""
    plan = DumpPlan(
        definitions=(),
        storages=tuple(scan_storages([base / "media"], base, [])),
        request=DumpRequest(destination, f"level{level}{{features}}.tar.gz", compresslevel=level),
        created=datetime(2026, 1, 1),
        storages_basepath=base,
    )
    writer = ArchiveWriter(
        plan,
        lambda *args: {},
        lambda objects: build_manifest(plan, "test", objects),
        compresslevel=level,
    )
    return writer.write().path


def expected_members(base: Path) -> dict[str, bytes]:
    """Every storage file of ``base`` by archive name."""
    media = base / "media"
    return {
        str(path.relative_to(base)): path.read_bytes()
        for path in media.rglob("*")
        if path.is_file()
    }


@pytest.mark.parametrize("level", LEVELS)
def test_every_level_writes_a_standard_tar_gz(site, tmp_path, level):
    archive = write_archive(site, tmp_path, level)
    with tarfile.open(archive, "r:gz") as tar:
        read = {info.name: tar.extractfile(info).read() for info in tar if info.isfile()}
    assert {name: read[name] for name in expected_members(site)} == expected_members(site)
    assert {"manifest.json", "SHA256SUMS"} <= set(read)
    listed = subprocess.run(["tar", "-tzf", archive], capture_output=True, text=True, check=True)
    assert set(expected_members(site)) <= set(listed.stdout.split())
    subprocess.run(["gzip", "-t", archive], check=True)


def test_levels_are_gzip_levels(site, tmp_path):
    """0 stores (the archive is bigger than the files), 9 is no bigger than 1."""
    sizes = {level: write_archive(site, tmp_path, level).stat().st_size for level in (0, 1, 9)}
    raw = sum(len(content) for content in expected_members(site).values())
    assert sizes[0] > raw > sizes[1] >= sizes[9]


def test_backend_by_level():
    for level in LEVELS:
        expected = "isal" if HAS_ISAL and level in ISAL_LEVELS else "zlib"
        assert gzip_backend(level) == expected
    assert DEFAULT_COMPRESSLEVEL in ISAL_LEVELS


def test_gzip_writer_round_trips_at_every_level(tmp_path):
    payload = os.urandom(50_000) + b"text " * 50_000
    for level in LEVELS:
        path = tmp_path / f"{level}.gz"
        with open(path, "wb") as raw, gzip_writer(raw, level) as stream:
            stream.write(payload)
        assert gzip.decompress(path.read_bytes()) == payload
        assert zlib.decompress(path.read_bytes(), wbits=31) == payload


_WITHOUT_ISAL = """
import sys
sys.modules["isal"] = None  # `import isal` now raises ImportError, as when it is missing
import tarfile
from pathlib import Path
from diskette_tui.core.archive import gzip_backend
sys.path.insert(0, sys.argv[2])
from test_compression import write_archive

base, out = Path(sys.argv[1]), Path(sys.argv[3])
for level in range(10):
    assert gzip_backend(level) == "zlib", level
    archive = write_archive(base, out, level)
    with tarfile.open(archive) as tar:
        print(level, sorted(info.name for info in tar if info.isfile()))
"""


def test_without_isal_every_level_falls_back_to_zlib(site, tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_ISAL, str(site), str(Path(__file__).parent), tmp_path],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 10
    for level in LEVELS:
        archive = tmp_path / f"level{level}_storages.tar.gz"
        subprocess.run(["gzip", "-t", archive], check=True)
        with tarfile.open(archive) as tar:
            names = {info.name for info in tar if info.isfile()}
        assert set(expected_members(site)) <= names


def test_compresslevel_flag_and_key(demo_project, tmp_path, request):
    """``--compresslevel`` wins over the ``compresslevel`` key; a bad value is one line, exit 2."""
    # Beside the demo's own file: its relative paths mean the same.
    config = demo_project / "compression-test.toml"
    source = (demo_project / "diskette.toml").read_text()
    config.write_text("compresslevel = 0\n" + source)
    request.addfinalizer(config.unlink)
    stored = tmp_path / "stored"
    result = runner.invoke(
        app, ["dump", "-c", str(config), "--yes", "-q", "--no-data", "-d", str(stored)]
    )
    assert result.exit_code == 0, result.output
    fast = tmp_path / "fast"
    result = runner.invoke(
        app,
        ["dump", "-c", str(config), "--yes", "-q", "--no-data", "-d", str(fast)]
        + ["--compresslevel", "1"],
    )
    assert result.exit_code == 0, result.output
    (stored_archive,) = stored.glob("*.tar.gz")
    (fast_archive,) = fast.glob("*.tar.gz")
    assert stored_archive.stat().st_size > fast_archive.stat().st_size
    result = runner.invoke(app, ["dump", "-c", str(config), "--yes", "--compresslevel", "10"])
    assert result.exit_code == 2
    assert "--compresslevel: must be an integer from 0 to 9, got 10" in result.output
    config.write_text('compresslevel = "fast"\n' + source)
    result = runner.invoke(app, ["check", "-c", str(config)])
    assert result.exit_code == 2
    assert "'compresslevel' must be an integer from 0 to 9, got str" in result.output


_LOAD_EACH = """
import sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
for archive in sys.argv[2:]:
    call_command("diskette_load", archive, "--keep", "--storages-basepath", sys.argv[1])
    print("loaded", archive)
"""


@pytest.mark.skipif(
    importlib.util.find_spec("diskette") is None,
    reason="diskette 0.6.0 is not installed (pip install -e '.[dev]')",
)
def test_diskette_060_loads_archives_at_every_level(demo_project, tmp_path):
    """Storages at every level (the data files go through the same gzip stream), data once."""
    from diskette_tui import demo
    from test_demo import instance_env
    from test_restore import DISKETTE_SETTINGS, table_rows

    archives = []
    for level in (*LEVELS, DEFAULT_COMPRESSLEVEL):
        destination = tmp_path / f"dumps{level}-{len(archives)}"
        only = ["--no-data"] if len(archives) < len(LEVELS) else []
        result = runner.invoke(
            app,
            ["dump", "--demo", "--yes", "-q", "-d", str(destination), *only]
            + ["--compresslevel", str(level)],
        )
        assert result.exit_code == 0, result.output
        (archive,) = destination.glob("*.tar.gz")
        archives.append(archive)
    target = tmp_path / "target"
    demo.write_demo_files(target)
    shutil.rmtree(target / "media")
    shutil.rmtree(target / "private")
    (target / "interop_settings.py").write_text(DISKETTE_SETTINGS)
    env = instance_env(target)
    env["DJANGO_SETTINGS_MODULE"] = "interop_settings"
    result = subprocess.run(
        [sys.executable, "-c", _LOAD_EACH, str(target), *map(str, archives)],
        env=env,
        cwd=target,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("loaded") == len(archives)
    assert table_rows(target / "db.sqlite3", "catalog_product") == table_rows(
        demo_project / "db.sqlite3", "catalog_product"
    )
    with tarfile.open(archives[0]) as tar:
        stored = {info.name: tar.extractfile(info).read() for info in tar if info.isfile()}
    storage_files = [name for name in stored if name.startswith(("media/", "private/"))]
    assert storage_files
    for name in storage_files:
        assert (target / name).read_bytes() == stored[name], name

"""The atomic archive writer, manifest and checksums: real files, no Django."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tarfile
from datetime import datetime

import pytest

from diskette_tui.core.archive import ArchiveWriter
from diskette_tui.core.manifest import build_manifest, parse_checksums, read_manifest
from diskette_tui.core.plan import DefinitionPlan, DumpPlan, ModelPlan
from diskette_tui.core.requests import DumpRequest
from diskette_tui.core.storages import scan_storages
from diskette_tui.exceptions import ArchiveError, DumpFailed

CREATED = datetime(2024, 6, 1, 12, 0, 0)


def definition(name, filename):
    return DefinitionPlan(
        name=name,
        filename=filename,
        format=filename.rsplit(".", 1)[1],
        is_drain=False,
        models=(ModelPlan("app.Model", 2),),
        excludes=(),
        implicit_excludes=(),
        drain_excludes=(),
        options={},
        payload={"name": name},
        command="dumpdata app.Model",
    )


@pytest.fixture
def site(tmp_path):
    """A basepath with a media storage holding files, an empty folder and links."""
    base = tmp_path / "site"
    media = base / "media"
    (media / "pictures" / "2024").mkdir(parents=True)
    (media / "uploads" / "empty").mkdir(parents=True)
    (media / "pictures" / "a.png").write_bytes(b"\x89PNG" + os.urandom(5000))
    (media / "pictures" / "2024" / "b.png").write_bytes(os.urandom(70_000))
    (media / "notes.txt").write_text("hello")
    (media / "skip.tmp").write_text("temporary")
    (media / "latest.png").symlink_to("pictures/a.png")
    (media / "escape").symlink_to("../../outside.txt")
    return base


def make_plan(base, destination, storages=("media",), excludes=("*.tmp",), definitions=None):
    scanned = scan_storages([base / name for name in storages], base, list(excludes))
    return DumpPlan(
        definitions=tuple(definitions or (definition("Sites", "sites.json"),)),
        storages=scanned,
        request=DumpRequest(destination, "diskette{features}.tar.gz"),
        created=CREATED,
        storages_basepath=base,
    )


def dump_two_objects(definitions, workdir, progress):
    """A real data producer: writes each definition's file with two objects."""
    written = {}
    for item in definitions:
        path = workdir / item.filename
        path.write_text(
            json.dumps([{"model": "app.model", "pk": 1}, {"model": "app.model", "pk": 2}])
        )
        written[item.archive_name] = (path, 2)
    return written


def write(plan, **kwargs):
    def manifest_factory(objects):
        return build_manifest(plan, "0.1.0", objects=objects, environment={"database": "none"})

    return ArchiveWriter(
        plan, kwargs.pop("dump_data", dump_two_objects), manifest_factory, **kwargs
    ).write()


def members(path):
    with tarfile.open(path, "r:gz") as tar:
        return {member.name: member for member in tar.getmembers()}


def read_member(path, name):
    with tarfile.open(path, "r:gz") as tar:
        return tar.extractfile(name).read()


def test_archive_layout_manifest_and_checksums(site, tmp_path):
    plan = make_plan(site, tmp_path / "dumps")
    result = write(plan, chmod=0o600, dir_chmod=0o700)
    assert result.path == tmp_path / "dumps" / "diskette_data_storages.tar.gz"
    names = list(members(result.path))
    assert names[:2] == ["data", "data/sites.json"]
    assert names[-2:] == ["SHA256SUMS", "manifest.json"]
    assert "media/uploads/empty" in names  # empty folders are kept
    assert "media/skip.tmp" not in names and "media/escape" not in names
    link = members(result.path)["media/latest.png"]
    assert link.issym() and link.linkname == "pictures/a.png"

    manifest = json.loads(read_member(result.path, "manifest.json"))
    assert list(manifest) == [
        "version",
        "creation",
        "datas",
        "storages",
        "generator",
        "environment",
        "applications",
        "objects",
        "checksums",
        "skipped",
    ]
    assert manifest["skipped"] == [
        {"name": "media/escape", "reason": "broken link", "target": "../../outside.txt"}
    ]
    assert manifest["datas"] == ["data/sites.json"]
    assert manifest["storages"] == ["media"]
    assert manifest["objects"] == {"data/sites.json": 2}
    assert manifest["creation"] == "2024-06-01T12:00:00"

    sums = parse_checksums(read_member(result.path, "SHA256SUMS"))
    regular = [m.name for m in members(result.path).values() if m.isfile()]
    assert set(sums) == set(regular) - {"SHA256SUMS", "manifest.json"}
    for name, digest in sums.items():
        assert hashlib.sha256(read_member(result.path, name)).hexdigest() == digest
    assert (
        read_member(result.path, "media/pictures/2024/b.png")
        == (site / "media/pictures/2024/b.png").read_bytes()
    )
    assert result.sha256 == hashlib.sha256(result.path.read_bytes()).hexdigest()
    assert result.size == result.path.stat().st_size
    assert result.files == 3  # a.png, b.png, notes.txt (skip.tmp is excluded)


def test_permissions_of_archive_and_created_folder(site, tmp_path):
    result = write(make_plan(site, tmp_path / "new" / "dumps"), chmod=0o600, dir_chmod=0o700)
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(result.path.parent.stat().st_mode) == 0o700


def test_features_follow_the_selection(site, tmp_path):
    plan = make_plan(site, tmp_path)
    assert plan.select(definitions=[]).filename == "diskette_storages.tar.gz"
    assert plan.select(storages=[]).filename == "diskette_data.tar.gz"
    only_storages = write(plan.select(with_data=False))
    assert only_storages.path.name == "diskette_storages.tar.gz"
    manifest = json.loads(read_member(only_storages.path, "manifest.json"))
    assert manifest["datas"] is None and manifest["storages"] == ["media"]
    assert "data" not in members(only_storages.path)


def test_failure_leaves_previous_archive_and_no_temporary_files(site, tmp_path):
    plan = make_plan(site, tmp_path)
    plan.archive_path.write_bytes(b"previous archive")

    def failing(definitions, workdir, progress):
        (workdir / "half.json").write_text("[")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        write(plan, dump_data=failing)
    assert plan.archive_path.read_bytes() == b"previous archive"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["site", plan.filename])


def test_interruption_while_archiving_storages_writes_nothing(site, tmp_path):
    plan = make_plan(site, tmp_path)

    def interrupt(update):
        if update.stage == "storage":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write(plan, progress=interrupt)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_file_that_disappears_fails_the_dump_cleanly(site, tmp_path):
    plan = make_plan(site, tmp_path)
    (site / "media" / "notes.txt").unlink()
    with pytest.raises(DumpFailed, match="media/notes.txt: disappeared since the scan"):
        write(plan)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_storage_progress_reports_storage_bytes(site, tmp_path):
    plan = make_plan(site, tmp_path)
    seen = []
    write(plan, progress=seen.append)
    storage = [u for u in seen if u.stage == "storage"]
    assert storage[-1].completed == storage[-1].total == plan.size
    assert seen[-1].stage == "finish"


def test_read_manifest_rejects_what_diskette_cannot_load():
    assert read_manifest(b'{"datas": null, "storages": ["media"]}')["storages"] == ["media"]
    for bad, message in [
        (b"{", "not valid JSON"),
        (b"[]", "not a JSON object"),
        (b'{"storages": []}', "no 'datas'"),
        (b'{"datas": "x", "storages": []}', "list of paths"),
    ]:
        with pytest.raises(ArchiveError, match=message):
            read_manifest(bad)


def test_parse_checksums_rejects_malformed_lines():
    digest = "a" * 64
    assert parse_checksums(f"{digest}  data/x.json\n".encode()) == {"data/x.json": digest}
    with pytest.raises(ArchiveError, match="line 1"):
        parse_checksums(b"nothex data/x.json\n")

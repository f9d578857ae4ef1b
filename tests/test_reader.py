"""Reading, checking and verifying archives: no Django needed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from archives import HOSTILE, build, good_members, member, sha256
from diskette_tui.cli import app
from diskette_tui.core import reader
from diskette_tui.exceptions import ArchiveError

runner = CliRunner()


def test_scan_reads_members_digests_counts(tmp_path):
    path = build(tmp_path / "a.tar.gz", good_members())
    contents = reader.scan(path)
    assert contents.datas == ["data/site.json"]
    assert contents.storages == ["media"]
    assert contents.data["data/site.json"].objects == 1
    assert contents.member("media/latest.png").kind == "symlink"
    assert contents.member("media/notes.txt").sha256 is not None
    reader.check_safety(contents)
    assert reader.verify(contents).ok


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("data/a.jsonl", b'{"a": 1}\n\n{"b": 2}\n', 2),
        ("data/a.xml", b"<django-objects><object/><object/><object/></django-objects>", 3),
        ("data/a.json", b"[]", 0),
    ],
)
def test_count_formats(tmp_path, name, content, expected):
    path = build(tmp_path / "a.tar.gz", [member("data", kind="dir"), member(name, content)])
    assert reader.scan(path).data[name].objects == expected


def test_inspect_text_and_json(tmp_path):
    path = build(tmp_path / "a.tar.gz", good_members())
    result = runner.invoke(app, ["inspect", str(path)])
    assert result.exit_code == 0, result.output
    assert "data/site.json" in result.stdout and "1 object" in result.stdout
    assert "media/notes.txt" in result.stdout
    result = runner.invoke(app, ["inspect", "--json", str(path)])
    data = json.loads(result.stdout)
    assert data["datas"][0]["objects"] == 1
    assert {f["name"] for f in data["storages"][0]["files"]} == {
        "media/pictures/a.png",
        "media/notes.txt",
    }
    assert list(tmp_path.iterdir()) == [path]  # nothing extracted


def test_inspect_and_verify_do_not_import_django(tmp_path):
    path = build(tmp_path / "a.tar.gz", good_members())
    code = (
        "import sys\nfrom diskette_tui.cli import app\n"
        "for cmd in ('inspect', 'verify'):\n"
        "    try:\n        app([cmd, sys.argv[1]])\n    except SystemExit as exc:\n"
        "        assert not exc.code, exc.code\n"
        "print('django' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().endswith("False")


# -- verify --------------------------------------------------------------------


def test_verify_ok(tmp_path):
    path = build(tmp_path / "a.tar.gz", good_members())
    result = runner.invoke(app, ["verify", str(path)])
    assert result.exit_code == 0, result.output
    assert "ok: 3 members" in result.stderr


def _sums(members):
    import hashlib

    return "".join(
        f"{hashlib.sha256(c).hexdigest()}  {i.name}\n" for i, c in members if c is not None
    ).encode()


def test_verify_finds_a_flipped_byte(tmp_path):
    members = good_members()
    sums = _sums(members)
    changed = [
        member("media/notes.txt", b"hellO\n") if info.name == "media/notes.txt" else (info, c)
        for info, c in members
    ]
    path = build(tmp_path / "a.tar.gz", changed, checksums=sums)
    result = runner.invoke(app, ["verify", str(path)])
    assert result.exit_code == 1
    assert "changed: media/notes.txt" in result.stderr
    assert "a.png" not in result.stderr


def test_verify_finds_missing_and_extra_members(tmp_path):
    members = good_members()
    sums = _sums(members)
    kept = [(i, c) for i, c in members if i.name != "media/notes.txt"]
    path = build(tmp_path / "a.tar.gz", kept + [member("media/new.txt", b"new")], checksums=sums)
    result = runner.invoke(app, ["verify", "--json", str(path)])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["missing"] == ["media/notes.txt"]
    assert data["extra"] == ["media/new.txt"]
    assert "missing: media/notes.txt" in result.stderr
    assert "extra: media/new.txt" in result.stderr


def test_verify_without_checksums_is_unverifiable(tmp_path):
    path = build(tmp_path / "a.tar.gz", good_members(), checksums=None)
    result = runner.invoke(app, ["verify", str(path)])
    assert result.exit_code == 1
    assert "unverifiable: no SHA256SUMS" in result.stderr


def test_verify_the_diskette_fixture_is_unverifiable():
    from pathlib import Path

    fixture = Path(__file__).parent / "fixtures/diskette-0.6.0/demo-diskette-0.6.0.tar.gz"
    result = runner.invoke(app, ["verify", str(fixture)])
    assert result.exit_code == 1
    assert "unverifiable" in result.stderr


# -- hostile archives ------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_archive_refused_by_reader(tmp_path, kind):
    builder, expected = HOSTILE[kind]
    path = builder(tmp_path / f"{kind}.tar.gz")
    with pytest.raises(ArchiveError) as caught:
        contents = reader.scan(path)
        reader.check_safety(contents)
        for name, count in contents.data.items():
            if count.error:
                raise ArchiveError(f"{name}: {count.error}")
    assert expected in str(caught.value)


@pytest.mark.parametrize(
    "extra",
    [
        member("media/d", kind="symlink", linkname="."),
        member("media/x", kind="symlink", linkname="/etc/passwd"),
    ],
)
def test_links_that_could_escape(tmp_path, extra):
    # A link through a link: media/d -> "." then media/y -> "d/d/.." really is media/..
    members = good_members() + [extra, member("media/y", kind="symlink", linkname="d/d/../..")]
    path = build(
        tmp_path / "a.tar.gz",
        members,
        manifest={"datas": ["data/site.json"], "storages": ["media"]},
    )
    with pytest.raises(ArchiveError) as caught:
        reader.check_safety(reader.scan(path))
    assert "media/" in str(caught.value)


def test_member_under_a_link_is_refused(tmp_path):
    members = good_members() + [
        member("media/sub", kind="symlink", linkname="pictures"),
        member("media/sub/x.txt", b"x"),
    ]
    path = build(
        tmp_path / "a.tar.gz",
        members,
        manifest={"datas": ["data/site.json"], "storages": ["media"]},
    )
    with pytest.raises(ArchiveError, match="media/sub/x.txt"):
        reader.check_safety(reader.scan(path))


def test_scan_leaves_the_archive_alone(tmp_path):
    path = build(tmp_path / "a.tar.gz", good_members())
    before = sha256(path), os.stat(path).st_mtime
    reader.scan(path)
    assert (sha256(path), os.stat(path).st_mtime) == before

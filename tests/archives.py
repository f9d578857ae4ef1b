"""Build small (and hostile) archives with tarfile, for the reader and restore tests."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

SITE = [{"model": "sites.site", "pk": 1, "fields": {"domain": "demo.example.com", "name": "Demo"}}]


def member(name, content=b"", kind="file", linkname="", mode=None):
    """A member spec: (TarInfo, bytes or None)."""
    info = tarfile.TarInfo(name)
    info.mtime = 1_700_000_000
    if kind == "file":
        info.size = len(content)
        info.mode = mode or 0o644
        return info, content
    info.mode = mode or 0o755
    info.type = {
        "dir": tarfile.DIRTYPE,
        "symlink": tarfile.SYMTYPE,
        "hardlink": tarfile.LNKTYPE,
        "fifo": tarfile.FIFOTYPE,
        "chr": tarfile.CHRTYPE,
    }[kind]
    info.linkname = linkname
    return info, None


def build(path: Path, members, manifest=None, checksums="auto", with_manifest=True) -> Path:
    """Write a tar.gz of ``members``; SHA256SUMS of the regular files (or ``checksums``
    bytes, or none when None); manifest.json last (dict; default: derived)."""
    files = [(info, content) for info, content in members if content is not None]
    if manifest is None:
        manifest = {
            "version": "0.1.0",
            "creation": "2024-06-01T12:00:00",
            "datas": [i.name for i, _ in files if i.name.startswith("data/")] or None,
            "storages": sorted(
                {i.name.split("/")[0] for i, _ in members if not i.name.startswith("data")}
            )
            or None,
        }
    all_members = list(members)
    if checksums == "auto":
        lines = "".join(
            f"{hashlib.sha256(content).hexdigest()}  {info.name}\n" for info, content in files
        )
        all_members.append(member("SHA256SUMS", lines.encode()))
    elif checksums is not None:
        all_members.append(member("SHA256SUMS", checksums))
    if with_manifest:
        all_members.append(member("manifest.json", json.dumps(manifest).encode()))
    with tarfile.open(path, "w:gz") as tar:
        for info, content in all_members:
            tar.addfile(info, io.BytesIO(content) if content is not None else None)
    return path


def good_members():
    """A small valid archive's members: one data file, one storage with a link."""
    return [
        member("data", kind="dir"),
        member("data/site.json", json.dumps(SITE).encode()),
        member("media", kind="dir"),
        member("media/pictures", kind="dir"),
        member("media/pictures/a.png", b"\x89PNG fake a"),
        member("media/notes.txt", b"hello\n"),
        member("media/latest.png", kind="symlink", linkname="pictures/a.png"),
    ]


def sha256(path: Path) -> str:
    """Hex digest of a file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# name -> (builder(path) -> path, text expected in the one-line error)
def _traversal(path):
    return build(
        path,
        good_members() + [member("media/../escaped.txt", b"x")],
        manifest={"datas": ["data/site.json"], "storages": ["media"]},
    )


def _absolute(path):
    return build(
        path,
        good_members() + [member("/tmp/diskette-absolute-test.txt", b"x")],
        manifest={"datas": ["data/site.json"], "storages": ["media"]},
    )


def _symlink_escape(path):
    return build(
        path,
        good_members() + [member("media/evil", kind="symlink", linkname="../../etc")],
        manifest={"datas": ["data/site.json"], "storages": ["media"]},
    )


def _hardlink_escape(path):
    return build(
        path,
        good_members() + [member("media/evil", kind="hardlink", linkname="../etc/passwd")],
        manifest={"datas": ["data/site.json"], "storages": ["media"]},
    )


def _manifest_datas(path):
    return build(
        path, good_members(), manifest={"datas": ["data/../../evil.json"], "storages": ["media"]}
    )


def _manifest_storages(path):
    return build(
        path, good_members(), manifest={"datas": ["data/site.json"], "storages": ["/abs/media"]}
    )


def _no_manifest(path):
    return build(path, good_members(), with_manifest=False)


def _truncated(path):
    build(path, good_members() + [member("media/big.bin", bytes(range(256)) * 4000)])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _corrupt(path):
    build(path, good_members() + [member("media/big.bin", bytes(range(256)) * 4000)])
    data = bytearray(path.read_bytes())
    for offset in range(len(data) // 2, len(data) // 2 + 64):
        data[offset] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def _broken_data(path):
    members = good_members() + [member("data/broken.json", b'[{"model": "sites.site", ')]
    return build(
        path,
        members,
        manifest={"datas": ["data/site.json", "data/broken.json"], "storages": ["media"]},
    )


def _fifo(path):
    return build(
        path,
        good_members() + [member("media/pipe", kind="fifo")],
        manifest={"datas": ["data/site.json"], "storages": ["media"]},
    )


def _unexpected(path):
    return build(
        path,
        good_members() + [member("stray.txt", b"x")],
        manifest={"datas": ["data/site.json"], "storages": ["media"]},
    )


HOSTILE = {
    "traversal": (_traversal, "media/../escaped.txt"),
    "absolute": (_absolute, "/tmp/diskette-absolute-test.txt"),
    "symlink-escape": (_symlink_escape, "media/evil"),
    "hardlink-escape": (_hardlink_escape, "media/evil"),
    "manifest-datas": (_manifest_datas, "data/../../evil.json"),
    "manifest-storages": (_manifest_storages, "/abs/media"),
    "no-manifest": (_no_manifest, "no manifest.json"),
    "truncated": (_truncated, "truncated or corrupt"),
    "corrupt-gzip": (_corrupt, "truncated or corrupt"),
    "broken-data": (_broken_data, "data/broken.json"),
    "fifo": (_fifo, "media/pipe"),
    "unexpected-member": (_unexpected, "stray.txt"),
}

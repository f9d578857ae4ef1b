"""Reading an archive without extracting it, and judging whether it is safe.

No Django here: ``inspect`` and ``verify`` run without a project, and a test
of this module needs no settings.

:func:`scan` reads the archive once, as a stream: every member's header, the
sha256 of every regular file, ``manifest.json``, ``SHA256SUMS`` and the object
count of every data file. :func:`check_safety` then judges the members and
the manifest entries (absolute paths, ``..``, links leaving their storage,
devices, unexpected members...) before anything is written anywhere, and
:func:`verify` compares the digests with ``SHA256SUMS``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import posixpath
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import ArchiveError
from .manifest import parse_checksums, read_manifest
from .plan import CHECKSUMS_FILENAME, DATA_DIRNAME, MANIFEST_FILENAME, RESERVED_NAMES

CHUNK = 1024 * 1024
#: Largest manifest.json or SHA256SUMS read into memory.
MAX_METADATA_SIZE = 64 * 1024 * 1024
#: Serialization formats Django's loaddata reads, by file extension.
DATA_FORMATS = {"json": "json", "jsonl": "jsonl", "xml": "xml", "yaml": "yaml", "yml": "yaml"}

#: Errors that mean the file is not a complete, readable ``.tar.gz``.
READ_ERRORS = (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile)


@dataclass(frozen=True)
class Member:
    """One archive member as read from its header (``sha256`` for regular files)."""

    name: str
    kind: str  # "file", "dir", "symlink", "hardlink", "device", "fifo", "other"
    size: int = 0
    mode: int = 0o644
    mtime: float = 0
    linkname: str = ""
    sha256: str | None = None

    @property
    def top(self) -> str:
        """First component of the name."""
        return self.name.split("/", 1)[0]


@dataclass(frozen=True)
class DataCount:
    """Object count of one data member, or why it could not be counted."""

    format: str | None
    objects: int | None
    error: str | None = None


@dataclass(frozen=True)
class ArchiveContents:
    """Everything one streaming read of an archive learnt."""

    path: Path
    size: int
    members: tuple[Member, ...]
    manifest: dict
    checksums: dict | None
    data: dict = field(default_factory=dict)  # member name -> DataCount

    def member(self, name: str) -> Member | None:
        """The member called ``name``, or None."""
        return self._index.get(name)

    @property
    def _index(self) -> dict:
        index = self.__dict__.get("_index_cache")
        if index is None:
            index = {member.name: member for member in self.members}
            object.__setattr__(self, "_index_cache", index)
        return index

    @property
    def datas(self) -> list[str]:
        """Data members the manifest lists, in load order."""
        return list(self.manifest.get("datas") or [])

    @property
    def unlisted_datas(self) -> list[str]:
        """Files under ``data/`` that the manifest does not list: never loaded."""
        listed = set(self.datas)
        prefix = DATA_DIRNAME + "/"
        return [
            member.name
            for member in self.members
            if member.kind == "file"
            and member.name.startswith(prefix)
            and member.name not in listed
        ]

    @property
    def storages(self) -> list[str]:
        """Storage folders the manifest lists."""
        return list(self.manifest.get("storages") or [])

    def storage_of(self, name: str) -> str | None:
        """The manifest storage that holds member ``name``, if any."""
        for storage in self.storages:
            if name == storage or name.startswith(storage + "/"):
                return storage
        return None

    def storage_members(self, storage: str) -> list[Member]:
        """Members inside one storage (the storage's own folder entry excluded)."""
        prefix = storage + "/"
        return [member for member in self.members if member.name.startswith(prefix)]

    def definition_names(self) -> dict[str, str]:
        """Data member name -> application definition name (our manifests only)."""
        names = {}
        for payload in self.manifest.get("applications") or []:
            if isinstance(payload, dict) and payload.get("filename") and payload.get("name"):
                names[f"{DATA_DIRNAME}/{payload['filename']}"] = str(payload["name"])
        return names

    def as_dict(self) -> dict:
        """JSON-ready description (``inspect --json``)."""
        manifest = self.manifest
        return {
            "archive": str(self.path),
            "size": self.size,
            "manifest": {
                key: manifest.get(key)
                for key in ("version", "creation", "generator", "environment", "checksums")
                if key in manifest
            },
            "checksums": "present" if self.checksums is not None else "missing",
            "datas": [
                {
                    "name": name,
                    "definition": self.definition_names().get(name),
                    "format": self.data[name].format if name in self.data else None,
                    "objects": self.data[name].objects if name in self.data else None,
                    "error": self.data[name].error if name in self.data else "missing",
                    "size": self.member(name).size if self.member(name) else None,
                }
                for name in self.datas
            ],
            "storages": [
                {
                    "name": storage,
                    "files": [
                        {"name": member.name, "size": member.size}
                        for member in self.storage_members(storage)
                        if member.kind == "file"
                    ],
                    "links": [
                        {"name": member.name, "target": member.linkname, "kind": member.kind}
                        for member in self.storage_members(storage)
                        if member.kind in ("symlink", "hardlink")
                    ],
                    "dirs": sum(
                        1 for member in self.storage_members(storage) if member.kind == "dir"
                    ),
                    "size": sum(
                        member.size
                        for member in self.storage_members(storage)
                        if member.kind == "file"
                    ),
                }
                for storage in self.storages
            ],
            "members": len(self.members),
        }


# -- reading -------------------------------------------------------------------


def data_format(name: str) -> str | None:
    """Serialization format of a data file, from its extension."""
    suffix = posixpath.splitext(name)[1].lstrip(".").lower()
    return DATA_FORMATS.get(suffix)


def member_kind(info: tarfile.TarInfo) -> str:
    """What a tar member is, as :attr:`Member.kind` says it."""
    if info.isreg():
        return "file"
    if info.isdir():
        return "dir"
    if info.issym():
        return "symlink"
    if info.islnk():
        return "hardlink"
    if info.ischr() or info.isblk():
        return "device"
    if info.isfifo():
        return "fifo"
    return "other"


class _HashingStream:
    """Reads from a member stream while hashing; counts bytes."""

    def __init__(self, raw):
        self.raw = raw
        self.digest = hashlib.sha256()

    def read(self, size=-1):
        data = self.raw.read(size)
        self.digest.update(data)
        return data

    def drain(self):
        while self.read(CHUNK):
            pass
        return self.digest.hexdigest()


def count_stream(stream, fmt: str | None) -> DataCount:
    """Count the objects of a data file read from ``stream``; never raises for bad content."""
    if fmt is None:
        return DataCount(None, None, "unknown serialization format (extension)")
    try:
        if fmt == "json":
            content = stream.read().strip()
            value = json.loads(content) if content else []
            if not isinstance(value, list):
                return DataCount(fmt, None, "not a JSON list of objects")
            return DataCount(fmt, len(value))
        if fmt == "jsonl":
            objects = 0
            pending = b""
            number = 0
            while True:
                chunk = stream.read(CHUNK)
                lines = (pending + chunk).split(b"\n")
                pending = lines.pop() if chunk else b""
                for line in lines:
                    number += 1
                    if line.strip():
                        json.loads(line)
                        objects += 1
                if not chunk:
                    return DataCount(fmt, objects)
        if fmt == "xml":
            from xml.etree.ElementTree import iterparse

            objects = depth = 0
            for event, element in iterparse(stream, events=("start", "end")):
                depth += 1 if event == "start" else -1
                # Objects are the root's children; deeper ones are M2M values.
                if event == "end" and element.tag == "object" and depth == 1:
                    objects += 1
                if event == "end":
                    element.clear()
            return DataCount(fmt, objects)
        if fmt == "yaml":
            try:
                import yaml
            except ImportError:
                return DataCount(fmt, None, "PyYAML is not installed")
            return DataCount(fmt, len(yaml.safe_load(stream.read()) or []))
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        return DataCount(fmt, None, f"not valid {fmt.upper()}: {_one_line(exc)}")
    except Exception as exc:  # xml ParseError, yaml errors
        return DataCount(fmt, None, f"not valid {fmt.upper()}: {_one_line(exc)}")
    return DataCount(fmt, None, f"unknown serialization format {fmt!r}")


def _one_line(value) -> str:
    return " ".join(str(value).split())


def require_archive_file(path: Path) -> None:
    """Raise :class:`ArchiveError` unless ``path`` is an existing file."""
    if not path.exists():
        raise ArchiveError(f"archive not found: {path}")
    if not path.is_file():
        raise ArchiveError(f"not a file: {path}")


@dataclass
class _ScanState:
    """What one streaming read has learnt so far."""

    members: list[Member] = field(default_factory=list)
    metadata: dict[str, bytes] = field(default_factory=dict)  # manifest.json, SHA256SUMS
    counts: dict[str, DataCount] = field(default_factory=dict)


def _read_member(tar: tarfile.TarFile, info: tarfile.TarInfo, state: _ScanState) -> None:
    """Record one member: its header, the sha256 of a file, metadata and data counts."""
    kind = member_kind(info)
    name = info.name
    digest = None
    if kind == "file":
        stream = _HashingStream(tar.extractfile(info))
        if name in (MANIFEST_FILENAME, CHECKSUMS_FILENAME):
            if info.size > MAX_METADATA_SIZE:
                raise ArchiveError(f"{name} is too large ({info.size} bytes)")
            state.metadata[name] = stream.read()
        elif name.startswith(DATA_DIRNAME + "/"):
            state.counts[name] = count_stream(stream, data_format(name))
        digest = stream.drain()
    state.members.append(
        Member(
            name=name,
            kind=kind,
            size=info.size if kind == "file" else 0,
            mode=info.mode,
            mtime=info.mtime,
            linkname=info.linkname,
            sha256=digest,
        )
    )


def scan(path) -> ArchiveContents:
    """Read an archive once, as a stream: members, digests, manifest, checksums, counts.

    Raises :class:`ArchiveError` when the file is missing, not a tar.gz,
    truncated or corrupt (the gzip CRC is checked), or has no usable manifest.
    """
    path = Path(path)
    require_archive_file(path)
    _require_gzip(path)
    state = _ScanState()
    try:
        size = path.stat().st_size
        with open(path, "rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as gz:
            with tarfile.open(fileobj=gz, mode="r|") as tar:
                for info in tar:
                    _read_member(tar, info, state)
            # tarfile stops at the end-of-archive blocks: read the rest so that
            # gzip checks its CRC and length (a cut or altered file fails here).
            while gz.read(CHUNK):
                pass
    except ArchiveError:
        raise
    except READ_ERRORS as exc:
        raise ArchiveError(
            f"{path.name}: truncated or corrupt archive ({_one_line(exc)})"
        ) from None
    except OSError as exc:
        raise ArchiveError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not state.members:
        raise ArchiveError(f"{path.name}: empty archive")
    if MANIFEST_FILENAME not in state.metadata:
        if any(member.name.startswith("./") for member in state.members):
            raise ArchiveError(
                f"{path.name}: its members' names start with './' (re-made with "
                "'tar czf … ./…'?): a diskette archive names them without it, e.g. "
                f"{MANIFEST_FILENAME}; re-create it with 'tar czf NAME -C FOLDER "
                f"{MANIFEST_FILENAME} …'"
            )
        raise ArchiveError(f"{path.name}: no {MANIFEST_FILENAME} (not a diskette archive)")
    checksums = state.metadata.get(CHECKSUMS_FILENAME)
    return ArchiveContents(
        path=path,
        size=size,
        members=tuple(state.members),
        manifest=read_manifest(state.metadata[MANIFEST_FILENAME]),
        checksums=parse_checksums(checksums) if checksums is not None else None,
        data=state.counts,
    )


def _require_gzip(path: Path) -> None:
    """Raise :class:`ArchiveError` unless ``path`` starts as a gzip file does.

    A plain (uncompressed) tar is named as such rather than "corrupt".
    """
    try:
        with open(path, "rb") as stream:
            magic = stream.read(2)
    except OSError as exc:
        raise ArchiveError(f"cannot read {path}: {exc.strerror or exc}") from None
    if magic == b"\x1f\x8b":
        return
    try:
        plain_tar = tarfile.is_tarfile(path)
    except OSError:
        plain_tar = False
    if plain_tar:
        raise ArchiveError(
            f"{path.name}: not gzip-compressed (a plain tar archive): diskette reads .tar.gz; "
            f"compress it with 'gzip {path.name}'"
        )
    raise ArchiveError(f"{path.name}: not gzip-compressed (not a .tar.gz archive)")


# -- safety --------------------------------------------------------------------


def _bad_path(name: str) -> str | None:
    """Why a member or manifest path is unacceptable, or None."""
    if not name:
        return "empty path"
    if name.startswith("/") or name.startswith("\\") or (len(name) > 1 and name[1] == ":"):
        return "absolute path"
    if "\x00" in name:
        return "NUL in path"
    parts = name.split("/")
    if ".." in parts:
        return "'..' in path"
    if any(part in ("", ".") for part in parts):
        return "path is not normalized"
    return None


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root + "/")


def check_safety(contents: ArchiveContents) -> None:
    """Refuse an archive whose members or manifest entries could write outside their place.

    Raises one :class:`ArchiveError` with a line per problem, each naming the
    member or manifest entry. The manifest entries are judged first (members
    are judged against them), then every member by the rules below, then by
    tarfile's own ``data`` filter. Nothing is written by this check.
    """
    storages, problems = manifest_storage_problems(contents.storages)
    problems += manifest_data_problems(contents)
    if problems:
        raise ArchiveError(problems=problems)
    problems = member_problems(contents, storages)
    if problems:
        raise ArchiveError(problems=problems)
    _second_opinion(contents)


# Manifest entries.


def manifest_storage_problems(entries: list[str]) -> tuple[list[str], list[str]]:
    """``(usable storages, problems)``: bad paths, reserved names, repeats, overlaps."""
    good: list[str] = []
    problems = []
    for entry in entries:
        why = _bad_path(entry)
        if why is None and entry.split("/", 1)[0] in RESERVED_NAMES:
            why = "reserved name"
        elif why is None and entry in good:
            why = "listed twice"
        elif why is None and any(_inside(entry, other) or _inside(other, entry) for other in good):
            why = "overlaps another storage"
        if why:
            problems.append(f"manifest storage {entry!r}: {why}")
        else:
            good.append(entry)
    return good, problems


def manifest_data_problems(contents: ArchiveContents) -> list[str]:
    """Data entries of the manifest that are not regular files under ``data/``, or repeat."""
    problems = []
    seen = set()
    for entry in contents.datas:
        why = _bad_path(entry)
        if why is None and entry in seen:
            why = "listed twice (it would be loaded twice)"
        elif why is None and not entry.startswith(DATA_DIRNAME + "/"):
            why = f"not under {DATA_DIRNAME}/"
        elif why is None:
            member = contents.member(entry)
            if member is None:
                why = "no such member in the archive"
            elif member.kind != "file":
                why = "not a regular file"
        if why:
            problems.append(f"manifest data {entry!r}: {why}")
        seen.add(entry)
    return problems


# Members: the rules, each saying why a member is refused, or None.


@dataclass
class _MemberWalk:
    """What the rules know while walking the members in archive order."""

    contents: ArchiveContents
    ancestors: set[str]  # parent folders of nested storages (var of var/media)
    seen: dict[str, Member] = field(default_factory=dict)
    links: set[str] = field(default_factory=set)


def _unsafe_path(member: Member, walk: _MemberWalk) -> str | None:
    """Absolute, ``..``, NUL or not normalized."""
    return _bad_path(member.name)


def _special_file(member: Member, walk: _MemberWalk) -> str | None:
    """Devices, fifos and other special files."""
    if member.kind in ("device", "fifo", "other"):
        return f"{member.kind} not allowed"
    return None


def _repeated(member: Member, walk: _MemberWalk) -> str | None:
    """A name seen before: which one wins would depend on the extractor."""
    return "appears twice" if member.name in walk.seen else None


def _under_a_link(member: Member, walk: _MemberWalk) -> str | None:
    """A member under an earlier link would be written through it."""
    parts = member.name.split("/")
    for depth in range(1, len(parts)):
        parent = "/".join(parts[:depth])
        if parent in walk.links:
            return f"lies under the link {parent!r}"
    return None


def _misplaced(member: Member, walk: _MemberWalk) -> str | None:
    """Metadata, ``data/`` or a storage each hold only what belongs there."""
    name, kind = member.name, member.kind
    storage = walk.contents.storage_of(name)
    if name in (MANIFEST_FILENAME, CHECKSUMS_FILENAME):
        return "must be a regular file" if kind != "file" else None
    if name == DATA_DIRNAME:
        return "must be a folder" if kind != "dir" else None
    if name.startswith(DATA_DIRNAME + "/"):
        return f"links are not allowed in {DATA_DIRNAME}/" if kind not in ("file", "dir") else None
    if storage is not None:
        if name == storage and kind != "dir":
            return "a storage must be a folder"
        if kind == "symlink":
            return _symlink_leaves(member, storage, walk)
        if kind == "hardlink":
            return _hardlink_leaves(member, storage, walk)
        return None
    if name in walk.ancestors and kind == "dir":
        return None
    return "unexpected (not data, a storage or metadata)"


def _symlink_leaves(member: Member, storage: str, walk: _MemberWalk) -> str | None:
    """A symbolic link that may resolve outside its storage."""
    why = _link_escape(member.name, member.linkname, storage, walk.links)
    return f"link to {member.linkname!r} {why}" if why else None


def _hardlink_leaves(member: Member, storage: str, walk: _MemberWalk) -> str | None:
    """A hard link must name an earlier regular file of its own storage."""
    target = member.linkname
    if _bad_path(target) or not _inside(target, storage) or target == storage:
        return f"hard link to {target!r} points outside its storage"
    earlier = walk.seen.get(target)
    if earlier is None or earlier.kind != "file":
        return f"hard link to {target!r}, not an earlier regular file"
    return None


#: A member these refuse is not recorded: no later member is judged against it.
DISQUALIFYING_RULES = (_unsafe_path, _special_file, _repeated, _under_a_link)
#: The rules of a member's place; the member is recorded even when refused.
PLACE_RULES = (_misplaced,)


def member_problems(contents: ArchiveContents, storages: list[str]) -> list[str]:
    """One line per member that a rule refuses, judged against the usable ``storages``."""
    walk = _MemberWalk(
        contents,
        ancestors={
            "/".join(storage.split("/")[:depth])
            for storage in storages
            for depth in range(1, storage.count("/") + 1)
        },
    )
    problems = []
    for member in contents.members:
        why = _first_reason(DISQUALIFYING_RULES, member, walk)
        if why is None:
            why = _first_reason(PLACE_RULES, member, walk)
            walk.seen[member.name] = member
            if member.kind in ("symlink", "hardlink"):
                walk.links.add(member.name)
        if why:
            problems.append(f"member {member.name!r}: {why}")
    return problems


def _first_reason(rules, member: Member, walk: _MemberWalk) -> str | None:
    for rule in rules:
        why = rule(member, walk)
        if why:
            return why
    return None


def _link_escape(name: str, linkname: str, storage: str, links: set[str]) -> str | None:
    """Why a symbolic link may resolve outside its storage, or None."""
    if not linkname:
        return "is empty"
    if linkname.startswith("/") or "\x00" in linkname:
        return "is absolute"
    current = name.split("/")[:-1]
    depth = storage.count("/") + 1
    for part in linkname.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if len(current) <= depth:
                return "points outside its storage"
            if "/".join(current) in links:
                # '..' after a link is not lexical: refuse rather than guess.
                return "goes back through another link"
            current.pop()
        else:
            current.append(part)
    return None


def _second_opinion(contents: ArchiveContents) -> None:
    """Ask tarfile's ``data`` extraction filter too (Python 3.11.4+), as a second line."""
    data_filter = getattr(tarfile, "data_filter", None)
    if data_filter is None:
        return
    import tempfile

    with tempfile.TemporaryDirectory(prefix="diskette-check-") as root:
        for member in contents.members:
            info = tarfile.TarInfo(member.name)
            info.mode = member.mode
            info.linkname = member.linkname
            info.type = {
                "file": tarfile.REGTYPE,
                "dir": tarfile.DIRTYPE,
                "symlink": tarfile.SYMTYPE,
                "hardlink": tarfile.LNKTYPE,
            }[member.kind]
            try:
                data_filter(info, root)
            except tarfile.FilterError as exc:
                raise ArchiveError(f"member {member.name!r}: refused ({_one_line(exc)})") from None


# -- verification --------------------------------------------------------------


@dataclass(frozen=True)
class VerifyReport:
    """What comparing the members with ``SHA256SUMS`` found.

    ``status`` is ``"ok"``, ``"mismatch"`` or ``"unverifiable"`` (no SHA256SUMS).
    """

    status: str
    checked: int = 0
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    reason: str = ""

    @property
    def ok(self) -> bool:
        """Whether every member matched."""
        return self.status == "ok"

    def problems(self) -> list[str]:
        """One line per problem."""
        if self.status == "unverifiable":
            return [f"unverifiable: {self.reason}"]
        return (
            [f"changed: {name} (sha256 differs from {CHECKSUMS_FILENAME})" for name in self.changed]
            + [
                f"missing: {name} (listed in {CHECKSUMS_FILENAME}, not in the archive)"
                for name in self.missing
            ]
            + [
                f"extra: {name} (in the archive, not in {CHECKSUMS_FILENAME})"
                for name in self.extra
            ]
        )

    def as_dict(self) -> dict:
        """JSON-ready (``verify --json``)."""
        return {
            "status": self.status,
            "checked": self.checked,
            "changed": list(self.changed),
            "missing": list(self.missing),
            "extra": list(self.extra),
            "reason": self.reason or None,
        }


def verify(contents: ArchiveContents) -> VerifyReport:
    """Compare every regular member's sha256 with ``SHA256SUMS``."""
    if contents.checksums is None:
        return VerifyReport("unverifiable", reason=f"no {CHECKSUMS_FILENAME}")
    expected = contents.checksums
    files = {
        member.name: member.sha256
        for member in contents.members
        if member.kind == "file" and member.name not in (CHECKSUMS_FILENAME, MANIFEST_FILENAME)
    }
    changed = tuple(
        name for name, digest in files.items() if name in expected and expected[name] != digest
    )
    missing = tuple(name for name in expected if name not in files)
    extra = tuple(name for name in files if name not in expected)
    status = "ok" if not (changed or missing or extra) else "mismatch"
    checked = sum(1 for name in files if name in expected)
    return VerifyReport(status, checked, missing, extra, changed)

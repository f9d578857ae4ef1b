"""Staging: extract what a load needs into temporary folders, checking every digest.

A second streaming read of the archive writes the chosen data files into a
private temporary folder and each storage into a temporary sibling of its
target (so that putting it in place is a rename on the same filesystem).
Every member must be the one the plan's first read saw: same kind, same
sha256. Links are made last, so that no file is ever written through one,
and then checked to resolve inside their storage.

The folders are named after their owner (:mod:`..leftovers`), so that the
next load recognises those of a killed one: :func:`recover_leftovers` rolls
back an unfinished storage move and removes the rest before it starts.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import shutil
import stat
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ...exceptions import ArchiveError, DisketteError, LoadFailed
from .. import leftovers, reader
from ..diskspace import is_out_of_space, no_space_message
from . import apply
from ..progress import ProgressUpdate
from .plan import LoadPlan

CHUNK = 1024 * 1024

#: What a load that fills the disk while staging has done: nothing yet.
STAGING_FULL = "nothing was changed (the database and the storages are as they were)"


def staging_folder(target: Path, tag: str) -> Path:
    """A new empty folder beside ``target``, where its storage is staged.

    Named ``.{target name}.diskette-new-{tag}`` (:mod:`..leftovers`), so that
    a next load recognises it if this one is killed.
    """
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    folder = parent / leftovers.staging_name(target.name, tag)
    folder.mkdir(mode=0o700)
    # The archive's own folder entry, if any, sets the final mode.
    chmod(folder, 0o755)
    return folder


@dataclass
class Staging:
    """The temporary folders of one load: its data folder and a staging folder per storage.

    All are named with ``tag`` (this process's :func:`..leftovers.owner_tag`).
    """

    tag: str
    datadir: Path
    roots: dict[str, Path] = field(default_factory=dict)  # storage name -> staging folder

    @classmethod
    def create(cls, plan: LoadPlan) -> Staging:
        """Make the folders ``plan`` needs (removed again if one cannot be made)."""
        tag = leftovers.owner_tag()
        datadir = Path(tempfile.gettempdir()) / leftovers.load_name(tag)
        datadir.mkdir(mode=0o700)
        staging = cls(tag, datadir)
        try:
            for storage in plan.selected_storages:
                staging.roots[storage.name] = staging_folder(storage.target, tag)
        except BaseException:
            staging.remove()
            raise
        return staging

    def remove(self) -> None:
        """Remove what is left of the folders (a storage moved in leaves nothing)."""
        for folder in [self.datadir, *self.roots.values()]:
            shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class Recovered:
    """A leftover of a killed load that a new load found, and what it did with it."""

    leftover: leftovers.Leftover
    rolled_back: bool  # an unfinished storage move was undone (else only removed)


def recover_leftovers(plan: LoadPlan) -> tuple[Recovered, ...]:
    """Clean up after killed loads, before this one writes anything.

    Beside every storage target of ``plan``: an unfinished move's undo folder
    is rolled back (the storage goes back to what it was before that load)
    then removed; a finished one's, and staging folders, are removed. Data
    folders in the temporary folder are removed. Only leftovers of this user,
    made on this host by processes that are gone (:mod:`..leftovers`).
    """
    found = []
    for folder in dict.fromkeys(storage.target.parent for storage in plan.storages):
        for item in leftovers.find_leftovers(folder, ("undo", "new")):
            rolled_back = False
            if item.kind == "undo":
                try:
                    rolled_back = apply.roll_back(item.path, folder / item.target)
                except OSError:
                    continue  # left for a next try; the undo folder is untouched
            if leftovers.remove(item):
                found.append(Recovered(item, rolled_back))
    for item in leftovers.find_leftovers(Path(tempfile.gettempdir()), ("load",)):
        if leftovers.remove(item):
            found.append(Recovered(item, False))
    return tuple(found)


@dataclass
class _Extraction:
    """Where one staging read puts things, and what it has written so far."""

    plan: LoadPlan
    datadir: Path
    roots: dict[str, Path]  # storage name -> staging folder
    progress: object
    wanted_data: set[str]
    links: list[tuple[Path, str]] = field(default_factory=list)  # (where, link target)
    files: int = 0
    done: int = 0


def stage(plan: LoadPlan, datadir: Path, roots: dict[str, Path], progress) -> int:
    """Extract the plan's chosen data files into ``datadir`` and storages into ``roots``.

    Returns the number of storage files written. Raises :class:`ArchiveError`
    when the archive changed since the plan read it, or is truncated.
    """
    work = _Extraction(plan, datadir, roots, progress, {item.name for item in plan.selected_datas})
    try:
        with open(plan.archive, "rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as gz:
            with tarfile.open(fileobj=gz, mode="r|") as tar:
                for info in tar:
                    _extract(tar, info, work)
            while gz.read(CHUNK):  # let gzip check its CRC and length
                pass
    except DisketteError:
        raise
    except reader.READ_ERRORS as exc:
        raise ArchiveError(f"{plan.archive.name}: truncated or corrupt archive ({exc})") from None
    for dest, linkname in work.links:
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(linkname, dest)
    for storage, root in roots.items():
        check_links_inside(root, storage)
    return work.files


def _extract(tar, info: tarfile.TarInfo, work: _Extraction) -> None:
    """Write one member where it belongs, if the load needs it."""
    contents = work.plan.contents
    name = info.name
    expected = contents.member(name)
    if expected is None or reader.member_kind(info) != expected.kind:
        raise ArchiveError(f"{work.plan.archive.name} changed while it was read ({name})")
    if name in work.wanted_data:
        write_file(tar, info, work.datadir / name, expected)
        return
    storage = contents.storage_of(name)
    if storage not in work.roots:
        return
    root = work.roots[storage]
    rel = name[len(storage) + 1 :]
    dest = root / rel if rel else root
    if info.isdir():
        dest.mkdir(parents=True, exist_ok=True)
        chmod(dest, (info.mode & 0o755) | 0o700)
    elif info.isreg():
        write_file(tar, info, dest, expected)
        work.files += 1
        work.done += info.size
        work.progress(ProgressUpdate("storage", name, work.done, work.plan.size))
    elif info.islnk():
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / info.linkname[len(storage) + 1 :], dest, follow_symlinks=False)
        work.files += 1
    elif info.issym():
        work.links.append((dest, info.linkname))


def write_file(tar, info: tarfile.TarInfo, dest: Path, expected: reader.Member) -> None:
    """Write a regular member to a new file ``dest``; refuse it if its sha256 changed."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    source = tar.extractfile(info)
    digest = hashlib.sha256()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(dest, flags, 0o600)
        with os.fdopen(fd, "wb") as stream:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                stream.write(chunk)
    except OSError as exc:
        if not is_out_of_space(exc):
            raise
        raise LoadFailed(no_space_message(dest, f"staging {info.name}", STAGING_FULL)) from None
    if expected.sha256 is not None and digest.hexdigest() != expected.sha256:
        raise ArchiveError(f"{info.name} changed since the archive was verified")
    chmod(dest, (info.mode & 0o755) | 0o600)
    with contextlib.suppress(OSError, OverflowError):
        os.utime(dest, (info.mtime, info.mtime))


def chmod(path: Path, mode: int) -> None:
    """Set ``path``'s mode if the filesystem lets us (best effort)."""
    with contextlib.suppress(OSError):
        os.chmod(path, mode)


def check_links_inside(root: Path, storage: str) -> None:
    """After staging: every link really resolves inside its storage (second line of defence)."""
    real_root = os.path.realpath(root)
    for dirpath, dirnames, filenames in os.walk(root):
        for item in dirnames + filenames:
            path = os.path.join(dirpath, item)
            if os.path.islink(path):
                resolved = os.path.realpath(path)
                if resolved != real_root and not resolved.startswith(real_root + os.sep):
                    rel = os.path.relpath(path, root)
                    raise ArchiveError(
                        f"member '{storage}/{rel}': link resolves outside its storage"
                    )
                if stat.S_ISLNK(os.lstat(path).st_mode) and item in dirnames:
                    dirnames.remove(item)

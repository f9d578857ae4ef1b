"""The atomic ``.tar.gz`` writer.

The archive is written under a temporary name in its destination folder and
renamed into place only once complete and synced, so there is never a partial
file at the final path and a failed or interrupted dump leaves the previous
archive of that name untouched. Each storage file is read once: hashed and
compressed in the same pass, in constant memory.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import shutil
import stat
import tarfile
import time
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from ..exceptions import DumperError, DumpFailed, Interrupted
from . import leftovers
from .interrupts import deferred, stop_point, stoppable
from .manifest import dump_manifest, format_checksums
from .plan import CHECKSUMS_FILENAME, DATA_DIRNAME, MANIFEST_FILENAME, clashing_names
from .progress import ProgressUpdate, no_progress
from .requests import FOLDER_MODE

COPY_BUFSIZE = 1024 * 1024


@dataclass(frozen=True)
class ArchiveResult:
    """What a finished dump wrote."""

    path: Path
    size: int
    sha256: str
    objects: dict
    files: int
    manifest: dict
    duration: float
    #: Temporary files of killed dumps found in the destination and removed.
    removed_leftovers: tuple[leftovers.Leftover, ...] = ()

    def as_dict(self) -> dict:
        """JSON-ready summary (``dump --json``)."""
        return {
            "path": str(self.path),
            "size": self.size,
            "sha256": self.sha256,
            "objects": self.objects,
            "files": self.files,
            "duration": round(self.duration, 3),
            "removed_leftovers": [str(item.path) for item in self.removed_leftovers],
        }


class _HashingReader:
    """A file reader that hashes what tarfile pulls through it."""

    def __init__(self, raw, on_read):
        self.raw = raw
        self.digest = hashlib.sha256()
        self.on_read = on_read

    def read(self, size=-1):
        data = self.raw.read(size)
        self.digest.update(data)
        self.on_read(len(data))
        return data


class _HashingWriter:
    """Passes compressed bytes to the file while hashing and counting them."""

    def __init__(self, raw):
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data):
        self.digest.update(data)
        self.size += len(data)
        return self.raw.write(data)

    def flush(self):
        self.raw.flush()


class ArchiveWriter:
    """Writes what a :class:`DumpPlan` lists into one archive, atomically.

    ``dump_data(definitions, workdir, progress)`` writes the data files of the
    selected definitions into ``workdir`` and returns ``{archive name: (path,
    object count)}``; ``manifest_factory(objects)`` returns the manifest dict.
    ``chmod`` applies to the archive, ``dir_chmod`` to a destination folder
    that has to be created.
    """

    def __init__(
        self,
        plan,
        dump_data,
        manifest_factory,
        chmod=None,
        dir_chmod=None,
        progress=None,
        compresslevel=6,
    ):
        self.plan = plan
        self.dump_data = dump_data
        self.manifest_factory = manifest_factory
        self.chmod = chmod
        self.dir_chmod = dir_chmod
        self.progress = stoppable(progress or no_progress)
        self.compresslevel = compresslevel
        self._bytes_done = 0
        self._bytes_total = plan.size

    def write(self) -> ArchiveResult:
        """Write the archive and return what was written; clean up on any failure.

        A plan whose data dumps share a member name raises :class:`DumperError`
        before anything is written: one would overwrite the other. Temporary
        files that killed dumps left in the destination are removed first
        (:mod:`.leftovers`) and listed in the result.
        """
        self._refuse_clashing_members()
        started = time.monotonic()
        final = self.plan.archive_path
        destination = final.parent
        self._prepare_destination(destination)
        removed = remove_dump_leftovers(destination)
        tag = leftovers.owner_tag()
        temp_path = destination / leftovers.part_name(final.name, tag)
        try:
            fd = os.open(temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise DumpFailed(f"cannot write in {destination}: {exc.strerror}") from None
        workdir = destination / leftovers.work_name(tag)
        try:
            workdir.mkdir(mode=0o700)
            with os.fdopen(fd, "wb") as raw:
                writer = _HashingWriter(raw)
                objects, files, manifest = self._write_archive(writer, workdir)
                raw.flush()
                os.fsync(raw.fileno())
            os.chmod(temp_path, self.chmod if self.chmod is not None else 0o644)
            stop_point("rename")
            try:
                _rename_into_place(temp_path, final)
                self.progress(ProgressUpdate("finish", final.name, 1, 1))
            except KeyboardInterrupt:
                if os.path.lexists(temp_path):  # not renamed: nothing written
                    raise
                raise Interrupted(_complete(final)) from None
            return ArchiveResult(
                path=final,
                size=writer.size,
                sha256=writer.digest.hexdigest(),
                objects=objects,
                files=files,
                manifest=manifest,
                duration=time.monotonic() - started,
                removed_leftovers=removed,
            )
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
            with contextlib.suppress(OSError):  # gone once renamed
                temp_path.unlink()

    def _write_archive(self, writer: _HashingWriter, workdir: Path):
        """Dump the data into ``workdir``, then write every member through ``writer``.

        Returns ``(objects per data file, storage files, manifest)``.
        """
        data = {}
        if self.plan.selected_definitions:
            data = self.dump_data(self.plan.selected_definitions, workdir, self.progress)
        with gzip.GzipFile(
            filename="", mode="wb", fileobj=writer, compresslevel=self.compresslevel
        ) as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                digests, files = self._write_members(tar, data)
                objects = {name: count for name, (_path, count) in data.items()}
                manifest = self.manifest_factory(objects)
                self._add_bytes(tar, CHECKSUMS_FILENAME, format_checksums(digests))
                self._add_bytes(tar, MANIFEST_FILENAME, dump_manifest(manifest))
        return objects, files, manifest

    def _refuse_clashing_members(self) -> None:
        """Raise :class:`DumperError` when two data dumps would be one member."""
        clashes = clashing_names(item.archive_name for item in self.plan.selected_definitions)
        if clashes:
            raise DumperError(
                problems=[
                    f"archive member {named} would be written {count} times"
                    for named, count in clashes
                ]
            )

    def _prepare_destination(self, destination: Path) -> None:
        """Create the destination folder or check it is one.

        Every folder created (the destination and its missing parents) gets
        ``dir_chmod`` (default ``0o700``), whatever the umask. When one cannot
        be created, the ones created before it are removed again.
        """
        if destination.is_dir():
            return
        if destination.exists():
            raise DumpFailed(f"destination is not a folder: {destination}")
        mode = self.dir_chmod if self.dir_chmod is not None else FOLDER_MODE
        missing = [destination]
        while not missing[-1].parent.exists() and missing[-1].parent != missing[-1]:
            missing.append(missing[-1].parent)
        created = []
        try:
            for folder in reversed(missing):
                folder.mkdir(mode=mode)
                created.append(folder)
                folder.chmod(mode)  # mkdir's mode is filtered by the umask
        except OSError as exc:
            for folder in reversed(created):
                with contextlib.suppress(OSError):
                    folder.rmdir()
            raise DumpFailed(
                f"cannot create destination folder {destination}: {exc.strerror}"
            ) from None

    # Members -----------------------------------------------------------------

    def _write_members(self, tar, data):
        """Add data files then storage entries; return their digests and file count."""
        digests = []
        files = 0
        if data:
            tar.addfile(_dir_info(DATA_DIRNAME))
        for name, (path, _count) in data.items():
            digests.append((name, self._add_file(tar, name, path, report=False)))
        for storage in self.plan.selected_storages:
            tar.addfile(_dir_info(storage.arcname, storage.path))
            for entry in storage.entries:
                if entry.kind == "dir":
                    tar.addfile(_dir_info(entry.arcname, entry.path))
                elif entry.kind == "link":
                    info = tarfile.TarInfo(entry.arcname)
                    info.type = tarfile.SYMTYPE
                    info.linkname = entry.link_target
                    info.mtime = int(time.time())
                    tar.addfile(info)
                else:
                    digests.append((entry.arcname, self._add_file(tar, entry.arcname, entry.path)))
                    files += 1
        return digests, files

    def _add_file(self, tar, name, path, report=True) -> str:
        """Add one regular file, reading it once; return its sha256.

        ``report`` sends the bytes read as storage progress.
        """
        try:
            raw = open(path, "rb")
        except FileNotFoundError:
            raise DumpFailed(f"file disappeared during the dump: {path}") from None
        except OSError as exc:
            raise DumpFailed(f"cannot read {path}: {exc.strerror}") from None
        with raw:
            st = os.fstat(raw.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise DumpFailed(f"not a regular file any more: {path}")
            info = tarfile.TarInfo(name)
            info.size = st.st_size
            info.mtime = int(st.st_mtime)
            info.mode = stat.S_IMODE(st.st_mode)
            reader = _HashingReader(raw, (lambda n: self._advance(name, n)) if report else _ignore)
            try:
                tar.addfile(info, reader)
            except OSError as exc:
                # tarfile reads exactly info.size bytes: a file that shrank is caught here.
                raise DumpFailed(f"file changed while it was archived: {path} ({exc})") from None
        return reader.digest.hexdigest()

    def _advance(self, name, count):
        if count:
            self._bytes_done += count
            self.progress(ProgressUpdate("storage", name, self._bytes_done, self._bytes_total))

    @staticmethod
    def _add_bytes(tar, name, content: bytes):
        info = tarfile.TarInfo(name)
        info.size = len(content)
        info.mtime = int(time.time())
        info.mode = 0o644
        tar.addfile(info, BytesIO(content))


def _ignore(_count):
    """Progress sink for bytes that are not storage bytes."""


def _dir_info(name, path=None) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    info.mtime = int(time.time())
    if path is not None:
        with contextlib.suppress(OSError):
            st = os.lstat(path)
            info.mode = stat.S_IMODE(st.st_mode)
            info.mtime = int(st.st_mtime)
    return info


def _rename_into_place(temp_path: Path, final: Path) -> None:
    """Rename the complete archive to its final path, durably, as one step.

    A signal that arrives meanwhile is held until the archive is in place;
    then :class:`Interrupted` says that it is complete.
    """
    with deferred() as rename:
        os.replace(temp_path, final)
        _fsync_dir(final.parent)
    if rename.interrupted:
        raise Interrupted(_complete(final))


def _complete(final: Path) -> str:
    """What an interruption that came once the archive was in place says."""
    return f"interrupted once the archive was complete: {final} is written"


def remove_dump_leftovers(destination: Path) -> tuple[leftovers.Leftover, ...]:
    """Remove what killed dumps left in ``destination``; return what is gone.

    Only entries named as a dump names its temporaries, of this user, made on
    this host by a process that no longer runs (see :mod:`.leftovers`).
    """
    found = leftovers.find_leftovers(destination, ("part", "work"))
    return tuple(item for item in found if leftovers.remove(item))


def _fsync_dir(path: Path):
    """Make the rename durable (where the platform allows opening a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

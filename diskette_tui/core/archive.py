"""The atomic ``.tar.gz`` writer.

The archive is written under a temporary name in its destination folder and
renamed into place only once complete and synced, so there is never a partial
file at the final path and a failed or interrupted dump leaves the previous
archive of that name untouched. Each storage file is read once: hashed and
compressed in the same pass, in constant memory.

Compression: the archive is a standard gzip stream whatever writes it.
``compresslevel`` uses gzip's scale (0 stores, 1 is fastest, 9 smallest);
levels 1 to 3 are written by ISA-L (the ``isal`` package, levels 1 to 3 of its
own), several times faster than zlib at a ratio close to zlib's level 6 on
photos, when it is installed; every other level, and every level without
``isal``, by Python's zlib. benchmarks/compression.py holds the measurements.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import stat
import struct
import tarfile
import time
import zlib
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from ..exceptions import DumperError, DumpFailed, Interrupted
from . import leftovers
from .diskspace import is_out_of_space, no_space_message
from .interrupts import deferred, stop_point, stoppable
from .manifest import dump_manifest, format_checksums
from .plan import (
    CHECKSUMS_FILENAME,
    DATA_DIRNAME,
    MANIFEST_FILENAME,
    SkippedLink,
    clashing_names,
)
from .progress import ProgressUpdate, no_progress
from .requests import DEFAULT_COMPRESSLEVEL, FOLDER_MODE

COPY_BUFSIZE = 1024 * 1024
#: gzip levels written by ISA-L when it is installed, and the ISA-L level of each.
#: (ISA-L's level 0 was both slower and bigger than its level 1 on the benchmark media.)
ISAL_LEVELS = {1: 1, 2: 2, 3: 3}

#: Storage files up to this size are read whole before their tar header is
#: written, so that a change while they are read never reaches the archive;
#: larger ones are streamed from a checkpoint the archive can go back to.
WHOLE_READ_LIMIT = COPY_BUFSIZE

#: Opening a storage file: never through a link swapped in since the scan, and
#: never blocking on a fifo swapped in (its fstat then says what it is).
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


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
    #: Storage files left out while writing (changed since the scan, with
    #: ``skip_unreadable``); the manifest lists them under ``"skipped"`` too.
    skipped: tuple[SkippedLink, ...] = ()

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
        } | ({"skipped": [entry.as_dict() for entry in self.skipped]} if self.skipped else {})


class FileChanged(Exception):
    """A file is not (or no longer) what the plan saw; ``reason`` says how, in a few words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _HashingReader:
    """A file reader that hashes what tarfile pulls through it.

    tarfile asks for exactly ``expected`` bytes: fewer (the file shrank) or a
    read error raise :class:`FileChanged`, so that an error writing the
    archive is never mistaken for one reading the file.
    """

    def __init__(self, raw, on_read, expected: int):
        self.raw = raw
        self.digest = hashlib.sha256()
        self.on_read = on_read
        self.remaining = expected

    def read(self, size=-1):
        wanted = self.remaining if size is None or size < 0 else min(size, self.remaining)
        try:
            data = self.raw.read(wanted)
        except OSError as exc:
            raise FileChanged(f"cannot be read ({_reason(exc)})") from None
        if len(data) < wanted:
            raise FileChanged("shrank while it was read")
        self.remaining -= len(data)
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

    def checkpoint(self):
        """What :meth:`rewind` needs to come back to this point."""
        return self.size, self.digest.copy()

    def rewind(self, point) -> None:
        """Forget what was written since ``point``: the file is cut back to it."""
        size, digest = point
        self.raw.seek(size)
        self.raw.truncate()
        self.size, self.digest = size, digest


class _GzipStream:
    """One gzip member, written by ISA-L or zlib, that can go back to a checkpoint.

    :class:`gzip.GzipFile` cannot: when a storage file turns out to have
    changed while it was read, its tar header and part of its bytes are
    already compressed. :meth:`checkpoint`, taken before the header,
    sync-flushes the deflate stream (its output then ends on a byte boundary,
    in a block that is not the last) and notes where it is; :meth:`rewind`
    cuts the output back there and goes on with a new compressor. A deflate
    stream may go on after a sync flush with the blocks of a fresh compressor
    (pigz joins its parts so), so the member stays a standard one. The
    compressor is ISA-L's for :data:`ISAL_LEVELS` when ``isal`` is
    installed (several times faster), else Python's zlib.
    """

    def __init__(self, out, compresslevel: int = DEFAULT_COMPRESSLEVEL):
        self.out = out
        isal = _isal_zlib() if compresslevel in ISAL_LEVELS else None
        self._library = isal or zlib
        self._level = ISAL_LEVELS[compresslevel] if isal else compresslevel
        self._compressor = self._new_compressor()
        self._crc = 0
        self._size = 0
        extra = b"\002" if compresslevel == 9 else b"\004" if compresslevel == 1 else b"\000"
        out.write(b"\037\213\010\000" + struct.pack("<L", int(time.time())) + extra + b"\377")

    def _new_compressor(self):
        """A raw deflate compressor (the gzip header and trailer are written here)."""
        return self._library.compressobj(self._level, zlib.DEFLATED, -zlib.MAX_WBITS)

    def write(self, data) -> int:
        """Compress ``data`` on its way to the output."""
        self._crc = self._library.crc32(data, self._crc)
        self._size += len(data)
        compressed = self._compressor.compress(data)
        if compressed:
            self.out.write(compressed)
        return len(data)

    def tell(self) -> int:
        """Uncompressed bytes written (tarfile asks once, when it opens)."""
        return self._size

    def checkpoint(self):
        """What :meth:`rewind` needs to come back to this point (the stream is sync-flushed)."""
        self.out.write(self._compressor.flush(zlib.Z_SYNC_FLUSH))
        return self._crc, self._size, self.out.checkpoint()

    def rewind(self, point) -> None:
        """Go back to ``point``, as if nothing had been written since."""
        self._crc, self._size, out_point = point
        self.out.rewind(out_point)
        self._compressor = self._new_compressor()

    def close(self) -> None:
        """End the member: the rest of the compressed bytes, then CRC and length."""
        self.out.write(self._compressor.flush())
        self.out.write(struct.pack("<LL", self._crc, self._size & 0xFFFFFFFF))

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


class StreamingTarFile(tarfile.TarFile):
    """A tar writer that forgets each member once written.

    ``TarFile`` keeps the header of every member it wrote, which only reading
    needs: 34 MB for 100,000 files, a second copy of the plan's listing. The
    archive writer never reads back, so memory stays flat in the number of files.
    """

    def addfile(self, tarinfo, fileobj=None):
        """Write one member, then drop its header from memory."""
        super().addfile(tarinfo, fileobj)
        self.members.clear()


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
        compresslevel=DEFAULT_COMPRESSLEVEL,
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
        (:mod:`.leftovers`) and listed in the result. A file system
        that fills up raises :class:`DumpFailed` saying which one and what was
        being written. A storage file that is not what the plan saw (see
        :meth:`_add_storage_file`) fails the dump, or is left out and listed
        when the plan's request says ``skip_unreadable``.
        """
        self.skipped: list[SkippedLink] = []
        self._writing = "creating the temporary archive and its work folder"
        listening = self.progress
        names = {item.name: item.archive_name for item in self.plan.selected_definitions}

        def progress(update: ProgressUpdate) -> None:
            if update.stage == "data" and update.item in names:
                self._writing = f"writing {names[update.item]} (the data of '{update.item}')"
            listening(update)

        self.progress = progress
        try:
            return self._write()
        except Exception as exc:
            if not is_out_of_space(exc):
                raise
            raise DumpFailed(
                no_space_message(
                    self.plan.archive_path.parent, self._writing, "nothing was written"
                )
            ) from None
        finally:
            self.progress = listening

    def _write(self) -> ArchiveResult:
        """Write the archive (see :meth:`write`)."""
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
            try:
                workdir.mkdir(mode=0o700)
            except BaseException:  # no inode left, say: the temporary archive goes too
                os.close(fd)
                raise
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
                skipped=tuple(self.skipped),
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
        with _GzipStream(writer, self.compresslevel) as gz:
            with StreamingTarFile.open(
                fileobj=gz, mode="w", format=tarfile.PAX_FORMAT, copybufsize=COPY_BUFSIZE
            ) as tar:
                digests, files = self._write_members(tar, data)
                objects = {name: count for name, (_path, count) in data.items()}
                manifest = self._with_skipped(self.manifest_factory(objects))
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
        self._writing = f"writing the archive {self.plan.archive_path.name}"
        digests = []
        files = 0
        if data:
            tar.addfile(_dir_info(DATA_DIRNAME))
        for name, (path, _count) in data.items():
            try:
                digests.append((name, self._add_file(tar, name, path, report=False)))
            except FileChanged as changed:
                raise DumpFailed(f"{name}: {changed.reason} (the data dump at {path})") from None
        for storage in self.plan.selected_storages:
            tar.addfile(_dir_info(storage.arcname, storage.path))
            for entry in storage.entries:
                if entry.kind == "dir":
                    tar.addfile(_dir_info(entry.arcname, entry.location))
                elif entry.kind == "link":
                    info = tarfile.TarInfo(entry.arcname)
                    info.type = tarfile.SYMTYPE
                    info.linkname = entry.link_target
                    info.mtime = int(time.time())
                    tar.addfile(info)
                else:
                    digest = self._add_storage_file(tar, entry)
                    if digest is not None:
                        digests.append((entry.arcname, digest))
                        files += 1
        return digests, files

    def _add_storage_file(self, tar, entry) -> str | None:
        """Add one storage file exactly as the plan saw it; its sha256, or None when left out.

        The file must still be a regular file of the planned size when it is
        opened, and must not change while it is read (size, content, links,
        permissions: its ``fstat`` before and after, as GNU tar checks). A file
        that is not is never archived cut or padded: it fails the dump
        (:class:`DumpFailed` naming it), or, with the request's
        ``skip_unreadable``, is left out and recorded in :attr:`skipped`.
        """
        try:
            return self._add_file(tar, entry.arcname, entry.location, expected=entry.size)
        except FileChanged as changed:
            if not self.plan.skip_unreadable:
                raise DumpFailed(
                    f"{entry.arcname}: {changed.reason} (nothing was written; dump again, "
                    "or leave such files out with --skip-unreadable)"
                ) from None
            self.skipped.append(
                SkippedLink(entry.path, entry.arcname, "", changed.reason, unreadable=True)
            )
            return None

    def _add_file(self, tar, name, path, expected=None, report=True) -> str:
        """Add one regular file, reading it once; return its sha256.

        ``expected`` is the size the plan recorded (None: whatever it is when
        opened). Raises :class:`FileChanged` when the file is not that, or
        changes while it is read; the archive is then as it was before the
        call. ``report`` sends the bytes read as storage progress.
        """
        raw, before = _open_regular(path, expected)
        on_read = (lambda n: self._advance(name, n)) if report else _ignore
        with raw:
            info = tarfile.TarInfo(name)
            info.size = before.st_size
            info.mtime = int(before.st_mtime)
            info.mode = stat.S_IMODE(before.st_mode)
            if before.st_size <= WHOLE_READ_LIMIT:
                try:
                    content = raw.read(before.st_size + 1)
                except OSError as exc:
                    raise FileChanged(f"cannot be read ({_reason(exc)})") from None
                _check_unchanged(raw, before, len(content))
                on_read(len(content))
                tar.addfile(info, BytesIO(content))
                return hashlib.sha256(content).hexdigest()
            point = _checkpoint(tar)
            try:
                reader = _HashingReader(raw, on_read, before.st_size)
                tar.addfile(info, reader)
                _check_unchanged(raw, before, before.st_size + len(raw.read(1)))
            except FileChanged:
                _rewind(tar, point)
                raise
        return reader.digest.hexdigest()

    def _with_skipped(self, manifest: dict) -> dict:
        """The manifest, with the files left out while writing added to its ``"skipped"``."""
        if self.skipped:
            manifest["skipped"] = [
                *manifest.get("skipped", []),
                *(entry.as_dict() for entry in self.skipped),
            ]
        return manifest

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


# Compression ---------------------------------------------------------------------


def gzip_backend(compresslevel: int) -> str:
    """Which library writes an archive at ``compresslevel``: ``"isal"`` or ``"zlib"``."""
    if compresslevel in ISAL_LEVELS and _isal_zlib() is not None:
        return "isal"
    return "zlib"


def gzip_writer(fileobj, compresslevel: int = DEFAULT_COMPRESSLEVEL) -> _GzipStream:
    """A gzip stream writing a standard gzip member into ``fileobj``: ISA-L's
    deflate for :data:`ISAL_LEVELS` when ``isal`` is installed, else Python's
    zlib; both compress in C with the GIL released."""
    return _GzipStream(fileobj, compresslevel)


def _isal_zlib():
    """ISA-L's zlib module, or None when ``isal`` is not installed (or cannot load)."""
    try:
        from isal import isal_zlib
    except ImportError:
        return None
    return isal_zlib


def _ignore(_count):
    """Progress sink for bytes that are not storage bytes."""


def _reason(exc: OSError) -> str:
    """An OS error in a few lower-case words (``permission denied``)."""
    return (exc.strerror or str(exc)).lower()


def _open_regular(path, expected: int | None):
    """Open a planned file: ``(file, its fstat)``, or :class:`FileChanged` saying why not."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise FileChanged("disappeared since the scan") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise FileChanged("replaced by a symbolic link since the scan") from None
        raise FileChanged(_reason(exc)) from None
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode):
            raise FileChanged("not a regular file any more")
        if expected is not None and found.st_size != expected:
            how = "grew" if found.st_size > expected else "shrank"
            raise FileChanged(
                f"{how} since the scan: {expected:,} bytes planned, {found.st_size:,} now"
            )
    except BaseException:
        os.close(fd)
        raise
    raw = os.fdopen(fd, "rb")
    return raw, found


def _check_unchanged(raw, before: os.stat_result, read: int) -> None:
    """Raise :class:`FileChanged` when the file changed since ``before`` (its fstat at open).

    ``read`` is how many bytes were read (one more than its size, when it grew).
    """
    after = os.fstat(raw.fileno())
    if read < before.st_size or after.st_size < before.st_size:
        raise FileChanged("shrank while it was read")
    if read > before.st_size or after.st_size > before.st_size:
        raise FileChanged("grew while it was read")
    if after.st_nlink == 0 < before.st_nlink:
        raise FileChanged("was removed while it was read")
    if after.st_mode != before.st_mode:
        raise FileChanged("permissions changed while it was read")
    if (after.st_mtime_ns, after.st_ctime_ns) != (before.st_mtime_ns, before.st_ctime_ns):
        raise FileChanged("changed while it was read")


def _checkpoint(tar: tarfile.TarFile):
    """A point of ``tar`` (written on a :class:`_GzipStream`) that :func:`_rewind` returns to."""
    return tar.fileobj.checkpoint(), tar.offset, len(tar.members)


def _rewind(tar: tarfile.TarFile, point) -> None:
    """Take ``tar`` back to ``point``: the members added since are gone."""
    stream_point, offset, members = point
    tar.fileobj.rewind(stream_point)
    tar.offset = offset
    del tar.members[members:]


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

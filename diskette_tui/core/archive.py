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
import gzip
import hashlib
import os
import shutil
import stat
import tarfile
import tempfile
import time
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from ..exceptions import DumperError, DumpFailed
from .manifest import dump_manifest, format_checksums
from .plan import CHECKSUMS_FILENAME, DATA_DIRNAME, MANIFEST_FILENAME, clashing_names
from .progress import ProgressUpdate, no_progress
from .requests import DEFAULT_COMPRESSLEVEL, FOLDER_MODE

COPY_BUFSIZE = 1024 * 1024
#: gzip levels written by ISA-L when it is installed, and the ISA-L level of each.
#: (ISA-L's level 0 was both slower and bigger than its level 1 on the benchmark media.)
ISAL_LEVELS = {1: 1, 2: 2, 3: 3}


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

    def as_dict(self) -> dict:
        """JSON-ready summary (``dump --json``)."""
        return {
            "path": str(self.path),
            "size": self.size,
            "sha256": self.sha256,
            "objects": self.objects,
            "files": self.files,
            "duration": round(self.duration, 3),
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
        self.progress = progress or no_progress
        self.compresslevel = compresslevel
        self._bytes_done = 0
        self._bytes_total = plan.size

    def write(self) -> ArchiveResult:
        """Write the archive and return what was written; clean up on any failure.

        A plan whose data dumps share a member name raises :class:`DumperError`
        before anything is written: one would overwrite the other.
        """
        self._refuse_clashing_members()
        started = time.monotonic()
        final = self.plan.archive_path
        destination = final.parent
        self._prepare_destination(destination)
        try:
            fd, temp_name = tempfile.mkstemp(
                dir=destination, prefix=f".{final.name}.", suffix=".part"
            )
        except OSError as exc:
            raise DumpFailed(f"cannot write in {destination}: {exc.strerror}") from None
        temp_path = Path(temp_name)
        workdir = Path(tempfile.mkdtemp(dir=destination, prefix=".diskette-work-"))
        done = False
        try:
            with os.fdopen(fd, "wb") as raw:
                writer = _HashingWriter(raw)
                data = {}
                if self.plan.selected_definitions:
                    data = self.dump_data(self.plan.selected_definitions, workdir, self.progress)
                with gzip_writer(writer, self.compresslevel) as gz:
                    with StreamingTarFile.open(
                        fileobj=gz, mode="w", format=tarfile.PAX_FORMAT, copybufsize=COPY_BUFSIZE
                    ) as tar:
                        digests, files = self._write_members(tar, data)
                        objects = {name: count for name, (_path, count) in data.items()}
                        manifest = self.manifest_factory(objects)
                        self._add_bytes(tar, CHECKSUMS_FILENAME, format_checksums(digests))
                        self._add_bytes(tar, MANIFEST_FILENAME, dump_manifest(manifest))
                raw.flush()
                os.fsync(raw.fileno())
            os.chmod(temp_path, self.chmod if self.chmod is not None else 0o644)
            os.replace(temp_path, final)
            done = True
            _fsync_dir(destination)
            self.progress(ProgressUpdate("finish", final.name, 1, 1))
            return ArchiveResult(
                path=final,
                size=writer.size,
                sha256=writer.digest.hexdigest(),
                objects=objects,
                files=files,
                manifest=manifest,
                duration=time.monotonic() - started,
            )
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
            if not done:
                with contextlib.suppress(OSError):
                    temp_path.unlink()

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


# Compression ---------------------------------------------------------------------


def gzip_backend(compresslevel: int) -> str:
    """Which library writes an archive at ``compresslevel``: ``"isal"`` or ``"zlib"``."""
    if compresslevel in ISAL_LEVELS and _isal_gzip() is not None:
        return "isal"
    return "zlib"


def gzip_writer(fileobj, compresslevel: int = DEFAULT_COMPRESSLEVEL):
    """A gzip file object writing a standard gzip stream into ``fileobj``.

    ISA-L's for :data:`ISAL_LEVELS` when ``isal`` is installed, else Python's
    (``gzip.GzipFile``); both compress in C with the GIL released.
    """
    igzip = _isal_gzip() if compresslevel in ISAL_LEVELS else None
    if igzip is not None:
        return igzip.IGzipFile(
            filename="", mode="wb", fileobj=fileobj, compresslevel=ISAL_LEVELS[compresslevel]
        )
    return gzip.GzipFile(filename="", mode="wb", fileobj=fileobj, compresslevel=compresslevel)


def _isal_gzip():
    """ISA-L's gzip module, or None when ``isal`` is not installed (or cannot load)."""
    try:
        from isal import igzip
    except ImportError:
        return None
    return igzip


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


def _fsync_dir(path: Path):
    """Make the rename durable (where the platform allows opening a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

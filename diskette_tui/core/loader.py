"""The restore side: plan a load, then load data and storages from an archive.

:meth:`Loader.plan` reads the archive once (:func:`~.reader.scan`), refuses
unsafe members, verifies the checksums and returns a :class:`LoadPlan`: what
would be loaded and written where. Nothing is written until
:meth:`Loader.execute`, which works in three steps so that a failure leaves
things as they were:

1. *stage*: a second streaming read extracts the chosen data files into a
   private temporary folder and each storage into a temporary sibling of its
   target, checking every digest against the first read;
2. *data*: ``loaddata`` of each data file in manifest order, all inside one
   ``transaction.atomic()``;
3. *storages*, still inside that transaction: ``replace`` swaps each staged
   folder in by renames (undone if a later one fails), ``merge`` moves the
   staged files over the existing ones.

Django is imported only when data is loaded.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import os
import shutil
import stat
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import ArchiveError, ConfigError, DisketteError, LoadFailed
from ..loggers import NoOperationLogger
from . import reader
from .plan import DATA_DIRNAME
from .progress import ProgressUpdate, no_progress

STORAGE_MODES = ("merge", "replace")
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class DataLoadPlan:
    """One data file of the archive and whether it will be loaded."""

    name: str
    definition: str | None
    format: str | None
    objects: int | None
    size: int
    selected: bool = True
    reason: str | None = None  # why it is not loaded

    def as_dict(self) -> dict:
        """JSON-ready."""
        return {
            "name": self.name,
            "definition": self.definition,
            "format": self.format,
            "objects": self.objects,
            "size": self.size,
            "load": self.selected,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class StorageLoadPlan:
    """One storage of the archive and what restoring it changes at its target.

    ``existing`` counts the files now in the target; ``overwritten`` the
    archive files that already exist there; ``removed`` (replace mode) the
    existing files that are not in the archive and will go.
    """

    name: str
    target: Path
    files: int
    dirs: int
    links: int
    size: int
    mode: str
    exists: bool
    existing: int = 0
    overwritten: int = 0
    removed: int = 0
    selected: bool = True

    def as_dict(self) -> dict:
        """JSON-ready."""
        return {
            "name": self.name,
            "target": str(self.target),
            "files": self.files,
            "dirs": self.dirs,
            "links": self.links,
            "size": self.size,
            "mode": self.mode,
            "exists": self.exists,
            "existing": self.existing,
            "overwritten": self.overwritten,
            "removed": self.removed,
            "restore": self.selected,
        }


@dataclass(frozen=True)
class LoadPlan:
    """Everything a load would do; nothing has been written when it exists."""

    archive: Path
    archive_size: int
    manifest: dict
    verification: str  # "ok", "unverifiable" or "skipped"
    datas: tuple[DataLoadPlan, ...]
    storages: tuple[StorageLoadPlan, ...]
    storages_basepath: Path
    storages_mode: str = "merge"
    with_data: bool = True
    with_storages: bool = True
    ignorenonexistent: bool = False
    contents: reader.ArchiveContents | None = field(default=None, repr=False, compare=False)

    @property
    def selected_datas(self) -> tuple[DataLoadPlan, ...]:
        """Data files that will be loaded, in manifest order."""
        return tuple(item for item in self.datas if item.selected) if self.with_data else ()

    @property
    def selected_storages(self) -> tuple[StorageLoadPlan, ...]:
        """Storages that will be restored."""
        return tuple(item for item in self.storages if item.selected) if self.with_storages else ()

    @property
    def objects(self) -> int:
        """Objects in the data files that will be loaded."""
        return sum(item.objects or 0 for item in self.selected_datas)

    @property
    def files(self) -> int:
        """Storage files that will be written."""
        return sum(item.files for item in self.selected_storages)

    @property
    def size(self) -> int:
        """Bytes of the storage files that will be written."""
        return sum(item.size for item in self.selected_storages)

    def as_dict(self) -> dict:
        """JSON-ready description of the plan."""
        return {
            "archive": str(self.archive),
            "archive_size": self.archive_size,
            "version": self.manifest.get("version"),
            "creation": self.manifest.get("creation"),
            "generator": self.manifest.get("generator"),
            "verification": self.verification,
            "storages_basepath": str(self.storages_basepath),
            "storages_mode": self.storages_mode,
            "with_data": self.with_data,
            "with_storages": self.with_storages,
            "ignorenonexistent": self.ignorenonexistent,
            "datas": [item.as_dict() for item in self.datas],
            "storages": [item.as_dict() for item in self.storages],
            "objects": self.objects,
            "files": self.files,
            "size": self.size,
        }


@dataclass(frozen=True)
class LoadResult:
    """What a finished load did."""

    loaded: dict  # data member -> objects loaded
    storages: dict  # storage name -> target path
    files: int

    def as_dict(self) -> dict:
        """JSON-ready."""
        return {
            "loaded": self.loaded,
            "storages": {name: str(path) for name, path in self.storages.items()},
            "files": self.files,
        }


class Loader:
    """Restores an archive into the configured Django project and storages folder.

    ``archive`` is the path of a ``.tar.gz``; it is only ever read.
    """

    def __init__(self, archive, logger=None):
        self.archive = Path(archive)
        self.logger = logger or NoOperationLogger()

    # Planning ------------------------------------------------------------------

    def plan(
        self,
        storages_basepath,
        with_data=True,
        with_storages=True,
        data_exclusions=(),
        ignorenonexistent=False,
        storages_mode="merge",
        verify=True,
    ) -> LoadPlan:
        """Read, check and verify the archive and say what a load would do.

        Raises :class:`ConfigError` for impossible options (unknown exclusion,
        both parts disabled, bad mode) and :class:`ArchiveError` for an
        archive that is unreadable, unsafe or does not match its checksums.
        """
        if not with_data and not with_storages:
            raise ConfigError("--no-data and --no-storages together leave nothing to load")
        if storages_mode not in STORAGE_MODES:
            raise ConfigError(f"--storages-mode must be one of {', '.join(STORAGE_MODES)}")
        contents = reader.scan(self.archive)
        reader.check_safety(contents)
        verification = "skipped"
        if verify:
            report = reader.verify(contents)
            if report.status == "mismatch":
                raise ArchiveError(
                    problems=[f"checksum {line}" for line in report.problems()]
                )
            if report.status == "unverifiable":
                if contents.manifest.get("checksums"):
                    raise ArchiveError(
                        f"manifest.json names {contents.manifest['checksums']!r} "
                        "but the archive has no such member"
                    )
                self.logger.warning(
                    f"{self.archive.name} has no SHA256SUMS (written by diskette?): "
                    "its content cannot be verified"
                )
            verification = report.status

        definitions = contents.definition_names()
        excluded = self._match_exclusions(contents, data_exclusions, definitions)
        datas = []
        for name in contents.datas:
            count = contents.data.get(name) or reader.DataCount(
                reader.data_format(name), None, "missing"
            )
            member = contents.member(name)
            reason = None
            if name in excluded:
                reason = "excluded"
            elif count.objects == 0:
                reason = "empty"
            datas.append(
                DataLoadPlan(
                    name=name,
                    definition=definitions.get(name),
                    format=count.format,
                    objects=count.objects,
                    size=member.size if member else 0,
                    selected=reason is None,
                    reason=reason,
                )
            )
        if with_data:
            bad = [
                f"{item.name}: {contents.data[item.name].error}"
                for item in datas
                if item.selected and contents.data[item.name].error
            ]
            if bad:
                raise ArchiveError(problems=bad)

        basepath = Path(os.path.abspath(storages_basepath))
        if with_storages and contents.storages:
            if basepath.exists() and not basepath.is_dir():
                raise ConfigError(f"storages basepath is not a folder: {basepath}")
        storages = tuple(
            self._storage_plan(contents, name, basepath, storages_mode)
            for name in contents.storages
        ) if with_storages else ()
        return LoadPlan(
            archive=self.archive,
            archive_size=contents.size,
            manifest=contents.manifest,
            verification=verification,
            datas=tuple(datas),
            storages=storages,
            storages_basepath=basepath,
            storages_mode=storages_mode,
            with_data=with_data,
            with_storages=with_storages,
            ignorenonexistent=ignorenonexistent,
            contents=contents,
        )

    @staticmethod
    def _match_exclusions(contents, exclusions, definitions) -> set[str]:
        """Data members named by ``--exclude-data`` (member, file name or definition name)."""
        found = set()
        unknown = []
        for wanted in exclusions or ():
            matches = {
                name
                for name in contents.datas
                if wanted in (name, name.removeprefix(DATA_DIRNAME + "/"), definitions.get(name))
            }
            if not matches:
                unknown.append(wanted)
            found |= matches
        if unknown:
            choices = ", ".join(
                name.removeprefix(DATA_DIRNAME + "/") for name in contents.datas
            ) or "none"
            raise ConfigError(
                problems=[
                    f"--exclude-data {item!r}: no such data file in the archive (has: {choices})"
                    for item in unknown
                ]
            )
        return found

    def _storage_plan(self, contents, name, basepath: Path, mode: str) -> StorageLoadPlan:
        members = contents.storage_members(name)
        target = basepath / name
        # A storage folder that is a link (media -> /srv/media) is restored where it points.
        real = Path(os.path.realpath(target)) if target.is_symlink() else target
        if real.exists() and not real.is_dir():
            raise ArchiveError(f"storage {name!r}: target {target} exists and is not a folder")
        existing = set()
        if real.is_dir():
            for root, dirs, files in os.walk(real):
                rel_root = os.path.relpath(root, real)
                for item in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
                    rel = item if rel_root == "." else f"{rel_root}/{item}"
                    existing.add(rel)
        archive_paths = {member.name[len(name) + 1:]: member for member in members}
        overwritten = 0
        if mode == "merge" and real.is_dir():
            problems = []
            for rel, member in archive_paths.items():
                parts = rel.split("/")
                for depth in range(1, len(parts)):
                    parent = real.joinpath(*parts[:depth])
                    if parent.is_symlink() or (parent.exists() and not parent.is_dir()):
                        problems.append(
                            f"storage {name!r}: cannot merge {member.name}: "
                            f"{parent} is a link or a file in the target"
                        )
                        break
                else:
                    path = real / rel
                    if member.kind == "dir":
                        if path.is_symlink() or (path.exists() and not path.is_dir()):
                            problems.append(
                                f"storage {name!r}: cannot merge {member.name}: "
                                f"{path} exists and is not a folder"
                            )
                    elif path.is_dir() and not path.is_symlink():
                        problems.append(
                            f"storage {name!r}: cannot merge {member.name}: {path} is a folder"
                        )
                    elif rel in existing:
                        overwritten += 1
            if problems:
                raise ArchiveError(problems=problems[:20])
        removed = (
            len(existing - set(archive_paths)) if mode == "replace" else 0
        )
        if mode == "replace":
            overwritten = len(existing & set(archive_paths))
        return StorageLoadPlan(
            name=name,
            target=real,
            files=sum(1 for m in members if m.kind in ("file", "hardlink")),
            dirs=sum(1 for m in members if m.kind == "dir"),
            links=sum(1 for m in members if m.kind == "symlink"),
            size=sum(m.size for m in members if m.kind == "file"),
            mode=mode,
            exists=real.exists(),
            existing=len(existing),
            overwritten=overwritten,
            removed=removed,
        )

    # Execution ----------------------------------------------------------------

    def execute(self, plan: LoadPlan, progress=None, using="default") -> LoadResult:
        """Load what ``plan`` says. On failure the database and storages are unchanged.

        (``merge`` is the exception for storages: a failure while moving files
        in can leave some of them merged; the database is still rolled back.)
        """
        progress = progress or no_progress
        datas = plan.selected_datas
        storages = plan.selected_storages
        datadir = Path(tempfile.mkdtemp(prefix="diskette-load-"))
        staging: dict[str, Path] = {}
        swapped: list[tuple[Path, Path | None]] = []  # (target, old folder moved away)
        committed = False
        try:
            for storage in storages:
                parent = storage.target.parent
                parent.mkdir(parents=True, exist_ok=True)
                staging[storage.name] = Path(
                    tempfile.mkdtemp(dir=parent, prefix=f".{storage.target.name}.diskette-new-")
                )
                # mkdtemp makes it 0o700; the archive's own folder entry, if any, wins.
                _chmod(staging[storage.name], 0o755)
            files = self._stage(plan, datas, datadir, staging, progress)
            loaded = {}
            with self._atomic(using, bool(datas)):
                for number, item in enumerate(datas, start=1):
                    progress(ProgressUpdate("data", item.name, number - 1, len(datas)))
                    self._loaddata(datadir / item.name, item.name, plan.ignorenonexistent, using)
                    loaded[item.name] = item.objects
                    self.logger.info(f"loaded {item.name} ({item.objects} objects)")
                if datas:
                    progress(ProgressUpdate("data", "", len(datas), len(datas)))
                for storage in storages:
                    if storage.mode == "replace" or not storage.target.exists():
                        # Nothing to merge with: swap the complete folder in at once.
                        swapped.append(self._swap_in(storage.target, staging.pop(storage.name)))
                    else:
                        self._merge_in(staging[storage.name], storage.target)
                    self.logger.info(f"restored {storage.name} into {storage.target}")
            committed = True
            return LoadResult(
                loaded=loaded,
                storages={item.name: item.target for item in storages},
                files=files,
            )
        finally:
            if not committed:
                for target, old in reversed(swapped):
                    self._undo_swap(target, old)
            else:
                for _target, old in swapped:
                    if old is not None:
                        shutil.rmtree(old, ignore_errors=True)
            shutil.rmtree(datadir, ignore_errors=True)
            for folder in staging.values():
                shutil.rmtree(folder, ignore_errors=True)

    @staticmethod
    @contextlib.contextmanager
    def _atomic(using, needed):
        if not needed:
            yield
            return
        from django.db import transaction

        with transaction.atomic(using=using):
            yield

    def _loaddata(self, path: Path, name: str, ignorenonexistent: bool, using: str):
        from django.core import management

        output = io.StringIO()
        try:
            management.call_command(
                "loaddata",
                str(path),
                ignorenonexistent=ignorenonexistent,
                database=using,
                verbosity=0,
                stdout=output,
                stderr=output,
            )
        except Exception as exc:
            message = " ".join(str(exc).replace(str(path), name).split())
            raise LoadFailed(
                f"{name}: loading failed, database rolled back: {type(exc).__name__}: {message}"
            ) from exc

    # Staging --------------------------------------------------------------------

    def _stage(self, plan, datas, datadir: Path, staging: dict, progress) -> int:
        """Extract chosen data files and storages; check each digest against the plan's read."""
        contents = plan.contents
        wanted_data = {item.name for item in datas}
        roots = {name: folder for name, folder in staging.items()}
        links = []
        files = 0
        done = 0
        total = plan.size
        try:
            with open(plan.archive, "rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as gz:
                with tarfile.open(fileobj=gz, mode="r|") as tar:
                    for info in tar:
                        name = info.name
                        expected = contents.member(name)
                        if expected is None or _kind(info) != expected.kind:
                            raise ArchiveError(
                                f"{plan.archive.name} changed while it was read ({name})"
                            )
                        if name in wanted_data:
                            self._write_file(tar, info, datadir / name, expected)
                            continue
                        storage = contents.storage_of(name)
                        if storage not in roots:
                            continue
                        root = roots[storage]
                        rel = name[len(storage) + 1:]
                        dest = root / rel if rel else root
                        if info.isdir():
                            dest.mkdir(parents=True, exist_ok=True)
                            _chmod(dest, (info.mode & 0o755) | 0o700)
                        elif info.isreg():
                            self._write_file(tar, info, dest, expected)
                            files += 1
                            done += info.size
                            progress(ProgressUpdate("storage", name, done, total))
                        elif info.islnk():
                            source = root / info.linkname[len(storage) + 1:]
                            dest.parent.mkdir(parents=True, exist_ok=True)
                            shutil.copy2(source, dest, follow_symlinks=False)
                            files += 1
                        elif info.issym():
                            links.append((dest, info.linkname, name))
                while gz.read(CHUNK):
                    pass
        except DisketteError:
            raise
        except reader._READ_ERRORS as exc:
            raise ArchiveError(
                f"{plan.archive.name}: truncated or corrupt archive ({exc})"
            ) from None
        # Links last, so that no file is ever written through one.
        for dest, linkname, _name in links:
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(linkname, dest)
        for storage, root in roots.items():
            _check_links_inside(root, storage)
        return files

    @staticmethod
    def _write_file(tar, info, dest: Path, expected):
        dest.parent.mkdir(parents=True, exist_ok=True)
        source = tar.extractfile(info)
        digest = hashlib.sha256()
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(dest, flags, 0o600)
        with os.fdopen(fd, "wb") as stream:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                stream.write(chunk)
        if expected.sha256 is not None and digest.hexdigest() != expected.sha256:
            raise ArchiveError(f"{info.name} changed since the archive was verified")
        _chmod(dest, (info.mode & 0o755) | 0o600)
        with contextlib.suppress(OSError, OverflowError):
            os.utime(dest, (info.mtime, info.mtime))

    # Storages -------------------------------------------------------------------

    @staticmethod
    def _swap_in(target: Path, new: Path) -> tuple[Path, Path | None]:
        """Rename ``target`` away and ``new`` into its place; return what undoes it."""
        old = None
        if target.exists() or target.is_symlink():
            old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.diskette-old-"))
            os.rmdir(old)
            os.rename(target, old)
        try:
            os.rename(new, target)
        except OSError:
            if old is not None:
                os.rename(old, target)
            raise
        return target, old

    @staticmethod
    def _undo_swap(target: Path, old: Path | None):
        shutil.rmtree(target, ignore_errors=True)
        if old is not None:
            with contextlib.suppress(OSError):
                os.rename(old, target)

    @staticmethod
    def _merge_in(staged: Path, target: Path):
        """Move staged files over ``target``, keeping its other files."""
        target.mkdir(parents=True, exist_ok=True)
        for root, dirs, files in os.walk(staged):
            rel = os.path.relpath(root, staged)
            dest_root = target if rel == "." else target / rel
            for name in list(dirs):
                src = Path(root) / name
                dest = dest_root / name
                if src.is_symlink():
                    dirs.remove(name)
                    _replace_link(src, dest)
                else:
                    dest.mkdir(exist_ok=True)
            for name in files:
                src = Path(root) / name
                dest = dest_root / name
                if src.is_symlink():
                    _replace_link(src, dest)
                else:
                    os.replace(src, dest)


def _replace_link(src: Path, dest: Path):
    if dest.is_symlink() or dest.is_file():
        dest.unlink()
    os.symlink(os.readlink(src), dest)


def _kind(info) -> str:
    return reader._kind(info)


def _chmod(path: Path, mode: int):
    with contextlib.suppress(OSError):
        os.chmod(path, mode)


def _check_links_inside(root: Path, storage: str):
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

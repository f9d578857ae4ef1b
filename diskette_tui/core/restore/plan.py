"""What a load would do and what it did: frozen values, no I/O.

:class:`LoadPlan` is what :meth:`~.loader.Loader.plan` returns and every front
end reads. The facts a preview shows — what restoring a storage does to its
target, whether the archive was verified, the totals — are properties here;
the front ends only word them (:mod:`diskette_tui.wording`,
:mod:`diskette_tui.render`, the Textual widgets).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..plan import DATA_DIRNAME
from ..reader import ArchiveContents
from ..requests import LoadRequest
from .post_load import planned_commands

#: What restoring a storage does to its target folder (:attr:`StorageLoadPlan.action`).
NEW_FOLDER = "new folder"
REPLACE = "replace"
MERGE = "merge"


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

    @property
    def filename(self) -> str:
        """The name without the archive's ``data/`` folder: ``users.json``."""
        return self.name.removeprefix(DATA_DIRNAME + "/")

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

    ``target`` is where the files go: the storage folder under the basepath
    (``folder``), or where that folder points when it is a link.
    ``existing`` counts the files now in the target; ``overwritten`` the
    archive files that already exist there; ``removed`` (replace mode) the
    existing files that are not in the archive and will go. A storage not
    ``selected`` says why in ``reason`` (``excluded``).
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
    folder: Path | None = None
    reason: str | None = None

    @property
    def action(self) -> str:
        """What restoring does: :data:`NEW_FOLDER`, :data:`REPLACE` or :data:`MERGE`."""
        if not self.exists:
            return NEW_FOLDER
        return REPLACE if self.mode == "replace" else MERGE

    @property
    def through_link(self) -> bool:
        """Whether the storage folder is a link, restored where it points."""
        return self.folder is not None and self.folder != self.target

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
            "reason": self.reason,
        }


#: :attr:`LoadPlan.verification` values.
VERIFIED = "ok"
UNVERIFIABLE = "unverifiable"
NOT_CHECKED = "skipped"


@dataclass(frozen=True)
class LoadPlan:
    """Everything a load would do; nothing has been written when it exists.

    ``request`` is what was asked for; ``storages_basepath`` is its basepath
    made absolute. ``verification`` is :data:`VERIFIED`,
    :data:`UNVERIFIABLE` (no ``SHA256SUMS``) or :data:`NOT_CHECKED`
    (``--no-verify``). ``target_state`` is a
    :class:`~.target_state.TargetState`: per model, the archive's rows that
    collide with the target's, the rows ``replace`` deletes, and how the
    source's content types and permissions map onto the target's.
    """

    request: LoadRequest
    archive_size: int
    manifest: dict
    verification: str
    datas: tuple[DataLoadPlan, ...]
    storages: tuple[StorageLoadPlan, ...]
    storages_basepath: Path
    contents: ArchiveContents | None = field(default=None, repr=False, compare=False)
    #: What the target database holds against the archive (:mod:`.target_state`);
    #: None when no data is loaded or Django is not set up.
    target_state: object | None = None

    @property
    def archive(self) -> Path:
        """The archive the plan reads."""
        return self.request.archive

    @property
    def storages_mode(self) -> str:
        """``merge`` or ``replace``."""
        return self.request.storages_mode

    @property
    def data_mode(self) -> str:
        """``merge`` (load over the existing rows) or ``replace`` (delete them first)."""
        return self.request.data_mode

    @property
    def with_data(self) -> bool:
        """Whether data is loaded at all (``--no-data`` turns it off)."""
        return self.request.with_data

    @property
    def with_storages(self) -> bool:
        """Whether storages are restored at all (``--no-storages`` turns it off)."""
        return self.request.with_storages

    @property
    def ignorenonexistent(self) -> bool:
        """``loaddata --ignorenonexistent``."""
        return self.request.ignorenonexistent

    @property
    def verified(self) -> bool:
        """Whether every member matched ``SHA256SUMS``."""
        return self.verification == VERIFIED

    @property
    def selected_datas(self) -> tuple[DataLoadPlan, ...]:
        """Data files that will be loaded, in manifest order."""
        return tuple(item for item in self.datas if item.selected) if self.with_data else ()

    @property
    def skipped_storages(self) -> tuple[StorageLoadPlan, ...]:
        """Storages of the archive that will not be restored (each says why)."""
        return tuple(item for item in self.storages if not item.selected)

    @property
    def skipped_datas(self) -> tuple[DataLoadPlan, ...]:
        """Data files of the archive that will not be loaded (each says why)."""
        return tuple(item for item in self.datas if not item.selected)

    @property
    def unlisted_datas(self) -> tuple[str, ...]:
        """Files under ``data/`` the manifest does not list: in the archive, never loaded."""
        return tuple(self.contents.unlisted_datas) if self.contents is not None else ()

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

    @property
    def removed(self) -> int:
        """Existing files that ``replace`` removes because the archive does not hold them."""
        return sum(item.removed for item in self.selected_storages)

    @property
    def made_by(self) -> str:
        """What wrote the archive, from its manifest."""
        return self.manifest.get("generator") or f"diskette {self.manifest.get('version', '?')}"

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
            "data_mode": self.data_mode,
            "with_data": self.with_data,
            "with_storages": self.with_storages,
            "ignorenonexistent": self.ignorenonexistent,
            "datas": [item.as_dict() for item in self.datas],
            "storages": [item.as_dict() for item in self.storages],
            "objects": self.objects,
            "files": self.files,
            "size": self.size,
            "target": self.target_state.as_dict() if self.target_state is not None else None,
            "post_load": [
                {
                    "command": command.line,
                    "definitions": list(command.definitions),
                    "after_commit": command.after_commit,
                }
                for command in planned_commands(self)
            ],
        }


@dataclass(frozen=True)
class LoadResult:
    """What a finished load did.

    ``deleted``: rows ``--data-mode replace`` deleted, per model label;
    ``remapped``: content-type and permission ids translated to the target's;
    ``check``: the :class:`~.checks.LoadCheck` made after loading (None when no
    data was loaded).
    """

    loaded: dict  # data member -> objects loaded
    storages: dict  # storage name -> target path
    files: int
    recovered: tuple = ()  # staging.Recovered: leftovers of killed loads cleaned up first
    deleted: dict = field(default_factory=dict)
    remapped: int = 0
    check: object | None = None

    @property
    def ok(self) -> bool:
        """Whether nothing calls for a warning: the check after loading found nothing."""
        return self.check is None or self.check.ok

    @property
    def objects(self) -> int:
        """Objects loaded, all data files together."""
        return sum(objects or 0 for objects in self.loaded.values())

    def as_dict(self) -> dict:
        """JSON-ready."""
        return {
            "loaded": self.loaded,
            "storages": {name: str(path) for name, path in self.storages.items()},
            "files": self.files,
            "recovered": [str(item.leftover.path) for item in self.recovered],
            "deleted": self.deleted,
            "remapped": self.remapped,
            "check": self.check.as_dict() if self.check is not None else None,
        }

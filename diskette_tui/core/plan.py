"""The dump plan: everything a dump will write, computed before writing it.

A :class:`DumpPlan` is the one value every consumer reads: the preview, the
``check`` output, ``--json`` and the archive writer. The writer takes its file
list from the plan, never from a second walk, so what is shown is what is
written. Everything here is a frozen dataclass without I/O, except the two
facts about the file a dump would replace (:attr:`DumpPlan.replaces_archive`,
:attr:`DumpPlan.replaced_size`), which look at the destination when asked.
"""

from __future__ import annotations

import dataclasses
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from .integrity import (
    REMAPPED_LABELS,
    DanglingReference,
    DataChecks,
    FileReferences,
    NaturalKeyCheck,
)
from .ordering import LoadOrderWarning, Relation, load_order_warnings
from .requests import DumpRequest

#: Names that a storage may not use at the archive root, and archive members.
DATA_DIRNAME = "data"
MANIFEST_FILENAME = "manifest.json"
CHECKSUMS_FILENAME = "SHA256SUMS"
RESERVED_NAMES = (DATA_DIRNAME, MANIFEST_FILENAME, CHECKSUMS_FILENAME)
#: Why a storage entry whose name is not UTF-8 is not archived.
REASON_NOT_UTF8 = "file name is not valid UTF-8"


@dataclass(frozen=True)
class ModelPlan:
    """One model a definition dumps, with its row count when it was asked for."""

    label: str
    rows: int | None = None


@dataclass(frozen=True)
class DefinitionPlan:
    """What one application definition dumps.

    ``models`` are the included models (for a drain: what it collects).
    ``excludes`` are the labels the definition names itself, ``implicit_excludes``
    the other models of the apps it touches that it does not include, and
    ``drain_excludes`` (drains only) the labels it leaves to other definitions.
    """

    name: str
    filename: str
    format: str
    is_drain: bool
    models: tuple[ModelPlan, ...]
    excludes: tuple[str, ...]
    implicit_excludes: tuple[str, ...]
    drain_excludes: tuple[str, ...]
    options: dict
    payload: dict
    command: str
    relations: tuple[Relation, ...] = ()
    selected: bool = True

    @property
    def archive_name(self) -> str:
        """Member name of this definition's dump inside the archive."""
        return f"{DATA_DIRNAME}/{self.filename}"

    @property
    def labels(self) -> tuple[str, ...]:
        """Labels of the included models, in dump order."""
        return tuple(model.label for model in self.models)

    @property
    def rows(self) -> int | None:
        """Total rows of the included models, or None when not counted."""
        if any(model.rows is None for model in self.models):
            return None
        return sum(model.rows for model in self.models)


class StorageEntry(NamedTuple):
    """One member a storage adds to the archive.

    ``location`` is where it is on disk, as the walk found it (a ``str``: the
    file system calls take it as it is; :attr:`path` gives it as a ``Path``).
    ``kind`` is ``"file"``, ``"dir"`` or ``"link"`` (a link that stays inside its
    storage, archived as a link to ``link_target``).

    A named tuple rather than a frozen dataclass: a plan holds one per file
    (100,000s for a big storage), and a tuple is built in less than half the
    time, and is smaller (see ``just bench``'s plan figures).
    """

    location: str | os.PathLike
    arcname: str
    kind: str
    size: int = 0
    link_target: str | None = None

    @property
    def path(self) -> Path:
        """Where the member is on disk."""
        return Path(self.location)


@dataclass(frozen=True)
class ExcludedEntry:
    """A file or folder left out by an exclusion pattern (folders are not walked)."""

    path: Path
    arcname: str
    pattern: str
    is_dir: bool = False
    size: int = 0


@dataclass(frozen=True)
class SkippedLink:
    """An entry that is not archived, and why: a link (outside, broken...), a fifo…

    ``unreadable`` marks an entry the user running the dump cannot read, or
    whose name is not valid UTF-8 (its ``arcname`` is then escaped, as shown):
    such an entry fails the dump unless the request has ``skip_unreadable``.
    """

    path: Path
    arcname: str
    target: str
    reason: str
    unreadable: bool = False

    def as_dict(self) -> dict:
        """``{"name", "reason"}`` (and ``"target"`` for a link), for JSON and the manifest."""
        return {"name": self.arcname, "reason": self.reason} | (
            {"target": self.target} if self.target else {}
        )


@dataclass(frozen=True)
class StoragePlan:
    """A storage folder: every member it adds, what it excludes and skips.

    ``pattern_syntax`` says what its exclusion patterns mean: ``"gitignore"``,
    ``"fnmatch"`` (diskette's, from ``DISKETTE_STORAGES_EXCLUDES``), or None
    when it has none.
    """

    path: Path
    arcname: str
    entries: tuple[StorageEntry, ...]
    excluded: tuple[ExcludedEntry, ...] = ()
    skipped_links: tuple[SkippedLink, ...] = ()
    selected: bool = True
    pattern_syntax: str | None = None

    # Counted once: the preview's summary asks at every key press (100,000 entries).
    @cached_property
    def files(self) -> int:
        """Number of regular files archived."""
        return sum(1 for entry in self.entries if entry.kind == "file")

    @cached_property
    def size(self) -> int:
        """Bytes of the regular files archived."""
        return sum(entry.size for entry in self.entries if entry.kind == "file")

    @property
    def unreadable(self) -> tuple[SkippedLink, ...]:
        """The skipped entries that the user running the dump cannot read (or name)."""
        return tuple(entry for entry in self.skipped_links if entry.unreadable)


@dataclass(frozen=True)
class Snapshot:
    """How the reads of a dump (or of a plan's row counts) saw one database state.

    ``consistent`` is whether every query of the transaction read the same
    state; ``isolation`` says how, in the database's own words;
    ``journal_mode`` is SQLite's (``wal``, ``delete``...), None elsewhere.
    """

    vendor: str
    isolation: str
    consistent: bool
    journal_mode: str | None = None

    @property
    def blocks_writers(self) -> bool:
        """Whether the site's writers wait while it is open (SQLite without WAL)."""
        return self.vendor == "sqlite" and self.journal_mode not in (None, "wal", "wal2", "memory")

    def as_dict(self) -> dict:
        """The manifest's ``snapshot`` entry."""
        found = {"vendor": self.vendor, "isolation": self.isolation, "consistent": self.consistent}
        if self.journal_mode is not None:
            found["journal_mode"] = self.journal_mode
        return found


@dataclass(frozen=True)
class DumpTotals:
    """The numbers of a plan's selection, for summaries.

    ``rows`` is None when the rows were not counted; ``warnings`` counts the
    load-order warnings of the selected definitions.
    """

    definitions: int
    of_definitions: int
    models: int
    rows: int | None
    files: int
    size: int
    warnings: int


#: The plan fields that are the request's: :meth:`DumpPlan.select` changes them there.
REQUEST_CHOICES = ("with_data", "with_storages", "with_storages_excludes", "skip_unreadable")


@dataclass(frozen=True)
class DumpPlan:
    """Everything a dump writes, where, and what it warns about.

    ``request`` is what was asked for: the destination, the filename template,
    the data/storages switches and the archive modes come from it, and only
    from it. ``snapshot`` is how the row counts read the database (the dump
    reads its own snapshot the same way), None when it was not read.
    """

    definitions: tuple[DefinitionPlan, ...]
    storages: tuple[StoragePlan, ...]
    request: DumpRequest
    created: datetime
    storages_basepath: Path
    indent: int | None = None
    snapshot: Snapshot | None = None
    checks: DataChecks | None = None

    # What was asked --------------------------------------------------------

    @property
    def destination(self) -> Path:
        """The folder the archive is written to."""
        return self.request.destination

    @property
    def filename_template(self) -> str:
        """The archive filename before ``{features}`` and ``{date}`` are filled in."""
        return self.request.filename

    @property
    def with_data(self) -> bool:
        """Whether the data dumps are on."""
        return self.request.with_data

    @property
    def with_storages(self) -> bool:
        """Whether the storages are on."""
        return self.request.with_storages

    @property
    def with_storages_excludes(self) -> bool:
        """Whether the storage exclusion patterns were applied."""
        return self.request.with_storages_excludes

    @property
    def skip_unreadable(self) -> bool:
        """Whether unreadable entries are left out (listed) instead of failing the dump."""
        return self.request.skip_unreadable

    @property
    def patterns_off(self) -> bool:
        """Whether the storages were walked without their exclusion patterns."""
        return not self.request.with_storages_excludes

    # Selection -----------------------------------------------------------

    @property
    def selected_definitions(self) -> tuple[DefinitionPlan, ...]:
        """Definitions written to the archive, in load order (drains last)."""
        if not self.with_data:
            return ()
        return tuple(item for item in self.definitions if item.selected)

    @property
    def selected_storages(self) -> tuple[StoragePlan, ...]:
        """Storages written to the archive."""
        if not self.with_storages:
            return ()
        return tuple(item for item in self.storages if item.selected)

    def select(self, definitions=None, storages=None, **changes) -> DumpPlan:
        """Return a copy with another selection.

        ``definitions`` and ``storages`` are collections of definition names and
        storage archive names to keep selected; None keeps the current selection
        (a new definition selection is also the request's ``apps``). The
        request's switches (``with_data``, ``with_storages``,
        ``with_storages_excludes``) change the request; other keyword arguments
        replace plan fields.
        """
        request_changes = {key: changes.pop(key) for key in REQUEST_CHOICES if key in changes}
        if definitions is not None:
            wanted = set(definitions)
            changes["definitions"] = _reselected(self.definitions, wanted, "name")
            request_changes["apps"] = tuple(
                item.name for item in self.definitions if item.name in wanted
            )
        if storages is not None:
            changes["storages"] = _reselected(self.storages, set(storages), "arcname")
        if request_changes:
            changes["request"] = dataclasses.replace(self.request, **request_changes)
        return dataclasses.replace(self, **changes) if changes else self

    # Naming --------------------------------------------------------------

    @property
    def has_data(self) -> bool:
        """Whether the archive holds data dumps."""
        return bool(self.selected_definitions)

    @property
    def has_storages(self) -> bool:
        """Whether the archive holds storages."""
        return bool(self.selected_storages)

    @property
    def features(self) -> str:
        """The ``{features}`` part of the archive name: ``_data``, ``_storages``..."""
        return ("_data" if self.has_data else "") + ("_storages" if self.has_storages else "")

    @property
    def filename(self) -> str:
        """The archive file name with ``{features}`` and ``{date}`` filled in."""
        return format_filename(self.filename_template, self.features, self.created)

    @property
    def archive_path(self) -> Path:
        """Where the archive will be written."""
        return self.destination / self.filename

    @property
    def writes_nothing(self) -> bool:
        """Whether the selection leaves nothing to write (no data, no storage)."""
        return not self.has_data and not self.has_storages

    @property
    def replaces_archive(self) -> bool:
        """Whether a file already exists at :attr:`archive_path` (looked at now)."""
        return self.archive_path.exists()

    def destination_problems(self) -> list[str]:
        """Why the archive could not be written at :attr:`archive_path` (looked at now).

        A destination folder the user cannot write in (or, when it has to be
        created, whose nearest existing parent is not a writable folder), and a
        folder standing where the archive would go. Empty when it can be written.
        """
        archive, destination = self.archive_path, self.destination
        if archive.is_dir():
            return [f"a folder is in the way at the archive's path: {archive}"]
        if destination.is_dir():
            if not os.access(destination, os.W_OK | os.X_OK):
                return [f"cannot write in destination folder {destination}: permission denied"]
            return []
        if destination.exists() or destination.is_symlink():
            return [f"destination is not a folder: {destination}"]
        parent = destination.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if not parent.is_dir():
            return [f"cannot create destination folder {destination}: {parent} is not a folder"]
        if not os.access(parent, os.W_OK | os.X_OK):
            return [
                f"cannot create destination folder {destination}: "
                f"{parent} is not writable (permission denied)"
            ]
        return []

    def drain_leaves(self, item: DefinitionPlan) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """What drain ``item`` leaves: ``(labels another definition dumps, labels none dumps)``.

        A drain leaves what the other definitions include and what they
        exclude; an excluded model no definition includes is dumped by nobody.
        """
        others = [other for other in self.definitions if not other.is_drain]
        dumped = {model.label for other in others for model in other.models}
        left = [label for label in item.drain_excludes if label not in item.excludes]
        return (
            tuple(label for label in left if label in dumped),
            tuple(label for label in left if label not in dumped),
        )

    @property
    def replaced_size(self) -> int | None:
        """Bytes of the archive the dump would replace, None when there is none."""
        try:
            return self.archive_path.stat().st_size
        except OSError:
            return None

    # What is left out ----------------------------------------------------

    @property
    def skipped(self) -> tuple[SkippedLink, ...]:
        """Entries of the selected storages that are not archived (not by a pattern)."""
        return tuple(entry for item in self.selected_storages for entry in item.skipped_links)

    @property
    def unreadable(self) -> tuple[SkippedLink, ...]:
        """Entries of the selected storages that the user cannot read (or name)."""
        return tuple(entry for item in self.selected_storages for entry in item.unreadable)

    @property
    def unreadable_problems(self) -> tuple[str, ...]:
        """One error line per unreadable entry, unless the request skips them.

        Nonempty means the dump must not be written: ``check`` reports these
        lines as errors and ``dump`` refuses with them, before writing anything.
        """
        if self.skip_unreadable:
            return ()
        return tuple(_unreadable_problem(entry) for entry in self.unreadable)

    # Totals --------------------------------------------------------------

    @property
    def warnings(self) -> tuple[LoadOrderWarning, ...]:
        """Load-order warnings of the selected definitions, in definition order.

        A reference to a model the load remaps (content types, permissions:
        :data:`~.integrity.REMAPPED_LABELS`) is not one: see :attr:`remapped_references`.
        """
        return tuple(
            item
            for item in load_order_warnings(self.selected_definitions)
            if item.target not in REMAPPED_LABELS
        )

    @property
    def remapped_references(self) -> tuple[LoadOrderWarning, ...]:
        """References of the selected definitions to content types and permissions that no
        earlier definition dumps: the load translates them by natural key (an info)."""
        return tuple(
            item
            for item in load_order_warnings(self.selected_definitions)
            if item.target in REMAPPED_LABELS
        )

    # What the rows hold (facts of :mod:`.integrity`, for the selected definitions) -----

    @property
    def selected_labels(self) -> frozenset[str]:
        """Labels of the models the selected definitions dump."""
        return frozenset(label for item in self.selected_definitions for label in item.labels)

    @property
    def dangling(self) -> tuple[DanglingReference, ...]:
        """Foreign keys of dumped rows naming missing rows (written as raw ids)."""
        if self.checks is None:
            return ()
        labels = self.selected_labels
        return tuple(item for item in self.checks.dangling if item.model in labels)

    @property
    def broken_natural_keys(self) -> tuple[NaturalKeyCheck, ...]:
        """Models the selected definitions would write by natural key whose key does not
        round-trip (they are dumped by primary key instead)."""
        if self.checks is None:
            return ()
        selected = {item.name for item in self.selected_definitions}
        used = {label for name, label in self.checks.natural_key_users if name in selected}
        return tuple(
            check
            for check in self.checks.natural_keys
            if check.model in used and not check.round_trips
        )

    @cached_property
    def file_reference_warnings(self) -> tuple[FileReferenceWarning, ...]:
        """Dumped rows naming files the archive will not hold (:func:`file_reference_warnings`)."""
        if self.checks is None or not self.with_data:
            return ()
        labels = self.selected_labels
        references = [item for item in self.checks.file_references if item.model in labels]
        return file_reference_warnings(references, self.storages, self.with_storages)

    def broken_natural_keys_for(self, name: str) -> tuple[NaturalKeyCheck, ...]:
        """The :attr:`broken_natural_keys` that definition ``name`` would use."""
        if self.checks is None:
            return ()
        used = {label for user, label in self.checks.natural_key_users if user == name}
        return tuple(check for check in self.broken_natural_keys if check.model in used)

    def data_warning_scope(self, name: str | None = None):
        """``(model labels, broken natural-key checks)`` of the selection, or of the
        selected definition ``name``: what its data warnings are about."""
        if name is None:
            return self.selected_labels, self.broken_natural_keys
        chosen = [item for item in self.selected_definitions if item.name == name]
        labels = frozenset(label for item in chosen for label in item.labels)
        return labels, (self.broken_natural_keys_for(name) if labels else ())

    def data_warning_count(self, name: str | None = None) -> int:
        """How many dangling, natural-key and file warnings the selection (or the selected
        definition ``name``) has."""
        labels, broken = self.data_warning_scope(name)
        return (
            sum(1 for item in self.dangling if item.model in labels)
            + len(broken)
            + sum(1 for item in self.file_reference_warnings if item.model in labels)
        )

    def warnings_for(self, name: str) -> tuple[LoadOrderWarning, ...]:
        """Load-order warnings of one definition, against the current selection."""
        return tuple(item for item in self.warnings if item.definition == name)

    @property
    def model_count(self) -> int:
        """Number of models dumped by the selected definitions."""
        return sum(len(item.models) for item in self.selected_definitions)

    @property
    def rows(self) -> int | None:
        """Rows dumped by the selected definitions, None when not counted."""
        counts = [item.rows for item in self.selected_definitions]
        if any(count is None for count in counts):
            return None
        return sum(counts)

    @property
    def files(self) -> int:
        """Regular files archived from the selected storages."""
        return sum(item.files for item in self.selected_storages)

    @property
    def size(self) -> int:
        """Bytes of the regular files archived from the selected storages."""
        return sum(item.size for item in self.selected_storages)

    @property
    def totals(self) -> DumpTotals:
        """The numbers of the current selection, in one value."""
        return DumpTotals(
            definitions=len(self.selected_definitions),
            of_definitions=len(self.definitions),
            models=self.model_count,
            rows=self.rows,
            files=self.files,
            size=self.size,
            warnings=len(self.warnings) + self.data_warning_count(),
        )

    def as_dict(self) -> dict:
        """A JSON-ready description of the plan (``check --json``)."""
        totals = self.totals
        return {
            "archive": str(self.archive_path),
            "filename": self.filename,
            "features": self.features,
            "with_data": self.with_data,
            "with_storages": self.with_storages,
            "with_storages_excludes": self.with_storages_excludes,
            "storages_basepath": str(self.storages_basepath),
            "definitions": [self._definition_dict(item) for item in self.definitions],
            "storages": [self._storage_dict(item) for item in self.storages],
            "warnings": [w.message for w in self.warnings],
            **self._checks_dict(),
            "snapshot": self.snapshot.as_dict() if self.snapshot else None,
            "skip_unreadable": self.skip_unreadable,
            "errors": list(self.unreadable_problems),
            "totals": {
                "definitions": totals.definitions,
                "models": totals.models,
                "rows": totals.rows,
                "files": totals.files,
                "size": totals.size,
            },
        }

    def _checks_dict(self) -> dict:
        """The integrity facts of the selection, JSON-ready (empty when they were not read)."""
        if self.checks is None:
            return {}
        return {
            "dangling": [dataclasses.asdict(item) for item in self.dangling],
            "natural_keys": [dataclasses.asdict(item) for item in self.broken_natural_keys],
            "file_references": [dataclasses.asdict(item) for item in self.file_reference_warnings],
            "remapped_references": [w.message for w in self.remapped_references],
        }

    def _definition_dict(self, item: DefinitionPlan) -> dict:
        return {
            "name": item.name,
            "selected": item.selected and self.with_data,
            "is_drain": item.is_drain,
            "filename": item.archive_name,
            "format": item.format,
            "models": [{"label": m.label, "rows": m.rows} for m in item.models],
            "excludes": list(item.excludes),
            "implicit_excludes": list(item.implicit_excludes),
            "drain_excludes": list(item.drain_excludes),
            "options": item.options,
            "command": item.command,
            "rows": item.rows,
            "warnings": [w.message for w in self.warnings_for(item.name)],
            "dangling": [
                dataclasses.asdict(found)
                for found in (self.checks.dangling if self.checks else ())
                if found.model in item.labels
            ],
            "natural_keys": [
                dataclasses.asdict(check) for check in self.broken_natural_keys_for(item.name)
            ],
        }

    def _storage_dict(self, item: StoragePlan) -> dict:
        return {
            "path": str(item.path),
            "name": item.arcname,
            "selected": item.selected and self.with_storages,
            "files": item.files,
            "size": item.size,
            "pattern_syntax": item.pattern_syntax,
            "entries": [
                {"name": e.arcname, "kind": e.kind, "size": e.size}
                | ({"target": e.link_target} if e.link_target else {})
                for e in item.entries
            ],
            "excluded": [
                {"name": e.arcname, "pattern": e.pattern, "is_dir": e.is_dir} for e in item.excluded
            ],
            "skipped_links": [
                {"name": e.arcname, "target": e.target, "reason": e.reason}
                | ({"unreadable": True} if e.unreadable else {})
                for e in item.skipped_links
            ],
        }


@dataclass(frozen=True)
class FileReferenceWarning:
    """``count`` rows of ``model`` whose ``field`` names a file the archive will not hold.

    ``reason``: ``"excluded"`` (by ``pattern`` of storage ``storage``),
    ``"missing"`` (no such file) or ``"outside"`` (in no archived storage).
    ``example`` is one such file, relative to its storage when it is in one.
    """

    model: str
    field: str
    reason: str
    count: int
    example: str
    pattern: str | None = None
    storage: str | None = None


def file_reference_warnings(
    references: list[FileReferences], storages, with_storages: bool
) -> tuple[FileReferenceWarning, ...]:
    """What the files named by ``references`` become in the archive, where they are lost.

    Each file is looked for in the selected storages: archived (fine), left
    out by an exclusion pattern (``excluded``), or absent from disk
    (``missing``); a file under no selected storage is ``outside`` when some
    storage is archived (a data-only dump holds no file: not a warning).
    Skipped entries (links, unreadable) have their own warnings.
    """
    selected = [item for item in storages if item.selected] if with_storages else []
    places = [_StoragePlace(item) for item in selected]
    groups: dict[tuple, list] = {}
    for reference in references:
        for _pk, path, exists in reference.files:
            found = _lost_file(path, exists, places)
            if found is None:
                continue
            reason, example, pattern, storage = found
            key = (reference.model, reference.field, reason, pattern, storage)
            groups.setdefault(key, [0, example])[0] += 1
    return tuple(
        FileReferenceWarning(model, field_name, reason, total, example, pattern, storage)
        for (model, field_name, reason, pattern, storage), (total, example) in groups.items()
    )


class _StoragePlace:
    """A selected storage's archived files and exclusions, by absolute path."""

    def __init__(self, storage: StoragePlan):
        self.name = storage.arcname
        self.root = os.path.realpath(storage.path)
        self.archived = {os.path.abspath(entry.path) for entry in storage.entries}
        self.excluded_files = {
            os.path.abspath(entry.path): entry.pattern
            for entry in storage.excluded
            if not entry.is_dir
        }
        self.excluded_dirs = [
            (os.path.abspath(entry.path) + os.sep, entry.pattern)
            for entry in storage.excluded
            if entry.is_dir
        ]
        self.skipped = {os.path.abspath(entry.path) for entry in storage.skipped_links}

    def holds(self, path: str) -> bool:
        return path.startswith(self.root + os.sep)

    def pattern_for(self, path: str) -> str | None:
        if path in self.excluded_files:
            return self.excluded_files[path]
        return next(
            (pattern for folder, pattern in self.excluded_dirs if path.startswith(folder)), None
        )


def _lost_file(path: str, exists: bool, places) -> tuple | None:
    """``(reason, example, pattern, storage)`` for a file the archive will not hold, else None."""
    place = next((item for item in places if item.holds(path)), None)
    if place is None:
        if not exists:
            return ("missing", path, None, None)
        return ("outside", path, None, None) if places else None
    shown = os.path.relpath(path, place.root)
    if path in place.archived or path in place.skipped:
        return None
    pattern = place.pattern_for(path)
    if pattern is not None:
        return ("excluded", shown, pattern, place.name)
    if not exists:
        return ("missing", shown, None, place.name)
    return None


def _unreadable_problem(entry: SkippedLink) -> str:
    """``media/locked: permission denied (exclude it with a pattern, or …)``."""
    fixes = "exclude it with a pattern, or leave it out with --skip-unreadable"
    if entry.reason == REASON_NOT_UTF8:
        fixes = "rename it, " + fixes
    return f"{entry.arcname}: {entry.reason} ({fixes})"


def _reselected(items: tuple, wanted: set, key: str) -> tuple:
    """``items`` with ``selected`` set where their ``key`` attribute is ``wanted``."""
    return tuple(dataclasses.replace(item, selected=getattr(item, key) in wanted) for item in items)


def clashing_names(names) -> list[tuple[str, int]]:
    """Names that would be one member once extracted: equal, or equal but for case.

    One ``(spellings, count)`` per clash, in first-seen order: ``("'a.json'",
    2)``, or ``("'A.json' and 'a.json'", 2)``; empty when every name is its
    own. Case counts because some file systems ignore it.
    """
    groups: dict[str, list[str]] = {}
    for name in names:
        if isinstance(name, str):
            groups.setdefault(name.casefold(), []).append(name)
    return [
        (" and ".join(f"'{spelling}'" for spelling in dict.fromkeys(spellings)), len(spellings))
        for spellings in groups.values()
        if len(spellings) > 1
    ]


class FilenameError(ValueError):
    """An archive filename template that cannot be used."""


#: The placeholders of an archive filename, and the only braces it may hold.
FILENAME_FIELDS = ("features", "date")
_FILENAME_PART = re.compile(r"\{([^{}]*)\}|[{}]")


def format_filename(template: str, features: str, created: datetime) -> str:
    """Fill ``{features}`` and ``{date}`` in an archive filename template.

    The template is not given to :meth:`str.format`: ``{features}`` and
    ``{date}`` are replaced, and any other brace (``{features!r}``,
    ``{features.__class__}``, ``{}``, a lone ``{``) is refused. Raises
    :class:`FilenameError` for that, for a slash or a control character, and
    for a name not ending in ``.tar.gz``.
    """
    if not template.endswith(".tar.gz"):
        raise FilenameError(f"archive filename must end with '.tar.gz': {template!r}")
    control = [char for char in template if unicodedata.category(char) in ("Cc", "Cs")]
    if control:
        raise FilenameError(
            f"archive filename {template!r} holds a control character or an undecodable "
            f"byte ({control[0]!r})"
        )
    values = {"features": features, "date": created.isoformat(timespec="seconds").replace(":", "")}

    def fill(match: re.Match) -> str:
        field = match.group(1)
        if field is None:
            raise FilenameError(
                f"archive filename {template!r} has a lone {match.group(0)!r}: "
                "braces may only write {features} and {date}"
            )
        if field not in FILENAME_FIELDS:
            raise FilenameError(
                f"archive filename {template!r} uses unknown field {match.group(0)}: "
                "only {features} and {date} are filled in"
            )
        return values[field]

    name = _FILENAME_PART.sub(fill, template)
    if "/" in name or name in (".tar.gz",) or name.startswith("."):
        raise FilenameError(f"archive filename must be a plain file name: {name!r}")
    return name

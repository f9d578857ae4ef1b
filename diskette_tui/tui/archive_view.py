"""What the archive app shows, computed in the worker thread (no Textual here).

An archive's storages are folded into the same :class:`~.folders.Folder`
index as the dump preview's, so the archive tree has the preview's folder
totals and lazy building: each storage's members are presented as a
:class:`~diskette_tui.core.plan.StoragePlan`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..core import reader
from ..core.restore import LoadPlan
from ..core.plan import StorageEntry, StoragePlan
from ..exceptions import DisketteError
from .folders import Folder, build_storage_index

_ENTRY_KINDS = {"file": "file", "dir": "dir", "symlink": "link", "hardlink": "link"}


@dataclass(frozen=True)
class ArchiveView:
    """An archive as read, and for a load the plan made of it.

    ``report`` compares the members with ``SHA256SUMS`` and ``refusals`` says
    why ``diskette load`` would refuse the archive (inspect only: a load plan
    exists only for an archive that passed both).
    """

    contents: reader.ArchiveContents
    report: reader.VerifyReport | None = None
    refusals: tuple[str, ...] = ()
    plan: LoadPlan | None = None
    indexes: dict[str, Folder] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        """The archive file."""
        return self.contents.path


def storage_plan(contents: reader.ArchiveContents, name: str) -> StoragePlan:
    """The members of one archive storage, as the dump preview's storage plan.

    Sorted by name: archive order is the writer's walk order (diskette
    0.6.0's is arbitrary), and the tree lists files in the order they come.
    """
    members = sorted(contents.storage_members(name), key=lambda member: member.name)
    entries = tuple(
        StorageEntry(
            location=member.name,
            arcname=member.name,
            kind=_ENTRY_KINDS.get(member.kind, "file"),
            size=member.size,
            link_target=member.linkname or None,
        )
        for member in members
        if member.kind in _ENTRY_KINDS
    )
    return StoragePlan(path=Path(name), arcname=name, entries=entries)


def build_archive_indexes(contents: reader.ArchiveContents) -> dict[str, Folder]:
    """The folder index of every storage the manifest lists."""
    return {name: build_storage_index(storage_plan(contents, name)) for name in contents.storages}


def inspect_view(contents: reader.ArchiveContents) -> ArchiveView:
    """Verify the checksums and judge the safety of an archive read by :func:`reader.scan`."""
    try:
        reader.check_safety(contents)
        refusals: tuple[str, ...] = ()
    except DisketteError as exc:
        refusals = tuple(exc.problems or [str(exc)])
    return ArchiveView(
        contents=contents,
        report=reader.verify(contents),
        refusals=refusals,
        indexes=build_archive_indexes(contents),
    )


def load_view(plan: LoadPlan) -> ArchiveView:
    """A checked and verified load plan (``Loader.plan`` did both)."""
    return ArchiveView(
        contents=plan.contents, plan=plan, indexes=build_archive_indexes(plan.contents)
    )

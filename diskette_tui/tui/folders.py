"""A folder index of a storage plan, so that the storage tree can be built lazily.

A :class:`StoragePlan` lists every member flat (100,000 files is a normal media
folder). The tree shows one folder at a time, with the totals of everything
below it, so the flat list is folded once into :class:`Folder` nodes — in the
worker thread, before the UI sees the plan. No Textual import here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.plan import ExcludedEntry, SkippedLink, StorageEntry, StoragePlan


@dataclass
class Folder:
    """One folder of a storage: its direct members and the totals below it."""

    name: str
    arcname: str
    folders: dict[str, Folder] = field(default_factory=dict)
    files: list[StorageEntry] = field(default_factory=list)
    links: list[StorageEntry] = field(default_factory=list)
    excluded: list[ExcludedEntry] = field(default_factory=list)
    skipped: list[SkippedLink] = field(default_factory=list)
    #: Regular files archived below this folder (all depths) and their bytes.
    file_count: int = 0
    size: int = 0
    #: Excluded members and skipped links below this folder (all depths).
    excluded_count: int = 0
    skipped_count: int = 0

    def sorted_folders(self) -> list[Folder]:
        """Sub-folders by name."""
        return [self.folders[name] for name in sorted(self.folders)]


def _parts(root: str, arcname: str) -> list[str]:
    relative = arcname[len(root) + 1 :] if arcname.startswith(root + "/") else arcname
    return [part for part in relative.split("/") if part]


def _walk(folder: Folder, parts: list[str]) -> list[Folder]:
    """Folders from ``folder`` down to the parent of ``parts[-1]``, created on the way."""
    chain = [folder]
    for part in parts[:-1]:
        child = folder.folders.get(part)
        if child is None:
            child = Folder(part, f"{folder.arcname}/{part}")
            folder.folders[part] = child
        folder = child
        chain.append(folder)
    return chain


def build_storage_index(storage: StoragePlan, match: str = "") -> Folder:
    """Fold a storage's entries into folders.

    ``match`` keeps only members whose archive name contains it (case-insensitive),
    with the folders leading to them: this is the tree filter.
    """
    root = Folder(storage.arcname, storage.arcname)
    needle = match.lower()

    def wanted(arcname: str) -> bool:
        return not needle or needle in arcname.lower()

    for entry in storage.entries:
        parts = _parts(storage.arcname, entry.arcname)
        if not parts or not wanted(entry.arcname):
            continue
        if entry.kind == "dir":
            _walk(root, parts + [""])
            continue
        chain = _walk(root, parts)
        if entry.kind == "file":
            chain[-1].files.append(entry)
            for folder in chain:
                folder.file_count += 1
                folder.size += entry.size
        else:
            chain[-1].links.append(entry)
    for excluded in storage.excluded:
        parts = _parts(storage.arcname, excluded.arcname)
        if not parts or not wanted(excluded.arcname):
            continue
        chain = _walk(root, parts)
        chain[-1].excluded.append(excluded)
        for folder in chain:
            folder.excluded_count += 1
    for link in storage.skipped_links:
        parts = _parts(storage.arcname, link.arcname)
        if not parts or not wanted(link.arcname):
            continue
        chain = _walk(root, parts)
        chain[-1].skipped.append(link)
        for folder in chain:
            folder.skipped_count += 1
    return root


def build_indexes(plan, match: str = "") -> dict[str, Folder]:
    """The folder index of every storage of a plan, by storage archive name."""
    return {storage.arcname: build_storage_index(storage, match) for storage in plan.storages}

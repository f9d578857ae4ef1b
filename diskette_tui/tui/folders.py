"""A folder index of a storage plan, so that the storage tree can be built lazily.

A :class:`StoragePlan` lists every member flat (100,000 files is a normal media
folder). The tree shows one folder at a time, with the totals of everything
below it, so the flat list is folded once into :class:`Folder` nodes — in the
worker thread, before the UI sees the plan. No Textual import here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import compress

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
    #: The files' archive names in lower case, made by the first filter.
    _search_names: list[str] | None = field(default=None, repr=False, compare=False)
    #: The files' sizes, in the order of :attr:`files` (made with the names).
    _sizes: list[int] | None = field(default=None, repr=False, compare=False)
    #: The search names on lines of one string: a filter none of them contains skips them.
    _joined_names: str | None = field(default=None, repr=False, compare=False)

    def search_names(self) -> list[str]:
        """The files' archive names in lower case (what the ``/`` filter compares)."""
        if self._search_names is None:
            self._search_names = [entry.arcname.lower() for entry in self.files]
        return self._search_names

    def any_name_contains(self, needle: str) -> bool:
        """Whether some file's search name contains ``needle`` (one C search, no loop)."""
        if self._joined_names is None:
            self._joined_names = "\n".join(self.search_names())
        return needle in self._joined_names

    def file_sizes(self) -> list[int]:
        """The sizes of :attr:`files`, in their order (summed by the ``/`` filter)."""
        if self._sizes is None:
            self._sizes = [entry.size for entry in self.files]
        return self._sizes

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
    with the folders leading to them: see :func:`filter_index`.
    """
    root = Folder(storage.arcname, storage.arcname)

    def chain_of(arcname: str, leaf: bool = True) -> list[Folder]:
        """The folders from the root down to ``arcname``'s (none: not below the root)."""
        parts = _parts(storage.arcname, arcname)
        if not parts:
            return []
        return _walk(root, parts if leaf else parts + [""])

    for entry in storage.entries:
        if entry.kind == "dir":
            chain_of(entry.arcname, leaf=False)
            continue
        chain = chain_of(entry.arcname)
        if not chain:
            continue
        if entry.kind == "file":
            chain[-1].files.append(entry)
            for folder in chain:
                folder.file_count += 1
                folder.size += entry.size
        else:
            chain[-1].links.append(entry)
    # What the archive leaves out: listed in its folder, counted in every folder above.
    left_out = (("excluded", storage.excluded), ("skipped", storage.skipped_links))
    for kind, members in left_out:
        for member in members:
            chain = chain_of(member.arcname)
            if chain:
                getattr(chain[-1], kind).append(member)
            for folder in chain:
                setattr(folder, f"{kind}_count", getattr(folder, f"{kind}_count") + 1)
    _prepare_search(root)  # here in the worker, not at the first key of a filter
    return filter_index(root, match) if match else root


def _prepare_search(folder: Folder) -> None:
    folder.any_name_contains("")
    folder.file_sizes()
    for child in folder.folders.values():
        _prepare_search(child)


def _matching(members: list, needle: str) -> list:
    return [member for member in members if needle in member.arcname.lower()]


def _keep_files(folder: Folder, kept: Folder, needle: str) -> None:
    """Give ``kept`` the files of ``folder`` whose search name contains ``needle``.

    C loops over 1,000s of names: a mask, then the files, names and sizes it
    keeps (the names and sizes too: a longer filter narrows ``kept`` without
    lowering names again). No name matching or every name matching are common
    (a folder's files share a prefix): the lists are then left out or shared.
    """
    if not folder.files or not folder.any_name_contains(needle):
        return
    names = folder.search_names()
    found = [needle in name for name in names]
    if all(found):  # never changed once built: shared, not copied
        kept.files, kept._search_names, kept._sizes = folder.files, names, folder.file_sizes()
        kept._joined_names = folder._joined_names
        return
    kept.files = list(compress(folder.files, found))
    kept._search_names = list(compress(names, found))
    kept._sizes = list(compress(folder.file_sizes(), found))


def _filtered(folder: Folder, needle: str) -> Folder | None:
    """``folder`` cut down to what matches ``needle`` (None: nothing below it does)."""
    if needle in folder.arcname.lower():
        return folder  # every member's archive name contains the folder's
    kept = Folder(folder.name, folder.arcname)
    for name, child in folder.folders.items():
        found = _filtered(child, needle)
        if found is not None:
            kept.folders[name] = found
    _keep_files(folder, kept, needle)
    kept.links = _matching(folder.links, needle)
    kept.excluded = _matching(folder.excluded, needle)
    kept.skipped = _matching(folder.skipped, needle)
    below = kept.folders.values()
    kept.file_count = len(kept.files) + sum(child.file_count for child in below)
    kept.size = sum(kept.file_sizes()) + sum(child.size for child in below)
    kept.excluded_count = len(kept.excluded) + sum(child.excluded_count for child in below)
    kept.skipped_count = len(kept.skipped) + sum(child.skipped_count for child in below)
    if kept.folders or kept.files or kept.links or kept.excluded or kept.skipped:
        return kept
    return None


def filter_index(root: Folder, match: str) -> Folder:
    """The members of ``root`` whose archive name contains ``match`` (case-insensitive).

    Derived from the whole index (a folder whose own name matches is shared,
    not copied), so the preview's ``/`` filter costs one pass over the names,
    not a new fold of the storage. The folders leading to a match are kept,
    with totals of what matches below them. ``root`` may itself be filtered,
    by a part of ``match``: what contains ``match`` contains that part too.
    """
    if not match:
        return root
    return _filtered(root, match.lower()) or Folder(root.name, root.arcname)


def build_indexes(plan, match: str = "") -> dict[str, Folder]:
    """The folder index of every storage of a plan, by storage archive name."""
    return {storage.arcname: build_storage_index(storage, match) for storage in plan.storages}


def filter_indexes(indexes: dict[str, Folder], match: str) -> dict[str, Folder]:
    """Each storage index of ``indexes`` through :func:`filter_index`."""
    return {name: filter_index(root, match) for name, root in indexes.items()}


class FilteredIndexes:
    """The storage indexes of a plan cut down to the ``/`` filter, the last few remembered.

    Typing one more letter narrows the result of the filter typed so far
    (what contains ``f00`` is among what contains ``f0``) instead of the whole
    index, and ``backspace`` back to a filter seen before costs nothing: on
    100,000 files each saves a pass over every name. ``keep`` bounds the
    memory: a result shares the lists of folders it keeps whole and copies
    the others' (up to three lists of references per file it keeps).
    """

    def __init__(self, whole: dict[str, Folder], keep: int = 16) -> None:
        self.whole = whole
        self._keep = keep
        #: Results by lower-case filter, oldest first.
        self._results: dict[str, dict[str, Folder]] = {}

    def get(self, match: str) -> dict[str, Folder]:
        """The indexes of the members whose archive name contains ``match`` (case-insensitive)."""
        needle = match.lower()
        if not needle:
            return self.whole
        found = self._results.pop(needle, None)
        if found is None:
            # The longest remembered filter that is part of this one is the narrowest start.
            parts = [seen for seen in self._results if seen in needle]
            start = self._results[max(parts, key=len)] if parts else self.whole
            found = filter_indexes(start, needle)
        self._results[needle] = found  # the newest last
        while len(self._results) > self._keep:
            del self._results[next(iter(self._results))]
        return found

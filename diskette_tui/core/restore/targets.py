"""What restoring a storage changes at its target folder, found before anything is written.

For each storage of the archive: where its files go (a storage folder that is
a link is restored where it points), which files the target holds now, which
of them the archive overwrites and, in ``replace`` mode, which go. In
``merge`` mode a file of the archive cannot land where the target has a
folder, or under a link or a file: those are refused here, not half-way
through the load.
"""

from __future__ import annotations

import os
from pathlib import Path

from ...exceptions import ArchiveError
from ...wording import count
from ..reader import ArchiveContents, Member
from .plan import StorageLoadPlan

#: Conflicts reported at most, per storage (then one line says how many more).
MAX_CONFLICTS = 20


def storage_plan(
    contents: ArchiveContents, name: str, basepath: Path, mode: str
) -> StorageLoadPlan:
    """What restoring storage ``name`` under ``basepath`` in ``mode`` changes.

    Raises :class:`ArchiveError` when the target is not a folder, or (merge)
    when archive files collide with folders, links or files of the target.
    """
    members = contents.storage_members(name)
    folder = basepath / name
    # A storage folder that is a link (media -> /srv/media) is restored where it points.
    target = Path(os.path.realpath(folder)) if folder.is_symlink() else folder
    if target.exists() and not target.is_dir():
        raise ArchiveError(f"storage {name!r}: target {folder} exists and is not a folder")
    existing = existing_files(target)
    incoming = {member.name[len(name) + 1 :]: member for member in members}
    if mode == "merge" and target.is_dir():
        problems = merge_conflicts(name, target, incoming)
        if problems:
            raise ArchiveError(problems=problems)
    # (In merge mode a folder of the archive where the target has a file was refused above.)
    overwritten = existing & set(incoming)
    return StorageLoadPlan(
        name=name,
        target=target,
        **member_totals(members),
        mode=mode,
        exists=target.exists(),
        existing=len(existing),
        overwritten=len(overwritten),
        removed=len(existing - set(incoming)) if mode == "replace" else 0,
        folder=folder,
    )


def existing_files(target: Path) -> set[str]:
    """Files and links (links to folders included) under ``target``, by relative path."""
    found = set()
    if not target.is_dir():
        return found
    for root, dirs, files in os.walk(target):
        rel_root = os.path.relpath(root, target)
        for item in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            found.add(item if rel_root == "." else f"{rel_root}/{item}")
    return found


def merge_conflicts(name: str, target: Path, incoming: dict[str, Member]) -> list[str]:
    """Archive members of storage ``name`` that cannot be merged into ``target``.

    One line per problem: the members that a link or a file of the target
    blocks (a folder of the archive that is a link or a file in the target,
    and everything under it) make one line naming that path.
    """
    problems = []
    blocked: dict[str, int] = {}  # relative path of a blocking link or file -> members
    for rel, member in incoming.items():
        blocker = _blocking_parent(target, rel)
        if blocker is None and member.kind == "dir" and _link_or_file(target / rel):
            blocker = rel
        if blocker is not None:
            blocked[blocker] = blocked.get(blocker, 0) + 1
            continue
        why = _blocked_place(target / rel, member)
        if why:
            problems.append(f"storage {name!r}: cannot merge {member.name}: {why}")
    for rel, members in blocked.items():
        path = target / rel
        what = "a link" if path.is_symlink() else "a file"
        problems.append(
            f"storage {name!r}: cannot merge {name}/{rel} "
            f"({count(members, 'archive member')}): {path} is {what} in the target"
        )
    if len(problems) > MAX_CONFLICTS:
        more = len(problems) - MAX_CONFLICTS
        problems = problems[:MAX_CONFLICTS] + [f"storage {name!r}: … and {more} more conflicts"]
    return problems


def _link_or_file(path: Path) -> bool:
    return path.is_symlink() or (path.exists() and not path.is_dir())


def _blocking_parent(target: Path, rel: str) -> str | None:
    """The first folder on the way to ``rel`` that is a link or a file in the target, or None."""
    parts = rel.split("/")
    for depth in range(1, len(parts)):
        if _link_or_file(target.joinpath(*parts[:depth])):
            return "/".join(parts[:depth])
    return None


def _blocked_place(path: Path, member: Member) -> str | None:
    """Why ``member`` cannot be written at ``path`` of the target, or None."""
    if member.kind == "dir":
        if path.is_symlink() or (path.exists() and not path.is_dir()):
            return f"{path} exists and is not a folder"
    elif path.is_dir() and not path.is_symlink():
        return f"{path} is a folder"
    return None


def member_totals(members) -> dict:
    """A storage's ``files``, ``dirs``, ``links`` and ``size`` from its archive members."""
    return {
        "files": sum(1 for m in members if m.kind in ("file", "hardlink")),
        "dirs": sum(1 for m in members if m.kind == "dir"),
        "links": sum(1 for m in members if m.kind == "symlink"),
        "size": sum(m.size for m in members if m.kind == "file"),
    }

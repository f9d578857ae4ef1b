"""The names of diskette's temporary files, and finding those a killed run left behind.

Every temporary file or folder a dump or a load makes carries its owner in its
name, ``{pid}@{host}-{8 hex digits}``:

- a dump writes ``.{archive name}.diskette-{owner}.part`` and
  ``.diskette-work-{owner}/`` in the destination folder;
- a load stages each storage in ``.{folder}.diskette-new-{owner}/`` and keeps
  what it needs to undo in ``.{folder}.diskette-undo-{owner}/``, beside the
  target; its data files go to ``diskette-load-{owner}/`` in the temporary folder.

An entry is a leftover only when its whole name matches one of these
patterns, it belongs to the current user, it was made on this host and its
process is gone: a file merely named alike, or the temporary file of a dump
still running, is never touched.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

_OWNER = r"(?P<pid>[0-9]+)@(?P<host>[A-Za-z0-9._-]+)-[0-9a-f]{8}"

#: kind -> full-name pattern (``target`` is the archive or storage folder name).
PATTERNS = {
    "part": re.compile(rf"\.(?P<target>.+)\.diskette-{_OWNER}\.part", re.DOTALL),
    "work": re.compile(rf"\.diskette-work-{_OWNER}"),
    "new": re.compile(rf"\.(?P<target>.+)\.diskette-new-{_OWNER}", re.DOTALL),
    "undo": re.compile(rf"\.(?P<target>.+)\.diskette-undo-{_OWNER}", re.DOTALL),
    "load": re.compile(rf"diskette-load-{_OWNER}"),
}
#: Which kinds are folders (the others are files).
FOLDER_KINDS = frozenset({"work", "new", "undo", "load"})


def host_name() -> str:
    """This host's name, reduced to the characters a leftover's name allows."""
    name = re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname())
    return name or "localhost"


def owner_tag() -> str:
    """A new ``{pid}@{host}-{random}`` tag naming this process as the owner."""
    return f"{os.getpid()}@{host_name()}-{secrets.token_hex(4)}"


def part_name(archive_name: str, tag: str) -> str:
    """The temporary name of an archive being written."""
    return f".{archive_name}.diskette-{tag}.part"


def work_name(tag: str) -> str:
    """The folder where a dump writes its data files."""
    return f".diskette-work-{tag}"


def staging_name(folder_name: str, tag: str) -> str:
    """The folder where a load stages a storage, beside its target."""
    return f".{folder_name}.diskette-new-{tag}"


def undo_name(folder_name: str, tag: str) -> str:
    """The folder where a load keeps what it needs to undo a storage, beside its target."""
    return f".{folder_name}.diskette-undo-{tag}"


def load_name(tag: str) -> str:
    """The folder (in the temporary folder) where a load stages its data files."""
    return f"diskette-load-{tag}"


@dataclass(frozen=True)
class Leftover:
    """A temporary file or folder left by a dump or a load that is gone."""

    path: Path
    kind: str  # a key of PATTERNS
    target: str  # the archive or storage folder it was for ("" for work and data folders)
    size: int  # bytes of the files it holds


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (one of another user counts as alive)."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def find_leftovers(folder: Path, kinds=tuple(PATTERNS)) -> list[Leftover]:
    """Leftovers of the given kinds in ``folder``, sorted by name (none if unreadable)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    found = []
    for entry in sorted(entries, key=lambda item: item.name):
        leftover = _leftover(entry, kinds)
        if leftover is not None:
            found.append(leftover)
    return found


def _leftover(entry: os.DirEntry, kinds) -> Leftover | None:
    """``entry`` as a :class:`Leftover`, or None when it is not one of ours, or not abandoned."""
    for kind in kinds:
        match = PATTERNS[kind].fullmatch(entry.name)
        if match is None:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            is_folder = entry.is_dir(follow_symlinks=False)
        except OSError:
            return None
        if (
            is_folder != (kind in FOLDER_KINDS)
            or st.st_uid != os.getuid()
            or match["host"] != host_name()
            or process_alive(int(match["pid"]))
        ):
            return None
        target = match.groupdict().get("target") or ""
        size = tree_size(Path(entry.path)) if is_folder else st.st_size
        return Leftover(Path(entry.path), kind, target, size)
    return None


def tree_size(folder: Path) -> int:
    """Bytes of the files under ``folder`` (links not followed)."""
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def remove(leftover: Leftover) -> bool:
    """Delete a leftover; whether it is gone."""
    try:
        if leftover.kind in FOLDER_KINDS:
            shutil.rmtree(leftover.path)
        else:
            leftover.path.unlink()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True

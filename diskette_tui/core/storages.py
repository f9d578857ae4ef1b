"""Storages: validate the media folders to archive, walk them, apply excludes.

A storage is a folder inside the storages base path; its members are archived
under their path relative to that base path (``media/pictures/a.jpg``). The
walk here is the only one: the archive writer takes its file list from the
:class:`~diskette_tui.core.plan.StoragePlan` built by :class:`StorageScan`.

Exclusion patterns are matched against paths relative to each storage, in one
of two syntaxes (:class:`ExcludePatterns`): gitignore-style
(:class:`pathspec.GitIgnoreSpec`, the default and ``diskette.toml``'s), where
folders are matched with a trailing slash so that ``cache/`` works and an
excluded folder is not walked at all; or diskette's fnmatch (the
``DISKETTE_STORAGES_EXCLUDES`` setting), where ``*`` also crosses ``/`` and
only files and links are matched, as diskette matches them.

This module does not import Django: it is tested without settings.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from operator import attrgetter
from pathlib import Path

import pathspec

from diskette_tui.core.plan import (
    REASON_NOT_UTF8,
    RESERVED_NAMES,
    ExcludedEntry,
    SkippedLink,
    StorageEntry,
    StoragePlan,
)
from diskette_tui.core.progress import ProgressCallback, ProgressUpdate
from diskette_tui.exceptions import DumperError

#: Entries seen between two progress reports and cancellation checks.
PROGRESS_EVERY = 500

REASON_OUTSIDE = "points outside the storage"
REASON_BROKEN = "broken link"
REASON_LOOP = "link loop"
REASON_ABSOLUTE = "absolute link target"
REASON_SPECIAL = "not a regular file"
REASON_PERMISSION = "permission denied"
REASON_TARGET_NOT_UTF8 = "link target is not valid UTF-8"

#: ``os.access`` answers for the user the dump runs as (effective ids) where it can.
_ACCESS_EFFECTIVE = os.access in os.supports_effective_ids

#: Pattern syntaxes: gitignore-style (pathspec) and diskette's fnmatch.
GITIGNORE = "gitignore"
FNMATCH = "fnmatch"
PATTERN_SYNTAXES = (GITIGNORE, FNMATCH)

_by_name = attrgetter("name")


# Validation -------------------------------------------------------------


def validate_storages(storages, basepath) -> list[str]:
    """Return one problem line per bad storage; an empty list when all are good.

    ``storages`` is a list of paths (:class:`~pathlib.Path` or ``str``) and
    ``basepath`` the storages base path. A storage is bad when it does not
    exist, is not a folder, is the base path itself, is not inside the base
    path (both resolved, so symbolic links are followed), starts with a name
    the archive reserves (``data``, ``manifest.json``, ``SHA256SUMS``), is
    listed twice (however spelled), or is nested in another listed storage
    (reported once per pair). A storage that does not exist or is not a folder
    gets only that problem. Never raises for bad input.
    """
    problems: list[str] = []
    if storages is None:
        storages = []
    elif isinstance(storages, (str, os.PathLike)):
        # A lone path given where a list is expected: iterating it would
        # report one bogus storage per character.
        storages = [storages]

    base_real = _resolve_basepath(basepath, problems)

    seen: dict[Path, Path] = {}
    valid: list[tuple[Path, Path]] = []
    for raw in storages:
        path, real, problem = _storage_folder(raw)
        if problem is None and real in seen:
            problem = f"storage is listed twice: {path} (same folder as {seen[real]})"
        elif problem is None:
            seen[real] = path
            if base_real is not None:
                problem = _placement_problem(path, real, basepath, base_real)
        if problem is None:
            valid.append((path, real))
        else:
            problems.append(problem)
    return problems + _nesting_problems(valid)


def _storage_folder(raw) -> tuple[Path | None, Path | None, str | None]:
    """A storage as given and resolved, or the problem that stops checking it."""
    try:
        path = Path(raw)
    except TypeError:
        return None, None, f"storage is not a path: {raw!r}"
    try:
        exists = path.exists()
        is_dir = exists and path.is_dir()
    except OSError as exc:
        return path, None, f"storage cannot be read ({exc.strerror}): {path}"
    if not exists:
        return path, None, f"storage does not exist: {path}"
    if not is_dir:
        return path, None, f"storage is not a folder: {path}"
    try:
        return path, path.resolve(), None
    except (OSError, RuntimeError) as exc:
        return path, None, f"storage path cannot be resolved ({exc}): {path}"


def _nesting_problems(valid: list[tuple[Path, Path]]) -> list[str]:
    """One problem per pair of storages where one is inside the other.

    Only storages without another problem take part, so that a storage equal
    to the base path does not also "contain" every other one.
    """
    problems = []
    for index, (path, real) in enumerate(valid):
        for other, other_real in valid[index + 1 :]:
            if other_real in real.parents:
                problems.append(f"storage {path} is inside storage {other}")
            elif real in other_real.parents:
                problems.append(f"storage {other} is inside storage {path}")
    return problems


def _resolve_basepath(basepath, problems: list[str]) -> Path | None:
    """Resolve the base path, adding a problem when it is unusable."""
    try:
        base = Path(basepath)
        base_real = base.resolve()
    except (TypeError, OSError, RuntimeError):
        problems.append(f"storages base path is not a valid path: {basepath!r}")
        return None
    try:
        if not base.exists():
            problems.append(f"storages base path does not exist: {base}")
        elif not base.is_dir():
            problems.append(f"storages base path is not a folder: {base}")
    except OSError as exc:
        problems.append(f"storages base path cannot be read ({exc.strerror}): {base}")
    return base_real


def _lexically_inside(path: Path, basepath, base_real: Path) -> bool:
    """Whether ``path`` is written inside the base path (links not followed)."""
    written = Path(os.path.abspath(path))
    return any(base in written.parents for base in (Path(os.path.abspath(basepath)), base_real))


def _placement_problem(path: Path, real: Path, basepath, base_real: Path) -> str | None:
    """The problem with where a storage sits relative to the base path, if any."""
    if real == base_real:
        return (
            f"storage is the storages base path itself: {path} "
            "(its members would have no folder in the archive)"
        )
    if base_real not in real.parents:
        if _lexically_inside(path, basepath, base_real):
            return (
                f"storage is a symbolic link (or under one) leading outside the storages base "
                f"path {basepath}: {path} → {real}; list the folder it leads to, under a "
                "base path that holds it"
            )
        return f"storage is not inside the storages base path {basepath}: {path}"
    relative = real.relative_to(base_real).as_posix()
    if not is_utf8(relative):
        return f"storage name is not valid UTF-8: {shown_name(relative)}"
    name = relative.split("/")[0]
    if name in RESERVED_NAMES:
        return (
            f"storage name '{name}' is reserved for the archive's own members "
            f"({', '.join(RESERVED_NAMES)}): {path}"
        )
    return None


# Exclusion patterns ----------------------------------------------------


def check_patterns(patterns, syntax=GITIGNORE) -> list[str]:
    """Return one problem line per invalid exclusion pattern (for config validation).

    A pattern is invalid when it is not a string. A gitignore-style pattern
    (``syntax`` :data:`GITIGNORE`) is also invalid when it spans several lines,
    is rejected by pathspec (``!``, a trailing backslash...) or can match
    nothing (empty, blank, a ``#`` comment, an unclosed ``[``): such a pattern
    is almost certainly a mistake, and gitignore would drop it silently. Any
    string is an fnmatch pattern (:data:`FNMATCH`), as in diskette. In either
    syntax a pattern holding a NUL character is invalid: it matches no name.
    """
    if syntax not in PATTERN_SYNTAXES:
        return [f"unknown exclusion pattern syntax {syntax!r} (use gitignore or fnmatch)"]
    if patterns is None:
        return []
    if isinstance(patterns, (str, bytes)):
        return [f"exclusion patterns must be a list of strings, not one string: {patterns!r}"]
    try:
        patterns = list(patterns)
    except TypeError:
        return [f"exclusion patterns must be a list of strings: {patterns!r}"]
    problems = []
    for pattern in patterns:
        if isinstance(pattern, str) and "\x00" in pattern:
            problem = f"exclusion pattern holds a NUL character (no file name can): {pattern!r}"
        elif syntax == FNMATCH:
            problem = None if isinstance(pattern, str) else _pattern_problem(pattern)
        else:
            problem = _pattern_problem(pattern)
        if problem:
            problems.append(problem)
    return problems


def _pattern_problem(pattern) -> str | None:
    """The problem with one exclusion pattern, or None when it is usable."""
    if not isinstance(pattern, str):
        return f"exclusion pattern is not a string: {pattern!r}"
    if "\n" in pattern or "\r" in pattern:
        # from_lines() would read it as several patterns, breaking the
        # index that names the pattern responsible for an exclusion.
        return f"exclusion pattern spans several lines: {pattern!r}"
    try:
        compiled = pathspec.GitIgnoreSpec.from_lines([pattern]).patterns
    except ValueError as exc:
        return f"invalid exclusion pattern {pattern!r}: {exc}"
    if not compiled or compiled[0].include is None:
        return (
            f"exclusion pattern {pattern!r} matches nothing "
            "(empty, a comment, or a malformed pattern)"
        )
    return None


def compile_excludes(patterns) -> pathspec.GitIgnoreSpec:
    """Compile gitignore-style exclusion patterns, in order (the last match wins).

    Raises :class:`ValueError` naming every invalid pattern (see
    :func:`check_patterns`). The spec's ``patterns`` line up one to one with
    ``patterns``, so a match index names the pattern given by the user.
    """
    patterns = [] if patterns is None else patterns
    problems = check_patterns(patterns)
    if problems:
        raise ValueError("; ".join(problems))
    return pathspec.GitIgnoreSpec.from_lines(list(patterns))


class ExcludePatterns:
    """Exclusion patterns of one syntax, compiled once; :meth:`match` names the one that excludes.

    :data:`GITIGNORE`: gitignore-style, the last match wins, ``!`` re-includes,
    a folder is matched as ``name/`` (and then not walked). :data:`FNMATCH`:
    diskette's meaning, :func:`fnmatch.fnmatch` on the path relative to the
    storage, where ``*`` and ``?`` also match ``/`` (``foo/*.txt`` excludes
    ``foo/bar/bar.txt``); the first match excludes and folders are never
    matched (diskette matches files only). Raises :class:`ValueError` naming
    every invalid pattern (see :func:`check_patterns`).
    """

    def __init__(self, patterns, syntax=GITIGNORE):
        self.patterns = [] if patterns is None else list(patterns)
        self.syntax = syntax
        problems = check_patterns(self.patterns, syntax)
        if problems:
            raise ValueError("; ".join(problems))
        if syntax == FNMATCH:
            self._regexes = [
                re.compile(fnmatch.translate(os.path.normcase(pattern)))
                for pattern in self.patterns
            ]
        else:
            self._spec = pathspec.GitIgnoreSpec.from_lines(self.patterns)

    def match(self, relative: str, is_dir: bool = False) -> str | None:
        """The pattern excluding the entry at ``relative`` (``/``-separated), or None."""
        if self.syntax == FNMATCH:
            if is_dir:
                return None
            name = os.path.normcase(relative)
            return next(
                (
                    pattern
                    for pattern, regex in zip(self.patterns, self._regexes, strict=True)
                    if regex.match(name)
                ),
                None,
            )
        result = self._spec.check_file(relative + "/" if is_dir else relative, ())
        return self.patterns[result.index] if result.include else None


def storage_arcname(storage, basepath) -> str:
    """A storage's archive name: its path relative to the base path, both resolved."""
    real = os.path.realpath(storage)
    return Path(os.path.relpath(real, os.path.realpath(basepath))).as_posix()


# Scanning --------------------------------------------------------------


@dataclass
class _Walk:
    """What one walk of a storage has found so far; the walk's steps add to it."""

    root: str
    arcname: str
    entries: list[StorageEntry] = field(default_factory=list)
    excluded: list[ExcludedEntry] = field(default_factory=list)
    skipped: list[SkippedLink] = field(default_factory=list)
    seen: int = 0
    pattern_syntax: str | None = None

    def skip(
        self, path: Path, arcname: str, reason: str, target: str = "", unreadable: bool = False
    ) -> None:
        """Record an entry that is not archived, and why.

        ``unreadable`` marks what the user running the dump cannot read (or
        name): the dump refuses it unless asked to skip unreadable entries.
        """
        self.skipped.append(SkippedLink(path, arcname, target, reason, unreadable))

    def skip_error(self, path: Path, arcname: str, exc: OSError) -> None:
        """Record an entry that an OS error stops; unreadable unless it vanished."""
        unreadable = not isinstance(exc, FileNotFoundError)
        self.skip(path, arcname, _os_reason(exc), unreadable=unreadable)

    def plan(self) -> StoragePlan:
        """The storage's plan: everything found, in walk order."""
        return StoragePlan(
            path=Path(self.root),
            arcname=self.arcname,
            entries=tuple(self.entries),
            excluded=tuple(self.excluded),
            skipped_links=tuple(self.skipped),
            pattern_syntax=self.pattern_syntax,
        )


class StorageScan:
    """Walks one storage and builds its :class:`StoragePlan`.

    Entries come in a depth-first walk sorted by name within each folder, a
    folder before its contents; every folder is an entry so that empty ones
    are archived too. Nothing is ever followed through a symbolic link:

    - a link is kept (``kind="link"``) only when its target, as written, is
      relative and resolves inside the storage, so that it still works once
      the archive is restored elsewhere;
    - a link pointing outside the storage, an absolute target (even one
      inside the storage: it would point back to this machine's folder after
      a restore elsewhere), a broken link and a link loop are recorded as
      :class:`SkippedLink` with the reason;
    - sockets, fifos and devices are recorded as skipped ("not a regular file");
    - what the user running the scan cannot read — a folder that cannot be
      listed, a file without read permission ("permission denied") — and a
      name (or link target) that is not valid UTF-8 are recorded as skipped
      with ``unreadable`` set: the plan refuses them unless its request says
      ``skip_unreadable``. Such a name is recorded escaped (``caf\\xe9.txt``).

    ``excludes`` are patterns relative to the storage, in ``syntax``
    (:class:`ExcludePatterns`: gitignore-style by default, or fnmatch);
    ``with_storages_excludes=False`` ignores them. ``progress`` receives a
    ``"scan"`` :class:`ProgressUpdate` every 500 entries and once at the end;
    ``is_cancelled`` is asked every 500 entries and a true answer raises
    :class:`KeyboardInterrupt`.
    """

    def __init__(
        self,
        storage: Path,
        basepath: Path,
        excludes: Iterable[str] = (),
        with_storages_excludes: bool = True,
        progress: ProgressCallback | None = None,
        is_cancelled: Callable[[], bool] | None = None,
        syntax: str = GITIGNORE,
    ):
        self.storage = Path(storage)
        self.basepath = Path(basepath)
        self.excludes = list(excludes or ())
        self.syntax = syntax
        self.with_storages_excludes = with_storages_excludes
        self.progress = progress
        self.is_cancelled = is_cancelled
        # Compiled now so that a bad pattern fails before any walking.
        self._patterns = (
            ExcludePatterns(self.excludes, syntax)
            if with_storages_excludes and self.excludes
            else None
        )

    def run(self) -> StoragePlan:
        """Walk the storage and return its plan.

        Raises :class:`~diskette_tui.exceptions.DumperError` (with one problem
        per line) when :func:`validate_storages` rejects the storage, and
        :class:`KeyboardInterrupt` when cancelled.
        """
        problems = validate_storages([self.storage], self.basepath)
        if problems:
            raise DumperError(problems=problems)
        root = os.path.realpath(self.storage)
        walk = _Walk(root=root, arcname=storage_arcname(self.storage, self.basepath))
        walk.pattern_syntax = self.syntax if self.excludes else None
        self._walk(walk)
        if self.progress is not None:
            self.progress(ProgressUpdate(stage="scan", item=walk.arcname, completed=walk.seen))
        return walk.plan()

    def _walk(self, walk: _Walk) -> None:
        """Walk the storage depth-first, each entry excluded, entered or recorded.

        Long because it is the loop run once per entry of the storage (100,000s),
        kept to what each entry needs. Each folder is opened once and its
        entries are ``stat``-ed relative to it (``fstatat``, as ``find`` does),
        not by their whole path; paths stay ``str`` (a ``Path`` is only made
        for what is skipped or excluded); a readable regular file takes no call
        beyond its ``stat``. The stack holds the open folders being listed: a
        subfolder is entered as soon as it is met (depth-first, a folder
        before its contents) and its parent's listing goes on after it.
        """
        match = self._patterns.match if self._patterns is not None else None
        relative_from = len(walk.arcname) + 1
        append, readable = walk.entries.append, _readable_check()
        try:
            stack = [_open_listing(walk.root, walk.arcname + "/")]
        except OSError as exc:
            walk.skip_error(Path(walk.root), walk.arcname, exc)
            return
        seen = walk.seen
        try:
            while stack:
                children, _fd, folder, arcdir = stack[-1]
                for entry in children:
                    seen += 1
                    if seen % PROGRESS_EVERY == 0:
                        walk.seen = seen
                        self._report(walk)
                    name = entry.name
                    path, arcname = folder + name, arcdir + name
                    is_dir = entry.is_dir(follow_symlinks=False)
                    if match is not None:
                        pattern = match(arcname[relative_from:], is_dir)
                        if pattern is not None:
                            walk.excluded.append(_excluded(entry, path, arcname, pattern, is_dir))
                            continue
                    if not is_utf8(name):
                        # Neither tar, SHA256SUMS nor the manifest can carry it as text.
                        walk.skip(Path(path), shown_name(arcname), REASON_NOT_UTF8, unreadable=True)
                    elif is_dir:
                        listing = _enter(walk, _fd, path, arcname)
                        if listing is not None:
                            stack.append(listing)
                            break
                    elif entry.is_file(follow_symlinks=False):
                        try:
                            st = entry.stat(follow_symlinks=False)
                        except OSError as exc:
                            # Removed between listing and stat: nothing left to archive.
                            walk.skip_error(Path(path), arcname, exc)
                            continue
                        if readable(path, st):
                            append(_new_entry((path, arcname, "file", st.st_size, None)))
                        else:
                            walk.skip(Path(path), arcname, REASON_PERMISSION, unreadable=True)
                    elif entry.is_symlink():
                        _add_link(walk, path, arcname)
                    else:
                        walk.skip(Path(path), arcname, REASON_SPECIAL)
                else:
                    os.close(stack.pop()[1])
        finally:
            walk.seen = seen
            for listing in stack:
                os.close(listing[1])

    def _report(self, walk: _Walk) -> None:
        """Check for cancellation, then report progress."""
        if self.is_cancelled is not None and self.is_cancelled():
            raise KeyboardInterrupt(f"scan of storage {walk.arcname} cancelled")
        if self.progress is not None:
            self.progress(ProgressUpdate(stage="scan", item=walk.arcname, completed=walk.seen))


def _excluded(
    entry: os.DirEntry, path: str, arcname: str, pattern: str, is_dir: bool
) -> ExcludedEntry:
    """Record an excluded entry; a regular file keeps its size for the totals.

    A name that is not UTF-8 is kept escaped (:func:`shown_name`), as it is shown.
    """
    if not is_utf8(arcname):
        arcname = shown_name(arcname)
    size = 0
    if not is_dir and entry.is_file(follow_symlinks=False):
        try:
            size = entry.stat(follow_symlinks=False).st_size
        except OSError:
            pass
    return ExcludedEntry(Path(path), arcname, pattern, is_dir, size)


def _add_link(walk: _Walk, path: str, arcname: str) -> None:
    """Keep a link that stays inside the storage; record any other as skipped."""
    try:
        target = os.readlink(path)
    except OSError as exc:
        walk.skip_error(Path(path), arcname, exc)
        return
    if not is_utf8(target):
        walk.skip(Path(path), arcname, REASON_TARGET_NOT_UTF8, shown_name(target), True)
        return
    reason = None
    try:
        real = os.path.realpath(path, strict=True)
    except OSError as exc:
        reason = REASON_LOOP if exc.errno == errno.ELOOP else REASON_BROKEN
    else:
        if real != walk.root and not real.startswith(walk.root + os.sep):
            reason = REASON_OUTSIDE
        elif os.path.isabs(target):
            reason = REASON_ABSOLUTE
    if reason is not None:
        walk.skip(Path(path), arcname, reason, target)
        return
    walk.entries.append(StorageEntry(path, arcname, "link", 0, target))


def scan_storages(
    storages,
    basepath,
    excludes: Iterable[str] = (),
    with_storages_excludes: bool = True,
    progress: ProgressCallback | None = None,
    is_cancelled: Callable[[], bool] | None = None,
    syntax: str = GITIGNORE,
) -> tuple[StoragePlan, ...]:
    """Scan every storage in order and return their plans (see :class:`StorageScan`)."""
    excludes = list(excludes or ())
    return tuple(
        StorageScan(
            storage,
            basepath,
            excludes=excludes,
            with_storages_excludes=with_storages_excludes,
            progress=progress,
            is_cancelled=is_cancelled,
            syntax=syntax,
        ).run()
        for storage in storages
    )


def _readable_check() -> Callable[[str, os.stat_result], bool]:
    """How the walk tells whether the user running it can read a file it has ``stat``-ed.

    ``os.access`` answers exactly (ACLs included) but costs a system call per
    file. Its answer is known without one in the two common cases: for
    root (who reads everything), and for the file's owner, whom only the
    owner's permission bits govern (ACLs never apply to the owner). Any other
    file is asked to ``os.access``.
    """
    euid = os.geteuid() if _ACCESS_EFFECTIVE else os.getuid()
    if euid == 0:
        return lambda path, st: True

    def readable(path: str, st: os.stat_result) -> bool:
        if st.st_uid == euid:
            return bool(st.st_mode & stat.S_IRUSR)
        return os.access(path, os.R_OK, effective_ids=_ACCESS_EFFECTIVE)

    return readable


#: Builds a :class:`StorageEntry` from a full tuple, without the named tuple's
#: Python-level ``__new__`` (the walk makes one per file).
_new_entry = partial(tuple.__new__, StorageEntry)

_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _open_listing(path: str, arcdir: str, parent_fd: int | None = None) -> tuple:
    """A folder opened for the walk: ``(its entries sorted by name, fd, path + "/", arcdir)``.

    The folder is opened without following a link (relative to ``parent_fd``
    when given) and stays open while its entries are looked at: their
    ``stat`` is made relative to it. The caller closes the fd.
    """
    name = os.path.basename(path) if parent_fd is not None else path
    fd = os.open(name, _FOLDER_FLAGS, dir_fd=parent_fd)
    try:
        with os.scandir(fd) as iterator:
            listing = list(iterator)
    except BaseException:
        os.close(fd)
        raise
    # Sorted by name so that scans (and archives) are reproducible.
    listing.sort(key=_by_name)
    return iter(listing), fd, path + "/", arcdir


def _enter(walk: _Walk, parent_fd: int, path: str, arcname: str) -> tuple | None:
    """Record a folder and open it (:func:`_open_listing`); ``None`` when it cannot be listed."""
    try:
        listing = _open_listing(path, arcname + "/", parent_fd)
    except OSError as exc:
        walk.skip_error(Path(path), arcname, exc)
        return None
    walk.entries.append(_new_entry((path, arcname, "dir", 0, None)))
    return listing


def is_utf8(name: str) -> bool:
    """Whether a name read from the file system is valid UTF-8.

    Python reads the bytes of a name that is not as lone surrogates
    (``surrogateescape``); those cannot be written to a tar header, to
    ``SHA256SUMS`` or to the manifest as text.
    """
    if name.isascii():
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown_name(name: str) -> str:
    """A name as text that can always be printed: bytes that are not UTF-8 as ``\\xe9``."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _os_reason(exc: OSError) -> str:
    """A short reason for an entry that could not be read."""
    if isinstance(exc, PermissionError):
        return REASON_PERMISSION
    return (exc.strerror or str(exc)).lower()

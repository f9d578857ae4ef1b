"""Putting a staged load in place: ``loaddata`` in one transaction, then the storage folders.

All or nothing, interruptions included. The storages are moved in while the
data's transaction is still open, each by a :class:`StorageMove` that keeps
what it needs to undo its work in an *undo folder* beside the target
(``.media.diskette-undo-{owner}/``: a journal, and the target's files it
replaced). The commit and the marking of every move as complete happen with
the interrupting signals held (:func:`..interrupts.deferred`). On a failure or
an interruption before that, the transaction is rolled back and every move
undone; after it, the undo folders are dropped.

``replace`` (or a target that does not exist yet) swaps the staged folder in
by two renames; ``merge`` moves each staged file over the target, the file it
replaces moved aside into the undo folder first. A load killed half-way
leaves its undo folder: the next load rolls the storage back from it
(:func:`roll_back`). Django is imported only when data is loaded.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from ...exceptions import Interrupted, LoadFailed
from ...wording import load_interrupted, quoted_storages
from .. import leftovers
from ..interrupts import deferred, stop_point


@dataclass(frozen=True)
class Loaded:
    """What ``loaddata`` did with one data file: objects saved, and its warnings.

    ``objects`` is Django's own count of the objects it saved (None when the
    project's ``loaddata`` command does not keep it); ``warnings`` are the
    warnings it raised, one line each, naming the member rather than the
    staged path.
    """

    objects: int | None
    warnings: tuple[str, ...] = ()


#: Django's warning for a file it loaded nothing from: the loader words that itself.
NO_FIXTURE_DATA = "No fixture data found for "


def loaddata(path: Path, name: str, ignorenonexistent: bool, using: str) -> Loaded:
    """``loaddata`` one staged data file; :class:`LoadFailed` names ``name``, not the path.

    Django's warnings are caught and returned as lines (see :class:`Loaded`),
    never printed.
    """
    from django.core import management

    command = _loaddata_command()
    output = io.StringIO()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            management.call_command(
                command,
                str(path),
                ignorenonexistent=ignorenonexistent,
                database=using,
                verbosity=0,
                stdout=output,
                stderr=output,
            )
    except Exception as exc:
        raise LoadFailed(
            f"{name}: loading failed, database rolled back: "
            f"{type(exc).__name__}: {_one_line(exc, path, name)}"
        ) from exc
    lines = dict.fromkeys(
        _one_line(warning.message, path, name)
        for warning in caught
        if not str(warning.message).startswith(NO_FIXTURE_DATA)
    )
    return Loaded(getattr(command, "loaded_object_count", None), tuple(lines))


def _loaddata_command():
    """The project's ``loaddata`` command object (an app may override Django's)."""
    from django.core import management

    app_name = management.get_commands()["loaddata"]
    if isinstance(app_name, management.BaseCommand):
        return app_name
    return management.load_command_class(app_name, "loaddata")


def _one_line(text, path: Path, name: str) -> str:
    """``text`` on one line, with the member's name instead of its staged path."""
    return " ".join(str(text).replace(str(path), name).split())


# -- the transaction and the storages, all or nothing ------------------------------


@contextlib.contextmanager
def all_or_nothing(using: str, with_data: bool, moves: Moves):
    """The block's work, committed with ``moves`` completed, or rolled back with them undone.

    The block loads the data (inside ``transaction.atomic(using)`` when
    ``with_data``) and moves the storages in through ``moves``. A failure or
    an interruption in it rolls back and undoes every move, signals held; an
    interruption then becomes :class:`Interrupted` saying so. Once the block
    is done, the commit and the completion of the moves happen as one step
    that no signal cuts in two.
    """
    block = _transaction(using) if with_data else contextlib.nullcontext()
    block.__enter__()
    closed = committed = False
    try:
        yield
        stop_point("commit")
        with deferred() as held:
            closed = True
            block.__exit__(None, None, None)  # the commit (Django rolls back if it fails)
            committed = True
            moves.complete()
    except BaseException as exc:
        if committed:  # a signal in the instant after the step: the load is complete
            raise Interrupted(
                _complete_words(moves, with_data, "its leftovers are removed")
            ) from None
        with deferred():
            if not closed:
                block.__exit__(type(exc), exc, exc.__traceback__)
            kept = moves.undo()
        if isinstance(exc, KeyboardInterrupt):
            raise Interrupted(load_interrupted(with_data, moves.names(), kept)) from None
        raise
    if held.interrupted:
        raise Interrupted(_complete_words(moves, with_data, "its leftovers are removed"))
    try:
        moves.discard()
    except KeyboardInterrupt:
        raise Interrupted(
            _complete_words(moves, with_data, "the next load removes its undo folders")
        ) from None


def _complete_words(moves: Moves, with_data: bool, then: str) -> str:
    """What an interruption that came once the load was complete says."""
    parts = (["data committed"] if with_data else []) + (
        [f"{quoted_storages(moves.names())} restored"] if moves.names() else []
    )
    return f"interrupted once the load was complete ({', '.join(parts) or 'nothing to do'}); {then}"


def _transaction(using: str):
    from django.db import transaction

    return transaction.atomic(using=using)


#: In an undo folder: the journal, the target's files moved aside, the mark of a finished move.
JOURNAL, ASIDE, COMPLETE = "journal", "files", "complete"


@dataclass
class StorageMove:
    """Moving one staged storage into its target, keeping in ``undo`` what undoes it.

    The journal's first line says the mode (``{"mode": "replace", "existed":
    …}`` or ``{"mode": "merge"}``); a merge then writes ``["new", path]``
    before it moves in a path the target did not have. A file of the target
    that a merged one replaces is first renamed to ``undo/files/<path>``.
    """

    name: str
    target: Path
    staged: Path
    undo: Path
    journal: io.TextIOBase | None = None

    @classmethod
    def begin(cls, name: str, target: Path, staged: Path, tag: str) -> StorageMove:
        """Make the undo folder beside ``target`` (its journal not yet started)."""
        undo = target.parent / leftovers.undo_name(target.name, tag)
        undo.mkdir(mode=0o700)
        return cls(name, target, staged, undo)

    def note(self, entry) -> None:
        """Write one journal entry, flushed before the step it announces."""
        if self.journal is None:
            self.journal = open(self.undo / JOURNAL, "a", encoding="utf-8")
        self.journal.write(json.dumps(entry) + "\n")
        self.journal.flush()

    def replace(self) -> None:
        """Swap the staged folder in; the target's folder (if any) goes to the undo folder."""
        existed = os.path.lexists(self.target)
        self.note({"mode": "replace", "existed": existed})
        if existed:
            os.rename(self.target, self.undo / ASIDE)
        os.rename(self.staged, self.target)

    def merge(self) -> None:
        """Move every staged entry over the target, keeping the target's other files.

        A staged folder the target lacks is moved in whole; one it has is
        entered. The planner refused beforehand a file landing on a folder.
        """
        self.note({"mode": "merge"})
        self.target.mkdir(parents=True, exist_ok=True)
        for root, dirs, files in os.walk(self.staged):
            rel_root = os.path.relpath(root, self.staged)
            for name in sorted(dirs):
                rel = name if rel_root == "." else os.path.join(rel_root, name)
                dest = self.target / rel
                if _is_folder(dest) and _is_folder(self.staged / rel):
                    continue  # both hold a folder there: walk into it
                dirs.remove(name)
                self._move_one(rel)
            for name in files:
                self._move_one(name if rel_root == "." else os.path.join(rel_root, name))

    def _move_one(self, rel: str) -> None:
        """Move staged ``rel`` to the target, the target's own moved aside (or noted as new)."""
        dest = self.target / rel
        if os.path.lexists(dest):
            if _is_folder(dest):
                raise LoadFailed(f"storage {self.name!r}: {dest} is a folder in the target")
            aside = self.undo / ASIDE / rel
            aside.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.rename(dest, aside)
        else:
            self.note(["new", rel])
        os.rename(self.staged / rel, dest)

    def close(self) -> None:
        """Close the journal."""
        if self.journal is not None:
            self.journal.close()

    def mark_complete(self) -> None:
        """Say, for a next load, that this move is done and must not be undone."""
        self.close()
        (self.undo / COMPLETE).touch()


@dataclass
class Moves:
    """The storage moves of one load, in the order they started."""

    started: list[StorageMove] = field(default_factory=list)

    def put_in_place(self, storages, staged: dict, tag: str) -> None:
        """Swap (replace, or a new target) or merge each staged storage in."""
        for storage in storages:
            move = StorageMove.begin(storage.name, storage.target, staged[storage.name], tag)
            self.started.append(move)
            try:
                if storage.mode == "replace" or not storage.target.exists():
                    move.replace()
                else:
                    move.merge()
                stop_point("moved")
            except OSError as exc:
                raise LoadFailed(
                    f"storage {storage.name!r}: cannot move the restored files into "
                    f"{storage.target}: {exc.strerror or exc}"
                ) from None

    def names(self) -> list[str]:
        """The storages whose move started."""
        return [move.name for move in self.started]

    def undo(self) -> list[str]:
        """Undo every started move, last first; return the storages that could not be.

        Their undo folder stays, for the next load to finish the job.
        """
        kept = []
        for move in reversed(self.started):
            move.close()
            try:
                roll_back(move.undo, move.target)
            except OSError:
                kept.append(move.name)
            else:
                shutil.rmtree(move.undo, ignore_errors=True)
        return kept

    def complete(self) -> None:
        """Mark every move complete (after the commit: a failure here must not undo them)."""
        for move in self.started:
            with contextlib.suppress(OSError):
                move.mark_complete()

    def discard(self) -> None:
        """Drop the undo folders of complete moves."""
        for move in self.started:
            shutil.rmtree(move.undo, ignore_errors=True)


def roll_back(undo: Path, target: Path) -> bool:
    """Put ``target`` back as it was before the move that ``undo`` records.

    Returns False when there was nothing to undo: the move was complete, or
    its journal never started (nothing moved yet). Raises :class:`OSError`
    when a step fails (the undo folder is then still whole enough to retry).
    """
    if (undo / COMPLETE).exists():
        return False
    entries = _journal(undo / JOURNAL)
    if not entries:
        return False
    header = entries[0]
    aside = undo / ASIDE
    if header.get("mode") == "replace":
        if header.get("existed") and not os.path.lexists(aside):
            return True  # the target was never moved away: it is as before
        _remove(target)
        if header.get("existed"):
            os.rename(aside, target)
        return True
    for entry in reversed(entries[1:]):
        if entry[0] == "new":
            _remove(target / entry[1])
    for root, dirs, files in os.walk(aside):
        # os.walk lists a link to a folder among the folders (and does not enter it).
        for name in files + [item for item in dirs if os.path.islink(os.path.join(root, item))]:
            moved = Path(root) / name
            os.replace(moved, target / moved.relative_to(aside))
    return True


def _is_folder(path: Path) -> bool:
    """A real folder (not a link to one)."""
    return os.path.isdir(path) and not os.path.islink(path)


def _journal(path: Path) -> list:
    """The journal's entries; an unfinished last line (killed while writing it) is left out."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    entries = []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except ValueError:
            break
    if entries and not isinstance(entries[0], dict):
        return []
    return entries


def _remove(path: Path) -> None:
    """Remove a file, a link or a whole folder, if it is there."""
    if _is_folder(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)

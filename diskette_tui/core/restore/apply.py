"""Putting a staged load in place: ``loaddata`` in one transaction, then the storage folders.

``replace`` (or a target that does not exist yet) swaps the staged folder in
by two renames, undone if a later step fails; ``merge`` moves the staged
files over the existing ones (a failure there can leave some merged; the
database is still rolled back). Django is imported only when data is loaded.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from ...exceptions import LoadFailed


@contextlib.contextmanager
def atomic(using: str, needed: bool):
    """``transaction.atomic(using)`` when there is data to load; nothing otherwise."""
    if not needed:
        yield
        return
    from django.db import transaction

    with transaction.atomic(using=using):
        yield


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


def swap_in(target: Path, new: Path) -> tuple[Path, Path | None]:
    """Rename ``target`` away and ``new`` into its place; return what :func:`undo_swap` needs."""
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


def undo_swap(target: Path, old: Path | None) -> None:
    """Put the folder :func:`swap_in` moved away back at ``target``."""
    shutil.rmtree(target, ignore_errors=True)
    if old is not None:
        with contextlib.suppress(OSError):
            os.rename(old, target)


def merge_in(staged: Path, target: Path) -> None:
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


def _replace_link(src: Path, dest: Path) -> None:
    if dest.is_symlink() or dest.is_file():
        dest.unlink()
    os.symlink(os.readlink(src), dest)

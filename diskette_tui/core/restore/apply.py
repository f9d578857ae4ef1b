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


def loaddata(path: Path, name: str, ignorenonexistent: bool, using: str) -> None:
    """``loaddata`` one staged data file; :class:`LoadFailed` names ``name``, not the path."""
    from django.core import management

    output = io.StringIO()
    try:
        management.call_command(
            "loaddata",
            str(path),
            ignorenonexistent=ignorenonexistent,
            database=using,
            verbosity=0,
            stdout=output,
            stderr=output,
        )
    except Exception as exc:
        message = " ".join(str(exc).replace(str(path), name).split())
        raise LoadFailed(
            f"{name}: loading failed, database rolled back: {type(exc).__name__}: {message}"
        ) from exc


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

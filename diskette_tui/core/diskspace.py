"""A full disk, recognised and put in one sentence.

Writing an archive (or staging one for a load) can fill a file system at any
write: a data dump's ``write``, the archive's ``flush`` or ``fsync``, a file
extracted for a load. Django wraps some of these errors (``CommandError:
Unable to serialize database: [Errno 28] …``), so :func:`is_out_of_space`
looks through the whole chain of causes. The sentence names the file system by
its mount point, which is what the user frees space on.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

#: ``errno`` values that mean "no room left": no space, or the user's quota is used up.
OUT_OF_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})


def is_out_of_space(exc: BaseException | None) -> bool:
    """Whether ``exc``, or an exception it was raised from or during, is a full disk."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in OUT_OF_SPACE:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def mount_point(path) -> Path:
    """The mount point of the file system holding ``path`` (its nearest existing folder)."""
    current = Path(os.path.abspath(path))
    while not current.exists() and current != current.parent:
        current = current.parent
    while not os.path.ismount(current) and current != current.parent:
        current = current.parent
    return current


def no_space_message(path, activity: str, outcome: str) -> str:
    """One line: ``no space left on the file system at /srv while <activity>; <outcome>``.

    ``path`` is where the writing happened, ``activity`` what was being done
    (``writing the archive x.tar.gz``), ``outcome`` what became of the work
    (nothing written, nothing changed).
    """
    where = mount_point(path)
    return f"no space left on the file system at {where} while {activity}; {outcome}"

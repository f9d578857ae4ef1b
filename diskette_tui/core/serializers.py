"""Running ``dumpdata``: shell command lines and in-process calls.

The in-process dumps of one archive all run in :func:`dump_definitions`, the
one loop that runs them, inside :func:`snapshot` (one read transaction) so
that every data file reads the same database state, with the ``json`` and
``jsonl`` serializers that keep datetimes whole (:mod:`.formats`).
"""

from __future__ import annotations

import contextlib
import json
import platform
import shlex
from pathlib import Path

from ..exceptions import DumperError
from .formats import precise_formats
from .plan import Snapshot, clashing_names
from .progress import ProgressUpdate, no_progress

COMMAND_NAME = "dumpdata"


def command_name(definition) -> str:
    """The management command that dumps a definition (``dump_command`` or dumpdata)."""
    return definition.dump_command or COMMAND_NAME


def known_commands() -> set[str]:
    """Names of the project's management commands (Django's and its apps')."""
    from django.core.management import get_commands

    return set(get_commands())


def dumpdata_arguments(definition, output=None, indent=None) -> list[str]:
    """The ``dumpdata`` arguments of a definition, as a list of words."""
    words = [command_name(definition)]
    if indent:
        words.append(f"--indent={indent}")
    words.append(f"--format={definition.format}")
    if definition.is_drain:
        words += [f"--exclude={label}" for label in definition.excludes]
    else:
        words += definition.models
    if definition.natural_foreign:
        words.append("--natural-foreign")
    if definition.natural_primary:
        words.append("--natural-primary")
    if definition.use_base_manager:
        words.append("--all")
    if output is not None:
        words.append(f"--output={output}")
    return words


def command_line(definition, executable="", destination=None, indent=None) -> str:
    """A shell-quoted command line that dumps a definition.

    ``executable`` (``django-admin``, ``./manage.py``...) prefixes it, split
    into shell words and each word quoted again (one word when it cannot be
    split); ``destination`` is the folder the dump file is written to.
    """
    output = Path(destination) / definition.filename if destination else None
    words = dumpdata_arguments(definition, output=output, indent=indent)
    line = shlex.join(str(word) for word in words)
    return f"{quoted_executable(executable)} {line}" if executable else line


def executable_problem(executable) -> str | None:
    """Why ``executable`` cannot be split into shell words (an unclosed quote), or None."""
    try:
        shlex.split(executable or "")
    except ValueError as exc:
        return f"executable {executable!r} cannot be split into shell words: {exc}"
    return None


def quoted_executable(executable: str) -> str:
    """``executable`` as shell words, each quoted: ``python manage.py``, ``'my python' x``."""
    try:
        return shlex.join(shlex.split(executable))
    except ValueError:
        return shlex.quote(executable)


#: Characters a shell comment must not hold as they are: controls (a newline ends
#: the comment) and the Unicode line and paragraph separators.
_UNPRINTABLE_CATEGORIES = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def shell_comment(text: str) -> str:
    """``# text`` on one line whatever ``text`` holds: control characters are escaped."""
    import unicodedata

    shown = "".join(
        char.encode("unicode_escape").decode("ascii")
        if char == "\\" or unicodedata.category(char) in _UNPRINTABLE_CATEGORIES
        else char
        for char in str(text)
    )
    return f"# {shown}"


def shell_script(commands, destination=None) -> str:
    """A bash script running ``commands`` (``(name, command line)``), each under its comment.

    It starts with ``set -e`` (stop at the first failure) and, given a
    ``destination``, a quoted ``mkdir -p`` of it.
    """
    lines = ["set -e"]
    if destination is not None:
        lines.append(f"mkdir -p -- {shlex.quote(str(destination))}")
    for name, command in commands:
        lines += [shell_comment(name), command]
    return "\n".join(lines)


def call_options(definition, indent=None) -> tuple[list[str], dict]:
    """Positional labels and keyword options for ``call_command``."""
    options = {
        "format": definition.format,
        "use_natural_foreign_keys": bool(definition.natural_foreign),
        "use_natural_primary_keys": bool(definition.natural_primary),
        "use_base_manager": bool(definition.use_base_manager),
        "verbosity": 0,
    }
    if indent:
        options["indent"] = indent
    if definition.is_drain:
        options["exclude"] = list(definition.excludes)
        return [], options
    return list(definition.models), options


def dump_definition(definition, path: Path, indent=None) -> None:
    """Dump a definition's data to ``path`` with Django's own command.

    ``json`` and ``jsonl`` are written by the precise serializers (whole
    datetimes and times, see :mod:`.formats`).
    """
    from django.core import management

    labels, options = call_options(definition, indent=indent)
    if not definition.is_drain and not labels:
        # dumpdata without labels dumps everything: an empty definition writes nothing.
        Path(path).write_text("[]" if definition.format == "json" else "")
        return
    with open(path, "w", encoding="utf-8") as stream, precise_formats():
        management.call_command(command_name(definition), *labels, stdout=stream, **options)


@contextlib.contextmanager
def snapshot(using="default"):
    """One read transaction around all the dumps of an archive; yields its :class:`Snapshot`.

    PostgreSQL: ``REPEATABLE READ READ ONLY`` (one snapshot for the whole
    transaction, taken at its first query). SQLite: a deferred transaction
    pinned by a first read (SQLite transactions are serializable). MySQL and
    MariaDB: ``START TRANSACTION WITH CONSISTENT SNAPSHOT``. Other databases:
    their default isolation, recorded as not consistent. Inside a transaction
    the caller already opened, the isolation cannot be changed: the snapshot
    says so.
    """
    from django.db import connections, transaction

    connection = connections[using]
    outer = connection.in_atomic_block
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            found = _begin_snapshot(connection.vendor, cursor, outer)
        yield found


def _begin_snapshot(vendor: str, cursor, outer: bool) -> Snapshot:
    """Make the transaction just opened one snapshot (its first statements)."""
    if vendor == "sqlite":
        cursor.execute("PRAGMA journal_mode")
        journal = str(cursor.fetchone()[0]).lower()
        cursor.execute("SELECT count(*) FROM sqlite_master")  # takes the read snapshot
        return Snapshot(vendor, "serializable (one read transaction)", True, journal)
    if outer:
        return Snapshot(vendor, "the caller's transaction (isolation unchanged)", False)
    if vendor == "postgresql":
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return Snapshot(vendor, "repeatable read, read only", True)
    if vendor == "mysql":
        # The transaction Django opened (autocommit off) is empty: this starts the real one.
        cursor.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
        cursor.execute("SELECT @@transaction_isolation")
        level = str(cursor.fetchone()[0]).replace("-", " ").lower()
        consistent = level in ("repeatable read", "serializable")
        return Snapshot(vendor, f"{level}, with consistent snapshot", consistent)
    return Snapshot(vendor, "database default (not guaranteed consistent)", False)


def dump_definitions(
    definitions, workdir, indent=None, progress=None, on_snapshot=None
) -> list[Path]:
    """Dump each definition into ``workdir``, all inside one :func:`snapshot`.

    Each dump is the definition's ``filename`` in ``workdir``; the paths are
    returned in definition order; definitions sharing a filename (however
    they were built) raise :class:`DumperError` before anything is dumped.
    ``progress`` hears a ``data`` update before each definition (its name)
    and one when all are done; ``on_snapshot`` hears the :class:`Snapshot`
    the dumps read.
    """
    progress = progress or no_progress
    clashes = clashing_names(definition.filename for definition in definitions)
    if clashes:
        # Two dumps written to one file: the first one would be lost.
        raise DumperError(
            problems=[
                f"dump filename {named} is used by {count} definitions" for named, count in clashes
            ]
        )
    total = len(definitions)
    paths = []
    with snapshot() as found:
        if on_snapshot is not None:
            on_snapshot(found)
        for index, definition in enumerate(definitions):
            progress(ProgressUpdate("data", definition.name, index, total))
            path = Path(workdir) / definition.filename
            dump_definition(definition, path, indent=indent)
            paths.append(path)
        progress(ProgressUpdate("data", "", total, total))
    return paths


def dump_permissions():
    """The ``DISKETTE_DUMP_PERMISSIONS`` setting (an octal mode such as ``0o600``), or None.

    None when Django has no settings or the setting is empty; a value that is
    not a mode raises :class:`DumperError`.
    """
    from django.conf import settings

    if not settings.configured:
        return None
    mode = getattr(settings, "DISKETTE_DUMP_PERMISSIONS", None)
    if not mode:
        return None
    if isinstance(mode, bool) or not isinstance(mode, int) or not 0 <= mode <= 0o7777:
        raise DumperError(
            f"settings.DISKETTE_DUMP_PERMISSIONS must be an octal mode like 0o600, got {mode!r}"
        )
    return mode


def environment(using="default") -> dict:
    """Versions recorded in a manifest: Python, Django, database vendor, settings.

    Only Python's without configured Django settings (a storages-only dump).
    """
    import django
    from django.conf import settings
    from django.db import connections

    if not settings.configured:
        return {"python": platform.python_version()}
    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": connections[using].vendor,
        "settings": settings.SETTINGS_MODULE,
    }


def count_objects(path: Path, fmt: str) -> int:
    """Number of objects in a dump file, read as its format."""
    path = Path(path)
    if fmt == "jsonl":
        with open(path, "rb") as stream:
            return sum(1 for line in stream if line.strip())
    if fmt == "json":
        with open(path, "rb") as stream:
            content = stream.read().strip()
        return len(json.loads(content)) if content else 0
    if fmt == "xml":
        from xml.etree.ElementTree import iterparse

        count = depth = 0
        for event, element in iterparse(path, events=("start", "end")):
            depth += 1 if event == "start" else -1
            # Objects are the root's children; deeper ones are M2M values.
            if event == "end" and element.tag == "object" and depth == 1:
                count += 1
            if event == "end":
                element.clear()
        return count
    if fmt == "yaml":
        import yaml

        with open(path, encoding="utf-8") as stream:
            return len(yaml.safe_load(stream) or [])
    raise ValueError(f"unknown serialization format: {fmt}")

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

from ..exceptions import DumperError, DumpFailed
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


def dump_definition(definition, path: Path, indent=None, natural_keys=None) -> int | None:
    """Dump a definition's data to ``path``; the object count when it was counted while writing.

    With ``dumpdata`` itself, the natural keys are chosen per model
    (:func:`natural_key_choice`, from ``natural_keys``: label →
    :class:`~.integrity.NaturalKeyCheck`, checked here when not given) and a
    dangling foreign key is written as its raw value; a dump that fails names
    the definition and the row (:class:`DumpFailed`). ``json`` and ``jsonl``
    are written by the precise serializers (whole datetimes and times, see
    :mod:`.formats`): by the fast path (:mod:`.fastdump`: the same bytes,
    counted while written) when it handles the definition, else by Django's
    own command (None: not counted). A ``dump_command`` of the project's own
    gets the plain ``dumpdata`` options.
    """
    from django.core import management

    from . import fastdump

    labels, options = call_options(definition, indent=indent)
    if not definition.is_drain and not labels:
        # dumpdata without labels dumps everything: an empty definition writes nothing.
        Path(path).write_text("[]" if definition.format == "json" else "")
        return 0
    if command_name(definition) != COMMAND_NAME:
        with open(path, "w", encoding="utf-8") as stream, precise_formats():
            management.call_command(command_name(definition), *labels, stdout=stream, **options)
        return None
    choice = natural_key_choice(definition, natural_keys)
    with precise_formats():
        if fastdump.handles(definition):
            from .fixture_serializers import choosing

            with choosing(choice) as position:
                try:
                    return fastdump.dump_definition(definition, path, indent=indent, choice=choice)
                except DumpFailed:
                    raise
                except Exception as exc:
                    raise DumpFailed(failed_row_message(definition, position, exc)) from exc
    call_dumpdata_choosing(definition, path, labels, options, choice)
    return None


def natural_key_choice(definition, natural_keys=None):
    """The models a definition writes by natural key: those its options name whose key
    round-trips (``natural_keys``: label → check; checked now for those not given)."""
    from . import integrity
    from .fixture_serializers import NaturalKeyChoice

    natural_keys = dict(natural_keys or {})
    wanted = [
        *integrity.natural_foreign_candidates(definition),
        *integrity.natural_primary_candidates(definition),
    ]
    registry = definition.registry
    for label in wanted:
        if label not in natural_keys and integrity.needs_check(label):
            natural_keys[label] = integrity.check_natural_key(registry.get_model(label).model)

    def usable(labels):
        return frozenset(
            label
            for label in labels
            if not integrity.needs_check(label) or natural_keys[label].round_trips
        )

    return NaturalKeyChoice(
        format=definition.format,
        foreign=usable(integrity.natural_foreign_candidates(definition)),
        primary=usable(integrity.natural_primary_candidates(definition)),
    )


def call_dumpdata_choosing(definition, path: Path, labels, options, choice) -> None:
    """Run ``dumpdata`` with the per-model serializer of ``choice`` into ``path``.

    A failure becomes :class:`DumpFailed` naming the definition, and the
    model and primary key of the row being written when there was one.
    """
    from django.core import management

    from . import fixture_serializers

    fixture_serializers.register()
    options = {
        **options,
        "format": fixture_serializers.FORMAT_NAME,
        # dumpdata sorts models by their natural-key dependencies only when asked to.
        "use_natural_foreign_keys": bool(choice.foreign),
        "use_natural_primary_keys": bool(choice.primary),
    }
    with fixture_serializers.choosing(choice) as position, precise_formats():
        try:
            with open(path, "w", encoding="utf-8") as stream:
                management.call_command(COMMAND_NAME, *labels, stdout=stream, **options)
        except Exception as exc:
            raise DumpFailed(failed_row_message(definition, position, exc)) from exc


def failed_row_message(definition, position, exc: Exception) -> str:
    """``definition 'Pages': cannot dump wagtailcore.PageLogEntry row pk=12: …``."""
    reason = str(exc).removeprefix("Unable to serialize database: ").strip()
    reason = reason or type(exc).__name__
    if position.inside:
        return (
            f"definition '{definition.name}': cannot dump {position.label} row "
            f"pk={position.pk}: {reason}"
        )
    after = f" (after {position.label} row pk={position.pk})" if position.label else ""
    return f"definition '{definition.name}': cannot dump{after}: {reason}"


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
    definitions, workdir, indent=None, progress=None, on_snapshot=None, counts=None
) -> list[Path]:
    """Dump each definition into ``workdir``, all inside one :func:`snapshot`.

    Each dump is the definition's ``filename`` in ``workdir``; the paths are
    returned in definition order; definitions sharing a filename (however
    they were built) raise :class:`DumperError` before anything is dumped.
    ``progress`` hears a ``data`` update before each definition (its name)
    and one when all are done; ``on_snapshot`` hears the :class:`Snapshot`
    the dumps read; ``counts`` (a dict), when given, gets ``{path: objects}`` of
    the dumps counted while they were written.
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
        natural_keys = checked_natural_keys(definitions)
        for index, definition in enumerate(definitions):
            progress(ProgressUpdate("data", definition.name, index, total))
            path = Path(workdir) / definition.filename
            count = dump_definition(definition, path, indent=indent, natural_keys=natural_keys)
            if counts is not None and count is not None:
                counts[path] = count
            paths.append(path)
        progress(ProgressUpdate("data", "", total, total))
    return paths


def checked_natural_keys(definitions) -> dict:
    """The natural-key check of every model the in-process dumps of ``definitions`` write by
    natural key (label → :class:`~.integrity.NaturalKeyCheck`), each model once."""
    from . import integrity

    in_process = [item for item in definitions if command_name(item) == COMMAND_NAME]
    if not in_process:
        return {}
    registry = in_process[0].registry
    return {
        label: integrity.check_natural_key(registry.get_model(label).model)
        for label in integrity.natural_key_candidates(in_process)
        if integrity.needs_check(label)
    }


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


#: Characters read at a time when counting (as fast as 1 MB, and a smaller peak).
_COUNT_CHUNK = 64 * 1024


def count_json_array(stream) -> int:
    """Number of items of the JSON array read from text ``stream``, one item at a time.

    Memory holds one chunk and one item, never the whole file (a data dump can be
    gigabytes). An empty stream counts 0; anything but an array of objects raises
    ``ValueError``.
    """
    reader = _ChunkedText(stream)
    first = reader.next_char()
    if first is None:
        return 0
    if first != "[":
        raise ValueError("not a JSON array")
    reader.position += 1
    if reader.next_char() == "]":
        return 0
    count = 0
    while True:
        reader.decode_item()
        count += 1
        separator = reader.next_char()
        reader.position += 1
        if separator == "]":
            return count
        if separator != ",":
            raise ValueError("invalid JSON array: expected ',' or ']'")


class _ChunkedText:
    """A text stream read in chunks, with a position in what is buffered."""

    def __init__(self, stream):
        self.stream = stream
        self.buffer = ""
        self.position = 0
        self.decoder = json.JSONDecoder()

    def _more(self) -> bool:
        """Append a chunk (dropping what was consumed); False at the end of the stream."""
        chunk = self.stream.read(_COUNT_CHUNK)
        self.buffer, self.position = self.buffer[self.position :] + chunk, 0
        return bool(chunk)

    def next_char(self) -> str | None:
        """The next character that is not blank (not consumed), or None at the end."""
        while True:
            while self.position < len(self.buffer) and self.buffer[self.position] in " \t\r\n":
                self.position += 1
            if self.position < len(self.buffer):
                return self.buffer[self.position]
            if not self._more():
                return None

    def decode_item(self) -> None:
        """Consume one JSON object (it may span chunks: a cut object never decodes)."""
        if self.next_char() != "{":
            raise ValueError("invalid JSON array: an item is not an object")
        while True:
            try:
                _item, self.position = self.decoder.raw_decode(self.buffer, self.position)
                return
            except json.JSONDecodeError:
                if not self._more():
                    raise ValueError("truncated or invalid JSON array") from None


def count_objects(path: Path, fmt: str) -> int:
    """Number of objects in a dump file, read as its format."""
    path = Path(path)
    if fmt == "jsonl":
        with open(path, "rb") as stream:
            return sum(1 for line in stream if line.strip())
    if fmt == "json":
        with open(path, encoding="utf-8") as stream:
            return count_json_array(stream)
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

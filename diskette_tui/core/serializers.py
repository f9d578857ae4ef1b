"""Running ``dumpdata``: shell command lines and in-process calls.

The in-process dumps of one archive all run in :func:`dump_definitions`, the
one loop that runs them, inside :func:`snapshot` (one read transaction) so
that every data file reads the same database state.
"""

from __future__ import annotations

import contextlib
import json
import platform
import shlex
from pathlib import Path

from ..exceptions import DumperError
from .plan import clashing_names
from .progress import ProgressUpdate, no_progress

COMMAND_NAME = "dumpdata"


def command_name(definition) -> str:
    """The management command that dumps a definition (``dump_command`` or dumpdata)."""
    return definition.dump_command or COMMAND_NAME


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

    ``executable`` (``django-admin``, ``./manage.py``...) prefixes it;
    ``destination`` is the folder the dump file is written to.
    """
    output = Path(destination) / definition.filename if destination else None
    words = dumpdata_arguments(definition, output=output, indent=indent)
    line = shlex.join(str(word) for word in words)
    return f"{executable} {line}" if executable else line


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
    """Dump a definition's data to ``path`` with Django's own command."""
    from django.core import management

    labels, options = call_options(definition, indent=indent)
    if not definition.is_drain and not labels:
        # dumpdata without labels dumps everything: an empty definition writes nothing.
        Path(path).write_text("[]" if definition.format == "json" else "")
        return
    with open(path, "w", encoding="utf-8") as stream:
        management.call_command(command_name(definition), *labels, stdout=stream, **options)


@contextlib.contextmanager
def snapshot(using="default"):
    """One read transaction around all the dumps of an archive."""
    from django.db import transaction

    with transaction.atomic(using=using):
        yield


def dump_definitions(definitions, workdir, indent=None, progress=None) -> list[Path]:
    """Dump each definition into ``workdir``, all inside one :func:`snapshot`.

    Each dump is the definition's ``filename`` in ``workdir``; the paths are
    returned in definition order; definitions sharing a filename (however
    they were built) raise :class:`DumperError` before anything is dumped.
    ``progress`` hears a ``data`` update before
    each definition (its name) and one when all are done.
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
    with snapshot():
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

        count = 0
        for _event, element in iterparse(path, events=("end",)):
            if element.tag == "object":
                count += 1
            element.clear()
        return count
    if fmt == "yaml":
        import yaml

        with open(path, encoding="utf-8") as stream:
            return len(yaml.safe_load(stream) or [])
    raise ValueError(f"unknown serialization format: {fmt}")

"""Management commands a load runs once the data is in (a definition's ``post_load``).

Derived data — a search index, Wagtail's reference index — is better left out
of a dump and rebuilt by the project's own command after the load. A
definition names those commands (``post_load = ["update_index"]``); the dump
records them in the manifest (the definition's entry under ``applications``),
so the load knows them without the configuration.

Commands of ``post_load`` run with ``call_command`` inside the load's
transaction, after every data file is loaded: a failing one rolls the whole
load back. Commands of ``post_load_after_commit`` run once the transaction
has committed (for a command that cannot run inside one, such as one that
opens its own connection or runs ``VACUUM``): the data is in by then, so a
failure there is reported but undoes nothing. Each command runs once per load
even when several definitions name it, in the order the manifest first names
it. A command is a string split as a shell would (``shlex``):
``"update_index --chunk_size 500"``.

Commands run on the project's default database connection, as they do from
``manage.py``. Django is imported only when a command runs.
"""

from __future__ import annotations

import io
import shlex
from dataclasses import dataclass

from ...exceptions import LoadFailed
from ..plan import DATA_DIRNAME

#: Manifest and configuration keys: commands run inside the transaction, and after it.
IN_TRANSACTION = "post_load"
AFTER_COMMIT = "post_load_after_commit"
POST_LOAD_KEYS = (IN_TRANSACTION, AFTER_COMMIT)


@dataclass(frozen=True)
class PostLoadCommand:
    """One command a load runs after the data: its line, who asked, and when.

    ``line`` is the command as written (``"update_index --verbosity 0"``);
    ``definitions`` the definitions that name it; ``after_commit`` whether it
    runs after the transaction rather than inside it.
    """

    line: str
    definitions: tuple[str, ...]
    after_commit: bool = False

    @property
    def words(self) -> list[str]:
        """The command name and its arguments (shlex-split)."""
        return shlex.split(self.line)

    @property
    def name(self) -> str:
        """The management command's name."""
        return self.words[0]

    def as_dict(self) -> dict:
        """JSON-ready."""
        return {
            "command": self.line,
            "definitions": list(self.definitions),
            "after_commit": self.after_commit,
        }


def command_problems(value, key: str = IN_TRANSACTION, known: set[str] | None = None) -> list[str]:
    """Why ``value`` is not a valid ``post_load`` (or ``post_load_after_commit``) option.

    A command line or a list of them; each must split (``shlex``) into a
    management command's name, known to the project when ``known`` is given.
    One line per problem, empty when valid.
    """
    lines = [value] if isinstance(value, str) else value
    if not isinstance(lines, list | tuple) or not all(isinstance(line, str) for line in lines):
        return [f"'{key}' must be a command line or a list of command lines"]
    problems = []
    for line in lines:
        try:
            words = shlex.split(line)
        except ValueError as error:
            problems.append(f"{key} {line!r} cannot be split into words: {error}")
            continue
        if not words:
            problems.append(f"'{key}' holds an empty command")
        elif known is not None and words[0] not in known:
            problems.append(
                f"{key} command '{words[0]}' is not a management command of this project "
                "(see django-admin help)"
            )
    return problems


def command_lines(value) -> list[str]:
    """A ``post_load`` value as a list of command lines (a string is one line)."""
    if not value:
        return []
    return [value] if isinstance(value, str) else list(value)


def planned_commands(plan) -> tuple[PostLoadCommand, ...]:
    """The commands a load of ``plan`` runs after its data, in-transaction ones first.

    They come from the manifest's definitions whose data file is loaded (not
    excluded with ``--exclude-data``; an empty one counts); none when the load
    loads no data at all.
    Archives without the keys (diskette's, older ones) run none.
    """
    if not plan.selected_datas:
        return ()
    loaded = {item.name for item in plan.datas if item.selected or item.reason == "empty"}
    found: dict[tuple[str, bool], list[str]] = {}
    for payload in plan.manifest.get("applications") or []:
        if not isinstance(payload, dict):
            continue
        if f"{DATA_DIRNAME}/{payload.get('filename')}" not in loaded:
            continue
        for key in POST_LOAD_KEYS:
            for line in command_lines(payload.get(key)):
                if isinstance(line, str) and line.strip():
                    found.setdefault((line, key == AFTER_COMMIT), []).append(
                        str(payload.get("name"))
                    )
    commands = [
        PostLoadCommand(line, tuple(names), after_commit)
        for (line, after_commit), names in found.items()
    ]
    return tuple(sorted(commands, key=lambda command: command.after_commit))


def run_in_transaction(plan, logger=None) -> tuple[str, ...]:
    """Run the plan's ``post_load`` commands (call this inside the load's transaction).

    Raises :class:`LoadFailed` naming the first command that fails; the
    caller's transaction then rolls the whole load back. Returns the lines run.
    """
    commands = [command for command in planned_commands(plan) if not command.after_commit]
    for command in commands:
        _run(command, logger, "database rolled back")
    return tuple(command.line for command in commands)


def run_after_commit(plan, logger=None) -> tuple[str, ...]:
    """Run the plan's ``post_load_after_commit`` commands (the data is committed).

    Raises :class:`LoadFailed` naming the first command that fails, saying
    that the data stays loaded. Returns the lines run.
    """
    commands = [command for command in planned_commands(plan) if command.after_commit]
    for command in commands:
        _run(command, logger, "the loaded data stays committed; run it by hand")
    return tuple(command.line for command in commands)


def _run(command: PostLoadCommand, logger, outcome: str) -> None:
    """``call_command`` one command, its output kept out of the terminal (the core never prints)."""
    from django.core import management

    output = io.StringIO()
    words = command.words
    try:
        management.call_command(*words, stdout=output, stderr=output)
    except Exception as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise LoadFailed(
            f"post_load command '{command.line}' ({', '.join(command.definitions)}) failed, "
            f"{outcome}: {type(exc).__name__}: {detail}"
        ) from exc
    if logger is not None:
        logger.info(f"ran post_load command '{command.line}'")

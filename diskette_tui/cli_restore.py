"""The restore-side commands: ``load``, ``inspect`` and ``verify``.

They are defined on their own Typer app, :data:`restore_app`, which
:mod:`diskette_tui.cli` merges into the ``diskette`` app with ``add_typer``.
``inspect`` and ``verify`` read the archive only and never import Django;
``load`` sets the project up when it loads data (or when a settings module is
known, to read ``DISKETTE_LOAD_STORAGES_PATH``).

On a terminal (and without ``--json``) ``inspect`` opens the archive in the
Textual app and ``load`` without ``--yes`` previews, confirms and runs the load
there (:func:`run_inspect_app`, :func:`run_load_app`); elsewhere they print
text. Either way the load is planned by the same :meth:`Loader.plan` (read,
safety check, checksum verification) before anything is written.

Exit codes (as everywhere): 0 done; 1 the work failed or the archive is
unreadable, unsafe, does not match its checksums — or, for ``verify``, cannot
be verified (no ``SHA256SUMS``) — or the user declined the load; 2 bad usage or
configuration, including ``load`` on a non-terminal without ``--yes``; 130
interrupted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .exceptions import ConfigError

from . import cli_common  # is_interactive is looked up at call time (tests replace it)
from .cli_common import (
    ConfigOpt,
    DemoDirOpt,
    DemoOpt,
    JsonOpt,
    NoDataOpt,
    NoStoragesOpt,
    PythonpathOpt,
    QuietOpt,
    SettingsOpt,
    Shared,
    VerboseOpt,
    YesOpt,
    err,
    open_project,
    out,
    reported_errors,
    write_json,
)

restore_app = typer.Typer(rich_markup_mode=None)

ArchiveArg = Annotated[
    Path, typer.Argument(metavar="ARCHIVE", help="The .tar.gz archive (only ever read).")
]
ExcludeDataOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude-data",
        metavar="NAME",
        help="Do not load this data file (users.json, data/users.json or the definition "
        "name; repeatable).",
    ),
]
ExcludeStorageOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude-storage",
        metavar="NAME",
        help="Do not restore this storage (its name in the archive, e.g. media; repeatable).",
    ),
]
IgnoreOpt = Annotated[
    bool,
    typer.Option(
        "--ignorenonexistent", help="Ignore fields and models that do not exist (loaddata -i)."
    ),
]
BasepathOpt = Annotated[
    Path | None,
    typer.Option(
        "--storages-basepath",
        metavar="FOLDER",
        help="Folder the storages are restored into (default: the file's "
        "storages_basepath; with the Django settings, DISKETTE_LOAD_STORAGES_PATH, "
        "else the current folder).",
    ),
]
ModeOpt = Annotated[
    str,
    typer.Option(
        "--storages-mode",
        metavar="merge|replace",
        help="merge: write the archive's files, keep the others; replace: make each storage "
        "folder exactly the archive's (swapped in once complete).",
    ),
]
DataModeOpt = Annotated[
    str,
    typer.Option(
        "--data-mode",
        metavar="merge|replace",
        help="merge: load the archive's rows over the target's; replace: first delete, in the "
        "same transaction, the existing rows of every model the archive holds.",
    ),
]
NoVerifyOpt = Annotated[
    bool, typer.Option("--no-verify", help="Do not check the members against SHA256SUMS.")
]


# -- what the commands do ------------------------------------------------------


NO_SETTINGS_FOR_LOAD = (
    "no Django settings to load data into: --settings, 'settings' in "
    "diskette.toml or DJANGO_SETTINGS_MODULE (or --no-data)"
)


def inspect_archive(archive: Path, verbose: int, json_output: bool) -> None:
    """``inspect``: the Textual app on a terminal, else text or JSON."""
    from .core.reader import require_archive_file, scan

    if not json_output and cli_common.is_interactive():
        require_archive_file(archive)  # one line, before any app opens
        raise typer.Exit(run_inspect_app(archive))
    contents = scan(archive)
    if json_output:
        write_json(contents.as_dict())
    else:
        from .render import render_contents

        render_contents(contents, out, verbose)


def verify_archive(archive: Path, verbosity: int, json_output: bool) -> None:
    """``verify``: every member against SHA256SUMS; exit 1 on any difference."""
    from .core.reader import scan
    from .core.reader import verify as verify_contents

    report = verify_contents(scan(archive))
    if json_output:
        write_json({"archive": str(archive), **report.as_dict()})
    for problem in report.problems():
        err.print(f"[red]error:[/red] {escape(problem)}")
    if not report.ok:
        raise typer.Exit(1)
    if verbosity and not json_output:
        from .wording import count

        verb = "matches" if report.checked == 1 else "match"
        err.print(f"ok: {count(report.checked, 'member')} {verb} SHA256SUMS")


def load_archive(
    shared: Shared,
    archive: Path,
    storages_basepath: Path | None,
    *,
    yes: bool,
    json_output: bool,
    **choices,
) -> None:
    """``load``: plan (every check is the Loader's), preview, confirm, load, report.

    ``choices`` are :class:`LoadRequest` fields. On a terminal without
    ``--yes`` the Textual app previews, confirms and loads.
    """
    from .core.restore import Loader, LoadRequest
    from .loggers import ConsoleLogger

    loader = Loader(logger=ConsoleLogger(err, shared.verbosity))
    # A usage problem or a missing archive is reported before Django is set up.
    loader.check(LoadRequest.from_config(None, archive, storages_basepath, **choices))
    config, project = open_project(shared, need_django=False)
    if project is None and choices.get("with_data", True) and archive_has_data(archive):
        raise ConfigError(NO_SETTINGS_FOR_LOAD)
    request = LoadRequest.from_config(config, archive, storages_basepath, **choices)
    if not yes and not json_output and cli_common.is_interactive():
        raise typer.Exit(run_load_app(request, project))
    plan = loader.plan(request)
    if not yes:
        confirm_load(plan)
    result = loader.execute(plan)
    from .wording import recovered_lines

    for line in recovered_lines(result.recovered):
        err.print(escape(line))
    if json_output:
        write_json({"plan": plan.as_dict(), "result": result.as_dict()})
    elif shared.verbosity:
        from .render import count

        checked = "" if result.ok else " — with differences, see the warnings above"
        err.print(
            f"Loaded {count(len(result.loaded), 'data file')} "
            f"({count(result.objects, 'object')}) and "
            f"{count(result.files, 'storage file')} from {escape(archive.name)}{checked}"
        )


def archive_has_data(archive: Path) -> bool:
    """Whether the archive's manifest lists data files (read only when no settings are known).

    An archive that cannot be read raises its :class:`ArchiveError` (exit 1).
    """
    from .core.reader import scan

    return bool(scan(archive).datas)


def confirm_load(plan) -> None:
    """Show the plan and ask; exit 2 on a non-terminal, 1 when the user declines."""
    from .render import render_load_plan

    render_load_plan(plan, err)
    if not cli_common.is_interactive():
        err.print("[red]error:[/red] not a terminal: add --yes to load the archive")
        raise typer.Exit(2)
    if not typer.confirm("Load this archive?", default=False, err=True):
        err.print("Nothing loaded.")
        raise typer.Exit(1)


# -- the Textual app ------------------------------------------------------------


def run_inspect_app(archive: Path) -> int:
    """Browse ``archive`` in the Textual app; return its exit code."""
    from .tui import run_inspect

    return run_inspect(archive, title="diskette — inspect", subtitle=archive.name)


def run_load_app(request, project) -> int:
    """Preview, confirm and run the load ``request`` asks for in the Textual app.

    The plan is made in the app's worker by :meth:`Loader.plan`, so the
    archive is read, checked and verified before the user is even asked.
    Returns the app's exit code.
    """
    from .core.restore import Loader
    from .tui import run_load

    # No console logger: stderr would scribble over the app, which shows the same facts.
    database = ""
    subtitle = request.archive.name
    if project is not None:
        subtitle += f" → {project.settings_module}"
        if request.with_data:
            database = project.database_label()
    return run_load(
        Loader(), request, title="diskette — load preview", subtitle=subtitle, database=database
    )


# -- commands ------------------------------------------------------------------


@restore_app.command()
def inspect(
    archive: ArchiveArg,
    verbose: VerboseOpt = 0,
    json_output: JsonOpt = False,
):
    """Show what an archive holds, read straight from it (nothing extracted).

    Browsable in the Textual app on a terminal; text, or --json, otherwise.
    """
    with reported_errors(Shared(verbose=verbose)):
        inspect_archive(archive, verbose, json_output)


@restore_app.command()
def verify(
    archive: ArchiveArg,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
    json_output: JsonOpt = False,
):
    """Check every member against SHA256SUMS. Exit 1 on any difference, or without SHA256SUMS."""
    shared = Shared(verbose=verbose, quiet=quiet)
    with reported_errors(shared):
        verify_archive(archive, shared.verbosity, json_output)


@restore_app.command()
def load(
    archive: ArchiveArg,
    config: ConfigOpt = None,
    settings: SettingsOpt = None,
    pythonpath: PythonpathOpt = None,
    demo: DemoOpt = False,
    demo_dir: DemoDirOpt = None,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
    json_output: JsonOpt = False,
    no_data: NoDataOpt = False,
    no_storages: NoStoragesOpt = False,
    exclude_data: ExcludeDataOpt = None,
    exclude_storage: ExcludeStorageOpt = None,
    ignorenonexistent: IgnoreOpt = False,
    basepath: BasepathOpt = None,
    storages_mode: ModeOpt = "merge",
    data_mode: DataModeOpt = "merge",
    no_verify: NoVerifyOpt = False,
    yes: YesOpt = False,
):
    """Restore an archive: preview and confirm on a terminal (Textual), or --yes."""
    shared = Shared(config, settings, pythonpath, demo, demo_dir, verbose, quiet)
    with reported_errors(shared):
        load_archive(
            shared,
            archive,
            basepath,
            yes=yes,
            json_output=json_output,
            with_data=not no_data,
            with_storages=not no_storages,
            exclude_data=tuple(exclude_data or ()),
            exclude_storages=tuple(exclude_storage or ()),
            ignorenonexistent=ignorenonexistent,
            storages_mode=storages_mode,
            data_mode=data_mode,
            verify=not no_verify,
        )

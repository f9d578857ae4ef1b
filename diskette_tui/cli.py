"""The ``diskette`` command line (Typer): the app and the dump-side commands.

Each command declares its options and calls one function: options → request →
engine → render or run. The restore commands live in :mod:`.cli_restore`, on
their own Typer app merged into this one; what both share (options, the
session, error reporting, :func:`~.cli_common.is_interactive`) is in
:mod:`.cli_common`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import __version__, cli_common
from .cli_common import (
    AppOpt,
    ChmodOpt,
    ConfigOpt,
    DemoDirOpt,
    DemoOpt,
    DestinationOpt,
    ExcludeOpt,
    FilenameOpt,
    IndentOpt,
    JsonOpt,
    NoDataOpt,
    NoExcludesOpt,
    NoStoragesOpt,
    PythonpathOpt,
    QuietOpt,
    SettingsOpt,
    Session,
    Shared,
    SkipUnreadableOpt,
    StorageOpt,
    VerboseOpt,
    YesOpt,
    err,
    open_project,
    out,
    reported_errors,
    write_json,
)
from .cli_init import init_app
from .cli_restore import restore_app
from .exceptions import DumpFailed

app = typer.Typer(
    name="diskette",
    help="Preview, dump and restore a Django project's data and media in one archive.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(restore_app)
app.add_typer(init_app)

CompresslevelOpt = Annotated[
    int | None,
    typer.Option(
        "--compresslevel",
        metavar="0-9",
        help="gzip level of the archive: 0 stores, 1 fastest (default), 9 smallest.",
    ),
]

NO_CONFIG = (
    "no configuration: no diskette.toml, no [tool.diskette] in pyproject.toml, "
    "and no Django settings (--settings or DJANGO_SETTINGS_MODULE)"
)


def open_session(shared: Shared, **overrides) -> Session:
    """Read the configuration, set Django up, build the Dumper (validated).

    ``overrides`` are the command line's configuration flags: they win.
    """
    from .core.dumper import Dumper
    from .loggers import ConsoleLogger

    cwd = Path.cwd()
    config, project = open_project(shared, no_config=NO_CONFIG)
    config = config.with_overrides(cwd=cwd, **overrides)
    dumper = Dumper.from_config(config, logger=ConsoleLogger(err, shared.verbosity))
    return Session(config=config, project=project, dumper=dumper)


def dump_choices(
    no_data: bool,
    no_storages: bool,
    no_storages_excludes: bool,
    apps,
    skip_unreadable: bool = False,
) -> dict:
    """The request fields the dump flags choose, named as the request names them."""
    return {
        "with_data": not no_data,
        "with_storages": not no_storages,
        "with_storages_excludes": not no_storages_excludes,
        "apps": apps or None,
        "skip_unreadable": skip_unreadable,
    }


EXCLUDE_CONFLICT = (
    "--exclude adds a pattern and --no-storages-excludes ignores every pattern: "
    "give one or the other"
)


def check_flag_conflicts(overrides: dict, choices: dict) -> None:
    """Refuse flags that contradict each other (exit 2), before anything is set up."""
    from .exceptions import ConfigError

    if overrides.get("storages_excludes") and not choices["with_storages_excludes"]:
        raise ConfigError(EXCLUDE_CONFLICT)


def run_preview_app(session: Session, request, read_only: bool, verbosity: int = 1) -> int:
    """Open the Textual preview on ``request``; return its exit code.

    Once the app has closed, an archive written from it is summed up on
    stderr as ``dump --yes`` does (path, size, sha256…), unless ``-q``; the
    files it left out while writing are listed even with ``-q``.
    """
    from .tui import run_preview

    environment = session.project.environment()
    where = f"{environment['settings']} · {environment['database']}"
    title = "diskette — check" if read_only else "diskette — dump preview"
    return run_preview(
        session.dumper,
        request,
        read_only=read_only,
        title=title,
        subtitle=where,
        written=lambda result: _report_written(result, verbosity),
    )


def _report_written(result, verbosity: int) -> None:
    """After a dump: the files left out while writing (even with -q), then the summary."""
    from .render import render_result, render_result_warnings

    render_result_warnings(result, err)
    if verbosity:
        render_result(result, err)


def run_dump(shared: Shared, overrides: dict, choices: dict, yes: bool, json_output: bool):
    """``diskette dump``: preview on a terminal, else plan, confirm and write."""
    from .core.requests import DumpRequest

    with reported_errors(shared):
        check_flag_conflicts(overrides, choices)
        session = open_session(shared, **overrides)
        request = DumpRequest.from_config(session.config, **choices)
        if not yes and not json_output and cli_common.is_interactive():
            session.dumper.check_request(request)  # usage errors before the app starts
            code = run_preview_app(session, request, read_only=False, verbosity=shared.verbosity)
            raise typer.Exit(code)
        plan = session.dumper.plan(request)
        if plan.unreadable_problems:
            raise DumpFailed(problems=plan.unreadable_problems)
        if not yes:
            confirm_or_exit(plan, shared)
        else:
            from .render import plan_summary, render_warnings

            if shared.verbosity and not json_output:
                err.print(plan_summary(plan), highlight=False, markup=False)
            render_warnings(plan, err)  # even with -q: warnings are never silent
        result = run_with_progress(session.dumper, plan, shared.verbosity)
        if json_output:
            from .render import render_result_warnings

            render_result_warnings(result, err)
            write_json(result.as_dict())
        else:
            _report_written(result, shared.verbosity)


def confirm_or_exit(plan, shared: Shared) -> None:
    """Show the plan and ask; exit 2 off a terminal, 1 when the answer is no."""
    from .render import render_plan

    render_plan(plan, err, shared.verbose)
    if not cli_common.is_interactive():
        err.print("[red]error:[/red] not a terminal: add --yes to write the archive")
        raise typer.Exit(2)
    if not typer.confirm("Write this archive?", default=False, err=True):
        err.print("Nothing written.")
        raise typer.Exit(1)


def run_with_progress(dumper, plan, verbosity: int):
    """Execute a plan; with ``verbosity``, show rich progress bars on stderr."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    if not verbosity:
        return dumper.execute(plan)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[item]}", style="dim"),
        console=err,
        transient=False,
    ) as data_bar:
        data_task = (
            data_bar.add_task("data", total=len(plan.selected_definitions), item="")
            if plan.selected_definitions
            else None
        )
        storage_bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=err,
        )
        storage_task = None

        def progress(update):
            nonlocal storage_task
            if update.stage == "data" and data_task is not None:
                data_bar.update(data_task, completed=update.completed, item=update.item)
            elif update.stage == "storage":
                if storage_task is None:
                    data_bar.stop()
                    storage_bar.start()
                    storage_task = storage_bar.add_task("storages", total=plan.size)
                storage_bar.update(storage_task, completed=update.completed)

        try:
            return dumper.execute(plan, progress=progress)
        finally:
            storage_bar.stop()


def run_check(shared: Shared, overrides: dict, choices: dict, json_output: bool):
    """``diskette check``: the preview (read only) on a terminal, else text or JSON."""
    from .core.requests import DumpRequest

    with reported_errors(shared):
        check_flag_conflicts(overrides, choices)
        session = open_session(shared, **overrides)
        request = DumpRequest.from_config(session.config, **choices)
        if not json_output and cli_common.is_interactive():
            session.dumper.check_request(request)  # usage errors before the app starts
            raise typer.Exit(run_preview_app(session, request, read_only=True))
        plan = session.dumper.plan(request)
        if json_output:
            write_json(plan.as_dict())
        else:
            from .render import render_plan

            render_plan(plan, out, shared.verbose)
        if plan.unreadable_problems:  # dump would refuse: an error here too
            raise DumpFailed(problems=plan.unreadable_problems)


def run_script(shared: Shared, overrides: dict):
    """``diskette script``: the dumpdata command lines, on stdout."""
    with reported_errors(shared):
        session = open_session(shared, **overrides)
        text = session.dumper.make_script(session.config.destination)
        out.print(text, markup=False, highlight=False)


def run_apps(shared: Shared, json_output: bool):
    """``diskette apps``: resolved definitions, row counts and warnings; no storage walk."""
    from .core.requests import DumpRequest

    with reported_errors(shared):
        session = open_session(shared)
        request = DumpRequest.from_config(session.config, with_storages=False, scan=False)
        plan = session.dumper.plan(request)
        if json_output:
            data = plan.as_dict()
            write_json({"definitions": data["definitions"], "warnings": data["warnings"]})
            return
        from .render import render_plan

        render_plan(plan, out, shared.verbose, archive=False)


# -- commands ------------------------------------------------------------------


def version_callback(value: bool):
    """Print the version and exit."""
    if value:
        out.print(f"diskette-tui {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Show the version."
        ),
    ] = False,
):
    """Preview, dump and restore a Django project's data and media in one archive."""


@app.command()
def dump(
    config: ConfigOpt = None,
    settings: SettingsOpt = None,
    pythonpath: PythonpathOpt = None,
    demo: DemoOpt = False,
    demo_dir: DemoDirOpt = None,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
    json_output: JsonOpt = False,
    destination: DestinationOpt = None,
    filename: FilenameOpt = None,
    no_data: NoDataOpt = False,
    no_storages: NoStoragesOpt = False,
    no_storages_excludes: NoExcludesOpt = False,
    app_names: AppOpt = None,
    storage: StorageOpt = None,
    exclude: ExcludeOpt = None,
    skip_unreadable: SkipUnreadableOpt = False,
    indent: IndentOpt = None,
    chmod: ChmodOpt = None,
    compresslevel: CompresslevelOpt = None,
    yes: YesOpt = False,
):
    """Write the archive: preview and confirm on a terminal, or --yes."""
    run_dump(
        Shared(config, settings, pythonpath, demo, demo_dir, verbose, quiet),
        dict(
            destination=destination,
            filename=filename,
            storages=storage,
            storages_excludes=exclude,
            indent=indent,
            chmod=chmod,
            compresslevel=compresslevel,
        ),
        dump_choices(no_data, no_storages, no_storages_excludes, app_names, skip_unreadable),
        yes=yes,
        json_output=json_output,
    )


@app.command()
def check(
    config: ConfigOpt = None,
    settings: SettingsOpt = None,
    pythonpath: PythonpathOpt = None,
    demo: DemoOpt = False,
    demo_dir: DemoDirOpt = None,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
    json_output: JsonOpt = False,
    destination: DestinationOpt = None,
    filename: FilenameOpt = None,
    no_data: NoDataOpt = False,
    no_storages: NoStoragesOpt = False,
    no_storages_excludes: NoExcludesOpt = False,
    app_names: AppOpt = None,
    storage: StorageOpt = None,
    exclude: ExcludeOpt = None,
    skip_unreadable: SkipUnreadableOpt = False,
):
    """Dry run: show what a dump would write, without writing anything."""
    run_check(
        Shared(config, settings, pythonpath, demo, demo_dir, verbose, quiet),
        dict(
            destination=destination,
            filename=filename,
            storages=storage,
            storages_excludes=exclude,
        ),
        dump_choices(no_data, no_storages, no_storages_excludes, app_names, skip_unreadable),
        json_output=json_output,
    )


@app.command()
def script(
    config: ConfigOpt = None,
    settings: SettingsOpt = None,
    pythonpath: PythonpathOpt = None,
    demo: DemoOpt = False,
    demo_dir: DemoDirOpt = None,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
    destination: DestinationOpt = None,
    indent: IndentOpt = None,
    executable: Annotated[
        str | None,
        typer.Option(
            "--executable", metavar="COMMAND", help="Command prefix, e.g. 'python manage.py'."
        ),
    ] = None,
):
    """Print the shell commands (dumpdata …) that dump the data."""
    run_script(
        Shared(config, settings, pythonpath, demo, demo_dir, verbose, quiet),
        dict(destination=destination, indent=indent, executable=executable),
    )


@app.command()
def apps(
    config: ConfigOpt = None,
    settings: SettingsOpt = None,
    pythonpath: PythonpathOpt = None,
    demo: DemoOpt = False,
    demo_dir: DemoDirOpt = None,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
    json_output: JsonOpt = False,
):
    """Show the resolved definitions, their models and load-order warnings."""
    run_apps(Shared(config, settings, pythonpath, demo, demo_dir, verbose, quiet), json_output)


@app.command("demo")
def demo_command(
    demo_dir: DemoDirOpt = None,
    verbose: VerboseOpt = 0,
):
    """Create (or reset) the bundled demo project and say where it is."""
    shared = Shared(demo=True, demo_dir=demo_dir, verbose=verbose)
    with reported_errors(shared):
        from . import demo
        from .project import Project

        folder = Path(demo_dir or demo.default_demo_dir()).absolute()
        demo.write_demo_files(folder)
        Project(settings="demo_settings", pythonpath=[folder]).setup()
        demo.build_demo(folder)
        err.print(f"Demo project ready in {folder}", markup=False)
        err.print(f"  configuration  {folder / 'diskette.toml'}", markup=False)
        err.print("  try            diskette dump --demo")
        out.print(str(folder), markup=False, highlight=False)


def main():
    """Console script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()

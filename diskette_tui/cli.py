"""The ``diskette`` command line (Typer): the app and the dump-side commands.

Each command declares its options and calls one function: options → request →
engine → render or run. The restore commands live in :mod:`.cli_restore`, on
their own Typer app merged into this one; what both share (options, the
session, error reporting, :func:`~.cli_common.is_interactive`) is in
:mod:`.cli_common`.
"""

from __future__ import annotations

import json
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
    ARCHIVE_MODE,
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
    StorageOpt,
    VerboseOpt,
    YesOpt,
    err,
    open_project,
    out,
    reported_errors,
)
from .cli_restore import restore_app
from .exceptions import ConfigError

app = typer.Typer(
    name="diskette",
    help="Preview, dump and restore a Django project's data and media in one archive.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(restore_app)

def open_session(shared: Shared, **overrides) -> Session:
    """Read the configuration, set Django up and build the Dumper (validated)."""
    from .core.dumper import Dumper
    from .loggers import ConsoleLogger

    cwd = Path.cwd()
    config, project = open_project(
        shared,
        no_config=(
            "no configuration: no diskette.toml, no [tool.diskette] in pyproject.toml, "
            "and no Django settings (--settings or DJANGO_SETTINGS_MODULE)"
        ),
    )
    config = config.with_overrides(cwd=cwd, **overrides)
    if not config.apps and not config.storages:
        raise ConfigError(f"nothing configured to dump in {config.source or 'the configuration'}")
    dumper = Dumper(
        config.apps,
        executable=config.executable,
        storages_basepath=config.storages_basepath,
        storages=config.storages,
        storages_excludes=config.storages_excludes,
        logger=ConsoleLogger(err, shared.verbosity),
        indent=config.indent,
    )
    dumper.validate()
    return Session(config=config, project=project, dumper=dumper)


def check_dump_options(session: Session, no_data, no_storages, apps) -> None:
    """Reject impossible choices before any work starts (exit code 2)."""
    problems = []
    if no_data and no_storages:
        problems.append("--no-data and --no-storages together leave nothing to dump")
    names = [definition.name for definition in session.dumper.apps]
    problems += [
        f"unknown definition '{name}' for --app (known: {', '.join(names)})"
        for name in apps or ()
        if name not in names
    ]
    destination = session.config.destination
    if destination.exists() and not destination.is_dir():
        problems.append(f"destination is not a folder: {destination}")
    if problems:
        raise ConfigError(problems=problems)
    session.dumper.format_archive_filename(session.config.filename)


def build_plan(
    session: Session,
    no_data,
    no_storages,
    no_storages_excludes,
    apps,
    progress=None,
    is_cancelled=None,
):
    """The plan of a dump with the command line's choices."""
    check_dump_options(session, no_data, no_storages, apps)
    config = session.config
    return session.dumper.plan(
        destination=config.destination,
        filename=config.filename,
        with_data=not no_data,
        with_storages=not no_storages,
        with_storages_excludes=not no_storages_excludes,
        count_rows=True,
        only=apps or None,
        progress=progress,
        is_cancelled=is_cancelled,
    )


def run_preview_app(session: Session, plan_options: tuple, read_only: bool) -> int:
    """Open the Textual preview on the plan; return its exit code."""
    from .tui import run_preview

    chmod_value, dir_mode = archive_modes(session.config)
    environment = session.project.environment()

    no_data, no_storages, no_storages_excludes, apps = plan_options

    def load_plan(progress, is_cancelled, use_excludes=not no_storages_excludes):
        # The preview's ``e`` re-plans with the storage exclusion patterns on or off.
        return build_plan(
            session,
            no_data,
            no_storages,
            not use_excludes,
            apps,
            progress=progress,
            is_cancelled=is_cancelled,
        )

    def execute(plan, progress):
        return session.dumper.execute(
            plan, progress=progress, chmod=chmod_value, dir_chmod=dir_mode, environment=environment
        )

    where = f"{environment['settings']} · {environment['database']}"
    title = "diskette — check" if read_only else "diskette — dump preview"
    return run_preview(load_plan, execute, read_only=read_only, title=title, subtitle=where)


def archive_modes(config) -> tuple[int, int]:
    """Archive and new-folder permissions: flags/config, else owner-only."""
    chmod = config.chmod if config.chmod is not None else ARCHIVE_MODE
    if config.dir_chmod is not None:
        return chmod, config.dir_chmod
    # A folder needs the execute bit wherever the archive mode grants reading.
    return chmod, chmod | ((chmod & 0o444) >> 2)


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
    indent: IndentOpt = None,
    chmod: ChmodOpt = None,
    yes: YesOpt = False,
):
    """Write the archive: preview and confirm on a terminal, or --yes."""
    shared = Shared(config, settings, pythonpath, demo, demo_dir, verbose, quiet)
    with reported_errors(shared):
        session = open_session(
            shared,
            destination=destination,
            filename=filename,
            storages=storage,
            storages_excludes=exclude,
            indent=indent,
            chmod=chmod,
        )
        plan_options = (no_data, no_storages, no_storages_excludes, app_names)
        check_dump_options(session, no_data, no_storages, app_names)
        if not yes and not json_output and cli_common.is_interactive():
            raise typer.Exit(run_preview_app(session, plan_options, read_only=False))
        plan = build_plan(session, *plan_options)
        from .render import render_plan, render_result

        if not yes:
            render_plan(plan, err, verbose)
            if not cli_common.is_interactive():
                err.print("[red]error:[/red] not a terminal: add --yes to write the archive")
                raise typer.Exit(2)
            if not typer.confirm("Write this archive?", default=False, err=True):
                err.print("Nothing written.")
                raise typer.Exit(1)
        elif shared.verbosity and not json_output:
            from .render import plan_summary

            err.print(plan_summary(plan), highlight=False)
        chmod_value, dir_mode = archive_modes(session.config)
        result = run_with_progress(session, plan, chmod_value, dir_mode, shared)
        if json_output:
            out.print_json(json.dumps(result.as_dict()))
        elif shared.verbosity:
            render_result(result, err)


def run_with_progress(session, plan, chmod_value, dir_mode, shared):
    """Execute a plan with a rich progress display on stderr."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    environment = session.project.environment()
    if not shared.verbosity:
        return session.dumper.execute(
            plan, chmod=chmod_value, dir_chmod=dir_mode, environment=environment
        )
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
            return session.dumper.execute(
                plan,
                progress=progress,
                chmod=chmod_value,
                dir_chmod=dir_mode,
                environment=environment,
            )
        finally:
            storage_bar.stop()


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
):
    """Dry run: show what a dump would write, without writing anything."""
    shared = Shared(config, settings, pythonpath, demo, demo_dir, verbose, quiet)
    with reported_errors(shared):
        session = open_session(
            shared,
            destination=destination,
            filename=filename,
            storages=storage,
            storages_excludes=exclude,
        )
        plan_options = (no_data, no_storages, no_storages_excludes, app_names)
        check_dump_options(session, no_data, no_storages, app_names)
        if not json_output and cli_common.is_interactive():
            raise typer.Exit(run_preview_app(session, plan_options, read_only=True))
        plan = build_plan(session, *plan_options)
        if json_output:
            out.print_json(json.dumps(plan.as_dict()))
        else:
            from .render import render_plan

            render_plan(plan, out, verbose)


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
        typer.Option("--executable", help="Command prefix, e.g. 'python manage.py'."),
    ] = None,
):
    """Print the shell commands (dumpdata …) that dump the data."""
    shared = Shared(config, settings, pythonpath, demo, demo_dir, verbose, quiet)
    with reported_errors(shared):
        session = open_session(
            shared, destination=destination, indent=indent, executable=executable
        )
        text = session.dumper.make_script(session.config.destination)
        out.print(text, markup=False, highlight=False)


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
    shared = Shared(config, settings, pythonpath, demo, demo_dir, verbose, quiet)
    with reported_errors(shared):
        session = open_session(shared)
        plan = session.dumper.plan(
            destination=session.config.destination, scan=False, count_rows=True
        )
        if json_output:
            data = plan.as_dict()
            out.print_json(
                json.dumps({"definitions": data["definitions"], "warnings": data["warnings"]})
            )
            return
        from .render import render_plan

        render_plan(plan.select(with_storages=False), out, verbose, archive=False)


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
        err.print(f"Demo project ready in {folder}")
        err.print(f"  configuration  {folder / 'diskette.toml'}")
        err.print("  try            diskette dump --demo")
        out.print(str(folder), markup=False, highlight=False)


def main():
    """Console script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()

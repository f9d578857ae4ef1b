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

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

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
)
from .exceptions import ConfigError

restore_app = typer.Typer(rich_markup_mode=None)

ArchiveArg = Annotated[Path, typer.Argument(help="The .tar.gz archive (only ever read).")]
ExcludeDataOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude-data",
        help="Do not load this data file (users.json, data/users.json or the definition "
        "name; repeatable).",
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
        help="Folder the storages are restored into (default: the configuration's "
        "storages_basepath, DISKETTE_LOAD_STORAGES_PATH, else the current folder).",
    ),
]
ModeOpt = Annotated[
    str,
    typer.Option(
        "--storages-mode",
        help="merge: write the archive's files, keep the others; replace: make each storage "
        "folder exactly the archive's (swapped in once complete).",
    ),
]
NoVerifyOpt = Annotated[
    bool, typer.Option("--no-verify", help="Do not check the members against SHA256SUMS.")
]


def _size(value: int) -> str:
    from .render import size

    return size(value)


def _count(value, noun: str) -> str:
    from .render import count

    return count(value, noun)


# -- project -------------------------------------------------------------------


NO_SETTINGS_FOR_LOAD = (
    "no Django settings to load data into: --settings, 'settings' in "
    "diskette.toml or DJANGO_SETTINGS_MODULE (or --no-data)"
)


def storages_basepath(option: Path | None, config) -> Path:
    """``--storages-basepath`` (relative to the current folder), else configured, else cwd."""
    if option is not None:
        return Path(option).expanduser().absolute()
    if config is not None and config.storages_basepath is not None:
        return Path(config.storages_basepath)
    return Path.cwd()


# -- rendering -----------------------------------------------------------------


def render_load_plan(plan, console) -> None:
    """The preview of a load, as plain text."""
    manifest = plan.manifest
    made_by = manifest.get("generator") or f"diskette {manifest.get('version', '?')}"
    checks = {
        "ok": "checksums ok",
        "unverifiable": "NO checksums (unverifiable)",
        "skipped": "checksums not checked",
    }[plan.verification]
    console.print("[bold]diskette — load preview[/bold]")
    console.print(
        f"archive   {escape(str(plan.archive))} ({_size(plan.archive_size)}) · {escape(made_by)}"
        f" · created {manifest.get('creation', '?')} · {checks}"
    )
    if plan.with_data:
        console.print("data      loaded in one transaction: all files or none")
        if not plan.datas:
            console.print("  (no data files)")
        width = max((len(item.name) for item in plan.datas), default=0)
        for item in plan.datas:
            action = "load" if item.selected else "skip"
            line = f"  {action}  {item.name:<{width}}  {_count(item.objects, 'object')}"
            if item.definition:
                line += f"  · {item.definition}"
            if item.reason:
                line += f"  ({item.reason})"
            console.print(escape(line), style=None if item.selected else "dim")
    else:
        console.print("data      not loaded (--no-data)")
    if plan.with_storages:
        console.print(
            f"storages  into {escape(str(plan.storages_basepath))} · mode {plan.storages_mode}"
        )
        if not plan.storages:
            console.print("  (no storages)")
        for item in plan.storages:
            line = (
                f"  {item.name}  {_count(item.files, 'file')}  {_size(item.size)}"
                f" → {item.target}"
            )
            if not item.exists:
                line += "  (new folder)"
            elif item.mode == "replace":
                line += (
                    f"  (replaces {_count(item.existing, 'existing file')}: "
                    f"{item.overwritten} overwritten, {item.removed} removed)"
                )
            else:
                line += (
                    f"  (merge: {item.overwritten} of {item.existing} existing files overwritten)"
                )
            console.print(escape(line))
    else:
        console.print("storages  not restored (--no-storages)")
    console.print(
        f"total     {_count(len(plan.selected_datas), 'data file')} · "
        f"{_count(plan.objects, 'object')} · {_count(plan.files, 'file')} · {_size(plan.size)}"
    )


def render_contents(contents, console, verbose: int = 0) -> None:
    """``inspect`` as text: manifest, data files with counts, storages with files."""
    manifest = contents.manifest
    console.print(f"archive    {escape(str(contents.path))} ({_size(contents.size)})")
    for key in ("version", "creation", "generator"):
        if key in manifest:
            console.print(f"{key:<10} {escape(str(manifest[key]))}")
    environment = manifest.get("environment") or {}
    if environment:
        console.print(
            "environment " + escape(", ".join(f"{k} {v}" for k, v in environment.items()))
        )
    console.print(
        "checksums  "
        + ("SHA256SUMS present (diskette verify checks it)" if contents.checksums is not None
           else "none (written by diskette: unverifiable)")
    )
    definitions = contents.definition_names()
    console.print(f"data       {_count(len(contents.datas), 'file')}")
    width = max((len(name) for name in contents.datas), default=0)
    for name in contents.datas:
        count = contents.data.get(name)
        member = contents.member(name)
        line = f"  {name:<{width}}  "
        if count is None or count.error:
            line += f"? objects ({count.error if count else 'missing'})"
        else:
            line += _count(count.objects, "object")
        if member is not None:
            line += f"  {_size(member.size)}"
        if definitions.get(name):
            line += f"  · {definitions[name]}"
        console.print(escape(line))
    console.print(f"storages   {_count(len(contents.storages), 'folder')}")
    for storage in contents.storages:
        members = contents.storage_members(storage)
        files = [m for m in members if m.kind == "file"]
        console.print(
            escape(
                f"  {storage}/  {_count(len(files), 'file')}  "
                f"{_size(sum(m.size for m in files))}"
            )
        )
        for member in members:
            if member.kind == "file":
                console.print(escape(f"    {member.name}  {_size(member.size)}"))
            elif member.kind in ("symlink", "hardlink"):
                console.print(escape(f"    {member.name} → {member.linkname}"), style="dim")
            elif verbose and member.kind == "dir":
                console.print(escape(f"    {member.name}/"), style="dim")


# -- the Textual app ------------------------------------------------------------


def require_file(archive: Path) -> None:
    """Report a missing archive in one line, before any app opens."""
    if not archive.is_file():
        from .core.reader import scan

        scan(archive)  # raises the one-line "archive not found" / "not a file" error


def run_inspect_app(archive: Path) -> int:
    """Browse ``archive`` in the Textual app; return its exit code."""
    from .core.reader import scan
    from .tui import run_inspect

    return run_inspect(lambda: scan(archive), title="diskette — inspect", subtitle=archive.name)


def run_load_app(archive: Path, plan_options: dict, project) -> int:
    """Preview, confirm and run a load in the Textual app; return its exit code.

    ``plan_options`` are :meth:`Loader.plan`'s keyword arguments; the plan is
    made in the app's worker by that same method, so the archive is read,
    checked and verified before the user is even asked.
    """
    from .core.loader import Loader
    from .tui import run_load

    # No console logger: stderr would scribble over the app, which shows the same facts.
    loader = Loader(archive)
    database = ""
    subtitle = archive.name
    if project is not None:
        subtitle += f" → {project.settings_module}"
        if plan_options.get("with_data", True):
            database = project.database_label()

    def load_plan():
        return loader.plan(**plan_options)

    def execute(plan, progress):
        return loader.execute(plan, progress=progress)

    return run_load(
        load_plan, execute, title="diskette — load preview", subtitle=subtitle, database=database
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
    shared = Shared(verbose=verbose)
    with reported_errors(shared):
        from .core.reader import scan

        if not json_output and cli_common.is_interactive():
            require_file(archive)
            raise typer.Exit(run_inspect_app(archive))

        contents = scan(archive)
        if json_output:
            out.print_json(json.dumps(contents.as_dict()))
        else:
            render_contents(contents, out, verbose)


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
        from .core.reader import scan
        from .core.reader import verify as verify_contents

        report = verify_contents(scan(archive))
        if json_output:
            out.print_json(json.dumps({"archive": str(archive), **report.as_dict()}))
        for problem in report.problems():
            err.print(f"[red]error:[/red] {escape(problem)}")
        if not report.ok:
            raise typer.Exit(1)
        if shared.verbosity and not json_output:
            err.print(f"ok: {report.checked} members match SHA256SUMS")


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
    ignorenonexistent: IgnoreOpt = False,
    basepath: BasepathOpt = None,
    storages_mode: ModeOpt = "merge",
    no_verify: NoVerifyOpt = False,
    yes: YesOpt = False,
):
    """Restore an archive: preview and confirm on a terminal (Textual), or --yes."""
    shared = Shared(config, settings, pythonpath, demo, demo_dir, verbose, quiet)
    with reported_errors(shared):
        if no_data and no_storages:
            raise ConfigError("--no-data and --no-storages together leave nothing to load")
        if storages_mode not in ("merge", "replace"):
            raise ConfigError("--storages-mode must be 'merge' or 'replace'")
        from .core.reader import require_archive_file

        require_archive_file(Path(archive))
        project_config, project = open_project(
            shared, need_django=not no_data, missing=NO_SETTINGS_FOR_LOAD
        )
        from .core.loader import Loader
        from .loggers import ConsoleLogger

        plan_options = dict(
            storages_basepath=storages_basepath(basepath, project_config),
            with_data=not no_data,
            with_storages=not no_storages,
            data_exclusions=tuple(exclude_data or ()),
            ignorenonexistent=ignorenonexistent,
            storages_mode=storages_mode,
            verify=not no_verify,
        )
        if not yes and not json_output and cli_common.is_interactive():
            require_file(archive)
            raise typer.Exit(run_load_app(archive, plan_options, project))
        loader = Loader(archive, logger=ConsoleLogger(err, shared.verbosity))
        plan = loader.plan(**plan_options)
        if not yes:
            render_load_plan(plan, err)
            if not cli_common.is_interactive():
                err.print("[red]error:[/red] not a terminal: add --yes to load the archive")
                raise typer.Exit(2)
            if not typer.confirm("Load this archive?", default=False, err=True):
                err.print("Nothing loaded.")
                raise typer.Exit(1)
        result = loader.execute(plan)
        if json_output:
            out.print_json(json.dumps({"plan": plan.as_dict(), "result": result.as_dict()}))
        elif shared.verbosity:
            err.print(
                f"Loaded {_count(len(result.loaded), 'data file')} "
                f"({_count(sum(v or 0 for v in result.loaded.values()), 'object')}) and "
                f"{_count(result.files, 'storage file')} from {escape(archive.name)}"
            )

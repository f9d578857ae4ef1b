"""``diskette init``: write a working, commented ``./diskette.toml`` for the current project.

Defined on its own Typer app, :data:`init_app`, which :mod:`diskette_tui.cli`
merges into the ``diskette`` app with ``add_typer``. What the file says is
worked out by :mod:`diskette_tui.init_config`; this module only checks the
target, sets Django up and writes. An existing file is kept unless
``--force`` (exit 2, one line); the file is written under a temporary name and
renamed into place, so a failure never leaves half a configuration.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from .cli_common import (
    NO_SETTINGS,
    PythonpathOpt,
    QuietOpt,
    SettingsOpt,
    Shared,
    VerboseOpt,
    err,
    reported_errors,
)
from .config import CONFIG_FILENAME
from .exceptions import ConfigError

init_app = typer.Typer(rich_markup_mode=None)

ForceOpt = Annotated[bool, typer.Option("--force", help="Replace an existing diskette.toml.")]


@init_app.command()
def init(
    settings: SettingsOpt = None,
    pythonpath: PythonpathOpt = None,
    force: ForceOpt = False,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
):
    """Write a working, commented diskette.toml for the current project."""
    shared = Shared(settings=settings, pythonpath=pythonpath, verbose=verbose, quiet=quiet)
    with reported_errors(shared):
        run_init(shared, force)


def run_init(shared: Shared, force: bool) -> Path:
    """Check the target, set the project up, write ``./diskette.toml``; return its path."""
    from .init_config import inspect_project, render_config
    from .project import Project

    cwd = Path(os.path.abspath(Path.cwd()))
    target = cwd / CONFIG_FILENAME
    if target.is_dir():
        raise ConfigError(f"{CONFIG_FILENAME} is a folder: remove it or run init elsewhere")
    if (target.exists() or target.is_symlink()) and not force:
        raise ConfigError(f"{CONFIG_FILENAME} already exists: use --force to replace it")
    pythonpath = [Path(os.path.abspath(folder)) for folder in shared.pythonpath or ()]
    project = Project(settings=shared.settings, pythonpath=pythonpath)
    if not project.settings_module:
        raise ConfigError(NO_SETTINGS)
    project.setup()
    config = inspect_project(cwd, project.settings_module, pythonpath)
    write_atomically(target, render_config(config))
    if shared.verbosity:
        storages = ", ".join(config.storages) or "none"
        err.print(
            f"wrote {target}: {len(config.definitions)} definitions and a drain, "
            f"storages: {storages}",
            markup=False,
        )
        err.print("next: diskette check, then diskette dump", markup=False)
    return target


def write_atomically(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` through a temporary file renamed into place."""
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

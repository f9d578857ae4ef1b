"""What every command shares: options, consoles, the session, error reporting.

The command modules (:mod:`.cli` for the dump side, :mod:`.cli_restore` for
the restore side) import from here and never from each other. Errors become
one line per problem on stderr with the documented exit code: 0 done, 1 the
work failed, 2 bad usage or configuration, 130 interrupted.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .exceptions import ConfigError, DisketteError, Interrupted

#: Where the messages go (stderr); data goes to stdout.
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


def is_interactive() -> bool:
    """Whether a person is at a terminal (tests replace this)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


# -- shared options -----------------------------------------------------------

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Configuration file (default: ./diskette.toml, "
        "then [tool.diskette] in ./pyproject.toml, then Django settings).",
    ),
]
SettingsOpt = Annotated[
    str | None, typer.Option("--settings", help="Django settings module (mysite.settings).")
]
PythonpathOpt = Annotated[
    list[Path] | None,
    typer.Option("--pythonpath", help="Folder to put on the Python path (repeatable)."),
]
DemoOpt = Annotated[
    bool, typer.Option("--demo", help="Use the bundled demo project (created on first use).")
]
DemoDirOpt = Annotated[
    Path | None,
    typer.Option("--demo-dir", envvar="DISKETTE_DEMO_DIR", help="Folder of the demo project."),
]
VerboseOpt = Annotated[
    int, typer.Option("--verbose", "-v", count=True, help="More output; -v shows tracebacks.")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Only errors and warnings.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]

DestinationOpt = Annotated[
    Path | None, typer.Option("--destination", "-d", help="Folder to write the archive to.")
]
FilenameOpt = Annotated[
    str | None,
    typer.Option("--filename", help="Archive name; {features} and {date} are filled in."),
]
NoDataOpt = Annotated[bool, typer.Option("--no-data", help="Leave the data dumps out.")]
NoStoragesOpt = Annotated[bool, typer.Option("--no-storages", help="Leave the storages out.")]
NoExcludesOpt = Annotated[
    bool, typer.Option("--no-storages-excludes", help="Ignore the storage exclusion patterns.")
]
AppOpt = Annotated[
    list[str] | None,
    typer.Option("--app", help="Only this definition (repeatable; drains are unchanged)."),
]
StorageOpt = Annotated[
    list[Path] | None,
    typer.Option("--storage", help="Storage folder (repeatable; replaces the configured ones)."),
]
ExcludeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        help="Extra storage pattern (repeatable), read like the configured ones: "
        "gitignore-style, fnmatch with DISKETTE_STORAGES_EXCLUDES.",
    ),
]
IndentOpt = Annotated[int | None, typer.Option("--indent", help="Indent data dumps.", min=0)]
ChmodOpt = Annotated[
    str | None,
    typer.Option("--chmod", help="Archive permissions in octal (default 600)."),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Write without asking.")]


@dataclass
class Shared:
    """The options every project command takes."""

    config: Path | None = None
    settings: str | None = None
    pythonpath: list[Path] | None = None
    demo: bool = False
    demo_dir: Path | None = None
    verbose: int = 0
    quiet: bool = False

    @property
    def verbosity(self) -> int:
        """0 quiet, 1 normal, 2+ verbose."""
        return 0 if self.quiet else 1 + self.verbose


@dataclass
class Session:
    """What a project command works with once set up."""

    config: object
    project: object
    dumper: object


@contextlib.contextmanager
def reported_errors(shared: Shared):
    """Turn errors into one-line messages and exit codes; SIGTERM acts as Ctrl+C."""

    def terminate(signum, frame):
        raise Interrupted()

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    except DisketteError as exc:
        if shared.verbose:
            err.print_exception()
        for problem in exc.problems or [str(exc)]:
            err.print(f"[red]error:[/red] {problem}", markup=True, highlight=False)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        err.print("[yellow]interrupted: nothing was written[/yellow]")
        raise typer.Exit(130) from None
    except typer.Exit:
        raise
    except Exception as exc:  # a bug or an unexpected failure: still one line
        if shared.verbose:
            err.print_exception()
        err.print(f"[red]error:[/red] {type(exc).__name__}: {exc}", highlight=False)
        raise typer.Exit(1) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


NO_SETTINGS = (
    "no Django settings module: use --settings, 'settings' in the configuration "
    "or DJANGO_SETTINGS_MODULE"
)


def open_project(
    shared: Shared, need_django: bool = True, missing: str = NO_SETTINGS, no_config: str = ""
):
    """Configuration and Django project: ``(config or None, project or None)``.

    The configuration comes from ``--config``, ``./diskette.toml``,
    ``[tool.diskette]`` or, when none exists, the Django settings. ``--demo``
    creates the demo project on first use. Without any settings module the
    project is None, or, when ``need_django``, a ConfigError saying ``missing``
    (``no_config`` instead when there is no configuration file either).
    """
    from .config import config_from_django_settings, load_config
    from .project import Project

    cwd = Path.cwd()
    explicit = shared.config
    demo_dir = None
    if shared.demo:
        from . import demo

        demo_dir = Path(shared.demo_dir or demo.default_demo_dir()).absolute()
        if not demo.is_ready(demo_dir):
            demo.check_demo_folder(demo_dir)  # before saying we create anything
            err.print(f"Creating the demo project in {demo_dir} …")
            demo.write_demo_files(demo_dir)
        explicit = explicit or demo_dir / "diskette.toml"
    config = load_config(cwd, explicit)
    project = Project(
        settings=shared.settings or (config.settings if config else None),
        pythonpath=shared.pythonpath or (config.pythonpath if config else ()),
    )
    if not project.settings_module:
        if need_django:
            raise ConfigError(no_config if config is None and no_config else missing)
        return config, None
    project.setup()
    if demo_dir is not None:
        from . import demo

        if not demo.is_ready(demo_dir):
            demo.build_demo(demo_dir)
    if config is None:
        from django.conf import settings as django_settings

        config = config_from_django_settings(django_settings, cwd)
    return config, project

"""What every command shares: options, consoles, the session, error reporting.

The command modules (:mod:`.cli` for the dump side, :mod:`.cli_restore` for
the restore side) import from here and never from each other. Errors become
one line per problem on stderr with the documented exit code: 0 done, 1 the
work failed, 2 bad usage or configuration, 130 interrupted.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from .core.interrupts import STOP_REQUESTED
from .exceptions import ConfigError, DisketteError, Interrupted
from .render import tagged


class EscapingConsole(Console):
    """A rich Console that writes undecodable bytes of a name escaped (``caf\\udce9``).

    A file or member name that is not valid UTF-8 reaches Python as lone
    surrogates, which no UTF-8 stream can write: the print would fail, and
    rich, keeping its unwritten buffer, would fail every later print too.
    """

    def _render_buffer(self, buffer) -> str:
        """rich's text for ``buffer``, with lone surrogates as backslash escapes."""
        text = super()._render_buffer(buffer)
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


class PipedConsole(EscapingConsole):
    """A rich Console for stdout that leaves a closed pipe to :func:`reported_errors`.

    rich exits with status 1 when the reader goes away (``diskette check |
    head -1``); here a :class:`BrokenPipeError` is raised instead, and
    :func:`reported_errors` ends the command quietly with status 0. Data
    goes to stdout once the work is done, so nothing is left half done.
    """

    def on_broken_pipe(self) -> None:
        """Stop writing and raise :class:`BrokenPipeError`."""
        self.quiet = True
        raise BrokenPipeError


class MessageConsole(EscapingConsole):
    """A rich Console for stderr: when its reader goes away, messages stop, the work goes on.

    A dump or a load whose progress is piped into ``head`` must not stop half
    way, nor say it succeeded when it did not.
    """

    def on_broken_pipe(self) -> None:
        """Stop writing messages."""
        self.quiet = True


#: Where the messages go (stderr); data goes to stdout.
err = MessageConsole(stderr=True, highlight=False, soft_wrap=True)
out = PipedConsole(highlight=False, soft_wrap=True)


def write_json(data) -> None:
    """Write ``data`` on stdout as indented JSON, plain and streamed.

    No rich here: highlighting a plan of 100,000 files took most of the time
    of ``check --json``. :func:`json.dump` writes piece by piece, so the
    output starts at once; a closed pipe raises :class:`BrokenPipeError`
    (:func:`reported_errors` ends the command with status 0).
    """
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    sys.stdout.flush()


def silence_stdout() -> None:
    """Point stdout at /dev/null, so that Python's last flush cannot fail on a closed pipe."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def is_interactive() -> bool:
    """Whether a person is at a terminal (tests replace this)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


# -- shared options -----------------------------------------------------------

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        metavar="FILE",
        help="Configuration file (default: ./diskette.toml, "
        "then [tool.diskette] in ./pyproject.toml, then Django settings).",
    ),
]
SettingsOpt = Annotated[
    str | None,
    typer.Option("--settings", metavar="MODULE", help="Django settings module (mysite.settings)."),
]
PythonpathOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--pythonpath", metavar="FOLDER", help="Folder to put on the Python path (repeatable)."
    ),
]
DemoOpt = Annotated[
    bool, typer.Option("--demo", help="Use the bundled demo project (created on first use).")
]
DemoDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--demo-dir",
        metavar="FOLDER",
        envvar="DISKETTE_DEMO_DIR",
        help="Folder of the demo project.",
    ),
]
VerboseOpt = Annotated[
    int, typer.Option("--verbose", "-v", count=True, help="More output; -v shows tracebacks.")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Only errors and warnings.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]

DestinationOpt = Annotated[
    Path | None,
    typer.Option("--destination", "-d", metavar="FOLDER", help="Folder to write the archive to."),
]
FilenameOpt = Annotated[
    str | None,
    typer.Option(
        "--filename", metavar="NAME", help="Archive name; {features} and {date} are filled in."
    ),
]
NoDataOpt = Annotated[bool, typer.Option("--no-data", help="Leave the data dumps out.")]
NoStoragesOpt = Annotated[bool, typer.Option("--no-storages", help="Leave the storages out.")]
NoExcludesOpt = Annotated[
    bool, typer.Option("--no-storages-excludes", help="Ignore the storage exclusion patterns.")
]
SkipUnreadableOpt = Annotated[
    bool,
    typer.Option(
        "--skip-unreadable",
        help="Leave out (and list) storage files and folders that cannot be read "
        "or whose name is not UTF-8, instead of failing.",
    ),
]
AppOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--app", metavar="NAME", help="Only this definition (repeatable; drains are unchanged)."
    ),
]
StorageOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--storage",
        metavar="FOLDER",
        help="Storage folder (repeatable; replaces the configured ones).",
    ),
]
ExcludeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        metavar="PATTERN",
        help="Extra storage pattern (repeatable), read like the configured ones: "
        "gitignore-style, fnmatch with DISKETTE_STORAGES_EXCLUDES.",
    ),
]
IndentOpt = Annotated[
    int | None, typer.Option("--indent", metavar="N", help="Indent data dumps.", min=0)
]
ChmodOpt = Annotated[
    str | None,
    typer.Option("--chmod", metavar="MODE", help="Archive permissions in octal (default 600)."),
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


#: What an interruption says when the engine did not say more (it had written nothing).
NOTHING_WRITTEN = "interrupted: nothing was written"


@contextlib.contextmanager
def reported_errors(shared: Shared):
    """Turn errors into one-line messages and exit codes; SIGTERM and SIGHUP act as Ctrl+C.

    An interruption exits 130 with the engine's own account of what it left
    done (an :class:`Interrupted` with a message), else "nothing was written".
    A closed pipe on stdout (``diskette check | head -1``) ends the command
    quietly with status 0.
    """
    previous = interrupt_on_signals()
    try:
        yield
    except BrokenPipeError:  # the reader went away (| head): not an error
        silence_stdout()
        raise typer.Exit(0) from None
    except DisketteError as exc:
        if shared.verbose:
            err.print_exception()
        for problem in exc.problems or [str(exc)]:
            err.print(tagged("error", "red", problem))
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt as exc:
        said = str(exc) if isinstance(exc, Interrupted) and exc.args else NOTHING_WRITTEN
        say_interrupted(said)
        raise typer.Exit(130) from None
    except typer.Exit:
        raise
    except Exception as exc:  # a bug or an unexpected failure: still one line
        if STOP_REQUESTED.is_set():  # a closed terminal fails the app as it stops
            say_interrupted(NOTHING_WRITTEN)
            raise typer.Exit(130) from None
        if shared.verbose:
            err.print_exception()
        err.print(tagged("error", "red", f"{type(exc).__name__}: {exc}"))
        raise typer.Exit(1) from None
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def say_interrupted(said: str) -> None:
    """Say how an interruption ended, on stderr, if it is still there (a closed
    terminal, after SIGHUP, is not: the exit status still says 130)."""
    with contextlib.suppress(OSError):
        err.print(f"[yellow]{escape(said)}[/yellow]")


def interrupt_on_signals() -> dict:
    """Make SIGTERM and SIGHUP raise :class:`Interrupted`, as Ctrl+C raises KeyboardInterrupt.

    SIGHUP comes when the terminal is closed. An ignored SIGHUP (``nohup
    diskette dump …``) stays ignored. The handler also sets
    :data:`~.core.interrupts.STOP_REQUESTED`, so that an engine running in a
    TUI worker stops (and cleans up) at its next progress report rather than
    finishing after the app is gone. Returns the previous handlers.
    """

    def terminate(signum, frame):
        STOP_REQUESTED.set()  # for work in another thread (a TUI worker)
        raise Interrupted()

    STOP_REQUESTED.clear()
    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is None:
            continue
        if name == "SIGHUP" and signal.getsignal(signum) is signal.SIG_IGN:
            continue
        previous[signum] = signal.signal(signum, terminate)
    return previous


NO_SETTINGS = (
    "no Django settings module: use --settings, 'settings' in the configuration "
    "or DJANGO_SETTINGS_MODULE"
)


def open_project(
    shared: Shared, need_django: bool = True, missing: str = NO_SETTINGS, no_config: str = ""
):
    """Configuration and Django project: ``(config or None, project or None)``.

    The configuration comes from ``--config``, ``./diskette.toml``,
    ``[tool.diskette]`` or, when none exists or the file only names the
    project (``settings``, ``pythonpath``), the Django settings. The settings
    module: :func:`settings_module`. ``--demo``
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
            err.print(f"Creating the demo project in {demo_dir} …", markup=False)
            demo.write_demo_files(demo_dir)
        explicit = explicit or demo_dir / "diskette.toml"
    config = load_config(cwd, explicit)
    project = Project(
        settings=settings_module(shared, config),
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
    if config is None or config.names_only_the_project:
        from django.conf import settings as django_settings

        config = config_from_django_settings(django_settings, cwd)
    return config, project


def settings_module(shared: Shared, config) -> str | None:
    """The settings module to use: ``--settings``, else ``DJANGO_SETTINGS_MODULE``, else the file's.

    As Django users expect, the environment wins over a configuration file;
    ``--demo`` always opens the demo's own settings.
    """
    if shared.settings:
        return shared.settings
    from_file = config.settings if config is not None else None
    if shared.demo and from_file:
        return from_file
    return os.environ.get("DJANGO_SETTINGS_MODULE") or from_file

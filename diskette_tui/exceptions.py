"""Errors raised by diskette-tui.

Every error the command line turns into a one-line message derives from
:class:`DisketteError`. Errors that gather several problems keep them in
``problems`` so that each can be printed on its own line.
"""


class DisketteError(Exception):
    """Base of every error diskette-tui reports to its user."""

    #: Exit code the command line uses for this error.
    exit_code = 1

    def __init__(self, message="", problems=None):
        self.problems = list(problems or ([message] if message else []))
        super().__init__(message or "; ".join(self.problems))


class ConfigError(DisketteError):
    """The configuration or the command line is wrong: exit code 2, nothing written."""

    exit_code = 2


class ApplicationConfigError(ConfigError):
    """One application definition is invalid."""


class ApplicationRegistryError(ConfigError):
    """Some application definitions are invalid; ``problems`` has one line each."""


class DumperError(ConfigError):
    """The dump was asked for something impossible (bad storage, bad filename...)."""


class ProjectError(ConfigError):
    """The Django project cannot be set up (settings module, pythonpath)."""


class DestinationError(DisketteError):
    """The archive cannot be written where asked (checked before any work): exit code 1."""

    exit_code = 1


class DumpFailed(DisketteError):
    """The dump started but failed; nothing was written at the final path."""

    exit_code = 1


class LoadFailed(DisketteError):
    """A load started but failed; the database and the storages are as they were."""

    exit_code = 1


class ArchiveError(DisketteError):
    """An archive cannot be read or is not what it claims to be."""

    exit_code = 1


class Interrupted(KeyboardInterrupt):
    """Raised from a SIGTERM handler so that termination unwinds like Ctrl+C."""

"""Errors raised by diskette-tui, with diskette's names and hierarchy.

:class:`DisketteBaseException` is the base of every error, as in
``diskette.exceptions``; :class:`DumperError`, :class:`ApplicationConfigError`,
:class:`ApplicationRegistryError` and :class:`DisketteError` derive from it as
they do there, so code written against diskette catches ours. Every error the
command line turns into a one-line message derives from :class:`DisketteError`
too, and carries the exit code the command line documents: diskette's three
errors are configuration errors (:class:`ConfigError`, exit code 2). Errors that
gather several problems keep them in ``problems`` so that each can be printed
on its own line. Nothing here imports diskette.
"""


class DisketteBaseException(Exception):
    """Base of every error (diskette's ``DisketteBaseException``).

    ``problems`` lists one line per problem (the message alone when not given);
    ``exit_code`` is the command line's exit code for it.
    """

    #: Exit code the command line uses for this error.
    exit_code = 1

    def __init__(self, message="", problems=None):
        self.problems = list(problems or ([message] if message else []))
        super().__init__(message or "; ".join(self.problems))


class DisketteError(DisketteBaseException):
    """Base of every error diskette-tui reports to its user (diskette's basic error)."""


class ConfigError(DisketteError):
    """The configuration or the command line is wrong: exit code 2, nothing written."""

    exit_code = 2


class ApplicationConfigError(ConfigError):
    """One application definition is invalid (raised by ``ApplicationConfig.validate``)."""


class ApplicationRegistryError(ConfigError):
    """Some application definitions are invalid (raised by ``validate_applications``).

    As diskette's: ``error_messages`` maps each invalid definition's name to its
    message, ``str()`` says which definitions have errors and
    :meth:`get_payload_details` gives the details, here one line per problem.
    """

    def __init__(self, message="", problems=None, error_messages=None):
        self.error_messages = dict(error_messages or {})
        problems = list(problems or [])
        if not problems:
            problems = list(self.error_messages.values()) or ([message] if message else [])
        super().__init__(message, problems)
        self.message = message or self.get_payload_message()

    def get_payload_message(self, *args):
        """The exception's message: which definitions have errors (diskette's wording)."""
        if self.error_messages:
            names = ", ".join(str(name) for name in self.error_messages)
            return f"Some defined applications have errors: {names}"
        if args:
            return args[0]
        return "; ".join(self.problems) or "Unexpected error"

    def get_payload_details(self):
        """Every problem, one line each."""
        return list(self.problems)

    def __str__(self):
        return self.message


class DumperError(ConfigError):
    """The dump manager was asked for something impossible (duplicate definitions,
    bad storage, bad filename, nothing to dump...)."""


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
    """Raised from a SIGTERM or SIGHUP handler so that termination unwinds like Ctrl+C.

    The engine raises it too, with a message, when an interruption came after
    it had written something: the message says what is left, and how.
    """

"""Loggers given to the engine: it reports through them and never prints.

They follow diskette's logger interface: ``debug``, ``info``, ``warning``,
``error`` and ``critical`` (which raises).
"""

from .exceptions import DisketteError


class NoOperationLogger:
    """Ignores every message; ``critical`` still raises, as in diskette."""

    def debug(self, msg):
        """Ignore a debug message."""

    def info(self, msg):
        """Ignore an informational message."""

    def warning(self, msg):
        """Ignore a warning."""

    def error(self, msg):
        """Ignore an error message."""

    def critical(self, msg):
        """Raise the message as a :class:`DisketteError`."""
        raise DisketteError(msg)


class CollectingLogger(NoOperationLogger):
    """Keeps every message as ``(level, message)`` in ``records``; handy for tests."""

    def __init__(self):
        self.records = []

    def debug(self, msg):
        """Keep a debug message."""
        self.records.append(("debug", msg))

    def info(self, msg):
        """Keep an informational message."""
        self.records.append(("info", msg))

    def warning(self, msg):
        """Keep a warning."""
        self.records.append(("warning", msg))

    def error(self, msg):
        """Keep an error message."""
        self.records.append(("error", msg))


class ConsoleLogger(NoOperationLogger):
    """Writes messages to a rich console (stderr), filtered by verbosity.

    ``verbosity`` 0 shows warnings and errors, 1 adds info, 2 adds debug.
    """

    def __init__(self, console, verbosity=1):
        self.console = console
        self.verbosity = verbosity

    def debug(self, msg):
        """Show a debug message when very verbose."""
        if self.verbosity >= 2:
            self.console.print(msg, style="dim", markup=False, highlight=False)

    def info(self, msg):
        """Show an informational message unless quiet."""
        if self.verbosity >= 1:
            self.console.print(msg, markup=False, highlight=False)

    def warning(self, msg):
        """Show a warning."""
        from .render import tagged

        self.console.print(tagged("warning", "yellow", msg), highlight=False)

    def error(self, msg):
        """Show an error."""
        from .render import tagged

        self.console.print(tagged("error", "red", msg), highlight=False)

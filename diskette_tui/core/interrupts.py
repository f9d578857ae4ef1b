"""Steps that a signal must not cut in two: the rename of an archive, a commit, an undo.

The command line turns SIGINT, SIGTERM and SIGHUP into :class:`KeyboardInterrupt`
(see :func:`diskette_tui.cli_common.reported_errors`). Inside :func:`deferred`
one that arrives is only recorded on the :class:`Deferral` (not raised half-way
through the step), for the caller to say truthfully what happened.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from dataclasses import dataclass

#: The signals that interrupt a dump or a load (SIGHUP: the terminal was closed).
INTERRUPT_SIGNALS = frozenset(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@dataclass
class Deferral:
    """What arrived while signals were held: the signal numbers, in no order."""

    received: set

    @property
    def interrupted(self) -> bool:
        """Whether an interrupting signal arrived during the step."""
        return bool(self.received)


@contextlib.contextmanager
def deferred():
    """Hold SIGINT, SIGTERM and SIGHUP during the block; record (not raise) those that came.

    Their handlers are replaced, for the block, by one that only records:
    whichever thread the system hands a signal to (rich's refresh thread…),
    Python runs the handler in the main thread, so masking the main thread
    alone would not do. Ignored signals stay ignored. Only the main thread
    can change handlers; elsewhere (a TUI worker, stopped through its
    progress callback) the block runs as it is.
    """
    deferral = Deferral(set())
    if threading.current_thread() is not threading.main_thread():
        yield deferral
        return

    def record(signum, frame):
        deferral.received.add(signum)

    previous = {}
    try:
        for signum in INTERRUPT_SIGNALS:
            if _handled(signum):
                previous[signum] = signal.signal(signum, record)
        yield deferral
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _handled(signum: int) -> bool:
    """Whether ``signum`` would interrupt us (it is neither ignored nor left to C code)."""
    return signal.getsignal(signum) not in (signal.SIG_IGN, None)


#: Set by the command line's signal handler: the work must stop. The handler
#: raises in the main thread; work running in another thread (a TUI worker)
#: sees this at its next progress report (:func:`stoppable`).
STOP_REQUESTED = threading.Event()


def stoppable(progress):
    """``progress``, raising :class:`KeyboardInterrupt` first once a stop was requested."""

    def report(update) -> None:
        if STOP_REQUESTED.is_set():
            raise KeyboardInterrupt
        progress(update)

    return report


#: Environment variable naming points (comma-separated) where the process stops
#: itself with SIGSTOP: the interruption tests signal it exactly there.
STOP_AT_ENV = "DISKETTE_TEST_STOP_AT"


def stop_point(name: str) -> None:
    """Stop this process here when :data:`STOP_AT_ENV` names ``name`` (tests only).

    The points: ``rename`` (a dump's archive is complete and synced, only the
    rename is left); ``moved`` (a load has moved one storage in, after each)
    and ``commit`` (a load has loaded its data and moved every storage in,
    the commit is next).
    """
    if name in os.environ.get(STOP_AT_ENV, "").split(","):
        os.kill(os.getpid(), signal.SIGSTOP)

"""Steps that a signal must not cut in two: the rename of an archive, a commit, an undo.

The command line turns SIGINT, SIGTERM and SIGHUP into :class:`KeyboardInterrupt`
(see :func:`diskette_tui.cli_common.reported_errors`). Inside :func:`deferred`
those signals are blocked: one that arrives is held by the system, then taken
off (so it is not raised half-way through what follows) and recorded on the
:class:`Deferral`, for the caller to say truthfully what happened.
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

    Only the main thread receives Python's signals; elsewhere (a TUI worker,
    stopped through its progress callback) the block runs as it is.
    """
    deferral = Deferral(set())
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "pthread_sigmask"
    ):
        yield deferral
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, INTERRUPT_SIGNALS)
    try:
        yield deferral
    finally:
        # Take the held ones off, so that they are not raised where the caller
        # cannot say what was done; it decides with deferral.received.
        for signum in signal.sigpending() & INTERRUPT_SIGNALS:
            if _handled(signum):
                signal.sigtimedwait({signum}, 0)
                deferral.received.add(signum)
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _handled(signum: int) -> bool:
    """Whether ``signum`` would interrupt us (it is not ignored)."""
    return signal.getsignal(signum) is not signal.SIG_IGN


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

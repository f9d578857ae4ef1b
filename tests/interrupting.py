"""Stopping a real ``diskette`` subprocess at a chosen point, then signalling it.

The child is stopped with SIGSTOP and the condition is checked on the stopped
process, so what the check sees stays true until SIGCONT: a signal sent then is
handled exactly there, however fast the machine. No timing is asserted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from diskette_tui.core.interrupts import STOP_AT_ENV

SOURCE_ROOT = Path(__file__).resolve().parent.parent

#: The signals that interrupt (SIGHUP: the terminal was closed), by name for test ids.
INTERRUPTS = {"SIGINT": signal.SIGINT, "SIGTERM": signal.SIGTERM, "SIGHUP": signal.SIGHUP}


def _default_signals() -> None:
    """In the child: SIGINT and SIGHUP as a terminal's foreground process has them.

    A shell starts background jobs with SIGINT ignored, ``nohup`` SIGHUP, and
    children inherit that; the command under test must see the defaults.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def start(
    args: list[str], cwd: Path, env: dict | None = None, stop_at: str = ""
) -> subprocess.Popen:
    """``python -m diskette_tui ARGS`` in ``cwd``, its output captured.

    ``stop_at`` names a point where it stops itself (``DISKETTE_TEST_STOP_AT``;
    then :func:`wait_stopped`).
    """
    environment = dict(env if env is not None else os.environ)
    if stop_at:
        environment[STOP_AT_ENV] = stop_at
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(SOURCE_ROOT), *filter(None, [environment.get("PYTHONPATH")])]
    )
    return subprocess.Popen(
        [sys.executable, "-m", "diskette_tui", *args],
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_signals,
    )


def stop_when(process: subprocess.Popen, condition, what: str, timeout: float = 120):
    """SIGSTOP ``process`` at a moment where ``condition()`` holds; return its value.

    ``condition`` is first tried on the running process (cheap, may be wrong),
    then again on the stopped one, which decides. Fails when the process ends
    first.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the command ended before {what} (exit {process.returncode}): {err}")
        if not condition():
            time.sleep(0.002)
            continue
        os.kill(process.pid, signal.SIGSTOP)
        _pid, status = os.waitpid(process.pid, os.WUNTRACED)
        if not os.WIFSTOPPED(status):
            pytest.fail(f"the command ended before {what} (wait status {status})")
        found = condition()
        if found:
            return found
        os.kill(process.pid, signal.SIGCONT)
    pytest.fail(f"never saw {what}")


def wait_stopped(process: subprocess.Popen, what: str) -> None:
    """Wait until ``process`` stopped itself (its ``DISKETTE_TEST_STOP_AT`` point)."""
    _pid, status = os.waitpid(process.pid, os.WUNTRACED)
    if not os.WIFSTOPPED(status):
        process.returncode = os.waitstatus_to_exitcode(status)
        _out, err = process.communicate()
        pytest.fail(f"the command ended before {what} (exit {process.returncode}): {err}")


def signal_stopped(process: subprocess.Popen, signum: int) -> tuple[int, str]:
    """Send ``signum`` to the stopped ``process``, let it go on; return (exit code, stderr)."""
    try:
        process.send_signal(signum)  # pending while stopped
        process.send_signal(signal.SIGCONT)
        _out, err = process.communicate(timeout=180)
    finally:
        if process.returncode is None:
            process.kill()
            process.communicate()
    return process.returncode, err


def kill_stopped(process: subprocess.Popen) -> None:
    """SIGKILL the stopped ``process`` and reap it."""
    process.kill()
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL


def tree(folder: Path) -> dict[str, object]:
    """Every path under ``folder`` (hidden ones too) with its bytes, link target or "dir"."""
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            rel = str(path.relative_to(folder))
            if path.is_symlink():
                found[rel] = ("link", os.readlink(path))
            elif path.is_dir():
                found[rel] = "dir"
            else:
                found[rel] = path.read_bytes()
    return found


def dead_pid() -> int:
    """The pid of a process that has just ended (so no longer exists)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid

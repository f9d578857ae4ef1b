"""Running diskette as a user who cannot read everything, even when the tests run as root.

Root reads any file whatever its mode, so a test about unreadable files runs
the code under test in a subprocess as ``nobody`` (``setpriv``), on files in a
folder that user can reach. A test run by an ordinary user runs the subprocess
as that user: ``chmod 0`` is enough then.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

#: The unprivileged user and group (``nobody``/``nogroup`` on Debian and most Linux).
NOBODY = 65534


def privileges_prefix() -> list[str]:
    """The command prefix that drops root's privileges; empty when not root."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot run as a user who lacks permissions")
    return [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def run_unprivileged(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run ``python args…`` in ``cwd`` as the unprivileged user; text output."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["HOME"] = str(cwd)
    return subprocess.run(
        [*privileges_prefix(), sys.executable, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        errors="backslashreplace",
        timeout=180,
    )


def give_to_unprivileged(folder: Path) -> None:
    """Make ``folder`` and everything in it belong to the unprivileged user (as root)."""
    if os.geteuid() != 0:
        return
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, NOBODY, NOBODY, follow_symlinks=False)


def shared_folder():
    """A folder the unprivileged user can reach, removed afterwards whatever its modes.

    A generator for a fixture (``shared_tmp`` in conftest.py): yields the folder.
    """
    path = Path(tempfile.mkdtemp(prefix="diskette-unprivileged-"))
    path.chmod(0o755)
    yield path
    for root, folders, _files in os.walk(path):  # top-down: opened before it is entered
        for name in folders:
            folder = Path(root, name)
            if not folder.is_symlink():
                folder.chmod(0o755)
    shutil.rmtree(path)

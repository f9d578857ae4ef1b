"""Interrupting ``diskette dump``: real subprocesses, stopped at a chosen point, then signalled.

SIGINT, SIGTERM and SIGHUP during a data dump, while storages are compressed
and just before the rename; SIGKILL, then the next dump. Never a file at the
final path that is not a complete archive, the previous archive of that name
unchanged, no temporary file left — and what a killed dump left is removed by
the next dump into that destination, with one line saying so, and nothing else.
"""

from __future__ import annotations

import os
import pty
import re
import signal
import stat
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import pytest

from diskette_tui.core import leftovers
from interrupting import (
    INTERRUPTS,
    SOURCE_ROOT,
    dead_pid,
    kill_stopped,
    signal_stopped,
    start,
    stop_when,
    wait_stopped,
)

PREVIOUS = b"the previous archive"
ARCHIVE = "diskette_data_storages.tar.gz"
BIG = 24  # MiB
LAST_DATA = "everything-else.json"  # the drain, dumped last


def project(demo_project: Path, folder: Path, blobs: int) -> Path:
    """A project folder dumping the demo's data and ``blobs`` MiB of random bytes."""
    big = folder / "big"
    big.mkdir()
    chunk = os.urandom(1 << 20)
    for index in range(blobs):
        (big / f"blob-{index:02d}.bin").write_bytes(chunk)
    demo_config = (demo_project / "diskette.toml").read_text()
    apps = demo_config[demo_config.index("[[apps]]") :]
    (folder / "diskette.toml").write_text(
        f'settings = "demo_settings"\npythonpath = "{demo_project}"\n'
        f'storages = ["big"]\ndestination = "dumps"\n{apps}'
    )
    dumps = folder / "dumps"
    dumps.mkdir()
    (dumps / ARCHIVE).write_bytes(PREVIOUS)
    return folder


@pytest.fixture
def source(demo_project, tmp_path) -> Path:
    """A project with the demo's data and 1 MiB of storage."""
    return project(demo_project, tmp_path, 1)


@pytest.fixture
def big_source(demo_project, tmp_path) -> Path:
    """A project with the demo's data and 24 MiB of storage: compressing it takes a while."""
    return project(demo_project, tmp_path, BIG)


def temporaries(dumps: Path) -> list[Path]:
    """The dump's temporary file and work folder in ``dumps``."""
    return sorted(dumps.glob(".*.part")) + sorted(dumps.glob(".diskette-work-*"))


def only_the_previous_archive(dumps: Path) -> None:
    assert (dumps / ARCHIVE).read_bytes() == PREVIOUS
    assert sorted(path.name for path in dumps.iterdir()) == [ARCHIVE]


def interrupted_cleanly(code: int, err: str) -> None:
    assert code == 130, err
    assert "interrupted: nothing was written" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("signum", INTERRUPTS.values(), ids=INTERRUPTS.keys())
def test_signal_during_a_data_dump(source, signum):
    dumps = source / "dumps"
    process = start(["dump", "--yes", "-q"], source)

    def dumping_data():
        works = list(dumps.glob(".diskette-work-*"))
        if not works:
            return False
        started = any(works[0].iterdir())
        return started and not (works[0] / LAST_DATA).exists()

    stop_when(process, dumping_data, "the data dumps")
    assert temporaries(dumps)  # the proof that it was stopped mid-way
    code, err = signal_stopped(process, signum)
    interrupted_cleanly(code, err)
    only_the_previous_archive(dumps)


@pytest.mark.parametrize("signum", INTERRUPTS.values(), ids=INTERRUPTS.keys())
def test_signal_while_storages_are_archived(big_source, signum):
    dumps = big_source / "dumps"
    process = start(["dump", "--yes", "-q"], big_source)

    def archiving():
        parts = list(dumps.glob(".*.part"))
        return parts and parts[0].stat().st_size > (1 << 20) and parts[0]

    part = stop_when(process, archiving, "storage archiving")
    assert part.stat().st_size < (BIG << 20) // 2  # random bytes do not compress: far from done
    code, err = signal_stopped(process, signum)
    interrupted_cleanly(code, err)
    only_the_previous_archive(dumps)


@pytest.mark.parametrize("signum", INTERRUPTS.values(), ids=INTERRUPTS.keys())
def test_signal_just_before_the_rename(source, signum):
    """The temporary archive is complete, synced and chmod-ed: only the rename is left.

    The dump stops itself there (``DISKETTE_TEST_STOP_AT=rename``); the
    signal still wins: nothing written.
    """
    dumps = source / "dumps"
    process = start(["dump", "--yes", "-q", "--chmod", "640"], source, stop_at="rename")
    wait_stopped(process, "the rename")
    (part,) = dumps.glob(".*.part")
    assert stat.S_IMODE(part.stat().st_mode) == 0o640
    with tarfile.open(part) as archive:  # complete: the rename is all that is left
        assert archive.getnames()[-1] == "manifest.json"
    code, err = signal_stopped(process, signum)
    interrupted_cleanly(code, err)
    only_the_previous_archive(dumps)


def test_a_killed_dump_leaves_temporaries_that_the_next_dump_removes(big_source):
    source = big_source
    dumps = source / "dumps"
    process = start(["dump", "--yes", "-q"], source)

    def archiving():
        parts = list(dumps.glob(".*.part"))
        return parts and parts[0].stat().st_size > (1 << 20)

    stop_when(process, archiving, "storage archiving")
    kill_stopped(process)
    killed = temporaries(dumps)
    assert [path.name.startswith(f".{ARCHIVE}.diskette-") for path in killed] == [True, False]
    assert (dumps / ARCHIVE).read_bytes() == PREVIOUS

    host = leftovers.host_name()
    not_ours = {
        f".{ARCHIVE}.abcdefgh.part": "file",  # a name as mkstemp made them: no owner
        ".diskette-work-mine": "dir",
        f".{ARCHIVE}.diskette-{os.getpid()}@{host}-0123abcd.part": "file",  # pid alive
        f".{ARCHIVE}.diskette-{dead_pid()}@other-host-0123abcd.part": "file",  # another host
        f".diskette-work-{dead_pid()}@{host}-0123abcd": "file",  # a file, not a folder
        f"{ARCHIVE}.diskette-{dead_pid()}@{host}-0123abcd.part": "file",  # no leading dot
    }
    for name, kind in not_ours.items():
        if kind == "dir":
            (dumps / name).mkdir()
        else:
            (dumps / name).write_bytes(b"user data")

    again = start(["dump", "--yes", "--no-storages"], source)
    _out, err = again.communicate(timeout=180)
    assert again.returncode == 0, err
    assert "removed 2 leftovers of killed dumps" in err
    assert killed[0].name in err and killed[1].name in err
    assert sorted(path.name for path in dumps.iterdir()) == sorted(
        [ARCHIVE, "diskette_data.tar.gz", *not_ours]
    )
    assert (dumps / ARCHIVE).read_bytes() == PREVIOUS


def test_closing_the_terminal_of_a_preview_dump(big_source):
    """SIGHUP while the preview app writes (in its worker), the terminal gone: 130, nothing left.

    The dump runs in a real pseudo-terminal; ``d`` then ``y`` start the write.
    """
    dumps = big_source / "dumps"
    master, slave = pty.openpty()
    environment = {**os.environ, "TERM": "xterm-256color", "PYTHONPATH": str(SOURCE_ROOT)}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "diskette_tui", "dump"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=big_source,
        env=environment,
        start_new_session=True,
    )
    os.close(slave)
    screen = Screen(master)
    try:
        screen.wait_for(b"All/None", process)  # the preview's footer: the plan is shown
        os.write(master, b"d")
        screen.wait_for(b"Cancel (n)", process)  # the confirmation
        os.write(master, b"y")

        def archiving():
            parts = list(dumps.glob(".*.part"))
            return parts and parts[0].stat().st_size > (1 << 20)

        stop_when(process, archiving, "storage archiving")
        process.send_signal(signal.SIGHUP)
        os.close(master)  # the terminal is gone
        process.send_signal(signal.SIGCONT)
        assert process.wait(timeout=180) == 130
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    only_the_previous_archive(dumps)


class Screen:
    """What a process wrote to a pseudo-terminal, read in a thread."""

    def __init__(self, master: int):
        self.master = master
        self.output = bytearray()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self.output.extend(data)

    def wait_for(self, text: bytes, process, timeout: float = 120) -> None:
        """Wait until ``text`` was written (the app drew it; escape sequences left out)."""
        start = len(self.output)
        deadline = time.monotonic() + timeout
        while text not in re.sub(rb"\x1b\[[0-9;?<>=$]*[a-zA-Z~]", b" ", self.output[start:]):
            assert process.poll() is None, bytes(self.output[-2000:])
            assert time.monotonic() < deadline, f"never saw {text!r}"
            time.sleep(0.05)

"""The parts the interruption guarantees rest on, in-process: held signals, owner-named
leftovers, and rolling a storage back from its undo folder (as a next load does)."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

from diskette_tui.core import leftovers
from diskette_tui.core.interrupts import deferred
from diskette_tui.core.restore.apply import StorageMove, roll_back
from interrupting import dead_pid, tree


def test_a_signal_during_a_held_step_is_recorded_not_raised():
    """Even with another thread running (rich's refresh thread, a TUI's)."""
    previous = signal.getsignal(signal.SIGHUP)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        with deferred() as held:
            os.kill(os.getpid(), signal.SIGHUP)
            for _ in range(100):  # Python runs handlers between bytecodes
                time.sleep(0.001)
    finally:
        stop.set()
        other.join()
    assert held.received == {signal.SIGHUP}
    assert signal.getsignal(signal.SIGHUP) == previous


def test_only_abandoned_entries_with_our_names_are_leftovers(tmp_path):
    host = leftovers.host_name()
    gone = dead_pid()
    ours = [
        f".a.tar.gz.diskette-{gone}@{host}-0123abcd.part",
        f".media.diskette-undo-{gone}@{host}-0123abcd",
    ]
    others = [
        f".a.tar.gz.diskette-{os.getpid()}@{host}-0123abcd.part",  # alive
        f".a.tar.gz.diskette-{gone}@another-0123abcd.part",  # another host
        f".a.tar.gz.diskette-{gone}@{host}-0123abcd.part.bak",  # not the whole name
        f".a.tar.gz.diskette-{gone}@{host}-0123ABCD.part",  # not our random part
        ".media.diskette-undo-x",
    ]
    for name in ours[:1] + others:
        (tmp_path / name).write_bytes(b"12345")
    (tmp_path / ours[1]).mkdir()
    found = leftovers.find_leftovers(tmp_path)
    assert [item.path.name for item in found] == ours
    assert [(item.kind, item.target, item.size) for item in found] == [
        ("part", "a.tar.gz", 5),
        ("undo", "media", 0),
    ]


def staged_move(tmp_path: Path) -> StorageMove:
    """A merge of ``staged`` (a.txt over the target's, new.txt, new/ folder) into ``media``."""
    target = tmp_path / "media"
    target.mkdir()
    (target / "a.txt").write_text("old a")
    (target / "mine.txt").write_text("mine")
    staged = tmp_path / leftovers.staging_name("media", "1@h-0123abcd")
    (staged / "new").mkdir(parents=True)
    (staged / "a.txt").write_text("new a")
    (staged / "new.txt").write_text("new")
    (staged / "new" / "b.txt").write_text("new b")
    return StorageMove.begin("media", target, staged, "1@h-0123abcd")


def test_a_finished_merge_rolls_back_to_the_target_as_it_was(tmp_path):
    move = staged_move(tmp_path)
    before = tree(move.target)
    move.merge()
    move.close()
    assert (move.target / "a.txt").read_text() == "new a"
    assert roll_back(move.undo, move.target)
    assert tree(move.target) == before


def test_a_merge_killed_while_writing_its_journal_rolls_back(tmp_path):
    """The last journal line is cut: its move never happened, the others are undone."""
    move = staged_move(tmp_path)
    before = tree(move.target)
    move.merge()
    move.close()
    with open(move.undo / "journal", "a") as journal:
        journal.write(json.dumps(["new", "never.txt"])[:7])
    assert roll_back(move.undo, move.target)
    assert tree(move.target) == before


def test_a_complete_move_is_not_rolled_back(tmp_path):
    move = staged_move(tmp_path)
    move.merge()
    move.mark_complete()
    after = tree(move.target)
    assert not roll_back(move.undo, move.target)
    assert tree(move.target) == after


def test_a_replace_killed_between_its_renames_rolls_back(tmp_path):
    move = staged_move(tmp_path)
    before = tree(move.target)
    move.note({"mode": "replace", "existed": True})
    os.rename(move.target, move.undo / "files")  # killed here: no target at all
    move.close()
    assert roll_back(move.undo, move.target)
    assert tree(move.target) == before

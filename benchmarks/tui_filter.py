"""Benchmark: the dump preview's ``/`` filter on a storage of 100 folders × 1,000 files.

A real tree of empty files is scanned once (``scan_storages``) and shown in
:class:`~diskette_tui.tui.dump_app.DumpApp`, driven by Textual's pilot
(headless, 120×36). Each key of a filter session is timed from the key press
until the screen is idle and repainted: the process CPU time spent (the work
the key costs) and the wall time, which adds the sleeps pilot makes to detect
that the app is idle. Then a quarter of a second is left to pass, timed apart
("then"): work deferred after the repaint (a timer, a callback after refresh)
would show there; the filter defers nothing, so "then" is pilot's own pause.
Reference keys, last, show that floor and Textual's own repaints. The tree's
node count after each key says how much the filter made the tree build. The
target is every key under 100 ms: the summary gives, per kind of key (``/``,
typing, backspace, ``escape``), the median and the max over ``--sessions``
sessions, and says whether each is under 100 ms; then the CPU of a whole
session, pauses after the keys included.

Run: ``just bench-tui`` (``--folders``, ``--files`` and ``--sessions`` change it).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from diskette_tui.core.plan import DumpPlan
from diskette_tui.core.requests import DumpRequest
from diskette_tui.core.storages import scan_storages
from diskette_tui.tui.dump_app import DumpApp
from diskette_tui.tui.widgets import StorageTree

#: One filter session: open it, narrow it down, widen it, clear it; open it again
#: and close it with a filter typed (``escape`` then builds the whole tree back).
KEYS = [
    "slash",
    "f",
    "0",
    "0",
    "1",
    "backspace",
    "backspace",
    "backspace",
    "backspace",
    "1",
    "2",
    "backspace",
    "backspace",
    "escape",
    # Again, closed with the filter typed: escape builds the whole tree back.
    "slash",
    "d",
    "0",
    "0",
    "7",
    "escape",
]
#: Keys that do not filter, for reference: a key nothing is bound to (what
#: pilot's waiting costs), a cursor move, a focus change (Textual's own repaint).
REFERENCE_KEYS = ["z", "down", "shift+tab", "tab"]


def make_plan(base: Path, folders: int, files: int) -> DumpPlan:
    """A plan whose only storage holds ``folders`` folders of ``files`` empty files."""
    media = base / "media"
    for folder in range(folders):
        path = media / f"d{folder:03d}"
        path.mkdir(parents=True)
        for index in range(files):
            (path / f"f{folder * files + index:06d}.txt").touch()
    storages = scan_storages([media], base)
    request = DumpRequest(base / "out", with_data=False)
    return DumpPlan(
        definitions=(),
        storages=storages,
        request=request,
        created=datetime.now(),
        storages_basepath=base,
    )


class Engine:
    """Plans are the prepared plan; nothing is ever written."""

    def __init__(self, plan: DumpPlan) -> None:
        self._plan = plan

    def plan(self, request, progress=None, is_cancelled=None) -> DumpPlan:
        """The prepared plan."""
        return self._plan

    def execute(self, plan, progress=None):
        """Never called: the benchmark does not dump."""
        raise AssertionError("the benchmark does not write")


def node_count(tree: StorageTree) -> int:
    """Nodes in the tree (the root left out)."""
    pending, total = list(tree.root.children), 0
    while pending:
        node = pending.pop()
        total += 1
        pending.extend(node.children)
    return total


#: What one key costs: key, CPU s, wall s, tree nodes, CPU s in the pause after it.
Timing = tuple[str, float, float, int, float]
#: Seconds left to pass after each key, timed apart (see the module's docstring).
THEN = 0.25


async def session(plan: DumpPlan, size=(120, 36)) -> list[Timing]:
    """Press :data:`KEYS` in the preview; a :data:`Timing` for each."""
    app = DumpApp(Engine(plan), plan.request, read_only=True)
    timings = []
    async with app.run_test(size=size) as pilot:
        deadline = time.monotonic() + 60
        while not app.preview.loaded:
            assert time.monotonic() < deadline, f"no plan shown (screen: {app.screen!r})"
            await app.workers.wait_for_complete()
            await pilot.pause(0.05)
        tree = app.preview.query_one(StorageTree)
        tree.focus()
        await pilot.pause()
        for key in KEYS + REFERENCE_KEYS:
            started, cpu = time.perf_counter(), time.process_time()
            await pilot.press(key)
            await pilot.pause()  # handled, refreshed and painted
            await pilot.pause()  # and what was deferred after the refresh
            wall = time.perf_counter() - started
            cpu = time.process_time() - cpu
            then = time.process_time()
            await pilot.pause(THEN)
            then = time.process_time() - then
            timings.append((key, cpu, wall, node_count(tree), then))
    return timings


def key_kind(key: str) -> str:
    """The kind of key a line of the report groups: ``/``, typing, backspace, escape."""
    return {"slash": "/", "backspace": "backspace", "escape": "escape"}.get(key, "typing")


def print_session(timings: list[Timing]) -> None:
    """One line per key of one session: the filter typed, CPU and wall time, tree nodes."""
    typed, opened = "", False
    print(f"  {'key':<10} {'filter':<8} {'CPU':>9} {'wall':>10} {'tree nodes':>12} {'then':>9}")
    for index, (key, cpu, wall, nodes, then) in enumerate(timings):
        if index == len(KEYS):
            print("  reference keys (no filter)")
        if key in ("slash", "escape"):
            typed, opened = "", key == "slash"
        elif key == "backspace":
            typed = typed[:-1]
        elif opened:
            typed += key
        print(
            f"  {key:<10} {typed!r:<8} {cpu * 1000:6.1f} ms {wall * 1000:7.1f} ms {nodes:>12,}"
            f" {then * 1000:6.1f} ms"
        )


def print_per_key(sessions: list[list[Timing]]) -> None:
    """Median and max per kind of key over every session, and whether each is under 100 ms.

    The verdict is on CPU time (the work the key costs the app); the wall
    time adds pilot's own waiting, whose floor the reference key ``z`` shows.
    """
    kinds: dict[str, list[tuple[float, float]]] = {}
    for timings in sessions:
        for index, (key, cpu, wall, _nodes, _then) in enumerate(timings):
            kind = key_kind(key) if index < len(KEYS) else f"{key} (reference)"
            kinds.setdefault(kind, []).append((cpu, wall))
    print(f"per key, {len(sessions)} session(s): CPU median / max, wall median / max")
    for kind, times in kinds.items():
        cpu = [time_ for time_, _ in times]
        wall = [time_ for _, time_ in times]
        verdict = "under 100 ms" if max(cpu) < 0.1 else "OVER 100 ms"
        print(
            f"  {kind:<18} {statistics.median(cpu) * 1000:6.1f} / {max(cpu) * 1000:6.1f} ms"
            f"   {statistics.median(wall) * 1000:6.1f} / {max(wall) * 1000:6.1f} ms"
            f"   {verdict if 'reference' not in kind else ''}"
        )


def main() -> None:
    """Build the tree, run the sessions, print the last one key by key and the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folders", type=int, default=100)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=3, help="filter sessions timed")
    options = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="diskette-bench-tui-"))
    try:
        plan = make_plan(base, options.folders, options.files)
        sessions = [asyncio.run(session(plan)) for _ in range(options.sessions)]
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"preview filter, {options.folders} folders × {options.files:,} files (120×36)")
    print_session(sessions[-1])
    print_per_key(sessions)
    timings = [timing for keys in sessions for timing in keys]
    print(f"most tree nodes: {max(timing[3] for timing in timings):,}")
    filtering = [timing for keys in sessions for timing in keys[: len(KEYS)]]
    print(
        f"CPU in the {THEN} s after a filter key (work deferred past its repaint): max "
        f"{max(timing[4] for timing in filtering) * 1000:.1f} ms"
    )
    session_cpu = [sum(timing[1] + timing[4] for timing in keys[: len(KEYS)]) for keys in sessions]
    print(
        f"a whole filter session ({len(KEYS)} keys and each pause after them), CPU: median "
        f"{statistics.median(session_cpu) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()

"""Make the SVG screenshots of the preview app (``just screenshots``).

Fixture: the bundled demo project, built in the fixed folder
``/tmp/diskette-screenshots-demo`` (its seed and media are deterministic, so
row counts, file names and sizes are always the same, and so is the archive
path the summary shows: ``/tmp/diskette-screenshots-demo/dumps/…``). The
folder is rebuilt from scratch on every run. The app runs headless with
``run_test(size=(120, 36))``, and again at 80×24, the smallest terminal it
is made for. ``result.svg`` comes from a real dump, so its checksum and
duration change from run to run.

Writes preview.svg, confirm.svg, writing.svg, result.svg and check.svg next
to this script, and preview-80x24.svg, confirm-80x24.svg and result-80x24.svg.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from diskette_tui import demo  # noqa: E402
from diskette_tui.config import load_config  # noqa: E402
from diskette_tui.core.dumper import Dumper  # noqa: E402
from diskette_tui.core.requests import DumpRequest  # noqa: E402
from diskette_tui.project import Project  # noqa: E402

DEMO_DIR = Path("/tmp/diskette-screenshots-demo")
SIZE = (120, 36)
SMALL = (80, 24)


def build_demo():
    """A fresh demo instance at DEMO_DIR, Django set up for it."""
    shutil.rmtree(DEMO_DIR, ignore_errors=True)
    demo.write_demo_files(DEMO_DIR)
    config = load_config(DEMO_DIR, DEMO_DIR / "diskette.toml")
    Project(settings=config.settings, pythonpath=config.pythonpath).setup()
    demo.build_demo(DEMO_DIR)
    return config, Dumper.from_config(config)


def make_app(config, dumper, read_only=False):
    from diskette_tui.tui.dump_app import DumpApp

    return DumpApp(
        dumper,
        DumpRequest.from_config(config),
        read_only=read_only,
        title="diskette — check" if read_only else "diskette — dump preview",
        subtitle="demo_settings · sqlite",
    )


async def wait_for(pilot, condition, timeout=20.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("the app did not get there")
        await pilot.pause(0.05)
    await pilot.pause()


async def shoot(app, name):
    path = app.save_screenshot(filename=name, path=str(HERE))
    print(f"wrote {path}")


def suffixed(name: str, size) -> str:
    """``preview.svg``, or ``preview-80x24.svg`` for another size than SIZE."""
    return name if size == SIZE else name.replace(".svg", f"-{size[0]}x{size[1]}.svg")


async def preview_and_confirm(config, dumper, size=SIZE):
    app = make_app(config, dumper)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.preview.loaded)
        await pilot.press("down", "down")  # Shop catalog: options, natural keys, comments
        await pilot.press("tab", "tab", "down", "down", "enter")  # open media/pictures
        await pilot.press("shift+tab", "shift+tab")
        await pilot.pause()
        await shoot(app, suffixed("preview.svg", size))
        await pilot.press("d")
        await pilot.pause()
        await shoot(app, suffixed("confirm.svg", size))
        await pilot.press("n", "q")


async def writing_and_result(config, dumper, size=SIZE):
    from diskette_tui.tui.screens import ResultScreen

    gate = threading.Event()

    class PausedDumper:
        """The real Dumper, holding its writing after the second definition."""

        plan = dumper.plan

        def execute(self, plan, progress=None):
            def paused(update):
                progress(update)
                if update.stage == "data" and update.completed == 2:
                    gate.wait(10)

            return dumper.execute(plan, progress=paused)

    app = make_app(config, PausedDumper())
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.preview.loaded)
        await pilot.press("d", "y")
        await wait_for(
            pilot, lambda: app.progress_screen is not None and app.progress_screen.done == 2
        )
        if size == SIZE:
            await shoot(app, "writing.svg")
        gate.set()
        await wait_for(pilot, lambda: isinstance(app.screen, ResultScreen))
        await shoot(app, suffixed("result.svg", size))
        await pilot.press("q")


async def check(config, dumper):
    app = make_app(config, dumper, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.preview.loaded)
        await pilot.press("down", "down", "down", "down")  # the drain
        await pilot.pause()
        await shoot(app, "check.svg")
        await pilot.press("q")


def main():
    config, dumper = build_demo()
    asyncio.run(preview_and_confirm(config, dumper))
    asyncio.run(writing_and_result(config, dumper))
    asyncio.run(check(config, dumper))
    asyncio.run(preview_and_confirm(config, dumper, SMALL))
    asyncio.run(writing_and_result(config, dumper, SMALL))


if __name__ == "__main__":
    main()

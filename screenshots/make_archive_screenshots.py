"""Make the SVG screenshots of the archive app: ``inspect`` and the load confirmation.

Fixture: the bundled demo project, built from scratch in the fixed folder
``/tmp/diskette-screenshots-archive`` (not the folder of ``make_screenshots.py``,
so the two scripts can run side by side), dumped with the Dumper to
``dumps/diskette_data_storages.tar.gz`` there. The demo's seed and media are
deterministic, so counts, names and sizes are always the same; the manifest's
creation time and the archive's compressed size change from run to run.

The load is previewed (never run) into the instance's own database, with its
storages restored into ``restore/``, which already holds part of ``media``:
the confirmation shows one storage merged over existing files and one new
folder. The app runs headless with ``run_test(size=(120, 36))``.

Writes inspect.svg, load-preview.svg (the interactive load preview: data on,
one data file ticked off, storage mode switched to replace), load-preview-80x24.svg
and load.svg next to this script.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from diskette_tui import demo  # noqa: E402
from diskette_tui.config import load_config  # noqa: E402
from diskette_tui.core.dumper import Dumper  # noqa: E402
from diskette_tui.core.requests import DumpRequest  # noqa: E402
from diskette_tui.project import Project  # noqa: E402
from make_screenshots import shoot, wait_for  # noqa: E402  (same folder, run as a script)

DEMO_DIR = Path("/tmp/diskette-screenshots-archive")
SIZE = (120, 36)


def build_archive() -> tuple[Path, Project]:
    """A fresh demo instance at DEMO_DIR, dumped; Django set up for it."""
    shutil.rmtree(DEMO_DIR, ignore_errors=True)
    demo.write_demo_files(DEMO_DIR)
    config = load_config(DEMO_DIR, DEMO_DIR / "diskette.toml")
    project = Project(settings=config.settings, pythonpath=config.pythonpath).setup()
    demo.build_demo(DEMO_DIR)
    dumper = Dumper.from_config(config)
    plan = dumper.plan(DumpRequest.from_config(config, destination=DEMO_DIR / "dumps"))
    result = dumper.execute(plan)
    return result.path, project


def restore_folder() -> Path:
    """``restore/``: part of the demo's media already there, no private folder."""
    restore = DEMO_DIR / "restore"
    pictures = restore / "media" / "pictures"
    pictures.mkdir(parents=True)
    for name in ("product-001.png", "product-002.png", "product-003.png"):
        shutil.copy2(DEMO_DIR / "media" / "pictures" / name, pictures / name)
    (restore / "media" / "notes-kept.txt").write_text("not in the archive: a merge keeps it\n")
    return restore


async def inspect(archive: Path):
    from diskette_tui.tui.inspect_app import InspectApp

    app = InspectApp(
        archive,
        title="diskette — inspect",
        subtitle=archive.name,
        archive_label=archive.name,
    )
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.browser.loaded)
        await pilot.press("down", "down")  # Shop catalog
        await pilot.press("tab", "down", "down", "enter")  # open media/pictures
        await pilot.pause()
        await shoot(app, "inspect.svg")
        await pilot.press("q")


async def load(archive: Path, project: Project):
    from diskette_tui.core.restore import Loader, LoadRequest
    from diskette_tui.tui.load_app import LoadApp

    class PreviewOnlyLoader(Loader):
        def execute(self, plan, progress=None, using="default"):
            raise AssertionError("the screenshots never load")

    app = LoadApp(
        PreviewOnlyLoader(),
        LoadRequest(archive, restore_folder()),
        title="diskette — load preview",
        subtitle=f"{archive.name} → {project.settings_module}",
        database=project.database_label(),
    )
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.browser.loaded)
        await pilot.press("l")
        await pilot.pause()
        await shoot(app, "load.svg")
        await pilot.press("n", "q")


async def replanned(pilot, key: str) -> None:
    """Press ``key`` and wait for the load preview to show the new plan."""
    before = pilot.app.browser.view
    await pilot.press(key)
    await wait_for(pilot, lambda: pilot.app.browser.view is not before)


async def load_preview(archive: Path, project: Project, size, filename: str):
    """The load preview after choices: data on, users.json off, storages replaced."""
    from diskette_tui.core.restore import Loader, LoadRequest
    from diskette_tui.tui.load_app import LoadApp

    class PreviewOnlyLoader(Loader):
        def execute(self, plan, progress=None, using="default"):
            raise AssertionError("the screenshots never load")

    app = LoadApp(
        PreviewOnlyLoader(),
        LoadRequest(archive, restore_folder(), with_data=False),
        title="diskette — load preview",
        subtitle=f"{archive.name} → {project.settings_module}",
        database=project.database_label(),
    )
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.browser.loaded)
        await replanned(pilot, "D")  # data on
        await pilot.press("down")  # users.json
        await replanned(pilot, "space")  # ticked off
        await replanned(pilot, "M")  # storages: replace
        await pilot.pause()
        await shoot(app, filename)
        await pilot.press("q")


def main():
    archive, project = build_archive()
    asyncio.run(inspect(archive))
    asyncio.run(load(archive, project))
    for size, filename in ((SIZE, "load-preview.svg"), ((80, 24), "load-preview-80x24.svg")):
        shutil.rmtree(DEMO_DIR / "restore", ignore_errors=True)
        asyncio.run(load_preview(archive, project, size, filename))


if __name__ == "__main__":
    main()

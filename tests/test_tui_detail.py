"""The dump preview's detail pane takes the focus and scrolls from the keyboard (issue 11).

Its warnings come last: at 80×24 they sit below the pane's bottom, and only
keyboard scrolling brings the last one into view.
"""

from __future__ import annotations

import pytest

from diskette_tui.core.dumper import Dumper
from diskette_tui.tui.widgets import DefinitionDetail, DefinitionList
from diskette_tui.wording import data_warning_lines
from tests.test_tui import loaded, make_app, run, screen_text, session  # noqa: F401


@pytest.fixture
def warned_session(session):  # noqa: F811
    """The demo with its pictures left out of the storage: the catalog's products name
    files the dump excludes, a data warning in the catalog's detail pane."""
    config, _dumper = session
    config = config.with_overrides(storages_excludes=["pictures/"])
    return config, Dumper.from_config(config)


def detail_text(app) -> str:
    """The words the detail pane shows on screen, its wrapped lines joined."""
    lines = [line.split("││", 1)[1] for line in screen_text(app).splitlines() if "││" in line]
    words = " ".join(line.strip(" │▅▁▂▃▄▆▇█") for line in lines)
    return " ".join(words.split())


def warnings_of(plan, name) -> list[str]:
    """The warning lines the detail pane shows for a definition, last one last."""
    return [item.message for item in plan.warnings_for(name)] + data_warning_lines(plan, name)


def test_last_warning_is_reached_by_keyboard_scrolling_at_80x24(warned_session, tmp_path):
    app = make_app(warned_session, tmp_path, read_only=True)

    async def scenario():
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(pilot)
            plan = app.preview.plan
            warned = next(item for item in plan.definitions if warnings_of(plan, item.name))
            last = warnings_of(plan, warned.name)[-1]
            definitions = app.preview.query_one(DefinitionList)
            definitions.highlighted = [item.name for item in plan.definitions].index(warned.name)
            await pilot.pause()
            detail = app.preview.query_one(DefinitionDetail)
            assert last not in detail_text(app)  # below the pane's bottom
            assert "w Detail" in screen_text(app)

            await pilot.press("w")
            await pilot.pause()
            assert app.focused is detail
            seen = False
            for _ in range(6):  # page by page, the warning comes into view whole
                await pilot.press("pagedown")
                await pilot.pause()
                seen = seen or last in detail_text(app)
            assert detail.scroll_y > 0
            assert seen

            await pilot.press("home")
            await pilot.pause()
            assert detail.scroll_y == 0

    run(scenario())

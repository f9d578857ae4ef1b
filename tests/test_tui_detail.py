"""The dump preview's detail pane takes the focus and scrolls from the keyboard (issue 11).

Its warnings come last: at 80×24 they sit below the pane's bottom, and only
keyboard scrolling brings the last one into view.
"""

from __future__ import annotations

from diskette_tui.tui.widgets import DefinitionDetail, DefinitionList
from tests.test_tui import loaded, make_app, run, screen_text, session  # noqa: F401


def detail_text(app) -> str:
    """The words the detail pane shows on screen, its wrapped lines joined."""
    lines = [line.split("││", 1)[1] for line in screen_text(app).splitlines() if "││" in line]
    words = " ".join(line.strip(" │▅▁▂▃▄▆▇█") for line in lines)
    return " ".join(words.split())


def test_last_warning_is_reached_by_keyboard_scrolling_at_80x24(session, tmp_path):  # noqa: F811
    app = make_app(session, tmp_path, read_only=True)

    async def scenario():
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(pilot)
            plan = app.preview.plan
            warned = next(item for item in plan.definitions if plan.warnings_for(item.name))
            last = plan.warnings_for(warned.name)[-1].message
            definitions = app.preview.query_one(DefinitionList)
            definitions.highlighted = [item.name for item in plan.definitions].index(warned.name)
            await pilot.pause()
            detail = app.preview.query_one(DefinitionDetail)
            assert last not in detail_text(app)  # below the pane's bottom
            assert "w Detail" in screen_text(app)

            await pilot.press("w")
            await pilot.pause()
            assert app.focused is detail
            for _ in range(6):
                await pilot.press("pagedown")
            await pilot.pause()
            assert detail.scroll_y > 0
            assert last in detail_text(app)

            await pilot.press("home")
            await pilot.pause()
            assert detail.scroll_y == 0

    run(scenario())

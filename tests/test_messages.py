"""Messages that say what is wrong and what to do (issue: misleading lines).

Each test feeds the definitions a user could write and reads the one line the
tool answers with.
"""

from __future__ import annotations

import pytest

from diskette_tui.core.definitions import ApplicationConfig, DrainApplicationConfig

pytestmark = pytest.mark.usefixtures("demo_project")


def test_drain_excluded_on_a_normal_definition_says_it_belongs_to_a_drain():
    problems = ApplicationConfig("Users", models=["auth"], drain_excluded=True).problems()
    assert problems == [
        "definition 'Users': 'drain_excluded' is only valid on a drain "
        "(a definition with is_drain = true)"
    ]


def test_drain_excluded_on_a_drain_is_fine():
    assert DrainApplicationConfig("Rest", drain_excluded=True).problems() == []


def test_a_name_without_file_name_letters_asks_for_a_filename():
    problems = ApplicationConfig("日本語", models=["auth"]).problems()
    assert problems == [
        "definition '日本語': its name gives no file name for the dump: set 'filename' "
        '(e.g. filename = "data.json")'
    ]
    assert ApplicationConfig("日本語", models=["auth"], filename="nihongo.json").problems() == []


def test_a_given_dotted_filename_is_still_refused_as_such():
    problems = ApplicationConfig("x", models=["auth"], filename=".json").problems()
    assert problems == ["definition 'x': filename '.json' must be a plain file name"]

"""Application definitions and drains: label expansion, drain rules, validation."""

from __future__ import annotations

import pytest

from diskette_tui.core.definitions import ApplicationConfig, DrainApplicationConfig
from diskette_tui.core.dumper import Dumper
from diskette_tui.exceptions import ApplicationRegistryError, DumperError

pytestmark = pytest.mark.usefixtures("demo_project")

EVERYTHING = [
    "admin.LogEntry",
    "auth.Permission",
    "auth.Group",
    "auth.User",
    "contenttypes.ContentType",
    "sessions.Session",
    "sites.Site",
    "catalog.Category",
    "catalog.Tag",
    "catalog.Product",
    "orders.Customer",
    "orders.Cart",
    "orders.Order",
    "orders.OrderLine",
]


def drain_models(apps):
    """What the last definition (a drain) collects."""
    return Dumper(apps).apps[-1].models


def test_app_label_expands_to_dumpable_models_in_registry_order():
    app = ApplicationConfig("Users", models=["auth"], excludes=["auth.Permission"])
    assert app.models == ["auth.Group", "auth.User"]
    assert app.explicit_excludes == ["auth.Permission"]
    assert app.implicit_excludes == []
    assert app.excludes == ["auth.Permission"]


def test_model_labels_are_canonical_and_ordered_like_the_registry():
    app = ApplicationConfig("Catalog", models=["catalog.product", "catalog.CATEGORY"])
    assert app.models == ["catalog.Category", "catalog.Product"]
    # The app's other model is an implicit exclusion, told apart from explicit ones.
    assert app.implicit_excludes == ["catalog.Tag"]
    assert app.explicit_excludes == []


def test_string_models_and_auto_created_m2m_labels_are_accepted():
    assert ApplicationConfig("Sites", models="sites").models == ["sites.Site"]
    through = ApplicationConfig("Groups", models=["auth.User_groups"])
    assert through.problems() == []
    assert through.models == ["auth.User_groups"]


def test_default_filename_is_the_slug_of_the_name_like_diskette():
    assert ApplicationConfig("django.contrib.sites", models="sites").filename == (
        "djangocontribsites.json"
    )
    assert ApplicationConfig("Shop catalog", models="catalog").filename == "shop-catalog.json"


def test_drain_without_drain_excluded_leaves_included_and_excluded_models():
    apps = [
        {"name": "Users", "models": ["auth"], "excludes": ["auth.Permission"]},
        {"name": "Orders", "models": ["orders"], "excludes": ["orders.Cart"], "allow_drain": True},
        {"name": "Rest", "is_drain": True, "excludes": ["sessions.Session"]},
    ]
    assert drain_models(apps) == [
        "admin.LogEntry",
        "contenttypes.ContentType",
        "sites.Site",
        "catalog.Category",
        "catalog.Tag",
        "catalog.Product",
    ]


def test_drain_excluded_takes_exclusions_only_from_definitions_that_allow_it():
    apps = [
        {"name": "Users", "models": ["auth"], "excludes": ["auth.Permission"]},
        {"name": "Orders", "models": ["orders"], "excludes": ["orders.Cart"], "allow_drain": True},
        {
            "name": "Rest",
            "is_drain": True,
            "drain_excluded": True,
            "excludes": ["sessions.Session"],
        },
    ]
    # orders.Cart is drained (Orders allows it); auth.Permission is not (Users does not).
    assert drain_models(apps) == [
        "admin.LogEntry",
        "contenttypes.ContentType",
        "sites.Site",
        "catalog.Category",
        "catalog.Tag",
        "catalog.Product",
        "orders.Cart",
    ]


def test_a_drain_alone_collects_everything_but_its_excludes():
    models = drain_models([{"name": "All", "is_drain": True, "excludes": ["orders.Cart"]}])
    assert models == [label for label in EVERYTHING if label != "orders.Cart"]


def test_drains_come_after_normal_definitions_whatever_their_position():
    dumper = Dumper(
        [
            {"name": "Rest", "is_drain": True},
            {"name": "Orders", "models": ["orders"]},
        ]
    )
    assert [app.name for app in dumper.apps] == ["Orders", "Rest"]
    assert isinstance(dumper.apps[-1], DrainApplicationConfig)


@pytest.mark.parametrize(
    "definition, message",
    [
        ({"name": "A", "models": ["nope"]}, "unknown app label(s) in 'models': nope"),
        ({"name": "A", "models": ["auth.Nope"]}, "unknown model label(s) in 'models': auth.Nope"),
        ({"name": "A", "models": ["auth"], "excludes": ["auth"]}, "fully qualified"),
        ({"name": "A", "models": ["auth"], "excludes": "auth.User"}, "'excludes' must be a list"),
        ({"name": "A", "models": ["auth"], "excludes": ["auth.Nope"]}, "unknown model label"),
        ({"name": "A", "models": []}, "'models' must not be empty"),
        ({"name": "A", "models": ["auth"], "filename": "a.txt"}, "use one of: json, jsonl"),
        ({"name": "A", "models": ["auth"], "filename": "noext"}, "needs an extension"),
        ({"name": "A", "models": ["auth"], "filename": "../a.json"}, "plain file name"),
        ({"name": "A", "models": ["auth"], "colour": "red"}, "unknown option 'colour'"),
        ({"name": "A", "is_drain": True, "models": ["auth"]}, "a drain collects every model"),
    ],
)
def test_each_definition_problem_is_reported(definition, message):
    with pytest.raises(ApplicationRegistryError) as caught:
        Dumper([definition]).validate_applications()
    assert any(message in problem for problem in caught.value.problems), caught.value.problems
    assert all(problem.startswith("definition 'A'") for problem in caught.value.problems)


def test_duplicate_names_and_filenames_are_errors():
    with pytest.raises(DumperError) as caught:
        Dumper(
            [
                {"name": "A", "models": ["auth"]},
                {"name": "A", "models": ["sites"], "filename": "other.json"},
                {"name": "B", "models": ["orders"], "filename": "same.json"},
                {"name": "C", "models": ["catalog"], "filename": "same.json"},
            ]
        )
    assert "definition name 'A' is used 2 times" in caught.value.problems
    assert "dump filename 'same.json' is used by 2 definitions" in caught.value.problems

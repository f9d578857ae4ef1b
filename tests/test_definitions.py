"""Application definitions, drains, validation and the Dumper API on the demo registry."""

from __future__ import annotations

import copy
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diskette_tui.core.definitions import ApplicationConfig, DrainApplicationConfig
from diskette_tui.core.dumper import Dumper
from diskette_tui.exceptions import ApplicationRegistryError, ConfigError, DumperError

pytestmark = pytest.mark.usefixtures("demo_project")

ORDERS = ["orders.Customer", "orders.Order", "orders.OrderLine"]
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


def test_get_drain_exclusions_follows_diskette():
    dumper = Dumper(
        [
            {"name": "Users", "models": ["auth"], "excludes": ["auth.Permission"]},
            {
                "name": "Orders",
                "models": ["orders"],
                "excludes": ["orders.Cart"],
                "allow_drain": True,
            },
        ]
    )
    assert dumper.get_drain_exclusions(dumper.apps) == [
        "auth.Group",
        "auth.User",
        "auth.Permission",
        *ORDERS,
        "orders.Cart",
    ]
    assert dumper.get_drain_exclusions(dumper.apps, drain_excluded=True) == [
        "auth.Permission",
        "auth.Group",
        "auth.User",
        *ORDERS,
    ]


def test_selecting_definitions_does_not_change_what_the_drain_collects(tmp_path):
    apps = [
        {"name": "Orders", "models": ["orders"]},
        {"name": "Rest", "is_drain": True},
    ]
    dumper = Dumper(apps)
    full = dumper.plan(destination=tmp_path, scan=False)
    only_rest = dumper.plan(destination=tmp_path, scan=False, only=["Rest"])
    assert [d.name for d in only_rest.selected_definitions] == ["Rest"]
    assert only_rest.definitions[-1].labels == full.definitions[-1].labels
    assert "orders.Order" not in only_rest.definitions[-1].labels


def test_building_a_dumper_never_mutates_the_definitions():
    apps = [
        {"name": "Users", "models": ["auth"], "excludes": ["auth.Permission"]},
        {"name": "Rest", "is_drain": True, "excludes": ["sessions.Session"]},
    ]
    pairs = [("Orders", {"models": ["orders"]}), ("Rest", {"is_drain": True})]
    before = copy.deepcopy(apps), copy.deepcopy(pairs)
    Dumper(apps).payload()
    Dumper(pairs).payload()
    assert (apps, pairs) == before


def test_diskette_pairs_and_dicts_give_the_same_definitions():
    pairs = [("Orders", {"models": ["orders"], "natural_foreign": True})]
    dicts = [{"name": "Orders", "models": ["orders"], "natural_foreign": True}]
    assert Dumper(pairs).payload() == Dumper(dicts).payload()


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
    dumper = Dumper(
        [
            {"name": "A", "models": ["auth"]},
            {"name": "A", "models": ["sites"], "filename": "other.json"},
            {"name": "B", "models": ["orders"], "filename": "same.json"},
            {"name": "C", "models": ["catalog"], "filename": "same.json"},
        ]
    )
    with pytest.raises(ApplicationRegistryError) as caught:
        dumper.validate_applications()
    assert "definition name 'A' is used 2 times" in caught.value.problems
    assert "dump filename 'same.json' is used by 2 definitions" in caught.value.problems


def test_every_problem_is_collected_at_once(tmp_path):
    dumper = Dumper(
        [
            {"name": "A", "models": ["nope"]},
            {"name": "B", "models": ["auth"], "filename": "b.txt"},
        ],
        storages_basepath=tmp_path,
        storages=[tmp_path / "missing"],
    )
    with pytest.raises(ConfigError) as caught:
        dumper.validate()
    assert len(caught.value.problems) == 3


def test_build_commands_are_shell_quoted_and_prefixed(tmp_path):
    dumper = Dumper(
        [
            {
                "name": "Catalog",
                "models": ["catalog"],
                "natural_foreign": True,
                "use_base_manager": True,
            },
            {"name": "Orders", "models": ["orders"], "filename": "orders.xml"},
            {"name": "Rest", "is_drain": True, "excludes": ["sessions.Session"]},
        ],
        executable="python manage.py",
    )
    commands = dict(dumper.build_commands(destination=tmp_path / "my dumps", indent=2))
    catalog = commands["Catalog"]
    assert catalog.startswith("python manage.py dumpdata --indent=2 --format=json ")
    assert "catalog.Category catalog.Tag catalog.Product --natural-foreign --all" in catalog
    assert f"'--output={tmp_path}/my dumps/catalog.json'" in catalog
    assert "--format=xml" in commands["Orders"]
    assert "--exclude=sessions.Session" in commands["Rest"]
    script = dumper.make_script(tmp_path)
    assert script.splitlines()[0] == "# Catalog"


def test_dump_data_check_queries_and_writes_nothing(tmp_path):
    dumper = Dumper([{"name": "Orders", "models": ["orders"], "excludes": ["orders.Cart"]}])
    with CaptureQueriesContext(connection) as queries:
        result = dumper.dump_data(destination=tmp_path, check=True)
    assert len(queries) == 0
    assert list(tmp_path.iterdir()) == []
    assert result == [
        (
            "Orders",
            {
                "models": ORDERS,
                "options": {
                    "format": "json",
                    "use_natural_foreign_keys": False,
                    "use_natural_primary_keys": False,
                    "use_base_manager": False,
                    "verbosity": 0,
                },
            },
        )
    ]


def test_dump_data_writes_each_definition_in_its_format(tmp_path):
    dumper = Dumper(
        [
            {"name": "Sites", "models": "sites"},
            {"name": "Orders", "models": ["orders.Order"], "filename": "orders.xml"},
            {"name": "Lines", "models": ["orders.OrderLine"], "filename": "lines.jsonl"},
        ]
    )
    results = dict(dumper.dump_data(destination=tmp_path))
    assert json.loads(results["Sites"]) == {"destination": str(tmp_path / "sites.json")}
    assert json.loads((tmp_path / "sites.json").read_text())[0]["model"] == "sites.site"
    assert (tmp_path / "orders.xml").read_text().startswith("<?xml")
    lines = (tmp_path / "lines.jsonl").read_text().splitlines()
    assert all(json.loads(line)["model"] == "orders.orderline" for line in lines)
    # Without a destination the dumped data itself is returned.
    inline = dict(Dumper([{"name": "Sites", "models": "sites"}]).dump_data())
    assert json.loads(inline["Sites"])[0]["fields"]["domain"] == "demo.example.com"


def test_use_base_manager_dumps_rows_the_default_manager_hides(tmp_path):
    from diskette_tui.demo.catalog.models import Product

    hidden = Product.all_objects.count() - Product.objects.count()
    assert hidden > 0
    plain = Dumper([{"name": "P", "models": ["catalog.Product"]}])
    every = Dumper([{"name": "P", "models": ["catalog.Product"], "use_base_manager": True}])
    plain_rows = plain.plan(destination=tmp_path, scan=False, count_rows=True).rows
    every_rows = every.plan(destination=tmp_path, scan=False, count_rows=True).rows
    assert every_rows - plain_rows == hidden
    assert len(json.loads(dict(every.dump_data())["P"])) == every_rows


def test_load_order_warnings_name_both_labels(tmp_path):
    dumper = Dumper(
        [
            {"name": "Orders", "models": ["orders"]},
            {"name": "Users", "models": ["auth.User"]},
        ]
    )
    plan = dumper.plan(destination=tmp_path, scan=False)
    messages = [w.message for w in plan.warnings]
    assert "orders.Customer.user → auth.User: auth.User is dumped later, by 'Users'" in messages
    assert "orders.OrderLine.product → catalog.Product: catalog.Product is not dumped" in messages
    # Leaving a definition out turns a "later" warning into a "missing" one.
    only = plan.select(definitions=["Orders"])
    assert "orders.Customer.user → auth.User: auth.User is not dumped" in [
        w.message for w in only.warnings
    ]
    assert [w.kind for w in plan.warnings_for("Users")] == ["missing", "missing"]


def test_format_archive_filename():
    dumper = Dumper([])
    assert dumper.format_archive_filename("diskette{features}.tar.gz", True, True) == (
        "diskette_data_storages.tar.gz"
    )
    assert dumper.format_archive_filename("diskette{features}.tar.gz", with_data=True) == (
        "diskette_data.tar.gz"
    )
    dated = dumper.format_archive_filename("d_{date}.tar.gz")
    assert dated == f"d_{dumper.now.isoformat(timespec='seconds').replace(':', '')}.tar.gz"
    for bad in ("d.zip", "d{nope}.tar.gz", "d{.tar.gz", "sub/d.tar.gz"):
        with pytest.raises(DumperError):
            dumper.format_archive_filename(bad)


def test_build_dump_manifest_writes_diskette_keys_first(tmp_path):
    dumper = Dumper([{"name": "Sites", "models": "sites"}], storages_basepath=tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    path = dumper.build_dump_manifest(tmp_path, data, with_storages=False)
    manifest = json.loads(path.read_text())
    assert list(manifest)[:4] == ["version", "creation", "datas", "storages"]
    assert manifest["datas"] == ["data/sites.json"]
    assert manifest["storages"] is None


def test_both_kinds_disabled_is_an_error(tmp_path):
    dumper = Dumper([{"name": "Sites", "models": "sites"}])
    for method in (dumper.make_archive, dumper.check):
        with pytest.raises(DumperError):
            method(tmp_path, "d.tar.gz", with_data=False, with_storages=False)
    assert list(tmp_path.iterdir()) == []

"""The Dumper: diskette's API (commands, dump_data, manifest, archive) on the demo."""

from __future__ import annotations

import copy
import json
import stat
import tarfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diskette_tui.config import Config, load_config
from diskette_tui.core import serializers
from diskette_tui.core.dumper import Dumper
from diskette_tui.core.requests import DumpRequest
from diskette_tui.exceptions import ConfigError, DumperError

pytestmark = pytest.mark.usefixtures("demo_project")

ORDERS = ["orders.Customer", "orders.Order", "orders.OrderLine"]


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
    # diskette's order: each definition's retention, its models then its exclusions.
    assert dumper.get_drain_exclusions(dumper.apps, drain_excluded=True) == [
        "auth.Group",
        "auth.User",
        "auth.Permission",
        *ORDERS,
    ]


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
    assert script.splitlines()[:3] == ["set -e", f"mkdir -p -- {tmp_path}", "# Catalog"]


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
    plain_rows = plain.plan(DumpRequest(tmp_path, scan=False)).rows
    every_rows = every.plan(DumpRequest(tmp_path, scan=False)).rows
    assert every_rows - plain_rows == hidden
    assert len(json.loads(dict(every.dump_data())["P"])) == every_rows


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


def test_from_config_builds_the_configured_dumper(demo_project):
    config = load_config(demo_project, demo_project / "diskette.toml")
    dumper = Dumper.from_config(config)
    assert [app.name for app in dumper.apps] == [app["name"] for app in config.apps]
    assert dumper.storages == config.storages
    assert dumper.storages_excludes == config.storages_excludes
    assert dumper.storages_basepath == config.storages_basepath
    assert dumper.indent == config.indent


def test_from_config_reports_every_problem_in_one_error(tmp_path):
    config = Config(
        source="diskette.toml",
        base_dir=tmp_path,
        storages_basepath=tmp_path,
        storages=[tmp_path / "missing"],
        storages_excludes=["["],
        apps=[{"name": "A", "models": ["nope"]}, {"name": "B", "models": ["auth"]}],
    )
    with pytest.raises(ConfigError) as caught:
        Dumper.from_config(config)
    assert len(caught.value.problems) == 3, caught.value.problems
    empty = Config(source="diskette.toml", base_dir=tmp_path)
    with pytest.raises(ConfigError, match="nothing configured to dump in diskette.toml"):
        Dumper.from_config(empty)


def test_plan_reports_every_problem_of_a_request_at_once(tmp_path):
    dumper = Dumper([{"name": "Sites", "models": "sites"}])
    blocker = tmp_path / "file"
    blocker.write_text("")
    request = DumpRequest(
        blocker, "d{nope}.tar.gz", with_data=False, with_storages=False, apps=["Nope"]
    )
    with pytest.raises(ConfigError) as caught:
        dumper.plan(request)
    problems = caught.value.problems
    assert problems == dumper.request_problems(request)
    assert len(problems) == 4, problems
    assert "leave nothing to dump" in problems[0]
    assert problems[1].startswith("unknown definition 'Nope' for --app (known: Sites)")
    assert "unknown field {nope}" in problems[2]
    assert problems[3] == f"destination is not a folder: {blocker}"
    assert dumper.request_problems(DumpRequest(tmp_path)) == []


def test_execute_takes_modes_from_the_request_and_records_the_environment(tmp_path):
    dumper = Dumper([{"name": "Sites", "models": "sites"}])
    request = DumpRequest(tmp_path / "new", chmod=0o640, dir_chmod=0o750, scan=False)
    result = dumper.execute(dumper.plan(request))
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o750
    environment = result.manifest["environment"]
    assert environment["database"] == connection.vendor
    assert environment["settings"] == "demo_settings"
    assert set(environment) == {"python", "django", "database", "settings"}


def test_one_loop_runs_the_dumps_in_one_snapshot(tmp_path, monkeypatch):
    calls = []
    snapshots = []
    dump_definitions = serializers.dump_definitions
    snapshot = serializers.snapshot

    def counting_dump(definitions, workdir, **options):
        calls.append([definition.name for definition in definitions])
        return dump_definitions(definitions, workdir, **options)

    def counting_snapshot(*args, **kwargs):
        snapshots.append(1)
        return snapshot(*args, **kwargs)

    monkeypatch.setattr(serializers, "dump_definitions", counting_dump)
    monkeypatch.setattr(serializers, "snapshot", counting_snapshot)
    apps = [{"name": "Sites", "models": "sites"}, {"name": "Orders", "models": ["orders"]}]
    dumper = Dumper(apps)
    dumper.dump_data(destination=tmp_path)
    assert calls == [["Sites", "Orders"]] and len(snapshots) == 1
    plan = dumper.plan(DumpRequest(tmp_path / "out", scan=False, apps=["Orders"]))
    calls.clear()
    snapshots.clear()
    result = dumper.execute(plan)
    assert calls == [["Orders"]] and len(snapshots) == 1
    assert result.objects == {"data/orders.json": plan.rows}
    with tarfile.open(result.path) as tar:
        assert "data/orders.json" in tar.getnames()


def test_a_second_drain_is_a_configuration_error(tmp_path):
    config = Config(
        source="diskette.toml",
        base_dir=tmp_path,
        storages_basepath=tmp_path,
        apps=[
            {"name": "Users", "models": ["auth"]},
            {"name": "Rest", "is_drain": True},
            {"name": "Rest again", "is_drain": True},
        ],
    )
    with pytest.raises(ConfigError) as caught:
        Dumper.from_config(config)
    assert caught.value.problems == [
        "only one drain is allowed, 2 are defined ('Rest', 'Rest again'): each would dump "
        "every model the others leave; keep one"
    ]
    one_drain = Config(
        source="diskette.toml", base_dir=tmp_path, storages_basepath=tmp_path, apps=config.apps[:2]
    )
    assert Dumper.from_config(one_drain).apps[-1].is_drain

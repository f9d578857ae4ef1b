"""The dump plan: selection, drains, warnings, naming, facts and totals."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from diskette_tui import wording
from diskette_tui.config import load_config
from diskette_tui.core.dumper import Dumper
from diskette_tui.core.plan import DumpTotals
from diskette_tui.core.requests import DumpRequest

pytestmark = pytest.mark.usefixtures("demo_project")


@pytest.fixture(scope="module")
def demo(demo_project):
    """The demo's configuration and its Dumper."""
    config = load_config(demo_project, demo_project / "diskette.toml")
    return config, Dumper.from_config(config)


@pytest.fixture(scope="module")
def demo_plan(demo, tmp_path_factory):
    """The demo's whole plan, rows counted and storages walked, into an empty folder."""
    config, dumper = demo
    destination = tmp_path_factory.mktemp("plan") / "dumps"
    return dumper.plan(DumpRequest.from_config(config, destination=destination))


def test_selecting_definitions_does_not_change_what_the_drain_collects(tmp_path):
    apps = [
        {"name": "Orders", "models": ["orders"]},
        {"name": "Rest", "is_drain": True},
    ]
    dumper = Dumper(apps)
    full = dumper.plan(DumpRequest(tmp_path, count_rows=False, scan=False))
    only_rest = dumper.plan(DumpRequest(tmp_path, apps=["Rest"], count_rows=False, scan=False))
    assert [d.name for d in only_rest.selected_definitions] == ["Rest"]
    assert only_rest.definitions[-1].labels == full.definitions[-1].labels
    assert "orders.Order" not in only_rest.definitions[-1].labels


def test_load_order_warnings_name_both_labels(tmp_path):
    dumper = Dumper(
        [
            {"name": "Orders", "models": ["orders"]},
            {"name": "Users", "models": ["auth.User"]},
        ]
    )
    plan = dumper.plan(DumpRequest(tmp_path, count_rows=False, scan=False))
    messages = [w.message for w in plan.warnings]
    assert "orders.Customer.user → auth.User: auth.User is dumped later, by 'Users'" in messages
    assert "orders.OrderLine.product → catalog.Product: catalog.Product is not dumped" in messages
    # Leaving a definition out turns a "later" warning into a "missing" one.
    only = plan.select(definitions=["Orders"])
    assert "orders.Customer.user → auth.User: auth.User is not dumped" in [
        w.message for w in only.warnings
    ]
    # auth.User → auth.Group is missing; auth.User → auth.Permission is remapped at load.
    assert [w.target for w in plan.warnings_for("Users")] == ["auth.Group"]
    assert [w.target for w in plan.remapped_references] == ["auth.Permission"]


def test_the_plan_keeps_its_request_and_reads_its_choices_there(demo, tmp_path):
    config, dumper = demo
    request = DumpRequest.from_config(
        config,
        destination=tmp_path,
        filename="site{features}.tar.gz",
        with_storages_excludes=False,
        apps=["Users"],
        scan=False,
    )
    plan = dumper.plan(request)
    assert plan.request is request
    assert plan.destination == tmp_path
    assert plan.filename_template == "site{features}.tar.gz"
    assert (plan.with_data, plan.with_storages, plan.with_storages_excludes) == (True, True, False)
    assert plan.patterns_off
    assert [item.name for item in plan.selected_definitions] == ["Users"]


def test_select_changes_the_selection_and_the_request(demo_plan):
    names = [item.name for item in demo_plan.definitions]
    assert demo_plan.request.apps is None
    chosen = demo_plan.select(definitions=["Users", "Everything else"])
    assert [item.name for item in chosen.selected_definitions] == ["Users", "Everything else"]
    assert chosen.request.apps == ("Users", "Everything else")
    assert [item.name for item in chosen.definitions] == names  # nothing is dropped
    off = chosen.select(with_data=False, with_storages_excludes=False)
    assert not off.request.with_data and off.selected_definitions == ()
    assert off.patterns_off and not chosen.patterns_off
    assert off.request.apps == chosen.request.apps
    none = demo_plan.select(definitions=[], storages=[])
    assert none.writes_nothing and not demo_plan.writes_nothing


def test_features_and_filename_follow_the_selection(demo_plan):
    assert demo_plan.features == "_data_storages"
    assert demo_plan.filename == "diskette_data_storages.tar.gz"
    assert demo_plan.archive_path == demo_plan.destination / demo_plan.filename
    assert demo_plan.select(storages=[]).filename == "diskette_data.tar.gz"
    assert demo_plan.select(with_data=False).filename == "diskette_storages.tar.gz"
    dated = demo_plan.select(
        request=dataclasses.replace(demo_plan.request, filename="d_{date}.tar.gz")
    )
    stamp = demo_plan.created.isoformat(timespec="seconds").replace(":", "")
    assert dated.filename == f"d_{stamp}.tar.gz"


def test_replaces_archive_looks_at_the_destination_now(demo, tmp_path):
    config, dumper = demo
    plan = dumper.plan(DumpRequest.from_config(config, destination=tmp_path, scan=False))
    assert not plan.replaces_archive and plan.replaced_size is None
    assert wording.replace_notice(plan) == ""
    plan.archive_path.write_bytes(b"x" * 2048)
    assert plan.replaces_archive and plan.replaced_size == 2048
    assert wording.replace_notice(plan) == ("⚠ replaces the existing archive of that name (2.0 kB)")


def test_totals_of_the_selection(demo_plan):
    totals = demo_plan.totals
    assert isinstance(totals, DumpTotals)
    assert totals.definitions == totals.of_definitions == len(demo_plan.definitions) == 5
    assert totals.models == demo_plan.model_count > 0
    assert totals.rows == demo_plan.rows > 0
    assert totals.files == demo_plan.files > 0 and totals.size == demo_plan.size > 0
    assert totals.warnings == len(demo_plan.warnings)
    users = demo_plan.select(definitions=["Users"], storages=[]).totals
    assert (users.definitions, users.of_definitions, users.files, users.size) == (1, 5, 0, 0)
    assert users.rows == demo_plan.definitions[1].rows
    uncounted = dataclasses.replace(
        demo_plan,
        definitions=tuple(
            dataclasses.replace(item, models=(dataclasses.replace(item.models[0], rows=None),))
            for item in demo_plan.definitions
        ),
    )
    assert uncounted.totals.rows is None


def test_as_dict_is_json_and_says_what_is_selected(demo_plan):
    plan = demo_plan.select(definitions=["Users"])
    data = json.loads(json.dumps(plan.as_dict()))
    assert data["archive"] == str(plan.archive_path)
    assert (data["filename"], data["features"]) == (plan.filename, "_data_storages")
    assert data["with_storages_excludes"] is True
    assert [d["name"] for d in data["definitions"] if d["selected"]] == ["Users"]
    assert len(data["definitions"]) == 5
    assert data["totals"] == {
        "definitions": 1,
        "models": plan.model_count,
        "rows": plan.rows,
        "files": plan.files,
        "size": plan.size,
    }
    assert data["warnings"] == [w.message for w in plan.warnings]
    storage = data["storages"][0]
    assert storage["selected"] and storage["files"] == plan.storages[0].files
    assert any(entry["pattern"] == "cache/" for entry in storage["excluded"])


def test_plan_summary_says_what_is_off(demo_plan):
    summary = wording.plan_summary(demo_plan)
    assert summary.startswith("5 of 5 definitions · ")
    assert f"→ {demo_plan.archive_path}" in summary
    # The demo's references to permissions and content types are remapped: no warning.
    assert "warning" not in summary
    orders_only = demo_plan.select(definitions=["Shop orders"])
    warnings = orders_only.totals.warnings
    assert warnings and wording.plan_summary(orders_only).endswith(f"· {warnings} warnings")
    no_data = wording.plan_summary(demo_plan.select(with_data=False))
    assert no_data.startswith("no data · ") and "definitions" not in no_data
    off = wording.plan_summary(demo_plan.select(with_storages_excludes=False))
    assert "· patterns off →" in off
    assert "no storages" in wording.plan_summary(demo_plan.select(with_storages=False))
    parts = wording.summary_parts(demo_plan.select(with_data=False), with_models=False)
    assert parts[0] == wording.SummaryPart("no data", notice=True)


def test_write_description_lists_what_is_written(demo_plan):
    lines = wording.write_description(demo_plan)
    assert lines[0] == f"archive   {demo_plan.archive_path}"
    assert lines[1] == f"data      5 definitions, {wording.count(demo_plan.rows, 'row')}"
    assert lines[2] == "          django.contrib.sites, Users, Shop catalog, Shop orders, … (+1)"
    assert lines[3].startswith("storages  ") and lines[3].endswith(" before compression")
    assert lines[4] == "          media, private"
    assert not wording.warnings_notice(demo_plan)  # the demo's references are remapped
    orders_only = demo_plan.select(definitions=["Shop orders"])
    warnings = len(orders_only.warnings)
    assert wording.write_description(orders_only)[-1] == f"⚠ {warnings} load-order warnings"
    nothing = wording.write_description(demo_plan.select(definitions=[], storages=[]))
    assert nothing[1:3] == ["data      none", "storages  none"]


def test_write_description_warns_about_a_replaced_archive(demo, tmp_path):
    config, dumper = demo
    plan = dumper.plan(DumpRequest.from_config(config, destination=tmp_path))
    plan.archive_path.write_bytes(b"old")
    lines = wording.write_description(plan)
    assert lines[-2:] == ["", "⚠ replaces the existing archive of that name (3 Bytes)"]


def test_without_a_storage_walk_the_archive_holds_data_only(demo):
    config, dumper = demo
    plan = dumper.plan(
        DumpRequest.from_config(config, destination=Path("/srv/backups"), scan=False)
    )
    assert plan.storages == () and plan.features == "_data"
    assert "→ /srv/backups/diskette_data_storages.tar.gz" not in wording.plan_summary(plan)
    assert "→ /srv/backups/diskette_data.tar.gz" in wording.plan_summary(plan)

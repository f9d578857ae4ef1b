"""The dump plan: selection, drains, warnings, naming, facts and totals."""

from __future__ import annotations

import pytest

from diskette_tui.core.dumper import Dumper
from diskette_tui.core.requests import DumpRequest

pytestmark = pytest.mark.usefixtures("demo_project")


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
    assert [w.kind for w in plan.warnings_for("Users")] == ["missing", "missing"]

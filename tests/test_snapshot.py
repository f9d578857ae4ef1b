"""One snapshot per archive on SQLite, and the warning for a rollback-journal database.

The demo (in process) runs in WAL mode, as a busy SQLite site should. A
database left in rollback-journal mode is made in a subprocess (tests/pg.py
``make_instance`` migrates a fresh instance without switching to WAL).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from pg import instance_env, make_instance
from rich.console import Console

from diskette_tui.config import load_config
from diskette_tui.core import serializers
from diskette_tui.core.dumper import Dumper
from diskette_tui.core.plan import Snapshot
from diskette_tui.core.requests import DumpRequest
from diskette_tui.render import render_plan
from diskette_tui.tui.widgets.summary_bar import summarize

JOURNAL_NOTICE = "rollback-journal mode"


@pytest.fixture(scope="module")
def demo(demo_project):
    """The demo's configuration and its Dumper."""
    config = load_config(demo_project, demo_project / "diskette.toml")
    return config, Dumper.from_config(config)


def test_sqlite_archive_records_its_one_read_transaction(demo, tmp_path):
    config, dumper = demo
    request = DumpRequest.from_config(config, destination=tmp_path, with_storages=False)
    plan = dumper.plan(request)

    result = dumper.execute(plan)

    expected = Snapshot("sqlite", "serializable (one read transaction)", True, "wal")
    assert plan.snapshot == expected
    assert result.manifest["snapshot"] == {
        "vendor": "sqlite",
        "isolation": "serializable (one read transaction)",
        "consistent": True,
        "journal_mode": "wal",
    }


def test_sqlite_dump_does_not_see_a_row_committed_after_its_transaction_began(
    demo, demo_project, tmp_path
):
    """The snapshot is taken when the transaction opens, not at the first dumpdata query:
    an order committed by another connection just after that is in no data file."""
    _config, dumper = demo
    database = demo_project / "db.sqlite3"

    def write_an_order(update):
        if update.stage == "data" and update.completed == 0:
            with sqlite3.connect(database) as site:  # the site, writing meanwhile
                site.execute(
                    "INSERT INTO orders_order (customer_id, created, status) "
                    "SELECT min(id), '2031-05-05 00:00:00', 'new' FROM orders_customer"
                )

    try:
        paths = serializers.dump_definitions(dumper.apps, tmp_path, progress=write_an_order)
        with sqlite3.connect(database) as site:
            written = "SELECT count(*) FROM orders_order WHERE created LIKE '2031%'"
            assert site.execute(written).fetchone()[0] == 1
    finally:
        with sqlite3.connect(database) as site:
            site.execute("DELETE FROM orders_order WHERE created LIKE '2031-05-05%'")
    orders = (tmp_path / "shop-orders.jsonl").read_text()
    assert tmp_path / "shop-orders.jsonl" in paths
    assert '"orders.order"' in orders and "2031-05-05" not in orders


def test_wal_database_gets_no_journal_warning(demo, tmp_path):
    config, dumper = demo
    plan = dumper.plan(DumpRequest.from_config(config, destination=tmp_path, scan=False))
    console = Console(record=True, width=200)
    render_plan(plan, console)
    assert JOURNAL_NOTICE not in console.export_text()
    assert "rollback journal" not in summarize(plan).plain


def test_preview_summary_says_when_sqlite_writers_wait(demo, tmp_path):
    config, dumper = demo
    plan = dumper.plan(DumpRequest.from_config(config, destination=tmp_path, scan=False))
    journal = Snapshot("sqlite", "serializable (one read transaction)", True, "delete")

    shown = summarize(plan.select(snapshot=journal), width=200).plain

    assert "⚠ SQLite rollback journal: writers wait during the dump" in shown


def test_check_warns_that_a_rollback_journal_database_makes_writers_wait(tmp_path):
    instance = make_instance(tmp_path / "site", seed=False)
    with sqlite3.connect(instance / "db.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"

    result = subprocess.run(
        [sys.executable, "-m", "diskette_tui", "check", "--settings", "site_settings"],
        env=instance_env(instance),
        cwd=instance,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    warning = next(line for line in result.stdout.splitlines() if JOURNAL_NOTICE in line)
    assert "database: SQLite database in rollback-journal mode (journal_mode=delete)" in warning
    assert "PRAGMA journal_mode=WAL" in warning

    as_json = subprocess.run(
        [sys.executable, "-m", "diskette_tui", "check", "--settings", "site_settings", "--json"],
        env=instance_env(instance),
        cwd=instance,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(as_json.stdout)["snapshot"]["journal_mode"] == "delete"


def test_demo_database_is_in_wal_mode(demo_project: Path):
    with sqlite3.connect(demo_project / "db.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

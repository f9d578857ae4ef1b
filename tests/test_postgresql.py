"""PostgreSQL for real: round trips with SQLite, and one snapshot per archive.

Every test here needs the server of ``DISKETTE_TEST_PG`` (``just test-pg``)
and is skipped, saying so, without it. Django talks to PostgreSQL only in
subprocesses (tests/pg.py): this process keeps the SQLite demo.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from pg import (
    connect,
    database_url,
    diskette,
    django_database,
    instance_env,
    make_instance,
    rows,
)

#: The models a round trip compares: every model the demo's definitions dump.
#: (ContentType, Permission, Session and LogEntry are the drain's exclusions.)
COMPARED = [
    "sites.Site",
    "auth.Group",
    "auth.User",
    "catalog.Category",
    "catalog.Tag",
    "catalog.Product",
    "orders.Customer",
    "orders.Order",
    "orders.OrderLine",
    "orders.Cart",
    "roundtrip_types.Label",
    "roundtrip_types.Sample",
]


def dump(instance: Path) -> tuple[Path, dict]:
    """``diskette dump --yes`` of an instance's data: (archive, manifest)."""
    result = diskette(instance, "dump", "--yes", "--json", "-q", "--no-storages")
    archive = Path(json.loads(result.stdout)["path"])
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    return archive, manifest


def load(instance: Path, archive: Path) -> None:
    """``diskette load --yes`` of an archive's data into an instance's database."""
    diskette(instance, "load", str(archive), "--yes", "-q", "--no-storages")


@pytest.fixture(scope="module")
def pg_source(pg_server, tmp_path_factory) -> Path:
    """A demo instance on a fresh PostgreSQL database, seeded (awkward types included)."""
    database = django_database(pg_server.url, pg_server.database())
    return make_instance(tmp_path_factory.mktemp("pg-source"), database)


def test_compared_models_are_every_model_the_demo_dumps(pg_source):
    _archive, manifest = dump(pg_source)
    dumped = {label for app in manifest["applications"] for label in app["models"]}
    assert dumped == set(COMPARED)


def test_postgresql_dump_loads_into_sqlite_row_for_row(pg_source, tmp_path):
    archive, manifest = dump(pg_source)
    assert manifest["environment"]["database"] == "postgresql"
    target = make_instance(tmp_path / "sqlite-target", seed=False)

    load(target, archive)

    source_rows, target_rows = rows(pg_source, COMPARED), rows(target, COMPARED)
    for label in COMPARED:
        assert source_rows[label], f"{label} is empty: the comparison would prove nothing"
        assert target_rows[label] == source_rows[label], f"{label} differs after the round trip"
    samples = source_rows["roundtrip_types.Sample"]
    assert any(row["labels"] for row in samples) and any(not row["labels"] for row in samples)


def test_sqlite_dump_loads_into_postgresql_row_for_row(pg_server, tmp_path):
    source = make_instance(tmp_path / "sqlite-source")
    archive, manifest = dump(source)
    assert manifest["environment"]["database"] == "sqlite"
    database = django_database(pg_server.url, pg_server.database())
    target = make_instance(tmp_path / "pg-target", database, seed=False)

    load(target, archive)

    source_rows, target_rows = rows(source, COMPARED), rows(target, COMPARED)
    for label in COMPARED:
        assert source_rows[label], f"{label} is empty: the comparison would prove nothing"
        assert target_rows[label] == source_rows[label], f"{label} differs after the round trip"


def test_postgresql_archive_records_its_repeatable_read_snapshot(pg_source):
    _archive, manifest = dump(pg_source)
    assert manifest["snapshot"] == {
        "vendor": "postgresql",
        "isolation": "repeatable read, read only",
        "consistent": True,
    }


# -- one snapshot per archive, while the site keeps writing -------------------------

#: Orders (and their lines) added to the demo so that the dump takes a moment.
EXTRA_ORDERS = 3_000
LINES_PER_ORDER = 3
#: The writer's orders are recognisable: created in 2030.
WRITER_CREATED = "2030-01-01T00:00:00+00:00"

GROW_SQL = f"""
INSERT INTO orders_order (customer_id, created, status)
SELECT (SELECT min(id) FROM orders_customer), '2025-01-01'::timestamptz + n * interval '1 minute', 'paid'
FROM generate_series(1, {EXTRA_ORDERS}) AS n;
INSERT INTO orders_orderline (order_id, product_id, quantity)
SELECT o.id, (SELECT min(id) FROM catalog_product), k
FROM orders_order o, generate_series(1, {LINES_PER_ORDER}) AS k
WHERE o.created >= '2025-01-01';
"""

#: A site that keeps writing: an order, then its lines (another transaction),
#: until the stop file exists. After each order it looks whether the dump's
#: connection (application_name diskette-dump) held one transaction open from
#: before the order to after its lines: the insert happened inside the dump.
WRITER_SCRIPT = f"""
import json, sys, pathlib, psycopg
url, stop = sys.argv[1], pathlib.Path(sys.argv[2])
OPEN = "SELECT xact_start FROM pg_stat_activity WHERE application_name = 'diskette-dump' AND xact_start IS NOT NULL"
written = inside = 0
with psycopg.connect(url, autocommit=True) as db:
    customer = db.execute("SELECT min(id) FROM orders_customer").fetchone()[0]
    product = db.execute("SELECT min(id) FROM catalog_product").fetchone()[0]
    while not stop.exists():
        before = set(db.execute(OPEN).fetchall())
        order = db.execute(
            "INSERT INTO orders_order (customer_id, created, status) "
            "VALUES (%s, '{WRITER_CREATED}'::timestamptz + %s * interval '1 second', 'new') RETURNING id",
            (customer, written),
        ).fetchone()[0]
        with db.transaction():
            for quantity in range(1, {LINES_PER_ORDER} + 1):
                db.execute(
                    "INSERT INTO orders_orderline (order_id, product_id, quantity) VALUES (%s, %s, %s)",
                    (order, product, quantity),
                )
        written += 1
        if before & set(db.execute(OPEN).fetchall()):
            inside += 1
        if written == 1:
            print("writing", flush=True)
print(json.dumps({{"written": written, "inside": inside}}), flush=True)
"""

LINES_PER_WRITER_ORDER_SQL = """
SELECT o.id, count(l.id) FROM orders_order o LEFT JOIN orders_orderline l ON l.order_id = o.id
WHERE o.created >= %s GROUP BY o.id ORDER BY o.id
"""


def writer_orders(url: str, name: str) -> list[tuple[int, int]]:
    """``(order id, its line count)`` of every order the writer made, in a database."""
    with connect(url, name) as db:
        return db.execute(LINES_PER_WRITER_ORDER_SQL, (WRITER_CREATED,)).fetchall()


def test_dump_while_a_writer_inserts_orders_then_lines_loads_every_order_whole(pg_server, tmp_path):
    name = pg_server.database()
    database = django_database(pg_server.url, name, application_name="diskette-dump")
    source = make_instance(tmp_path / "busy-site", database)
    with connect(pg_server.url, name) as db:
        db.execute(GROW_SQL)
    stop = tmp_path / "stop-writing"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER_SCRIPT, database_url(pg_server.url, name), str(stop)],
        env=instance_env(source),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "writing"
        archive, manifest = dump(source)  # while the writer goes on
    finally:
        stop.touch()
        report = json.loads(writer.communicate(timeout=60)[0])
    assert writer.returncode == 0

    # The window was real: orders were written inside the dump's transaction,
    # and the site holds orders that the archive's snapshot does not.
    assert report["inside"] > 0, report
    assert manifest["snapshot"]["isolation"] == "repeatable read, read only"
    target = make_instance(tmp_path / "restored", seed=False)  # a fresh SQLite database
    load(target, archive)  # a line whose order is missing fails here (foreign key)
    with sqlite3.connect(target / "db.sqlite3") as db:
        archived = db.execute(
            LINES_PER_WRITER_ORDER_SQL.replace("%s", "?"), ("2030-01-01 00:00:00",)
        ).fetchall()
    assert len(writer_orders(pg_server.url, name)) == report["written"] > len(archived)

    # Every order has all its lines; only the newest may still have none
    # (its lines were committed after the snapshot).
    assert all(lines == LINES_PER_ORDER for _order, lines in archived[:-1]), archived
    assert not archived or archived[-1][1] in (0, LINES_PER_ORDER)
    assert manifest["objects"]["data/shop-orders.jsonl"] >= EXTRA_ORDERS * (1 + LINES_PER_ORDER)

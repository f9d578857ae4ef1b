"""The bundled demo project: it builds, and its configured definitions load back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import diskette_tui
from diskette_tui import demo
from diskette_tui.demo import default_demo_dir, is_ready, write_demo_files
from diskette_tui.demo.media import DOCUMENTS, HIRES_PICTURES, LATEST_PICTURE, PICTURES

SOURCE_ROOT = Path(diskette_tui.__file__).resolve().parent.parent

# Expected rows per model: ranges, so that the seed can be tuned without churn.
EXPECTED_ROWS = {
    "sites.Site": (1, 1),
    "auth.User": (5, 8),
    "auth.Group": (2, 2),
    "catalog.Category": (12, 20),
    "catalog.Tag": (20, 30),
    "catalog.Product": (200, 250),
    "orders.Customer": (15, 30),
    "orders.Order": (120, 180),
    "orders.OrderLine": (150, 720),
    "orders.Cart": (5, 15),
    "sessions.Session": (1, 10),
    "admin.LogEntry": (1, 20),
}


# --- helpers -----------------------------------------------------------------


def instance_env(instance: Path) -> dict[str, str]:
    """Environment that makes ``python -m django`` run against a demo instance."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(instance), str(SOURCE_ROOT)])
    env["DJANGO_SETTINGS_MODULE"] = demo.SETTINGS_MODULE
    return env


def run_python(instance: Path, *args: str) -> str:
    """Run ``python *args`` for ``instance``; fail the test with its stderr on error."""
    result = subprocess.run(
        [sys.executable, *args],
        env=instance_env(instance),
        cwd=instance,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stderr}"
    return result.stdout


MIGRATE_SCRIPT = """
import sys
from diskette_tui.project import Project
Project(settings="demo_settings", pythonpath=[sys.argv[1]]).setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
"""

SNAPSHOT_SCRIPT = """
import json, sys
from diskette_tui.project import Project
Project(settings="demo_settings", pythonpath=[sys.argv[1]]).setup()
from django.apps import apps
from django.contrib.sites.models import Site
from diskette_tui.demo.catalog.models import Product
counts = {model._meta.label: model._base_manager.count() for model in apps.get_models()}
products = [
    [p.slug, p.category.slug, sorted(tag.name for tag in p.tags.all()), p.is_published,
     p.picture.name, p.document.name, str(p.price), p.created.isoformat()]
    for p in Product.all_objects.select_related("category").prefetch_related("tags").order_by("pk")
]
print(json.dumps({
    "counts": counts,
    "products": products,
    "published": Product.objects.count(),
    "site": Site.objects.get(pk=1).domain,
}))
"""


def snapshot(instance: Path) -> dict:
    """Row counts per model and product relations of an instance, read in a subprocess."""
    return json.loads(run_python(instance, "-c", SNAPSHOT_SCRIPT, str(instance)))


def expand(labels) -> list[str]:
    """``app`` or ``app.Model`` labels -> model labels (needs Django set up)."""
    from django.apps import apps

    if isinstance(labels, str):
        labels = [labels]
    models = []
    for label in labels:
        if "." in label:
            models.append(apps.get_model(label)._meta.label)
        else:
            models.extend(model._meta.label for model in apps.get_app_config(label).get_models())
    return models


def dump_commands(config: dict, destination: Path) -> list[tuple[Path, list[str], set[str]]]:
    """(dump file, dumpdata arguments, dumped model labels) per definition, drains last.

    A minimal reading of DESIGN.md's definition options, by hand: the real
    engine builds these command lines with its own code.
    """
    from django.apps import apps
    from django.utils.text import slugify

    normal = [item for item in config["apps"] if not item.get("is_drain")]
    drains = [item for item in config["apps"] if item.get("is_drain")]
    commands = []
    for item in normal + drains:
        filename = item.get("filename") or slugify(item["name"]) + ".json"
        output = destination / filename
        args = [item.get("dump_command", "dumpdata")]
        excludes = list(item.get("excludes", []))
        if item.get("is_drain"):
            for other in normal:
                other_excludes = expand(other.get("excludes", []))
                excludes += [
                    label for label in expand(other["models"]) if label not in other_excludes
                ]
                if not (item.get("drain_excluded") and other.get("allow_drain")):
                    excludes += other_excludes
            dumped = {model._meta.label for model in apps.get_models()} - set(expand(excludes))
        else:
            args += [item["models"]] if isinstance(item["models"], str) else item["models"]
            dumped = set(expand(item["models"])) - set(expand(excludes))
        for label in dict.fromkeys(excludes):
            args += ["--exclude", label]
        if item.get("natural_foreign"):
            args.append("--natural-foreign")
        if item.get("natural_primary"):
            args.append("--natural-primary")
        if item.get("use_base_manager"):
            args.append("--all")
        if config.get("indent"):
            args += ["--indent", str(config["indent"])]
        args += ["--format", Path(filename).suffix.lstrip("."), "--output", str(output)]
        commands.append((output, args, dumped))
    return commands


# --- the demo builds -----------------------------------------------------------


def test_demo_is_ready(demo_project):
    assert is_ready(demo_project)
    assert default_demo_dir() == demo_project
    assert (demo_project / "demo_settings.py").is_file()
    assert (demo_project / "diskette.toml").read_text() == demo.CONFIG_TEMPLATE.read_text()


@pytest.mark.parametrize("label", sorted(EXPECTED_ROWS))
def test_demo_row_counts(demo_project, label):
    from django.apps import apps

    low, high = EXPECTED_ROWS[label]
    count = apps.get_model(label)._base_manager.count()
    assert low <= count <= high, f"{label}: {count} rows"


def test_demo_site_and_users(demo_project):
    from django.contrib.auth.models import Group, User
    from django.contrib.sites.models import Site

    assert Site.objects.get(pk=1).domain == "demo.example.com"
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("admin")
    assert all(group.permissions.exists() for group in Group.objects.all())


def test_unpublished_products_hidden_by_default_manager(demo_project):
    from diskette_tui.demo.catalog.models import Product

    total = Product.all_objects.count()
    published = Product.objects.count()
    unpublished = Product.all_objects.filter(is_published=False).count()
    assert published + unpublished == total
    assert 0.05 * total <= unpublished <= 0.15 * total
    assert not Product.objects.filter(is_published=False).exists()
    assert Product._default_manager.count() == published
    assert Product._base_manager.count() == total


def test_product_files_exist(demo_project):
    from django.db.models import Q

    from diskette_tui.demo.catalog.models import Product

    with_files = Product.all_objects.exclude(Q(picture="") & Q(document=""))
    assert 30 <= with_files.count() <= 50
    for product in with_files:
        for field in (product.picture, product.document):
            if field:
                assert Path(field.path).is_file(), field.name
                assert Path(field.path).is_relative_to(demo_project / "media")


def test_demo_media_tree(demo_project):
    media = demo_project / "media"
    private = demo_project / "private"
    for name in PICTURES + HIRES_PICTURES:
        assert (media / name).read_bytes().startswith(b"\x89PNG\r\n\x1a\n"), name
    for name in DOCUMENTS:
        data = (media / name).read_bytes()
        assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF"), name
    assert len(PICTURES + HIRES_PICTURES) >= 30
    assert any(name.count("/") >= 3 for name in PICTURES)  # pictures/2024/05/...
    assert sorted(p.name for p in (media / "documents/archive/2023").iterdir())
    # Files the demo patterns exclude, and the one "!keep.tmp" re-includes.
    assert len(list((media / "cache").iterdir())) >= 3
    assert (media / "tmp/upload-1.tmp").is_file()
    assert (media / ".DS_Store").is_file()
    assert (media / "documents/keep.tmp").is_file()
    # An empty folder that a dump must keep.
    empty = media / "uploads/empty"
    assert empty.is_dir() and not any(empty.iterdir())
    # A relative symlink inside the storage, and one leaving it.
    latest = media / "latest.png"
    assert latest.is_symlink() and os.readlink(latest) == LATEST_PICTURE
    assert latest.resolve() == (media / LATEST_PICTURE).resolve()
    outside = media / "outside-link"
    assert outside.is_symlink() and os.readlink(outside) == os.path.join("..", "demo_settings.py")
    assert not outside.resolve().is_relative_to(media.resolve())
    invoices = sorted((private / "invoices").glob("*.pdf"))
    assert len(invoices) == 20
    total = sum(
        path.stat().st_size
        for root in (media, private)
        for path in root.rglob("*")
        if path.is_file() and not path.is_symlink()
    )
    assert 200_000 < total < 5_000_000


def test_write_demo_files_resets_only_its_own_files(tmp_path):
    (tmp_path / "dumps").mkdir()
    (tmp_path / "dumps" / "old.tar.gz").write_bytes(b"old")
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "stale.txt").write_text("stale")
    (tmp_path / "db.sqlite3").write_bytes(b"stale")
    (tmp_path / demo.READY_MARKER).write_text("")
    (tmp_path / "notes.txt").write_text("mine")

    write_demo_files(tmp_path)

    assert not is_ready(tmp_path)
    assert not (tmp_path / "dumps").exists()
    assert not (tmp_path / "db.sqlite3").exists()
    assert not (tmp_path / "media" / "stale.txt").exists()
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert (tmp_path / "media" / LATEST_PICTURE).is_file()


def test_media_files_are_deterministic(tmp_path, demo_project):
    write_demo_files(tmp_path)
    for root in ("media", "private"):
        for path in sorted((demo_project / root).rglob("*")):
            twin = tmp_path / path.relative_to(demo_project)
            if path.is_symlink():
                assert os.readlink(twin) == os.readlink(path)
            elif path.is_file():
                assert twin.read_bytes() == path.read_bytes(), path


def test_default_demo_dir_without_env(monkeypatch):
    import platformdirs

    monkeypatch.delenv(demo.DEMO_DIR_ENV, raising=False)
    expected = Path(platformdirs.user_data_dir("diskette-tui")) / "demo"
    assert default_demo_dir() == expected
    monkeypatch.setenv(demo.DEMO_DIR_ENV, "/somewhere/else")
    assert default_demo_dir() == Path("/somewhere/else")


def test_demo_package_does_not_import_django():
    code = "import sys, diskette_tui.demo; print('django' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(SOURCE_ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"


# --- the configured definitions load back ---------------------------------------


def test_configured_definitions_round_trip(demo_project, tmp_path):
    config = tomllib.loads((demo_project / "diskette.toml").read_text())
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    commands = dump_commands(config, dumps)

    # Every configured definition dumps something, and together they dump
    # every model but the drain's own exclusions.
    for output, args, _dumped in commands:
        run_python(demo_project, "-m", "django", *args)
        assert output.stat().st_size > 10, output
    dumped_models = set().union(*(dumped for _output, _args, dumped in commands))
    assert "orders.Cart" in commands[-1][2]  # drain_excluded + allow_drain
    assert dumped_models.isdisjoint(config["apps"][-1]["excludes"])

    # natural_primary drops the keys of Category and Tag; Product refers to them by key.
    catalog = json.loads((dumps / "shop-catalog.json").read_text())
    categories = [item for item in catalog if item["model"] == "catalog.category"]
    products = [item for item in catalog if item["model"] == "catalog.product"]
    assert categories and all("pk" not in item for item in categories)
    assert products and all(isinstance(item["fields"]["category"], list) for item in products)
    assert any(not item["fields"]["is_published"] for item in products)  # --all
    assert (dumps / "shop-orders.jsonl").read_text().count("\n") > 100

    # A second, freshly migrated instance loads each dump in order.
    target = tmp_path / "target"
    write_demo_files(target)
    run_python(target, "-c", MIGRATE_SCRIPT, str(target))
    for output, _args, _dumped in commands:
        run_python(target, "-m", "django", "loaddata", str(output), "--verbosity", "0")

    source_state = snapshot(demo_project)
    target_state = snapshot(target)
    for label in sorted(dumped_models):
        assert target_state["counts"][label] == source_state["counts"][label], label
    assert target_state["products"] == source_state["products"]
    assert target_state["published"] == source_state["published"]
    assert target_state["site"] == "demo.example.com"

"""File references: dumped rows naming files that the archive will not hold.

The ``FileField`` values of the dumped models are compared with the planned
storage files: a file left out by an exclusion pattern, a file that does not
exist, a file in no archived storage each give a warning, with the number of
rows, the pattern and an example. The demo in-process (its products' pictures
and documents), a real storage walk, and the Wagtail site's renditions.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from diskette_tui import cli, wording
from diskette_tui.config import load_config
from diskette_tui.core.dumper import Dumper
from diskette_tui.core.integrity import FileReferences
from diskette_tui.core.plan import file_reference_warnings
from diskette_tui.core.requests import DumpRequest
from diskette_tui.core.storages import scan_storages

from test_cli import demo_apps_section


def demo_config(folder: Path, demo: Path, excludes: str) -> Path:
    """A diskette.toml dumping the demo with the storage exclusion patterns ``excludes``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "diskette.toml"
    path.write_text(
        f'settings = "demo_settings"\npythonpath = "{demo}"\nstorages_basepath = "{demo}"\n'
        f'storages = ["{demo}/media", "{demo}/private"]\nstorages_excludes = {excludes}\n'
        f'destination = "dumps"\n{demo_apps_section(demo)}'
    )
    return path


def demo_plan(folder: Path, demo: Path, excludes: str):
    config = load_config(folder, demo_config(folder, demo, excludes))
    return Dumper.from_config(config).plan(DumpRequest.from_config(config))


def test_the_demo_dump_loses_no_referenced_file(demo_project, tmp_path):
    plan = demo_plan(tmp_path, demo_project, '["*.tmp", "cache/"]')
    assert plan.file_reference_warnings == ()


def test_rows_naming_files_a_pattern_excludes_are_counted(demo_project, tmp_path):
    from diskette_tui.demo.catalog.models import Product

    plan = demo_plan(tmp_path, demo_project, '["pictures/"]')
    with_picture = Product.all_objects.exclude(picture="").count()  # "Shop catalog" uses --all
    assert with_picture
    [warning] = plan.file_reference_warnings
    assert (warning.model, warning.field, warning.reason) == (
        "catalog.Product",
        "picture",
        "excluded",
    )
    assert (warning.count, warning.pattern, warning.storage) == (with_picture, "pictures/", "media")
    assert warning.example.startswith("pictures/")
    line = wording.file_reference_line(warning)
    assert line.startswith(
        f"{with_picture} catalog.Product rows reference files excluded by 'pictures/' "
        "(storage media)"
    )
    assert line in wording.warning_lines(plan)
    assert plan.data_warning_count("Shop catalog") == 1 and plan.data_warning_count("Users") == 0

    # The storage left out: the pictures and the documents are in no archived storage…
    only_private = plan.select(storages=["private"])
    reasons = {(item.field, item.reason) for item in only_private.file_reference_warnings}
    assert reasons == {("picture", "outside"), ("document", "outside")}
    # …but a data-only archive holds no file on purpose: no warning.
    assert plan.select(with_storages=False).file_reference_warnings == ()
    assert plan.select(definitions=["Users"]).file_reference_warnings == ()

    check = CliRunner().invoke(cli.app, ["check", "-c", str(tmp_path / "diskette.toml")])
    assert check.exit_code == 0, check.output
    assert f"{with_picture} catalog.Product rows reference files excluded by" in check.output
    found = json.loads(
        CliRunner()
        .invoke(cli.app, ["check", "--json", "-c", str(tmp_path / "diskette.toml")])
        .stdout
    )
    assert [item["count"] for item in found["file_references"]] == [with_picture]


def test_excluded_missing_and_outside_files_from_a_real_walk(tmp_path):
    media = tmp_path / "media"
    (media / "cache").mkdir(parents=True)
    (media / "kept.png").write_bytes(b"k")
    (media / "cache" / "thumb.png").write_bytes(b"t")
    elsewhere = tmp_path / "elsewhere.png"
    elsewhere.write_bytes(b"e")
    storages = scan_storages([media], tmp_path, ["cache/"])

    def ref(*names):
        files = [(str(pk), str(path), path.exists()) for pk, path in enumerate(map(Path, names), 1)]
        return FileReferences("app.Item", "file", tuple(files))

    references = [
        ref(media / "kept.png", media / "cache" / "thumb.png", media / "cache" / "thumb.png"),
        FileReferences("app.Other", "image", ref(media / "gone.png", elsewhere).files),
    ]
    found = {
        (item.model, item.reason): (item.count, item.example, item.pattern)
        for item in file_reference_warnings(references, storages, with_storages=True)
    }
    assert found == {
        ("app.Item", "excluded"): (2, "cache/thumb.png", "cache/"),
        ("app.Other", "missing"): (1, "gone.png", None),
        ("app.Other", "outside"): (1, str(elsewhere), None),
    }
    data_only = file_reference_warnings(references, storages, with_storages=False)
    assert [(item.reason, item.count) for item in data_only] == [("missing", 1)]
    missing = next(item for item in data_only if item.reason == "missing")
    assert wording.file_reference_line(missing) == (
        f"1 app.Other row references a file that does not exist (field image, e.g. {media}/gone.png)"
    )


# -- the Wagtail test site: renditions whose folder is excluded --------------------

RENDITIONS_CONFIG = """\
storages_basepath = "{root}"
storages = ["{media}"]
storages_excludes = ["images/"]
destination = "dumps"

[[apps]]
name = "Images"
models = ["wagtailimages"]
"""


def test_wagtail_renditions_in_an_excluded_folder_are_reported(wagtail_site, tmp_path):
    site, source = wagtail_site.site, wagtail_site.source
    config = RENDITIONS_CONFIG.format(root=source.media.parent, media=source.media)
    (tmp_path / "diskette.toml").write_text(config)
    with sqlite3.connect(source.db) as connection:
        (renditions,) = connection.execute(
            "SELECT count(*) FROM wagtailimages_rendition"
        ).fetchone()
    assert renditions
    found = json.loads(
        site.diskette("check", "--json", target=source, cwd=tmp_path, check=True).stdout
    )
    assert [
        (item["model"], item["count"], item["pattern"]) for item in found["file_references"]
    ] == [("wagtailimages.Rendition", renditions, "images/")]
    text = site.diskette("check", target=source, cwd=tmp_path, check=True).stdout
    assert (
        f"{renditions} wagtailimages.Rendition rows reference files excluded by 'images/'" in text
    )

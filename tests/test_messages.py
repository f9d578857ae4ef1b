"""Messages that say what is wrong and what to do (issue: misleading lines).

Each test feeds the definitions a user could write and reads the one line the
tool answers with.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from archives import SITE, build, member
from diskette_tui.cli import app
from diskette_tui.cli_restore import NO_SETTINGS_FOR_LOAD
from diskette_tui.core import reader
from diskette_tui.core.definitions import ApplicationConfig, DrainApplicationConfig
from diskette_tui.core.dumper import Dumper
from diskette_tui.core.requests import DumpRequest
from diskette_tui.core.restore import Loader, LoadRequest
from diskette_tui.core.storages import validate_storages
from diskette_tui.exceptions import ArchiveError
from diskette_tui.loggers import CollectingLogger
from diskette_tui.render import render_plan

SOURCE_ROOT = Path(__file__).resolve().parent.parent

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


# -- item 20, the remaining misleading lines --------------------------------------


def test_a_storage_that_is_a_link_leading_outside_says_so(tmp_path):
    base = tmp_path / "base"
    base.mkdir()
    outside = tmp_path / "srv-media"
    outside.mkdir()
    (base / "media").symlink_to(outside)
    assert validate_storages([base / "media"], base) == [
        f"storage is a symbolic link (or under one) leading outside the storages base path "
        f"{base}: {base / 'media'} → {outside}; list the folder it leads to, under a base path "
        "that holds it"
    ]
    assert validate_storages([outside], base) == [
        f"storage is not inside the storages base path {base}: {outside}"
    ]


def test_an_uncompressed_tar_is_said_not_gzip_compressed(tmp_path):
    plain = tmp_path / "plain.tar.gz"
    with tarfile.open(plain, "w") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"{}"))
    with pytest.raises(ArchiveError) as caught:
        reader.scan(plain)
    assert str(caught.value) == (
        "plain.tar.gz: not gzip-compressed (a plain tar archive): diskette reads .tar.gz; "
        "compress it with 'gzip plain.tar.gz'"
    )
    text = tmp_path / "notes.tar.gz"
    text.write_text("hello")
    with pytest.raises(ArchiveError, match=r"^notes.tar.gz: not gzip-compressed \(not a .tar.gz"):
        reader.scan(text)


def test_an_archive_re_made_with_dot_slash_names_says_its_members_carry_it(tmp_path):
    folder = tmp_path / "unpacked"
    (folder / "data").mkdir(parents=True)
    (folder / "manifest.json").write_text('{"datas": ["data/site.json"]}')
    (folder / "data" / "site.json").write_text("[]")
    archive = tmp_path / "remade.tar.gz"
    subprocess.run(["tar", "czf", str(archive), "."], cwd=folder, check=True)
    with pytest.raises(ArchiveError) as caught:
        reader.scan(archive)
    assert str(caught.value) == (
        "remade.tar.gz: its members' names start with './' (re-made with 'tar czf … ./…'?): "
        "a diskette archive names them without it, e.g. manifest.json; re-create it with "
        "'tar czf NAME -C FOLDER manifest.json …'"
    )


def run_isolated(*args, cwd):
    """``diskette`` in a subprocess without Django settings, the current folder not on the path."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(SOURCE_ROOT)
    return subprocess.run(
        [sys.executable, "-P", "-m", "diskette_tui", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_storages_only_archive_loads_without_django_settings(tmp_path):
    archive = build(
        tmp_path / "media.tar.gz",
        [member("media", kind="dir"), member("media/a.txt", b"a")],
        manifest={"datas": None, "storages": ["media"]},
    )
    restore = tmp_path / "restore"
    restore.mkdir()
    result = run_isolated("load", "--yes", archive, "--storages-basepath", restore, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "settings" not in result.stderr
    assert (restore / "media" / "a.txt").read_bytes() == b"a"
    with_data = build(
        tmp_path / "site.tar.gz",
        [member("data", kind="dir"), member("data/site.json", json.dumps(SITE).encode())],
        manifest={"datas": ["data/site.json"], "storages": None},
    )
    refused = run_isolated("load", "--yes", with_data, cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.strip() == f"error: {NO_SETTINGS_FOR_LOAD}"


def test_a_settings_package_in_the_current_folder_suggests_pythonpath_dot(tmp_path):
    (tmp_path / "mysite").mkdir()
    (tmp_path / "mysite" / "__init__.py").write_text("")
    (tmp_path / "mysite" / "settings.py").write_text("SECRET_KEY = 'x'\n")
    here = run_isolated("check", "--settings", "mysite.settings", cwd=tmp_path)
    assert here.returncode == 2
    assert here.stderr.strip() == (
        "error: cannot import settings module 'mysite.settings': No module named 'mysite' "
        "('mysite' is in the current folder: add --pythonpath .)"
    )
    elsewhere = run_isolated("check", "--settings", "othersite.settings", cwd=tmp_path)
    assert elsewhere.stderr.strip().endswith(
        "No module named 'othersite' (add the folder that holds 'othersite' with --pythonpath)"
    )


def test_models_no_definition_dumps_are_said_dumped_by_nobody(tmp_path):
    dumper = Dumper(
        [{"name": "Users", "models": ["auth.User"]}, {"name": "Rest", "is_drain": True}]
    )
    plan = dumper.plan(DumpRequest(tmp_path, count_rows=False, scan=False))
    drain = plan.definitions[-1]
    assert plan.drain_leaves(drain) == (("auth.User",), ("auth.Permission", "auth.Group"))
    console = Console(file=io.StringIO(), width=200)
    render_plan(plan, console)
    text = console.file.getvalue()
    assert "left to other definitions auth.User\n" in text
    assert "excluded by the others, dumped by nobody: auth.Permission, auth.Group" in text


def test_counts_of_one_are_singular(tmp_path):
    from django.db import transaction

    archive = build(
        tmp_path / "one.tar.gz",
        [member("data", kind="dir"), member("data/site.json", json.dumps(SITE).encode())],
        manifest={"datas": ["data/site.json"], "storages": None},
    )
    verified = CliRunner().invoke(app, ["verify", str(archive)])
    assert verified.exit_code == 0
    assert verified.output.strip() == "ok: 1 member matches SHA256SUMS"  # data/site.json
    two = build(tmp_path / "two.tar.gz", [member("media/a.txt", b"a"), member("media/b.txt", b"b")])
    assert CliRunner().invoke(app, ["verify", str(two)]).output.strip() == (
        "ok: 2 members match SHA256SUMS"
    )

    class Rollback(Exception):
        pass

    logger = CollectingLogger()
    loader = Loader(logger=logger)
    plan = loader.plan(LoadRequest(archive, tmp_path, with_storages=False))
    with pytest.raises(Rollback), transaction.atomic():
        loader.execute(plan)
        raise Rollback
    assert ("info", "loaded data/site.json (1 object)") in logger.records


def test_a_skipped_special_file_has_no_arrow(tmp_path):
    base = tmp_path / "base"
    (base / "media").mkdir(parents=True)
    os.mkfifo(base / "media" / "fifo")
    (base / "media" / "link").symlink_to("/etc/hostname")
    dumper = Dumper([], storages_basepath=base, storages=[base / "media"])
    plan = dumper.plan(DumpRequest(tmp_path / "out", with_data=False, count_rows=False))
    console = Console(file=io.StringIO(), width=200)
    render_plan(plan, console)
    lines = [line.strip() for line in console.file.getvalue().splitlines()]
    assert "skipped media/fifo (not a regular file)" in lines
    assert "skipped media/link → /etc/hostname (points outside the storage)" in lines


def test_help_shows_readable_value_names():
    runner = CliRunner()
    for command in ("dump", "check", "script", "apps", "load", "inspect", "verify", "demo"):
        result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "120"})
        assert result.exit_code == 0
        assert "<list[" not in result.output and "<str>" not in result.output, result.output
        assert "<int range>" not in result.output
    dump_help = runner.invoke(app, ["dump", "--help"], env={"COLUMNS": "120"}).output
    for hint in ("--pythonpath FOLDER", "--settings MODULE", "--app NAME", "--exclude PATTERN"):
        assert hint in dump_help


def test_a_name_that_is_not_utf8_is_printed_escaped_and_later_prints_still_work():
    import io

    from diskette_tui.cli_common import MessageConsole

    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    console = MessageConsole(file=stream, highlight=False, soft_wrap=True)
    console.print("error: media/caf\udce9.txt: unreadable")
    console.print("next line")
    stream.flush()
    assert stream.buffer.getvalue().decode() == (
        "error: media/caf\\udce9.txt: unreadable\nnext line\n"
    )

"""Code and settings written for diskette's ``Dumper`` behave the same with ours (issue 9).

Each test follows diskette 0.6.0's documented behaviour (its source, its
settings' documentation, the seed's ``dumper.txt``). The last one runs
diskette's own ``Dumper`` and ours on the same definitions in a subprocess and
compares what they give, except where README's "Differences from diskette"
says why they differ.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import override_settings
from rich.console import Console

from diskette_tui import exceptions
from diskette_tui.config import config_from_django_settings, load_config
from diskette_tui.core.dumper import Dumper
from diskette_tui.core.requests import DumpRequest
from diskette_tui.exceptions import (
    ApplicationConfigError,
    ApplicationRegistryError,
    ConfigError,
    DisketteBaseException,
    DisketteError,
    DumperError,
    DumpFailed,
)
from diskette_tui.render import render_plan
from diskette_tui.tui.folders import build_indexes
from diskette_tui.tui.widgets.storage_tree import storage_label
from test_demo import SOURCE_ROOT, instance_env
from test_restore import DISKETTE_SETTINGS

HAS_DISKETTE = importlib.util.find_spec("diskette") is not None
needs_diskette = pytest.mark.skipif(
    not HAS_DISKETTE, reason="diskette 0.6.0 is not installed (pip install -e '.[dev]')"
)


@pytest.fixture(autouse=True)
def _django(demo_project):
    """Every test here resolves labels against the demo project's registry."""
    return demo_project


def storage_tree(base: Path) -> Path:
    """A storage ``media`` with files at several depths; returns the base path."""
    files = ["foo/top.txt", "foo/bar/bar.txt", "foo/bar/keep.png", "a.txt", "cache/x.tmp"]
    for name in files:
        path = base / "media" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)
    return base


def scanned_names(dumper: Dumper, destination: Path) -> list[str]:
    """Archive names of the files the plan of ``dumper`` would archive."""
    plan = dumper.plan(DumpRequest(destination, with_data=False, count_rows=False))
    return [e.arcname for s in plan.storages for e in s.entries if e.kind == "file"]


# 1. Duplicate definitions -------------------------------------------------------------


def test_duplicate_definition_names_raise_dumper_error_in_the_constructor():
    with pytest.raises(DumperError) as caught:
        Dumper([("bang", {"models": ["auth.User"]}), ("bang", {"models": ["sites"]})])
    assert str(caught.value) == "There was some duplicate names from applications: bang"
    assert isinstance(caught.value, DisketteBaseException)


@pytest.mark.parametrize(
    "apps",
    [
        # Two names with one slug: both dump to shop.json.
        [("Shop!", {"models": ["sites"]}), ("shop", {"models": ["auth.User"]})],
        [("A", {"models": ["sites"], "filename": "x.json"}), ("B", {"models": ["auth"]}),
         ("C", {"is_drain": True, "filename": "x.json"})],
        # One member once extracted on a file system that ignores case.
        [("A", {"models": ["sites"], "filename": "X.json"}),
         ("B", {"models": ["auth"], "filename": "x.json"})],
    ],
)  # fmt: skip
def test_duplicate_dump_filenames_raise_in_the_constructor(apps):
    with pytest.raises(DumperError, match="duplicate dump filenames") as caught:
        Dumper(apps)
    assert any("is used by 2 definitions" in line for line in caught.value.problems)


def test_make_archive_never_writes_two_dumps_to_one_member_whatever_the_caller_changed(tmp_path):
    dumper = Dumper([("Sites", {"models": "sites"}), ("Users", {"models": ["auth.User"]})])
    dumper.apps[1].filename = dumper.apps[0].filename  # after the constructor's check
    destination = tmp_path / "dumps"
    with pytest.raises(DumperError, match="'data/sites.json' would be written 2 times"):
        dumper.make_archive(destination, "a{features}.tar.gz", with_storages=False)
    with pytest.raises(DumperError, match="'sites.json' is used by 2 definitions"):
        dumper.dump_data(destination=tmp_path)
    assert list(tmp_path.iterdir()) == []  # no archive, no folder, no dump file


def test_the_archive_writer_refuses_a_plan_with_two_dumps_on_one_member(tmp_path):
    dumper = Dumper([("Sites", {"models": "sites"}), ("Users", {"models": ["auth.User"]})])
    plan = dumper.plan(DumpRequest(tmp_path / "dumps", with_storages=False, count_rows=False))
    first, second = plan.definitions
    clashing = dataclasses.replace(plan, definitions=(first, dataclasses.replace(
        second, filename=first.filename
    )))  # fmt: skip
    with pytest.raises(DumperError, match="archive member 'data/sites.json'"):
        dumper.execute(clashing)
    assert not (tmp_path / "dumps").exists()


def test_duplicates_in_a_configuration_are_reported_with_every_other_problem(tmp_path):
    (tmp_path / "diskette.toml").write_text(
        '[[apps]]\nname = "A"\nmodels = ["auth"]\n'
        '[[apps]]\nname = "A"\nmodels = ["sites"]\nfilename = "other.json"\n'
        '[[apps]]\nname = "B"\nmodels = ["nope"]\n'
    )
    with pytest.raises(DumperError) as caught:
        Dumper.from_config(load_config(tmp_path))
    assert caught.value.exit_code == 2
    assert "definition name 'A' is used 2 times" in caught.value.problems
    assert any("unknown app label(s) in 'models': nope" in p for p in caught.value.problems)


# 2. build_dump_manifest ----------------------------------------------------------------


def test_build_dump_manifest_needs_no_database_and_names_the_storages(tmp_path, monkeypatch):
    base = storage_tree(tmp_path / "base")
    dumper = Dumper(
        [("Sites", {"models": "sites"}), ("Rest", {"is_drain": True})],
        storages_basepath=base,
        storages=[base / "media"],
    )

    def no_database(*args, **kwargs):
        raise AssertionError("build_dump_manifest used the database")

    monkeypatch.setattr(connection, "ensure_connection", no_database)
    work = tmp_path / "work"
    (work / "data").mkdir(parents=True)
    path = dumper.build_dump_manifest(work, work / "data", with_data=True, with_storages=True)
    manifest = json.loads(path.read_text())
    assert path == work / "manifest.json"
    assert manifest["datas"] == ["data/sites.json", "data/rest.json"]
    assert manifest["storages"] == ["media"]
    assert manifest["creation"] == dumper.now.isoformat(timespec="seconds")
    off = json.loads(dumper.build_dump_manifest(work, work / "data", False, False).read_text())
    assert (off["datas"], off["storages"]) == (None, None)


# 3. Storage pattern meanings ----------------------------------------------------------------


def test_diskette_storages_excludes_keep_fnmatch_meaning_and_toml_patterns_stay_gitignore(
    tmp_path,
):
    base = storage_tree(tmp_path)
    settings = SimpleNamespace(
        DISKETTE_STORAGES=[base / "media"], DISKETTE_STORAGES_EXCLUDES=["foo/*.txt"]
    )
    from_settings = config_from_django_settings(settings, base)
    assert from_settings.storages_excludes_syntax == "fnmatch"
    fnmatch_names = scanned_names(Dumper.from_config(from_settings), tmp_path / "out")
    # diskette's fnmatch: '*' crosses '/', so foo/bar/bar.txt is excluded too.
    assert "media/foo/bar/bar.txt" not in fnmatch_names
    assert "media/foo/top.txt" not in fnmatch_names
    assert "media/foo/bar/keep.png" in fnmatch_names

    (base / "diskette.toml").write_text('storages = ["media"]\nstorages_excludes = ["foo/*.txt"]\n')
    from_file = load_config(base)
    assert from_file.storages_excludes_syntax == "gitignore"
    gitignore_names = scanned_names(Dumper.from_config(from_file), tmp_path / "out")
    assert "media/foo/bar/bar.txt" in gitignore_names
    assert "media/foo/top.txt" not in gitignore_names

    # --exclude adds to the configured patterns and is read the same way.
    more = from_settings.with_overrides(cwd=base, storages_excludes=["*.tmp"])
    assert more.storages_excludes_syntax == "fnmatch"
    assert "media/cache/x.tmp" not in scanned_names(Dumper.from_config(more), tmp_path / "out")


@needs_diskette
def test_fnmatch_patterns_select_the_files_diskettes_storage_manager_selects(tmp_path):
    from diskette.core.storages import StorageManager

    base = storage_tree(tmp_path)
    for patterns in (["foo/*.txt"], ["*.txt"], ["*bar*"], ["?.txt", "cache/*"], ["foo/b*"]):
        theirs = StorageManager(
            storages_basepath=base, storages=[base / "media"], storages_excludes=patterns
        )
        ours = Dumper([], storages_basepath=base, storages=[base / "media"],
                      storages_excludes=patterns)  # fmt: skip
        expected = sorted(str(name) for _path, name in theirs.iter_storages_files())
        got = sorted(str(name) for _path, name in ours.iter_storages_files())
        assert got == expected, patterns
        for relative in ("foo/bar/bar.txt", "a.txt", "foo/top.txt", "cache/x.tmp"):
            assert ours.is_allowed_path(Path(relative)) == theirs.is_allowed_path(Path(relative)), (
                patterns,
                relative,
            )


def test_preview_and_check_say_what_a_storages_patterns_mean(tmp_path):
    base = storage_tree(tmp_path)
    settings = SimpleNamespace(
        DISKETTE_STORAGES=[base / "media"], DISKETTE_STORAGES_EXCLUDES=["foo/*.txt"]
    )
    dumper = Dumper.from_config(config_from_django_settings(settings, base))
    plan = dumper.plan(DumpRequest(tmp_path / "out", with_data=False, count_rows=False))
    console = Console(file=io.StringIO(), width=200)
    render_plan(plan, console)
    assert "fnmatch patterns" in console.file.getvalue()
    assert plan.as_dict()["storages"][0]["pattern_syntax"] == "fnmatch"
    storage = plan.storages[0]
    label = storage_label(storage, build_indexes(plan)[storage.arcname], True)
    assert "fnmatch" in label.plain

    gitignore = dataclasses.replace(storage, pattern_syntax="gitignore")
    assert "gitignore" in storage_label(gitignore, build_indexes(plan)["media"], True).plain


def test_check_with_django_settings_says_fnmatch_and_excludes_like_diskette(tmp_path):
    base = storage_tree(tmp_path)
    (base / "cli_settings.py").write_text(
        "from pathlib import Path\n"
        "BASE = Path(__file__).resolve().parent\n"
        "SECRET_KEY = 'x'\nINSTALLED_APPS = []\n"
        "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3',"
        " 'NAME': BASE / 'db.sqlite3'}}\n"
        "DISKETTE_STORAGES = [BASE / 'media']\n"
        "DISKETTE_STORAGES_EXCLUDES = ['foo/*.txt']\n"
    )
    env = dict(os.environ, PYTHONPATH=str(SOURCE_ROOT))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-m", "diskette_tui", "check", "--settings", "cli_settings",
         "--pythonpath", "."],
        cwd=base, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "fnmatch patterns" in result.stdout
    assert "excluded media/foo/bar/bar.txt by foo/*.txt" in result.stdout


# 4. DISKETTE_DUMP_PERMISSIONS -------------------------------------------------------------


def test_make_archive_permissions_fall_back_to_diskette_dump_permissions(tmp_path):
    dumper = Dumper([("Sites", {"models": "sites"})])
    with override_settings(DISKETTE_DUMP_PERMISSIONS=0o640):
        fallback = dumper.make_archive(tmp_path / "a", "a.tar.gz", with_storages=False)
        given = dumper.make_archive(
            tmp_path / "b", "b.tar.gz", with_storages=False, destination_chmod=0o600
        )
    default = dumper.make_archive(tmp_path / "c", "c.tar.gz", with_storages=False)
    assert fallback.stat().st_mode & 0o7777 == 0o640
    assert given.stat().st_mode & 0o7777 == 0o600
    assert default.stat().st_mode & 0o7777 == 0o644


# 5. The Dumper methods of diskette ---------------------------------------------------------


@needs_diskette
def test_every_method_of_diskettes_dumper_is_here_with_its_parameters():
    from diskette.core.dumper import Dumper as DisketteDumper

    names = [
        name
        for name, member in inspect.getmembers(DisketteDumper, inspect.isfunction)
        if not name.startswith("_") or name == "__init__"
    ]
    for name in ["iter_storages_files", "is_allowed_path", "call", "command",
                 "get_command_name"]:  # fmt: skip
        assert name in names
    for name in names:
        theirs = inspect.signature(getattr(DisketteDumper, name)).parameters
        ours = inspect.signature(getattr(Dumper, name)).parameters
        # Same parameters, same order, same defaults; ours may add keyword parameters.
        assert list(ours)[: len(theirs)] == list(theirs), name
        for param, value in theirs.items():
            assert ours[param].default == value.default, (name, param)


def test_the_new_methods_behave_like_diskettes(tmp_path):
    base = storage_tree(tmp_path / "base")
    dumper = Dumper(
        [("Sites", {"models": "sites"}), ("Poly", {"models": ["auth.User"],
                                                  "dump_command": "custom_dumpdata"})],
        executable="django-admin",
        storages_basepath=base,
        storages=[base / "media"],
        storages_excludes=["*.tmp"],
    )  # fmt: skip
    sites, poly = dumper.apps
    assert dumper.get_command_name(sites) == "dumpdata"
    assert dumper.get_command_name(poly) == "custom_dumpdata"
    assert dumper.command(sites, destination=tmp_path, indent=2).startswith(
        "django-admin dumpdata --indent=2"
    )
    assert f"--output={tmp_path / 'sites.json'}" in dumper.command(sites, destination=tmp_path)

    checked = dumper.call(sites, check=True)
    assert checked["models"] == ["sites.Site"] and isinstance(checked["options"], dict)
    written = json.loads(dumper.call(sites, destination=tmp_path))
    assert written == {"destination": str(tmp_path / "sites.json")}
    assert json.loads((tmp_path / "sites.json").read_text())[0]["model"] == "sites.site"
    assert json.loads(dumper.call(sites))[0]["model"] == "sites.site"

    files = dict((str(name), path) for path, name in dumper.iter_storages_files())
    assert "media/cache/x.tmp" not in files
    assert files["media/foo/bar/bar.txt"] == base / "media" / "foo" / "bar" / "bar.txt"
    everything = [str(name) for _path, name in dumper.iter_storages_files(allow_excludes=False)]
    assert "media/cache/x.tmp" in everything
    assert not dumper.is_allowed_path("cache/x.tmp") and dumper.is_allowed_path("a.txt")


# 6. Exceptions -------------------------------------------------------------------------------


def test_exceptions_have_diskettes_names_hierarchy_and_our_exit_codes():
    for name in ("DumperError", "ApplicationRegistryError", "ApplicationConfigError",
                 "DisketteError"):  # fmt: skip
        assert issubclass(getattr(exceptions, name), DisketteBaseException)
    # Ours fit in: the command line catches DisketteError and uses its exit code.
    assert issubclass(DumperError, ConfigError) and DumperError.exit_code == 2
    assert ApplicationRegistryError.exit_code == ApplicationConfigError.exit_code == 2
    assert issubclass(DumpFailed, DisketteError) and DumpFailed.exit_code == 1
    assert issubclass(ConfigError, DisketteBaseException)


@needs_diskette
def test_diskettes_exception_hierarchy_holds_for_ours():
    import diskette.exceptions as theirs

    names = ["DisketteBaseException", "DisketteError", "ApplicationConfigError",
             "DumperError", "ApplicationRegistryError"]  # fmt: skip
    for child in names:
        for parent in names:
            if issubclass(getattr(theirs, child), getattr(theirs, parent)):
                assert issubclass(getattr(exceptions, child), getattr(exceptions, parent))
    error = ApplicationRegistryError(error_messages={"A": "bad", "B": "worse"})
    model = theirs.ApplicationRegistryError(error_messages={"A": "bad", "B": "worse"})
    assert str(error) == str(model)
    assert error.get_payload_details() == model.get_payload_details()


def test_errors_are_raised_where_diskette_raises_them(tmp_path):
    dumper = Dumper([("A", {"models": ["nope", "auth.Nope"]}), ("B", {"models": []})])
    with pytest.raises(ApplicationConfigError):
        dumper.apps[0].validate()
    with pytest.raises(ApplicationRegistryError) as caught:
        dumper.validate_applications()
    assert str(caught.value) == "Some defined applications have errors: A, B"
    assert set(caught.value.error_messages) == {"A", "B"}
    details = caught.value.get_payload_details()
    assert len(details) == 3 and all("\n" not in line for line in details)
    with pytest.raises(ApplicationRegistryError):
        dumper.validate()
    storages = Dumper([], storages_basepath=tmp_path, storages=[tmp_path / "missing"])
    with pytest.raises(DumperError, match="storage does not exist"):
        storages.validate()
    with pytest.raises(DumperError, match="can not be both 'False'"):
        storages.make_archive(tmp_path, "a.tar.gz", with_data=False, with_storages=False)


def test_diskette_tui_does_not_import_diskette():
    code = (
        "import sys, diskette_tui.cli, diskette_tui.core.dumper, diskette_tui.exceptions\n"
        "print([m for m in sys.modules if m == 'diskette' or m.startswith('diskette.')])\n"
    )
    env = dict(os.environ, PYTHONPATH=str(SOURCE_ROOT))
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# Side by side with diskette 0.6.0 ------------------------------------------------------------

COMPARE_SCRIPT = r"""
import copy, json, sys, tarfile
from pathlib import Path

import django

django.setup()
from django.apps import apps as registry

from diskette.core.dumper import Dumper as Theirs
from diskette_tui.core.dumper import Dumper as Ours

base, out = Path(sys.argv[1]), Path(sys.argv[2])
APPS = json.loads(sys.argv[3])
EXCLUDES = json.loads(sys.argv[4])
found = {"auto_created": sorted(
    m._meta.label for m in registry.get_models(include_auto_created=True) if m._meta.auto_created
)}
for side, cls in (("theirs", Theirs), ("ours", Ours)):
    dumper = cls(copy.deepcopy([tuple(pair) for pair in APPS]), storages_basepath=base,
                 storages=[base / "media"], storages_excludes=list(EXCLUDES))
    normal = [app for app in dumper.apps if not app.is_drain]
    archive = dumper.make_archive(out / side, "dump{features}.tar.gz", destination_chmod=0o600)
    with tarfile.open(archive) as tar:
        members = {m.name: m.issym() for m in tar.getmembers() if not m.isdir()}
    work = out / (side + "-manifest")
    (work / "data").mkdir(parents=True)
    manifest = json.loads(dumper.build_dump_manifest(work, work / "data").read_text())
    found[side] = {
        "dump_options": dumper.dump_options(),
        "payload": dumper.payload(),
        "drain_exclusions": dumper.get_drain_exclusions(normal),
        "drain_exclusions_excluded": dumper.get_drain_exclusions(normal, drain_excluded=True),
        "members": members,
        "manifest": {"datas": manifest["datas"], "storages": manifest["storages"]},
        "commands": [name for name, _command in dumper.build_commands()],
    }
print(json.dumps(found, default=str))
"""

COMPARED_APPS = [
    ["django.contrib.sites", {"models": "sites"}],
    ["Users", {"models": ["auth"], "excludes": ["auth.Permission"], "natural_foreign": True}],
    ["Shop catalog", {"models": ["catalog"], "filename": "shop-catalog.json",
                      "use_base_manager": True, "comments": "kept"}],
    ["Shop orders", {"models": ["orders"], "excludes": ["orders.Cart"], "allow_drain": True,
                     "filename": "shop-orders.jsonl"}],
    ["Everything else", {"is_drain": True, "drain_excluded": True,
                         "excludes": ["contenttypes.ContentType", "sessions.Session"]}],
]  # fmt: skip
COMPARED_EXCLUDES = ["*.tmp", "cache/*", "pictures/*05*", ".DS_Store"]


def without(labels, dropped):
    """``labels`` without the ``dropped`` ones (README: auto-created M2M tables)."""
    return [label for label in labels if label not in dropped]


def normalized(payloads, dropped):
    """Payloads with the auto-created M2M tables left out of every label list."""
    return [
        {key: without(value, dropped) if isinstance(value, list) else value
         for key, value in payload.items()}
        for payload in payloads
    ]  # fmt: skip


@needs_diskette
def test_diskette_060_and_ours_agree_on_the_same_definitions(tmp_path):
    from diskette_tui import demo

    target = tmp_path / "target"
    demo.write_demo_files(target)
    (target / "interop_settings.py").write_text(DISKETTE_SETTINGS)
    env = instance_env(target)
    env["DJANGO_SETTINGS_MODULE"] = "interop_settings"

    def python(*args):
        result = subprocess.run(
            [sys.executable, *args], env=env, cwd=target, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
        assert result.returncode == 0, f"{args[:2]}: {result.stderr}"
        return result.stdout

    python("-m", "django", "migrate", "--verbosity", "0")
    out = tmp_path / "out"
    found = json.loads(
        python(
            "-c",
            COMPARE_SCRIPT,
            str(target),
            str(out),
            json.dumps(COMPARED_APPS),
            json.dumps(COMPARED_EXCLUDES),
        )  # fmt: skip
    )
    theirs, ours, m2m = found["theirs"], found["ours"], set(found["auto_created"])
    assert m2m  # the demo has auto-created M2M tables: the comparison below means something

    assert ours["dump_options"] == normalized(theirs["dump_options"], m2m)
    assert ours["payload"] == normalized(theirs["payload"], m2m)
    for key in ("drain_exclusions", "drain_exclusions_excluded"):
        assert ours[key] == without(theirs[key], m2m), key
    assert ours["manifest"] == theirs["manifest"]
    assert ours["commands"] == theirs["commands"]

    # Archive members: the same data files and storage files. README: ours adds
    # SHA256SUMS and skips links that leave their storage (diskette archives them).
    outside = {
        name for name, is_link in theirs["members"].items()
        if is_link and not os.path.realpath(target / name).startswith(str(target / "media"))
    }  # fmt: skip
    assert outside == {"media/outside-link"}
    assert set(ours["members"]) == (set(theirs["members"]) - outside) | {"SHA256SUMS"}
    assert "media/pictures/2024/05/banner-01.png" not in ours["members"]  # fnmatch '*' crosses /
    with tarfile.open(next((out / "ours").iterdir())) as tar:
        assert tar.getnames()[-1] == "manifest.json"

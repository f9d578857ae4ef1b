"""Tests for diskette_tui.config: lookup, validation, Django settings, overrides."""

import dataclasses
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

from diskette_tui.config import (
    CONFIG_KEY_TABLE,
    CONFIG_KEYS,
    DEFAULT_FILENAME,
    DJANGO_SETTING_NAMES,
    FLAG_NAMES,
    Config,
    RawSource,
    config_from_django_settings,
    find_config_file,
    load_config,
    parse_mode,
    validate_raw_values,
)
from diskette_tui.exceptions import ConfigError


def write(path: Path, text: str) -> Path:
    """Write dedented ``text`` at ``path``, creating its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(excinfo) -> list[str]:
    """The problems of a raised ConfigError."""
    return excinfo.value.problems


# -- lookup ------------------------------------------------------------------


def test_lookup_nothing(tmp_path):
    assert find_config_file(tmp_path, None) is None
    assert load_config(tmp_path) is None


def test_lookup_diskette_toml(tmp_path):
    write(tmp_path / "diskette.toml", "indent = 2\n")
    assert find_config_file(tmp_path, None) == (tmp_path / "diskette.toml", "toml")


def test_lookup_pyproject_with_table(tmp_path):
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n\n[tool.diskette]\nindent = 4\n')
    assert find_config_file(tmp_path, None) == (tmp_path / "pyproject.toml", "pyproject")
    config = load_config(tmp_path)
    assert config.indent == 4
    assert config.source == f"{tmp_path / 'pyproject.toml'} [tool.diskette]"


def test_lookup_pyproject_without_table_is_ignored(tmp_path):
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n\n[tool.ruff]\nline-length = 1\n')
    assert find_config_file(tmp_path, None) is None
    assert load_config(tmp_path) is None


def test_lookup_broken_pyproject_not_about_diskette_is_ignored(tmp_path):
    write(tmp_path / "pyproject.toml", "[project\nname = \n")
    assert find_config_file(tmp_path, None) is None


def test_lookup_diskette_toml_wins_over_pyproject(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.diskette]\nindent = 4\n")
    write(tmp_path / "diskette.toml", "indent = 2\n")
    assert find_config_file(tmp_path, None) == (tmp_path / "diskette.toml", "toml")
    assert load_config(tmp_path).indent == 2


def test_lookup_explicit_wins(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.diskette]\nindent = 4\n")
    write(tmp_path / "diskette.toml", "indent = 2\n")
    write(tmp_path / "conf" / "other.toml", "indent = 8\n")
    # Relative to cwd.
    found = find_config_file(tmp_path, Path("conf/other.toml"))
    assert found == (tmp_path / "conf" / "other.toml", "toml")
    assert load_config(tmp_path, Path("conf/other.toml")).indent == 8


def test_lookup_explicit_pyproject(tmp_path):
    write(tmp_path / "sub" / "pyproject.toml", "[tool.diskette]\nindent = 3\n")
    assert find_config_file(tmp_path, tmp_path / "sub" / "pyproject.toml")[1] == "pyproject"
    assert load_config(tmp_path, tmp_path / "sub" / "pyproject.toml").indent == 3


def test_lookup_explicit_pyproject_without_table(tmp_path):
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    with pytest.raises(ConfigError, match=r"no \[tool.diskette\] table"):
        load_config(tmp_path, Path("pyproject.toml"))


def test_lookup_explicit_missing(tmp_path):
    write(tmp_path / "diskette.toml", "indent = 2\n")
    with pytest.raises(ConfigError) as excinfo:
        find_config_file(tmp_path, Path("nope.toml"))
    assert problems_of(excinfo) == ["config file not found: nope.toml"]
    assert excinfo.value.exit_code == 2
    with pytest.raises(ConfigError, match="config file not found: nope.toml"):
        load_config(tmp_path, Path("nope.toml"))


def test_lookup_explicit_folder(tmp_path):
    (tmp_path / "dir").mkdir()
    with pytest.raises(ConfigError, match="is a folder"):
        find_config_file(tmp_path, Path("dir"))


# -- reading a file ----------------------------------------------------------


def test_defaults(tmp_path):
    write(tmp_path / "diskette.toml", "")
    config = load_config(tmp_path)
    assert config == Config(
        source=str(tmp_path / "diskette.toml"),
        base_dir=tmp_path,
        storages_basepath=tmp_path,
        destination=tmp_path,
    )
    assert config.settings is None
    assert config.pythonpath == []
    assert config.storages == []
    assert config.storages_excludes == []
    assert config.filename == DEFAULT_FILENAME == "diskette{features}.tar.gz"
    assert config.indent is None
    assert config.chmod is None
    assert config.dir_chmod is None
    assert config.executable is None
    assert config.apps == []


def test_default_destination_is_cwd_not_file_folder(tmp_path):
    write(tmp_path / "conf" / "diskette.toml", "")
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    config = load_config(cwd, tmp_path / "conf" / "diskette.toml")
    assert config.destination == cwd
    assert config.base_dir == tmp_path / "conf"
    assert config.storages_basepath == tmp_path / "conf"


def test_full_file(tmp_path):
    write(
        tmp_path / "diskette.toml",
        """
        settings = "mysite.settings"
        pythonpath = "."
        storages_basepath = "."
        storages = ["media"]
        storages_excludes = ["*.tmp", "cache/"]
        destination = "var/dumps"
        filename = "diskette{features}_{date}.tar.gz"
        indent = 2
        chmod = "600"
        dir_chmod = "0o750"
        executable = "python manage.py"

        [[apps]]
        name = "django.contrib.auth"
        models = ["auth"]
        excludes = ["auth.Permission"]
        natural_foreign = true
        allow_drain = true

        [[apps]]
        name = "Everything else"
        is_drain = true
        excludes = ["sessions.Session"]
        """,
    )
    config = load_config(tmp_path)
    assert config.settings == "mysite.settings"
    assert config.pythonpath == [tmp_path]
    assert config.storages_basepath == tmp_path
    assert config.storages == [tmp_path / "media"]
    assert config.storages_excludes == ["*.tmp", "cache/"]
    assert config.destination == tmp_path / "var" / "dumps"
    assert config.filename == "diskette{features}_{date}.tar.gz"
    assert config.indent == 2
    assert config.chmod == 0o600
    assert config.dir_chmod == 0o750
    assert config.executable == "python manage.py"
    assert config.apps == [
        {
            "name": "django.contrib.auth",
            "models": ["auth"],
            "excludes": ["auth.Permission"],
            "natural_foreign": True,
            "allow_drain": True,
        },
        {"name": "Everything else", "is_drain": True, "excludes": ["sessions.Session"]},
    ]


def test_pythonpath_list(tmp_path):
    write(tmp_path / "diskette.toml", 'pythonpath = [".", "src", "/abs"]\n')
    assert load_config(tmp_path).pythonpath == [tmp_path, tmp_path / "src", Path("/abs")]


def test_relative_paths_are_relative_to_the_file_folder(tmp_path):
    project = tmp_path / "project"
    write(
        project / "conf" / "diskette.toml",
        """
        pythonpath = ".."
        storages_basepath = ".."
        storages = ["../media", "/srv/static"]
        destination = "../var/dumps"
        """,
    )
    cwd = tmp_path / "somewhere" / "else"
    cwd.mkdir(parents=True)
    config = load_config(cwd, project / "conf" / "diskette.toml")
    assert config.base_dir == project / "conf"
    assert config.pythonpath == [project]
    assert config.storages_basepath == project
    # Absolute and normalized: no ".." left.
    assert config.storages == [project / "media", Path("/srv/static")]
    assert config.destination == project / "var" / "dumps"


def test_relative_explicit_config_and_relative_cwd(tmp_path, monkeypatch):
    write(tmp_path / "conf" / "diskette.toml", 'storages = ["media"]\n')
    monkeypatch.chdir(tmp_path)
    config = load_config(Path("."), Path("conf/diskette.toml"))
    assert config.base_dir.is_absolute()
    assert config.storages == [tmp_path / "conf" / "media"]


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks")
def test_storages_are_not_resolved_through_symlinks(tmp_path):
    real = tmp_path / "real"
    (real / "media").mkdir(parents=True)
    link = tmp_path / "link"
    link.symlink_to(real)
    write(real / "diskette.toml", 'storages = ["media", "./media/../media"]\n')
    config = load_config(link)
    assert config.base_dir == link
    assert config.storages == [link / "media", link / "media"]
    assert config.storages_basepath == link


def test_pyproject_relative_paths(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.diskette]\nstorages = ["media"]\n')
    config = load_config(tmp_path)
    assert config.storages == [tmp_path / "media"]
    assert config.storages_basepath == tmp_path


# -- validation --------------------------------------------------------------


def test_every_problem_at_once(tmp_path):
    write(
        tmp_path / "diskette.toml",
        """
        foo = 1
        bar = "x"
        settings = 3
        pythonpath = [1]
        storages = "media"
        storages_excludes = ["ok", 2]
        destination = false
        filename = []
        indent = "2"
        chmod = "abc"
        dir_chmod = true
        executable = 1.5
        """,
    )
    with pytest.raises(ConfigError) as excinfo:
        load_config(tmp_path)
    assert problems_of(excinfo) == [
        "diskette.toml: unknown key 'foo'",
        "diskette.toml: unknown key 'bar'",
        "diskette.toml: 'settings' must be a string, got int",
        "diskette.toml: 'executable' must be a string, got float",
        "diskette.toml: 'filename' must be a string, got list",
        "diskette.toml: 'pythonpath' must be a string or a list of strings, "
        "got list containing int",
        "diskette.toml: 'storages' must be a list of strings, got str",
        "diskette.toml: 'storages_excludes' must be a list of strings, got list containing int",
        "diskette.toml: 'destination' must be a string, got bool",
        "diskette.toml: 'indent' must be an integer, got str",
        "diskette.toml: 'chmod' must be an octal mode like '600', got 'abc'",
        "diskette.toml: 'dir_chmod' must be an octal mode like \"600\", got bool",
    ]
    assert excinfo.value.exit_code == 2


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("indent = true", "'indent' must be an integer, got bool"),
        ("indent = -1", "'indent' must be a non-negative integer, got -1"),
        ("indent = 1.5", "'indent' must be an integer, got float"),
        ('apps = "x"', "'apps' must be a list of tables ([[apps]]), got str"),
        ("apps = [1]", "apps[0] must be a table, got int"),
        (
            'chmod = "7777"',
            "'chmod' must be a mode between 0 and 0o777 (permission bits only), got '7777'",
        ),
        (
            "chmod = -1",
            "'chmod' must be a quoted octal string like \"600\", not the integer -1 "
            "(a TOML integer is decimal)",
        ),
    ],
)
def test_single_problem(tmp_path, line, problem):
    write(tmp_path / "diskette.toml", line + "\n")
    with pytest.raises(ConfigError) as excinfo:
        load_config(tmp_path)
    assert problems_of(excinfo) == [f"diskette.toml: {problem}"]


def test_indent_zero_is_allowed(tmp_path):
    write(tmp_path / "diskette.toml", "indent = 0\n")
    assert load_config(tmp_path).indent == 0


def test_pyproject_problems_name_the_table(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.diskette]\nfoo = 1\n")
    with pytest.raises(ConfigError) as excinfo:
        load_config(tmp_path)
    assert problems_of(excinfo) == ["pyproject.toml [tool.diskette]: unknown key 'foo'"]


def test_problems_name_an_explicit_file_outside_cwd(tmp_path):
    path = write(tmp_path / "conf" / "custom.toml", "foo = 1\n")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    with pytest.raises(ConfigError) as excinfo:
        load_config(cwd, path)
    assert problems_of(excinfo) == [f"{path}: unknown key 'foo'"]


def test_app_validation(tmp_path):
    write(
        tmp_path / "diskette.toml",
        """
        [[apps]]
        name = "Auth"
        models = "auth"
        colour = "red"
        natural_foreign = "yes"
        excludes = "auth.Permission"

        [[apps]]
        models = ["shop"]

        [[apps]]
        name = 3
        is_drain = 1

        [[apps]]
        name = "Shop"
        models = ["shop", 1]
        natural_primary = true
        use_base_manager = false
        allow_drain = true
        drain_excluded = false
        filename = 2
        comments = ["no"]
        dump_command = false
        """,
    )
    with pytest.raises(ConfigError) as excinfo:
        load_config(tmp_path)
    assert problems_of(excinfo) == [
        "diskette.toml: app 'Auth': unknown option 'colour'",
        "diskette.toml: app 'Auth': 'natural_foreign' must be a boolean or a list of model labels, got str",
        "diskette.toml: app 'Auth': 'excludes' must be a list of strings, got str",
        "diskette.toml: apps[1] has no 'name'",
        "diskette.toml: apps[2]: 'name' must be a string, got int",
        "diskette.toml: apps[2]: 'is_drain' must be a boolean, got int",
        "diskette.toml: app 'Shop': 'models' must be a string or a list of strings, "
        "got list containing int",
        "diskette.toml: app 'Shop': 'filename' must be a string, got int",
        "diskette.toml: app 'Shop': 'comments' must be a string, got list",
        "diskette.toml: app 'Shop': 'dump_command' must be a string, got bool",
    ]


def test_app_every_option_accepted(tmp_path):
    write(
        tmp_path / "diskette.toml",
        """
        [[apps]]
        name = "All"
        models = "auth"
        excludes = ["auth.Permission"]
        natural_foreign = true
        natural_primary = true
        use_base_manager = true
        filename = "all.json"
        comments = "Everything"
        allow_drain = true
        is_drain = false
        drain_excluded = false
        dump_command = "dumpdata"
        """,
    )
    (app,) = load_config(tmp_path).apps
    assert app["models"] == "auth"
    assert set(app) == {
        "name", "models", "excludes", "natural_foreign", "natural_primary",
        "use_base_manager", "filename", "comments", "allow_drain", "is_drain",
        "drain_excluded", "dump_command",
    }  # fmt: skip


def test_empty_app_name(tmp_path):
    write(tmp_path / "diskette.toml", '[[apps]]\nname = " "\n')
    with pytest.raises(ConfigError) as excinfo:
        load_config(tmp_path)
    assert problems_of(excinfo) == ["diskette.toml: apps[0]: 'name' must not be empty"]


def test_toml_syntax_error_is_one_line_naming_the_file(tmp_path):
    write(tmp_path / "diskette.toml", 'indent = 2\nstorages = ["media"\nfoo = \n')
    with pytest.raises(ConfigError) as excinfo:
        load_config(tmp_path)
    (problem,) = problems_of(excinfo)
    assert "\n" not in problem
    assert problem.startswith("diskette.toml: invalid TOML: ")
    assert "line" in problem
    assert str(excinfo.value) == problem


def test_broken_pyproject_mentioning_diskette_is_an_error(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.diskette]\nindent = = 2\n")
    with pytest.raises(ConfigError) as excinfo:
        load_config(tmp_path)
    (problem,) = problems_of(excinfo)
    assert problem.startswith("pyproject.toml: invalid TOML: ")


def test_not_utf8(tmp_path):
    (tmp_path / "diskette.toml").write_bytes(b'filename = "\xff"\n')
    with pytest.raises(ConfigError, match=r"^diskette.toml: not UTF-8"):
        load_config(tmp_path)


# -- chmod -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (384, 0o600),
        (0o644, 0o644),
        (0, 0),
        ("600", 0o600),
        ("0600", 0o600),
        ("0o600", 0o600),
        ("0O755", 0o755),
        (" 640 ", 0o640),
        ("0755", 0o755),
        (0o777, 0o777),
    ],
)
def test_parse_mode(value, expected):
    assert parse_mode(value, "chmod") == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "'chmod' must be an octal mode like '600', got 'abc'"),
        ("680", "'chmod' must be an octal mode like '600', got '680'"),
        ("", "'chmod' must be an octal mode like '600', got ''"),
        ("0o", "'chmod' must be an octal mode like '600', got '0o'"),
        ("17777", "'chmod' must be an octal mode like '600', got '17777'"),
        ("2775", "'chmod' must be a mode between 0 and 0o777 (permission bits only), got '2775'"),
        (0o10000, "'chmod' must be a mode between 0 and 0o777, got 4096"),
        (600, "'chmod' must be a mode between 0 and 0o777, got 600 (write 0o600 for octal)"),
        (-1, "'chmod' must be a mode between 0 and 0o777, got -1"),
        (True, "'chmod' must be an octal mode like '600' or an integer, got bool"),
        (6.0, "'chmod' must be an octal mode like '600' or an integer, got float"),
    ],
)
def test_parse_mode_bad(value, message):
    with pytest.raises(ConfigError) as excinfo:
        parse_mode(value, "chmod")
    assert problems_of(excinfo) == [message]


def test_chmod_in_file(tmp_path):
    write(tmp_path / "diskette.toml", 'chmod = "640"\ndir_chmod = "0o700"\n')
    config = load_config(tmp_path)
    assert (config.chmod, config.dir_chmod) == (0o640, 0o700)


@pytest.mark.parametrize("line", ["chmod = 600", "chmod = 0o600", "dir_chmod = 700"])
def test_an_integer_mode_in_toml_is_refused_with_a_hint_to_quote_it(tmp_path, line):
    """``chmod = 600`` is decimal in TOML (0o1130): never read as a mode."""
    write(tmp_path / "diskette.toml", line + "\n")
    key, value = (part.strip() for part in line.split("="))
    with pytest.raises(ConfigError) as excinfo:
        load_config(tmp_path)
    [problem] = problems_of(excinfo)
    assert problem.startswith(f"diskette.toml: '{key}' must be a quoted octal string")
    assert problem.endswith(f"{int(value, 0)} (a TOML integer is decimal)")


# -- Django settings ---------------------------------------------------------


def test_django_settings_defaults(tmp_path):
    config = config_from_django_settings(SimpleNamespace(), tmp_path)
    assert config == Config(
        source="Django settings",
        base_dir=tmp_path,
        storages_basepath=tmp_path,
        destination=tmp_path,
        storages_excludes_syntax="fnmatch",
    )


def test_django_settings_conversion(tmp_path):
    settings = SimpleNamespace(
        DISKETTE_APPS=[
            (
                "django.contrib.auth",
                {"comments": "Auth", "natural_foreign": True, "models": ["auth.Group"]},
            ),
            ["Sites", {"models": "sites"}],
            {"name": "Everything else", "is_drain": True},
        ],
        DISKETTE_STORAGES=[tmp_path / "media", "static"],
        DISKETTE_STORAGES_EXCLUDES=("*.tmp",),
        DISKETTE_DUMP_PATH="var/dumps",
        DISKETTE_DUMP_FILENAME="site{features}.tar.gz",
        DISKETTE_DUMP_PERMISSIONS=0o644,
        DISKETTE_LOAD_STORAGES_PATH=tmp_path / "media" / "..",
    )
    config = config_from_django_settings(settings, tmp_path)
    assert config.source == "Django settings"
    assert config.base_dir == tmp_path
    assert config.apps == [
        {
            "name": "django.contrib.auth",
            "comments": "Auth",
            "natural_foreign": True,
            "models": ["auth.Group"],
        },
        {"name": "Sites", "models": "sites"},
        {"name": "Everything else", "is_drain": True},
    ]
    assert config.storages == [tmp_path / "media", tmp_path / "static"]
    assert config.storages_excludes == ["*.tmp"]
    assert config.destination == tmp_path / "var" / "dumps"
    assert config.filename == "site{features}.tar.gz"
    assert config.chmod == 0o644
    assert config.storages_basepath == tmp_path
    assert config.load_storages_basepath == tmp_path
    # The settings' own objects are not shared with the configuration.
    config.apps[0]["models"].append("auth.User")
    assert settings.DISKETTE_APPS[0][1]["models"] == ["auth.Group"]


def test_django_settings_none_means_default(tmp_path):
    settings = SimpleNamespace(DISKETTE_DUMP_PATH=None, DISKETTE_APPS=None)
    config = config_from_django_settings(settings, tmp_path)
    assert config.destination == tmp_path
    assert config.apps == []


def test_django_settings_problems(tmp_path):
    settings = SimpleNamespace(
        DISKETTE_APPS=[
            ("Auth", {"colour": "red", "natural_foreign": "yes"}),
            ("Broken",),
            "Sites",
            {"models": ["sites"]},
            ("Named", {"name": "Other"}),
        ],
        DISKETTE_STORAGES="media",
        DISKETTE_STORAGES_EXCLUDES=[1],
        DISKETTE_DUMP_PATH=3,
        DISKETTE_DUMP_FILENAME=b"x",
        DISKETTE_DUMP_PERMISSIONS="rw",
        DISKETTE_LOAD_STORAGES_PATH=[],
    )
    with pytest.raises(ConfigError) as excinfo:
        config_from_django_settings(settings, tmp_path)
    assert problems_of(excinfo) == [
        "settings.DISKETTE_STORAGES: must be a list of paths, got str",
        "settings.DISKETTE_STORAGES_EXCLUDES: must be a list of strings, got list containing int",
        "settings.DISKETTE_DUMP_PATH: must be a path, got int",
        "settings.DISKETTE_LOAD_STORAGES_PATH: must be a path, got list",
        "settings.DISKETTE_DUMP_FILENAME: must be a string, got bytes",
        "settings.DISKETTE_DUMP_PERMISSIONS: must be an octal mode like '600', got 'rw'",
        "settings.DISKETTE_APPS: app 'Auth': unknown option 'colour'",
        "settings.DISKETTE_APPS: app 'Auth': 'natural_foreign' must be a boolean or a list of model labels, got str",
        "settings.DISKETTE_APPS: item 1 must be a (name, options) pair or a dict, got tuple",
        "settings.DISKETTE_APPS: item 2 must be a (name, options) pair or a dict, got str",
        "settings.DISKETTE_APPS: item 3 has no 'name'",
        "settings.DISKETTE_APPS: item 4 has two names: 'Named' and 'Other'",
    ]


def test_django_settings_apps_not_a_list(tmp_path):
    with pytest.raises(ConfigError) as excinfo:
        config_from_django_settings(SimpleNamespace(DISKETTE_APPS="auth"), tmp_path)
    assert problems_of(excinfo) == ["settings.DISKETTE_APPS: must be a list, got str"]


# -- overrides ---------------------------------------------------------------


@pytest.fixture
def configured(tmp_path):
    """A configuration read from ``tmp_path/conf/diskette.toml``, and a separate cwd."""
    write(
        tmp_path / "conf" / "diskette.toml",
        """
        settings = "mysite.settings"
        storages = ["media"]
        storages_excludes = ["*.tmp"]
        destination = "dumps"
        indent = 2
        chmod = "640"
        executable = "python manage.py"
        """,
    )
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    return load_config(cwd, tmp_path / "conf" / "diskette.toml"), cwd


def test_no_overrides_is_an_equal_copy(configured):
    config, cwd = configured
    copy = config.with_overrides(cwd=cwd)
    assert copy == config
    assert copy is not config


def test_overrides_win(configured, tmp_path):
    config, cwd = configured
    result = config.with_overrides(
        cwd=cwd,
        settings="other.settings",
        pythonpath="src",
        destination="out",
        filename="x{features}.tar.gz",
        indent=0,
        chmod="600",
        dir_chmod=0o700,
        storages=["files", tmp_path / "abs"],
        storages_excludes=["cache/"],
        storages_basepath=".",
        executable="manage",
    )
    assert result.settings == "other.settings"
    # Command-line paths are relative to the current folder, not the file's.
    assert result.pythonpath == [cwd / "src"]
    assert result.destination == cwd / "out"
    assert result.storages == [cwd / "files", tmp_path / "abs"]
    assert result.storages_basepath == cwd
    assert result.filename == "x{features}.tar.gz"
    assert result.indent == 0
    assert result.chmod == 0o600
    assert result.dir_chmod == 0o700
    assert result.executable == "manage"
    # --exclude adds to the configured patterns.
    assert result.storages_excludes == ["*.tmp", "cache/"]
    # The original is untouched.
    assert config.storages == [tmp_path / "conf" / "media"]
    assert config.storages_excludes == ["*.tmp"]
    assert config.destination == tmp_path / "conf" / "dumps"
    assert config.settings == "mysite.settings"


def test_storage_flag_replaces_and_none_keeps(configured, tmp_path):
    config, cwd = configured
    assert config.with_overrides(cwd=cwd, storages=["a"]).storages == [cwd / "a"]
    assert config.with_overrides(cwd=cwd, storages=[]).storages == []
    assert config.with_overrides(cwd=cwd).storages == [tmp_path / "conf" / "media"]


def test_pythonpath_flag_list(configured):
    config, cwd = configured
    result = config.with_overrides(cwd=cwd, pythonpath=[".", "lib"])
    assert result.pythonpath == [cwd, cwd / "lib"]


def test_overrides_default_to_process_cwd(configured, monkeypatch, tmp_path):
    config, _ = configured
    monkeypatch.chdir(tmp_path)
    assert config.with_overrides(destination="d").destination == tmp_path / "d"


def test_overrides_bad_flags_reported_at_once(configured):
    config, cwd = configured
    with pytest.raises(ConfigError) as excinfo:
        config.with_overrides(cwd=cwd, indent=-2, chmod="abc", storages="media")
    assert problems_of(excinfo) == [
        "--storage: must be a list of paths, got str",
        "--indent: must be a non-negative integer, got -2",
        "--chmod: must be an octal mode like '600', got 'abc'",
    ]


def test_overrides_unknown_flag(configured):
    config, cwd = configured
    with pytest.raises(TypeError):
        config.with_overrides(cwd=cwd, colour="red")


# -- the key table: one check per key, whatever the source --------------------


def test_key_table_covers_every_configured_value():
    # Where the values come from: set by the source, not keys of their own.
    fields = {f.name for f in dataclasses.fields(Config)} - {
        "source",
        "base_dir",
        "given",
        "storages_excludes_syntax",
    }
    assert set(CONFIG_KEY_TABLE) == fields
    assert CONFIG_KEYS == tuple(k for k in CONFIG_KEY_TABLE if k != "load_storages_basepath")
    assert set(DJANGO_SETTING_NAMES) <= set(CONFIG_KEY_TABLE)
    assert set(FLAG_NAMES) <= set(CONFIG_KEY_TABLE)
    assert [key for key, rule in CONFIG_KEY_TABLE.items() if rule.adds] == ["storages_excludes"]


@pytest.mark.parametrize(
    ("key", "flag", "setting", "raw", "expected"),
    [
        ("chmod", "chmod", "DISKETTE_DUMP_PERMISSIONS", "0o640", 0o640),
        ("filename", "filename", "DISKETTE_DUMP_FILENAME", "a.tar.gz", "a.tar.gz"),
        ("storages_excludes", "storages_excludes", "DISKETTE_STORAGES_EXCLUDES",
         ["*.tmp"], ["*.tmp"]),
    ],
)  # fmt: skip
def test_a_key_is_converted_the_same_way_from_every_source(
    tmp_path, key, flag, setting, raw, expected
):
    write(tmp_path / "diskette.toml", f"{key} = {json.dumps(raw)}\n")  # JSON is TOML here
    from_file = load_config(tmp_path)
    from_settings = config_from_django_settings(SimpleNamespace(**{setting: raw}), tmp_path)
    from_flag = Config(source=None, base_dir=tmp_path).with_overrides(cwd=tmp_path, **{flag: raw})
    assert getattr(from_file, key) == getattr(from_settings, key) == expected
    assert getattr(from_flag, key) == expected


@pytest.mark.parametrize(
    ("key", "flag", "setting"),
    [
        ("storages", "storages", "DISKETTE_STORAGES"),
        ("destination", "destination", "DISKETTE_DUMP_PATH"),
    ],
)
def test_relative_paths_follow_the_source(tmp_path, key, flag, setting):
    """A file's paths are relative to its folder; settings' and flags' to the cwd."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    raw = ["media/../files"] if key == "storages" else "media/../files"
    write(tmp_path / "conf" / "diskette.toml", f"{key} = {json.dumps(raw)}\n")
    from_file = load_config(cwd, tmp_path / "conf" / "diskette.toml")
    from_settings = config_from_django_settings(SimpleNamespace(**{setting: raw}), cwd)
    from_flag = from_file.with_overrides(cwd=cwd, **{flag: raw})

    def one(config):
        value = getattr(config, key)
        return value[0] if key == "storages" else value

    assert one(from_file) == tmp_path / "conf" / "files"
    assert one(from_settings) == one(from_flag) == cwd / "files"


def test_validate_raw_values_words_problems_by_source(tmp_path):
    source = RawSource(
        keys=("indent", "storages"),
        message=lambda key, tail: f"<{key}> {tail}",
        base=tmp_path,
        toml=False,
        label="here",
    )
    assert validate_raw_values({"indent": 2, "storages": ["a"]}, source) == {
        "indent": 2,
        "storages": [tmp_path / "a"],
    }
    assert validate_raw_values({}, source) == {}
    with pytest.raises(ConfigError) as excinfo:
        validate_raw_values({"storages": "a", "chmod": 1, "indent": "x"}, source)
    assert problems_of(excinfo) == [
        "here: unknown key 'chmod'",
        "<indent> must be an integer, got str",
        "<storages> must be a list of paths, got str",
    ]


def test_merged_appends_only_additive_keys(tmp_path):
    config = Config(source=None, base_dir=tmp_path, storages=[tmp_path / "a"])
    config.storages_excludes = ["*.tmp"]
    merged = config.merged({"storages": [tmp_path / "b"], "storages_excludes": ["cache/"]})
    assert merged.storages == [tmp_path / "b"]
    assert merged.storages_excludes == ["*.tmp", "cache/"]
    assert config.storages_excludes == ["*.tmp"]


# -- as_dict -----------------------------------------------------------------


def test_as_dict(configured, tmp_path):
    config, cwd = configured
    config = config.with_overrides(cwd=cwd, dir_chmod="750", pythonpath=".")
    data = config.as_dict()
    conf = tmp_path / "conf"
    assert data == {
        "source": str(conf / "diskette.toml"),
        "base_dir": str(conf),
        "settings": "mysite.settings",
        "pythonpath": [str(cwd)],
        "storages_basepath": str(conf),
        "load_storages_basepath": None,
        "storages": [str(conf / "media")],
        "storages_excludes": ["*.tmp"],
        "storages_excludes_syntax": "gitignore",
        "destination": str(conf / "dumps"),
        "filename": "diskette{features}.tar.gz",
        "indent": 2,
        "chmod": "0o640",
        "dir_chmod": "0o750",
        "compresslevel": None,
        "executable": "python manage.py",
        "apps": [],
    }


def test_as_dict_is_json_ready(tmp_path):
    settings = SimpleNamespace(DISKETTE_APPS=[("Auth", {"models": ("auth",)})])
    data = config_from_django_settings(settings, tmp_path).as_dict()
    assert json.loads(json.dumps(data))["apps"] == [{"name": "Auth", "models": ["auth"]}]
    assert data["chmod"] is None
    assert data["storages_basepath"] == str(tmp_path)


def test_module_does_not_import_django():
    code = "import sys, diskette_tui.config; assert 'django' not in sys.modules"
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr

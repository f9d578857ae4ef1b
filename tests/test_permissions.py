"""Permission modes: only 0 to 0o777, TOML integers refused; folders a dump creates are 0o700."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from types import SimpleNamespace

import pytest
from test_cli import invoke, write_config

from diskette_tui.config import config_from_django_settings
from diskette_tui.exceptions import ConfigError


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    """A permissive umask (0o000), so that the modes seen are the ones diskette chose."""
    previous = os.umask(0)
    yield
    os.umask(previous)


# -- item 8: modes are permission bits, TOML integers are refused --------------------


@pytest.mark.parametrize(
    "line, tail",
    [
        ("chmod = 600", 'write "600", not 600 (a TOML integer is decimal)'),
        ("dir_chmod = 700", 'write "700", not 700 (a TOML integer is decimal)'),
        ("chmod = 0o600", 'like "600", not the integer 384 (a TOML integer is decimal)'),
    ],
)
def test_chmod_toml_integer_is_refused_with_a_hint_to_quote_it(demo_project, tmp_path, line, tail):
    config = write_config(tmp_path, demo_project, head=line)
    result = invoke("dump", "-c", config, "--yes", "-q")
    assert result.exit_code == 2, result.output
    key = line.split()[0]
    assert result.stderr.strip() == (
        f"error: {config}: '{key}' must be a quoted octal string{':' if 'write' in tail else ''} "
        f"{tail}"
    )
    assert not (tmp_path / "dumps").exists()


def test_chmod_toml_string_is_octal(demo_project, tmp_path):
    config = write_config(tmp_path, demo_project, head='chmod = "640"\ndir_chmod = "750"')
    result = invoke("dump", "-c", config, "--yes", "-q", "--no-storages")
    assert result.exit_code == 0, result.output
    archive = tmp_path / "dumps" / "diskette_data.tar.gz"
    assert mode_of(archive) == 0o640
    assert mode_of(archive.parent) == 0o750


@pytest.mark.parametrize("value", ["7777", "1600", "4755", "0o1777"])
def test_chmod_flag_beyond_permission_bits_is_a_usage_error(demo_project, tmp_path, value):
    config = write_config(tmp_path, demo_project)
    result = invoke("dump", "-c", config, "--yes", "-q", "--chmod", value)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (
        f"error: --chmod: must be a mode between 0 and 0o777 (permission bits only), got {value!r}"
    )
    assert not (tmp_path / "dumps").exists()


def test_dump_permissions_setting_accepts_only_permission_bits(tmp_path):
    good = config_from_django_settings(SimpleNamespace(DISKETTE_DUMP_PERMISSIONS=0o640), tmp_path)
    assert good.chmod == 0o640
    text = config_from_django_settings(SimpleNamespace(DISKETTE_DUMP_PERMISSIONS="640"), tmp_path)
    assert text.chmod == 0o640
    for value, tail in [
        (0o4755, "got 2541"),
        (600, "got 600 (write 0o600 for octal)"),
        ("7777", "(permission bits only), got '7777'"),
    ]:
        with pytest.raises(ConfigError) as excinfo:
            config_from_django_settings(SimpleNamespace(DISKETTE_DUMP_PERMISSIONS=value), tmp_path)
        [problem] = excinfo.value.problems
        assert problem.startswith(
            "settings.DISKETTE_DUMP_PERMISSIONS: must be a mode between 0 and 0o777"
        )
        assert problem.endswith(tail), problem


# -- item 15: every folder a dump creates is 0o700 unless dir_chmod is configured ----


def test_folders_a_dump_creates_are_owner_only_whatever_chmod_says(
    demo_project, tmp_path, open_umask
):
    config = write_config(tmp_path, demo_project)
    tmp_path.chmod(0o755)
    destination = tmp_path / "new" / "deeper" / "dumps"
    result = invoke(
        "dump", "-c", config, "--yes", "-q", "--no-storages", "--chmod", "644", "-d", destination
    )
    assert result.exit_code == 0, result.output
    assert mode_of(destination / "diskette_data.tar.gz") == 0o644
    for folder in (tmp_path / "new", tmp_path / "new" / "deeper", destination):
        assert mode_of(folder) == 0o700, folder
    assert mode_of(tmp_path) == 0o755  # an existing parent is left alone


def test_folders_a_dump_creates_get_the_configured_dir_chmod(demo_project, tmp_path, open_umask):
    config = write_config(tmp_path, demo_project, head='dir_chmod = "750"')
    destination = tmp_path / "new" / "dumps"
    result = invoke("dump", "-c", config, "--yes", "-q", "--no-storages", "-d", destination)
    assert result.exit_code == 0, result.output
    assert mode_of(tmp_path / "new") == 0o750
    assert mode_of(destination) == 0o750
    assert mode_of(destination / "diskette_data.tar.gz") == 0o600


def test_dir_chmod_the_owner_cannot_enter_is_refused(demo_project, tmp_path):
    config = write_config(tmp_path, demo_project, head='dir_chmod = "600"')
    result = invoke("dump", "-c", config, "--yes", "-q", "-d", tmp_path / "new")
    assert result.exit_code == 2, result.output
    assert "dir_chmod must let the owner read, write and enter the folder" in result.stderr
    assert not (tmp_path / "new").exists()


def test_a_destination_that_cannot_be_created_leaves_no_new_parents(demo_project, tmp_path):
    config = write_config(tmp_path, demo_project)
    # "new" and "new/deeper" can be created, the last name is too long for any file system.
    destination = tmp_path / "new" / "deeper" / ("x" * 300)
    result = invoke("dump", "-c", config, "--yes", "-q", "-d", destination)
    # A name no file system takes is now refused with the configuration (exit 2).
    assert result.exit_code == 2, result.output
    *warnings, error = result.stderr.strip().splitlines()  # -q keeps the warnings
    assert all(line.startswith("warning: ") for line in warnings)
    assert error.startswith("error: --destination: has a name longer than 255 bytes")
    assert not (tmp_path / "new").exists()

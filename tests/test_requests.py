"""DumpRequest: what a user asked a dump for, without I/O and without Django."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from diskette_tui.config import Config
from diskette_tui.core.requests import (
    ARCHIVE_MODE,
    DEFAULT_FILENAME,
    FOLDER_MODE,
    DumpRequest,
)


def config(tmp_path, **values) -> Config:
    return Config(source=str(tmp_path / "diskette.toml"), base_dir=tmp_path, **values)


def test_defaults_dump_everything_owner_only():
    request = DumpRequest(destination="dumps")
    assert request.destination == Path("dumps")
    assert request.filename == DEFAULT_FILENAME
    assert (request.with_data, request.with_storages, request.with_storages_excludes) == (
        True,
        True,
        True,
    )
    assert request.apps is None
    assert (request.chmod, request.dir_chmod) == (ARCHIVE_MODE, FOLDER_MODE) == (0o600, 0o700)
    assert request.count_rows and request.scan
    assert request.problems() == []


def test_apps_are_stored_as_a_tuple_and_the_request_is_frozen():
    request = DumpRequest(destination=Path("d"), apps=["Users", "Shop"])
    assert request.apps == ("Users", "Shop")
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.with_data = False  # type: ignore[misc]


def test_from_config_takes_destination_filename_and_the_owner_only_modes(tmp_path):
    request = DumpRequest.from_config(
        config(tmp_path, destination=tmp_path / "out", filename="site{features}.tar.gz")
    )
    assert request.destination == tmp_path / "out"
    assert request.filename == "site{features}.tar.gz"
    assert (request.chmod, request.dir_chmod) == (0o600, 0o700)


@pytest.mark.parametrize(
    "chmod, dir_chmod, expected",
    [
        (0o644, None, (0o644, 0o700)),  # a new folder is owner-only whatever chmod says
        (0o640, None, (0o640, 0o700)),
        (0o600, 0o711, (0o600, 0o711)),  # a configured folder mode wins
        (None, 0o750, (0o600, 0o750)),
    ],
)
def test_from_config_modes(tmp_path, chmod, dir_chmod, expected):
    request = DumpRequest.from_config(config(tmp_path, chmod=chmod, dir_chmod=dir_chmod))
    assert (request.chmod, request.dir_chmod) == expected


def test_from_config_choices_win(tmp_path):
    request = DumpRequest.from_config(
        config(tmp_path, destination=tmp_path / "out", chmod=0o644),
        destination=tmp_path / "elsewhere",
        with_storages=False,
        apps=["Users"],
        chmod=0o600,
        scan=False,
    )
    assert request.destination == tmp_path / "elsewhere"
    assert not request.with_storages and not request.scan
    assert request.apps == ("Users",)
    assert request.chmod == 0o600


def test_problems_are_all_reported():
    request = DumpRequest(
        destination=Path("d"), with_data=False, with_storages=False, chmod=0o10000, dir_chmod=True
    )
    assert request.problems() == [
        "--no-data and --no-storages together leave nothing to dump",
        "chmod must be a mode between 0 and 0o777, not 4096",
        "dir_chmod must be a mode between 0 and 0o777, not True",
    ]


def test_replace_makes_a_new_request_and_keeps_the_rest():
    request = DumpRequest(destination=Path("d"), apps=("Users",), chmod=0o640)
    off = dataclasses.replace(request, with_storages_excludes=False)
    assert request.with_storages_excludes and not off.with_storages_excludes
    assert (off.destination, off.apps, off.chmod) == (Path("d"), ("Users",), 0o640)
    # The canonical types hold after a replace too.
    moved = dataclasses.replace(request, destination="other", apps=["Shop"])
    assert moved.destination == Path("other") and moved.apps == ("Shop",)

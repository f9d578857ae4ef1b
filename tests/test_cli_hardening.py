"""The command line against odd combinations: conflicting flags, settings precedence, pipes."""

from __future__ import annotations

import pytest
from test_cli import invoke, write_config

from diskette_tui import cli


@pytest.mark.parametrize("command", [["dump", "--yes"], ["check"]])
def test_exclude_with_no_storages_excludes_is_refused(demo_project, tmp_path, command):
    """The explicit pattern would be silently ignored: the combination is a usage error."""
    config = write_config(tmp_path, demo_project)
    result = invoke(*command, "-c", config, "--exclude", "documents/", "--no-storages-excludes")
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == f"error: {cli.EXCLUDE_CONFLICT}"
    assert not (tmp_path / "dumps").exists()

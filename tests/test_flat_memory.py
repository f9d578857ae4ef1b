"""Memory stays flat in rows and files (issue 12, item 4): a data dump's objects are
counted one at a time, and the archive writer keeps no header of the members it wrote."""

from __future__ import annotations

import io
import json
import tarfile
import tracemalloc

import pytest

from diskette_tui.core import serializers
from diskette_tui.core.archive import StreamingTarFile
from diskette_tui.core.serializers import count_json_array, count_objects


def rows(count):
    return [
        {"model": "shop.product", "pk": index, "fields": {"name": f"é ] , [ {index}", "n": [1, {}]}}
        for index in range(count)
    ]


@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize("chunk", [1, 7, 1024 * 1024])
def test_counts_across_chunk_boundaries(monkeypatch, indent, chunk):
    monkeypatch.setattr(serializers, "_COUNT_CHUNK", chunk)
    for count in (0, 1, 2, 57):
        text = json.dumps(rows(count), indent=indent, ensure_ascii=False)
        assert count_json_array(io.StringIO(text)) == count
        assert count_json_array(io.StringIO(f"\n  {text}\n")) == count


def test_empty_file_counts_zero(tmp_path):
    path = tmp_path / "empty.json"
    path.write_text("")
    assert count_objects(path, "json") == 0


@pytest.mark.parametrize("text", ['{"a": 1}', '[{"a": 1}', '[{"a": 1}, {"b"', "[1 2]"])
def test_not_an_array_of_objects_raises(text):
    with pytest.raises(ValueError):
        count_json_array(io.StringIO(text))


def test_counting_a_big_dump_holds_one_chunk_not_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(serializers, "_COUNT_CHUNK", 64 * 1024)
    path = tmp_path / "big.json"
    with open(path, "w", encoding="utf-8") as stream:
        json.dump(rows(40_000), stream)
    size = path.stat().st_size
    assert size > 3_000_000
    tracemalloc.start()
    try:
        count = count_objects(path, "json")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 40_000
    # Two chunks of text at most (a chunk and what is left of the previous one).
    assert peak < 3 * serializers._COUNT_CHUNK * 4 < size


def test_archive_writer_keeps_no_member_headers(tmp_path):
    """The tar writer forgets each header once written; the archive still lists them all."""
    path = tmp_path / "many.tar"
    tracemalloc.start()
    try:
        with StreamingTarFile.open(path, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for index in range(5_000):
                info = tarfile.TarInfo(f"media/d{index // 1000:03d}/f{index:06d}.txt")
                info.size = 1
                tar.addfile(info, io.BytesIO(b"x"))
            assert tar.members == []
            _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A TarFile keeping its headers holds 1.7 MB here; this one ~12 KB.
    assert peak < 500_000
    with tarfile.open(path) as tar:
        assert len(tar.getnames()) == 5_000

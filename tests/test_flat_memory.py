"""Memory stays flat in the size of a data dump: objects are counted one at a time (issue 12, item 4)."""

from __future__ import annotations

import io
import json
import tracemalloc

import pytest

from diskette_tui.core import serializers
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

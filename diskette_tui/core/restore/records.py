"""The objects of a data file, read and written one at a time.

A data file is a list of serialized objects, ``{"model": "app.model", "pk":
…, "fields": {…}}``. :func:`iter_records` yields them from a binary stream
and :class:`RecordWriter` writes them back in the same format, so that a
rewrite (:mod:`.remap`) never holds a whole file twice in memory:

- ``json``: the top-level array is decoded object by object
  (:meth:`json.JSONDecoder.raw_decode` over a sliding buffer);
- ``jsonl``: one object per line;
- ``yaml``: PyYAML has no incremental reader of a sequence: the file is read
  whole, once (its objects are written back one by one);
- ``xml``: read and written by :mod:`.remap` itself, element by element
  (Django's XML carries the relation of each field as attributes).

No Django here.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from pathlib import Path

CHUNK = 1024 * 1024
_DECODER = json.JSONDecoder()

#: Formats :func:`iter_records` and :class:`RecordWriter` handle.
RECORD_FORMATS = ("json", "jsonl", "yaml")


class RecordError(ValueError):
    """A data file that is not a list of serialized objects."""


def iter_records(stream, fmt: str) -> Iterator[dict]:
    """Each serialized object of a data file read from binary ``stream``, in order."""
    if fmt == "json":
        yield from _iter_json_array(stream)
    elif fmt == "jsonl":
        yield from _iter_json_lines(stream)
    elif fmt == "yaml":
        import yaml

        yield from yaml.safe_load(stream.read()) or []
    else:
        raise RecordError(f"cannot read {fmt!r} objects one by one")


def _iter_json_lines(stream) -> Iterator[dict]:
    for line in stream:
        if line.strip():
            yield json.loads(line)


def _iter_json_array(stream) -> Iterator[dict]:
    """Objects of a JSON array, decoded one at a time from a sliding text buffer."""
    reader = _JsonArrayReader(stream)
    first = reader.peek()
    if not first:
        return  # an empty file: no objects (Django says the same)
    if first != "[":
        raise RecordError("not a JSON list of objects")
    reader.pos += 1
    if reader.peek() == "]":
        return
    while True:
        yield reader.value()
        after = reader.peek()
        if after == "]":
            return
        if after != ",":
            raise RecordError("not a JSON list of objects (expected ',' or ']')")
        reader.pos += 1


_NOT_SPACE = re.compile(r"[^ \t\n\r]")


class _JsonArrayReader:
    """UTF-8 text of a binary stream, a chunk at a time, read from a position.

    The position moves over the buffer (no copy per object); the buffer is cut
    only when a new chunk comes in.
    """

    def __init__(self, stream):
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.done = False
        self.buffer = ""
        self.pos = 0

    def fill(self) -> bool:
        """Append the next chunk of text; False at the end of the stream."""
        while not self.done:
            data = self.stream.read(CHUNK)
            text = self.decoder.decode(data, final=not data)
            self.done = not data
            if text:
                self.buffer = self.buffer[self.pos :] + text
                self.pos = 0
                return True
        return False

    def peek(self) -> str:
        """The next character that is not whitespace ('' at the end), not consumed."""
        while True:
            found = _NOT_SPACE.search(self.buffer, self.pos)
            if found:
                self.pos = found.start()
                return self.buffer[self.pos]
            self.pos = len(self.buffer)
            if not self.fill():
                return ""

    def value(self):
        """The JSON value at the position, consumed."""
        while True:
            if not self.peek():  # (the decoder does not skip whitespace itself)
                raise RecordError("not a JSON list of objects (it ends too soon)")
            try:
                value, end = _DECODER.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError:
                if not self.fill():
                    raise
                continue
            # A number could go on in the next chunk; objects end with '}'.
            if end == len(self.buffer) and not isinstance(value, (dict, list, str)):
                if self.fill():
                    continue
            self.pos = end
            return value


class RecordWriter:
    """Writes serialized objects, one at a time, as a data file of ``fmt``."""

    def __init__(self, path: Path, fmt: str):
        if fmt not in RECORD_FORMATS:
            raise RecordError(f"cannot write {fmt!r} objects one by one")
        self.fmt = fmt
        self.stream = open(path, "w", encoding="utf-8")  # noqa: SIM115 (closed in close())
        self.written = 0
        if fmt == "json":
            self.stream.write("[")

    def write(self, record: dict) -> None:
        """Append one object."""
        if self.fmt == "json":
            self.stream.write(",\n" if self.written else "\n")
            self.stream.write(json.dumps(record, ensure_ascii=False))
        elif self.fmt == "jsonl":
            self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            import yaml

            self.stream.write(
                yaml.safe_dump([record], allow_unicode=True, default_flow_style=False)
            )
        self.written += 1

    def close(self) -> None:
        """Finish the file."""
        if self.fmt == "json":
            self.stream.write("\n]\n")
        self.stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

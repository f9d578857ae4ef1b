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

import json
from collections.abc import Iterator
from pathlib import Path

CHUNK = 1024 * 1024
_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\n\r"

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
    reader = _TextChunks(stream)
    buffer = reader.skip_whitespace("")
    if not buffer:
        return  # an empty file: no objects (Django says the same)
    if buffer[0] != "[":
        raise RecordError("not a JSON list of objects")
    buffer = reader.skip_whitespace(buffer[1:])
    if buffer.startswith("]"):
        return
    while True:
        value, buffer = reader.decode_one(buffer)
        yield value
        buffer = reader.skip_whitespace(buffer)
        if buffer.startswith("]"):
            return
        if not buffer.startswith(","):
            raise RecordError("not a JSON list of objects (expected ',' or ']')")
        buffer = reader.skip_whitespace(buffer[1:])


class _TextChunks:
    """UTF-8 text of a binary stream, a chunk at a time."""

    def __init__(self, stream):
        import codecs

        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.done = False

    def more(self) -> str:
        """The next chunk of text ('' at the end)."""
        if self.done:
            return ""
        data = self.stream.read(CHUNK)
        if not data:
            self.done = True
            return self.decoder.decode(b"", final=True)
        return self.decoder.decode(data)

    def skip_whitespace(self, buffer: str) -> str:
        """``buffer`` without leading whitespace, reading on while it is all whitespace."""
        buffer = buffer.lstrip(_WHITESPACE)
        while not buffer and not self.done:
            buffer = self.more().lstrip(_WHITESPACE)
        return buffer

    def decode_one(self, buffer: str) -> tuple[object, str]:
        """The JSON value at the start of ``buffer`` and what follows it."""
        while True:
            try:
                value, end = _DECODER.raw_decode(buffer)
            except json.JSONDecodeError:
                chunk = self.more()
                if not chunk and self.done:
                    raise
                buffer += chunk
                continue
            if end == len(buffer) and not self.done:
                # A number could go on in the next chunk; objects end with '}'.
                if not isinstance(value, (dict, list, str)):
                    buffer += self.more()
                    continue
            return value, buffer[end:]


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

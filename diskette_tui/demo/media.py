"""Media and private files of a demo instance, made from code.

Every byte is derived from fixed seeds (no network, no Pillow), so two
instances hold identical files. The tree exercises the storage rules of a dump:
nested folders, an empty folder that must survive, files that the demo
``storages_excludes`` patterns drop (``*.tmp``, ``cache/``, ``.DS_Store``) and
one that ``!keep.tmp`` brings back, a symlink inside the storage and one that
points out of it (to be skipped and reported).

The seed imports :data:`PICTURES` and :data:`DOCUMENTS` to point product file
fields at files that exist. No Django import here.
"""

from __future__ import annotations

import os
import random
import struct
import zlib
from datetime import datetime, UTC
from pathlib import Path

#: Modification time given to every written file and folder: stable archives.
FIXED_MTIME = datetime(2024, 6, 1, 12, 0, tzinfo=UTC).timestamp()

#: Product pictures (names relative to MEDIA_ROOT): 64x64 gradients.
PICTURES = (
    [f"pictures/product-{number:03d}.png" for number in range(1, 21)]
    + [f"pictures/2024/05/banner-{number:02d}.png" for number in range(1, 6)]
    + [f"pictures/2024/06/banner-{number:02d}.png" for number in range(6, 9)]
)
#: Large noisy pictures (incompressible), so that the archive has some weight.
HIRES_PICTURES = ["pictures/hires/photo-1.png", "pictures/hires/photo-2.png"]
#: Product documents (names relative to MEDIA_ROOT).
DOCUMENTS = [f"documents/spec-{number:03d}.pdf" for number in range(1, 16)]
#: The picture that ``media/latest.png`` links to.
LATEST_PICTURE = PICTURES[0]


def png_bytes(width: int, height: int, pixel) -> bytes:
    """A valid RGB PNG whose pixel (x, y) is ``pixel(x, y)`` -> (r, g, b)."""
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")  # filter type "none"
        for x in range(width):
            row.extend(pixel(x, y))
        rows.append(bytes(row))
    return _png(width, height, b"".join(rows))


def noise_png_bytes(width: int, height: int, rng: random.Random) -> bytes:
    """A valid RGB PNG of random pixels: barely compressible."""
    raw = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))
    return _png(width, height, raw)


def _png(width: int, height: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def gradient_png(index: int, size: int = 64) -> bytes:
    """A ``size`` x ``size`` diagonal gradient whose colours depend on ``index``."""
    rng = random.Random(1000 + index)
    start = [rng.randrange(256) for _ in range(3)]
    end = [rng.randrange(256) for _ in range(3)]
    span = 2 * (size - 1) or 1

    def pixel(x, y):
        ratio = (x + y) / span
        return bytes(int(a + (b - a) * ratio) for a, b in zip(start, end, strict=True))

    return png_bytes(size, size, pixel)


def pdf_bytes(title: str, lines=(), padding: bytes = b"") -> bytes:
    """A small one-page PDF showing ``title`` and ``lines``, with a correct xref table.

    ``padding`` goes into an unreferenced binary stream, to make heavier files.
    """

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text = ["BT /F1 18 Tf 72 760 Td (" + escape(title) + ") Tj ET"]
    for number, line in enumerate(lines):
        text.append(f"BT /F1 11 Tf 72 {730 - 16 * number} Td ({escape(line)}) Tj ET")
    content = "\n".join(text).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    if padding:
        objects.append(b"<< /Length %d >>\nstream\n" % len(padding) + padding + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def write_media(instance: Path) -> None:
    """Write ``instance/media`` and ``instance/private`` (both must not exist yet)."""
    rng = random.Random(2024)
    media = instance / "media"
    private = instance / "private"
    files: dict[str, bytes] = {}

    for index, name in enumerate(PICTURES):
        files[f"media/{name}"] = gradient_png(index)
    for name in HIRES_PICTURES:
        files[f"media/{name}"] = noise_png_bytes(256, 256, rng)
    for index, name in enumerate(DOCUMENTS, start=1):
        files[f"media/{name}"] = pdf_bytes(
            f"Product specification {index:03d}",
            [f"Revision {rng.randint(1, 9)}", f"Weight: {rng.randint(100, 5000)} g"],
        )
    price_rows = ["sku,price"] + [
        f"SKU-{number:04d},{rng.randint(199, 49999) / 100:.2f}" for number in range(1, 121)
    ]
    files["media/documents/price-list.csv"] = ("\n".join(price_rows) + "\n").encode()
    files["media/documents/README.txt"] = (
        b"Documents attached to products of the diskette-tui demo shop.\n"
    )
    # Matches "*.tmp" but the demo configuration re-includes it with "!keep.tmp".
    files["media/documents/keep.tmp"] = b"kept although it ends with .tmp\n"
    files["media/documents/archive/2023/catalogue-2023.pdf"] = pdf_bytes(
        "Catalogue 2023", ["Archived edition"], padding=rng.randbytes(400_000)
    )
    files["media/documents/archive/2023/sales-2023.csv"] = (
        "month,total\n"
        + "".join(f"2023-{month:02d},{rng.randint(1000, 90000)}\n" for month in range(1, 13))
    ).encode()
    files["media/documents/archive/2023/notes.txt"] = b"Closed books for 2023.\n"

    # Excluded by the demo patterns.
    for number in range(1, 6):
        files[f"media/cache/thumb-{number:02d}.png"] = gradient_png(100 + number, size=16)
    files["media/cache/index.json"] = b'{"thumbnails": 5}\n'
    files["media/tmp/upload-1.tmp"] = rng.randbytes(2048)
    files["media/.DS_Store"] = b"\x00\x00\x00\x01Bud1" + bytes(64)

    for number in range(1, 21):
        files[f"private/invoices/invoice-2024-{number:04d}.pdf"] = pdf_bytes(
            f"Invoice 2024-{number:04d}",
            [f"Amount due: {rng.randint(1000, 250000) / 100:.2f} EUR"],
        )
    files["private/invoices/draft.tmp"] = b"unfinished invoice\n"

    for name, data in files.items():
        target = instance / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    (media / "uploads" / "empty").mkdir(parents=True)
    # A relative link inside the storage, and one leaving it (a dump skips it).
    (media / "latest.png").symlink_to(LATEST_PICTURE)
    (media / "outside-link").symlink_to(Path("..") / "demo_settings.py")

    for root in (media, private):
        _freeze_mtimes(root)


def _freeze_mtimes(root: Path) -> None:
    """Give every entry under ``root`` (children before parents) the same mtime."""
    for folder, dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames + dirnames:
            path = os.path.join(folder, name)
            if os.path.islink(path) and os.utime not in os.supports_follow_symlinks:
                continue
            os.utime(path, (FIXED_MTIME, FIXED_MTIME), follow_symlinks=False)
    os.utime(root, (FIXED_MTIME, FIXED_MTIME))

"""A small line-chart renderer that writes PNG with the standard library only.

`line_chart({"Visitors": [...], "Pageviews": [...]}, title="…")` draws a white canvas
with a plot area, horizontal gridlines labelled with humanised values, optional x-axis
labels, one polyline per series in a distinct colour, and a legend. Text uses a built-in
5x7 bitmap font (upper-case letters, digits and a little punctuation) drawn at twice its
size; characters it lacks are drawn as blanks. The PNG is 8-bit RGB, one IDAT chunk,
every scanline with filter type 0, so any PNG reader (and a few lines of zlib) opens it.
"""

from __future__ import annotations

import itertools
import struct
import zlib
from collections.abc import Mapping, Sequence

from bot.domain.formatting import human

RGB = tuple[int, int, int]

BACKGROUND: RGB = (255, 255, 255)
AXIS: RGB = (90, 90, 90)
GRID: RGB = (225, 225, 225)
TEXT: RGB = (50, 50, 50)
PALETTE: tuple[RGB, ...] = (
    (31, 119, 180),  # blue
    (255, 127, 14),  # orange
    (44, 160, 44),  # green
    (214, 39, 40),  # red
    (148, 103, 189),  # purple
    (140, 86, 75),  # brown
)
SIGNATURE = b"\x89PNG\r\n\x1a\n"
SCALE = 2  # font pixels per glyph pixel
GLYPH_W, GLYPH_H = 5, 7
ADVANCE = (GLYPH_W + 1) * SCALE

# 5x7 glyphs, one int per row, the high bit (16) being the leftmost pixel.
FONT: dict[str, tuple[int, ...]] = {
    "0": (14, 17, 19, 21, 25, 17, 14),
    "1": (4, 12, 4, 4, 4, 4, 14),
    "2": (14, 17, 1, 2, 4, 8, 31),
    "3": (31, 2, 4, 2, 1, 17, 14),
    "4": (2, 6, 10, 18, 31, 2, 2),
    "5": (31, 16, 30, 1, 1, 17, 14),
    "6": (6, 8, 16, 30, 17, 17, 14),
    "7": (31, 1, 2, 4, 8, 8, 8),
    "8": (14, 17, 17, 14, 17, 17, 14),
    "9": (14, 17, 17, 15, 1, 2, 12),
    "A": (14, 17, 17, 31, 17, 17, 17),
    "B": (30, 17, 17, 30, 17, 17, 30),
    "C": (14, 17, 16, 16, 16, 17, 14),
    "D": (28, 18, 17, 17, 17, 18, 28),
    "E": (31, 16, 16, 30, 16, 16, 31),
    "F": (31, 16, 16, 30, 16, 16, 16),
    "G": (14, 17, 16, 23, 17, 17, 15),
    "H": (17, 17, 17, 31, 17, 17, 17),
    "I": (14, 4, 4, 4, 4, 4, 14),
    "J": (7, 2, 2, 2, 2, 18, 12),
    "K": (17, 18, 20, 24, 20, 18, 17),
    "L": (16, 16, 16, 16, 16, 16, 31),
    "M": (17, 27, 21, 21, 17, 17, 17),
    "N": (17, 17, 25, 21, 19, 17, 17),
    "O": (14, 17, 17, 17, 17, 17, 14),
    "P": (30, 17, 17, 30, 16, 16, 16),
    "Q": (14, 17, 17, 17, 21, 18, 13),
    "R": (30, 17, 17, 30, 20, 18, 17),
    "S": (15, 16, 16, 14, 1, 1, 30),
    "T": (31, 4, 4, 4, 4, 4, 4),
    "U": (17, 17, 17, 17, 17, 17, 14),
    "V": (17, 17, 17, 17, 17, 10, 4),
    "W": (17, 17, 17, 21, 21, 21, 10),
    "X": (17, 17, 10, 4, 10, 17, 17),
    "Y": (17, 17, 10, 4, 4, 4, 4),
    "Z": (31, 1, 2, 4, 8, 16, 31),
    "k": (16, 16, 18, 20, 24, 20, 18),
    ".": (0, 0, 0, 0, 0, 12, 12),
    ",": (0, 0, 0, 0, 12, 4, 8),
    ":": (0, 12, 12, 0, 12, 12, 0),
    "-": (0, 0, 0, 31, 0, 0, 0),
    "/": (1, 1, 2, 4, 8, 16, 16),
    "%": (24, 25, 2, 4, 8, 19, 3),
    "(": (2, 4, 8, 8, 8, 4, 2),
    ")": (8, 4, 2, 2, 2, 4, 8),
    "+": (0, 4, 4, 31, 4, 4, 0),
}
_ALIASES = {"—": "-", "–": "-", "…": "."}


class Canvas:
    """An RGB pixel buffer with the few drawing operations a line chart needs."""

    def __init__(self, width: int, height: int, background: RGB = BACKGROUND):
        if width < 1 or height < 1:
            raise ValueError("a canvas needs a positive width and height")
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(background) * (width * height))

    def set(self, x: int, y: int, colour: RGB) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            i = (y * self.width + x) * 3
            self.pixels[i : i + 3] = bytes(colour)

    def get(self, x: int, y: int) -> RGB:
        i = (y * self.width + x) * 3
        return self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]

    def rect(self, x0: int, y0: int, x1: int, y1: int, colour: RGB) -> None:
        """Fill [x0, x1] × [y0, y1] (inclusive), clipped to the canvas."""
        x0, x1 = max(0, min(x0, x1)), min(self.width - 1, max(x0, x1))
        y0, y1 = max(0, min(y0, y1)), min(self.height - 1, max(y0, y1))
        if x0 > x1 or y0 > y1:
            return
        run = bytes(colour) * (x1 - x0 + 1)
        for y in range(y0, y1 + 1):
            i = (y * self.width + x0) * 3
            self.pixels[i : i + len(run)] = run

    def line(self, x0: int, y0: int, x1: int, y1: int, colour: RGB, thickness: int = 1) -> None:
        """Bresenham's line, each point drawn as a `thickness`-wide square."""
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        err = dx + dy
        half = (thickness - 1) // 2
        while True:
            if thickness == 1:
                self.set(x0, y0, colour)
            else:
                self.rect(x0 - half, y0 - half, x0 - half + thickness - 1, y0 + half, colour)
            if x0 == x1 and y0 == y1:
                return
            e2 = 2 * err
            if e2 >= dy:
                err += dy
                x0 += sx
            if e2 <= dx:
                err += dx
                y0 += sy

    def text(self, x: int, y: int, text: str, colour: RGB = TEXT) -> None:
        """`text` with its top-left corner at (x, y)."""
        for n, raw in enumerate(text):
            ch = _ALIASES.get(raw, raw)
            glyph = FONT.get(ch) or FONT.get(ch.upper())
            if glyph is None:
                continue
            left = x + n * ADVANCE
            for row, bits in enumerate(glyph):
                for col in range(GLYPH_W):
                    if bits & (16 >> col):
                        top, px = y + row * SCALE, left + col * SCALE
                        self.rect(px, top, px + SCALE - 1, top + SCALE - 1, colour)

    def png(self) -> bytes:
        return encode_png(self.width, self.height, bytes(self.pixels))


def text_width(text: str) -> int:
    return len(text) * ADVANCE - SCALE if text else 0


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def encode_png(width: int, height: int, rgb: bytes) -> bytes:
    """8-bit RGB pixels (row-major, 3 bytes each) as PNG bytes."""
    stride = width * 3
    if len(rgb) != stride * height:
        raise ValueError("pixel data does not match the size")
    raw = b"".join(b"\x00" + rgb[y * stride : (y + 1) * stride] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 6))
        + _chunk(b"IEND", b"")
    )


def _nice_ceiling(value: float) -> float:
    """The smallest 1/2/4/6/8 × 10^n at or above `value`, at least 4 (for a tidy axis
    whose quarter lines fall on round numbers)."""
    value = max(value, 4.0)
    magnitude = 10.0 ** (len(str(int(value))) - 1)
    for step in (1, 2, 4, 6, 8, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover


def line_chart(
    series: Mapping[str, Sequence[float]],
    *,
    width: int = 800,
    height: int = 300,
    title: str = "",
    x_labels: Sequence[str] = (),
    gridlines: int = 4,
) -> bytes:
    """PNG bytes of a line chart of `series` (name → values), sharing one y axis from 0.

    `x_labels` are spread evenly under the x axis (e.g. first, middle and last date).
    """
    canvas = Canvas(width, height)
    values = [v for points in series.values() for v in points]
    top_value = _nice_ceiling(max(values, default=0.0))
    labels = [human(top_value * i / gridlines) for i in range(gridlines + 1)]
    left = 20 + max(text_width(s) for s in labels)
    top = 14 + (GLYPH_H * SCALE + 10 if title else 0) + GLYPH_H * SCALE + 8
    right, bottom = width - 16, height - (GLYPH_H * SCALE + 16)
    if right - left < 10 or bottom - top < 10:
        raise ValueError("the chart is too small for its labels")
    if title:
        canvas.text(left, 10, title.upper())
    legend_y = top - GLYPH_H * SCALE - 8
    x = left
    for n, name in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        canvas.rect(x, legend_y + 2, x + 9, legend_y + 11, colour)
        canvas.text(x + 16, legend_y, name.upper())
        x += 16 + text_width(name) + 24

    def y_of(value: float) -> int:
        return bottom - round((bottom - top) * max(0.0, value) / top_value)

    for i, label in enumerate(labels):
        y = y_of(top_value * i / gridlines)
        if i:
            canvas.rect(left + 1, y, right, y, GRID)
        canvas.text(left - 8 - text_width(label), y - GLYPH_H * SCALE // 2, label)
    canvas.rect(left, top, left, bottom, AXIS)
    canvas.rect(left, bottom, right, bottom, AXIS)
    if x_labels:
        last = len(x_labels) - 1
        for i, label in enumerate(x_labels):
            # the first label starts at the axis, the last ends at the right edge
            share = i / last if last else 0.5
            lx = round(left + (right - left) * share - text_width(label) * share)
            canvas.text(lx, bottom + 8, label.upper())

    for n, points in enumerate(series.values()):
        colour = PALETTE[n % len(PALETTE)]
        count = len(points)
        if count == 0:
            continue
        span = right - left - 4
        xy = [
            (left + 2 + (round(span * i / (count - 1)) if count > 1 else span // 2), y_of(v))
            for i, v in enumerate(points)
        ]
        if count == 1:
            canvas.rect(xy[0][0] - 2, xy[0][1] - 2, xy[0][0] + 2, xy[0][1] + 2, colour)
        for (x0, y0), (x1, y1) in itertools.pairwise(xy):
            canvas.line(x0, y0, x1, y1, colour, thickness=2)
    return canvas.png()

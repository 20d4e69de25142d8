"""The PNG line chart: valid PNG that the standard library alone can read back."""

from __future__ import annotations

import struct
import zlib

import pytest

from bot.domain.series import downsample
from bot.render.chart import (
    BACKGROUND,
    PALETTE,
    SIGNATURE,
    Canvas,
    encode_png,
    line_chart,
)


def decode(png: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB bytes) of an 8-bit RGB PNG, checking every CRC."""
    assert png.startswith(SIGNATURE)
    pos, chunks = len(SIGNATURE), []
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + data) & 0xFFFFFFFF, kind
        chunks.append((kind, data))
        pos += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour, interlace) == (8, 2, 0)
    raw = zlib.decompress(b"".join(d for k, d in chunks if k == b"IDAT"))
    stride = width * 3 + 1
    assert len(raw) == stride * height
    rows = [raw[y * stride : (y + 1) * stride] for y in range(height)]
    assert all(r[0] == 0 for r in rows), "only filter type 0 is written"
    return width, height, [r[1:] for r in rows]


def pixel(rows: list[bytes], x: int, y: int) -> tuple[int, int, int]:
    r = rows[y]
    return r[3 * x], r[3 * x + 1], r[3 * x + 2]


def test_chart_is_a_png_of_the_requested_size() -> None:
    png = line_chart({"Visitors": [1, 5, 3, 8]}, width=640, height=240, title="Visitors")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    assert struct.unpack(">II", png[16:24]) == (640, 240)
    width, height, rows = decode(png)
    assert (width, height) == (640, 240)
    assert len(rows) == 240 and all(len(r) == 640 * 3 for r in rows)


def test_each_series_is_drawn_in_its_own_colour() -> None:
    png = line_chart({"Flat high": [100.0] * 10, "Flat low": [10.0] * 10, "Empty": []})
    _, _, rows = decode(png)
    colours = {pixel(rows, x, y) for y in range(len(rows)) for x in range(0, 800)}
    assert PALETTE[0] in colours and PALETTE[1] in colours

    # a horizontal series is a horizontal run of its colour across the plot area
    def runs(colour: tuple[int, int, int]) -> list[int]:
        return [y for y in range(300) if sum(pixel(rows, x, y) == colour for x in range(800)) > 500]

    middle, lower = runs(PALETTE[0]), runs(PALETTE[1])
    assert middle and lower and max(middle) < min(lower), "the larger value is drawn higher"


def test_pixels_along_a_rising_series_differ_from_the_background() -> None:
    png = line_chart({"Rising": [float(i) for i in range(50)]}, width=400, height=200)
    _, _, rows = decode(png)
    coloured = [(x, y) for y in range(200) for x in range(400) if pixel(rows, x, y) == PALETTE[0]]
    # ignoring the legend swatch, the line goes from lower left to upper right
    line = [(x, y) for x, y in coloured if y > 40]
    left, right = min(line), max(line)
    assert right[0] - left[0] > 250 and left[1] > right[1]
    assert pixel(rows, 399, 199) == BACKGROUND


@pytest.mark.parametrize(
    "series",
    [
        pytest.param({}, id="no-series"),
        pytest.param({"Zero": [0.0, 0.0]}, id="all-zero"),
        pytest.param({"One": [7.0]}, id="one-point"),
        pytest.param({"Big": [0.0, 3.4e9, 1e9]}, id="billions"),
        pytest.param({"Negative": [-5.0, 5.0]}, id="negative-clipped"),
    ],
)
def test_odd_series_still_render(series: dict[str, list[float]]) -> None:
    width, height, _ = decode(line_chart(series, title="odd — series", x_labels=["a", "b"]))
    assert (width, height) == (800, 300)


def test_too_small_a_chart_is_refused() -> None:
    with pytest.raises(ValueError, match="too small"):
        line_chart({"x": [1.0, 2.0]}, width=40, height=30)


def test_canvas_text_and_lines_stay_inside_the_canvas() -> None:
    canvas = Canvas(20, 10)
    canvas.line(-5, -5, 30, 30, (0, 0, 0), thickness=3)
    canvas.text(15, 5, "WIDE TEXT 1.2k")
    _, _, rows = decode(canvas.png())
    assert pixel(rows, 0, 0) == (0, 0, 0)


def test_encode_png_checks_the_pixel_count() -> None:
    with pytest.raises(ValueError):
        encode_png(2, 2, b"\x00" * 11)


@pytest.mark.parametrize(
    ("values", "most", "expected"),
    [
        pytest.param([1.0, 2.0, 3.0], 5, [1.0, 2.0, 3.0], id="short-kept"),
        pytest.param([1.0, 3.0, 5.0, 7.0], 2, [2.0, 6.0], id="pairs-averaged"),
        pytest.param([float(i) for i in range(100)], 10, None, id="ten-groups"),
    ],
)
def test_downsample(values: list[float], most: int, expected: list[float] | None) -> None:
    result = downsample(values, most)
    assert len(result) == min(len(values), most)
    if expected is not None:
        assert result == expected
    assert sum(result) / len(result) == pytest.approx(sum(values) / len(values))

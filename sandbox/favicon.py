"""The viewer page's icon, served at /favicon.ico (browsers ask for it on every page).

A 16x16 ICO drawn here (the sandbox's accent colour, a white viewport frame), so no
binary file is checked in: an ICONDIR, one entry, a 32-bit BITMAPINFOHEADER image
(rows bottom-up, BGRA) and its all-opaque AND mask.
"""

import struct
from functools import cache

from django.http import HttpRequest, HttpResponse

from sandbox.endpoint import page_view

SIZE = 16
ACCENT = (0xA6, 0x56, 0x24, 0xFF)  # #2456a6 as BGRA
WHITE = (0xFF, 0xFF, 0xFF, 0xFF)


def _pixel(x: int, y: int) -> tuple[int, int, int, int]:
    frame = x in (3, 12) or y in (3, 12)
    inside = 3 <= x <= 12 and 3 <= y <= 12
    return WHITE if frame and inside else ACCENT


@cache
def icon_bytes() -> bytes:
    pixels = b"".join(bytes(_pixel(x, y)) for y in reversed(range(SIZE)) for x in range(SIZE))
    mask = bytes(4 * SIZE)  # one bit per pixel, rows padded to 32 bits: all opaque
    header = struct.pack(
        "<IiiHHIIiiII", 40, SIZE, 2 * SIZE, 1, 32, 0, len(pixels) + len(mask), 0, 0, 0, 0
    )
    image = header + pixels + mask
    directory = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", SIZE, SIZE, 0, 0, 1, 32, len(image), 6 + 16)
    return directory + entry + image


@page_view
def favicon(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(icon_bytes(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response

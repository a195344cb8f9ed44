"""A test photo with EXIF a stored copy must lose (camera make, GPS position)."""

from __future__ import annotations

import io

from PIL import Image

ORIENTATION = 0x0112
GPS_IFD = 0x8825


def photo_with_gps(*, size=(64, 48), orientation: int | None = None, kind="JPEG") -> bytes:
    """A small photo whose EXIF holds a camera make and a GPS position (31°57'30"N 117°15'E)."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1] // 4))  # a blue corner to track
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    if orientation:
        exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (31.0, 57.0, 30.0), 3: "E", 4: (117.0, 15.0, 0.0)})
    out = io.BytesIO()
    image.save(out, kind, exif=exif)
    return out.getvalue()

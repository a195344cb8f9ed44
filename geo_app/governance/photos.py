"""A view's photo: checked, stripped of every metadata (EXIF with GPS included), re-encoded.

Pillow decodes the upload (its header first: type and pixel count are checked before the
pixels are decoded, so a decompression bomb is refused cheaply), turns it upright by its EXIF
orientation, scales it down to ``max_side`` and saves a new JPEG from the pixels alone: no
EXIF, no GPS, no XMP, no ICC comment from the phone survives. Files are stored under the
instance folder with random names and are served only to the grid's staff.
"""

from __future__ import annotations

import io
import secrets
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from geo_app.governance.errors import GovernanceError

#: JPEG quality of the re-encoded photo.
JPEG_QUALITY = 85
FILENAME_BYTES = 16
PHOTO_SUFFIX = ".jpg"


class PhotoError(GovernanceError):
    """The upload is not an acceptable photo (wrong type, too large, unreadable)."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message, parameter="photo")
        self.status = status


def _size_text(size: int) -> str:
    """A byte count as people say it: 5 MB, 200 KB, 500 字节."""
    for unit, scale in (("MB", 1048576), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} 字节"


def clean_photo(
    data: bytes,
    *,
    allowed_types: tuple[str, ...] | list[str],
    max_bytes: int,
    max_pixels: int,
    max_side: int,
) -> bytes:
    """The upload re-encoded as a metadata-free JPEG, or :class:`PhotoError` naming why not."""
    if not data:
        raise PhotoError("没有收到照片文件（photo 为空）")
    if len(data) > max_bytes:
        # (the upload is read only up to one byte past the limit: its real size is unknown)
        raise PhotoError(
            f"照片太大：超过 {_size_text(max_bytes)} 的上限，请换一张小一些的照片", status=413
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            kind = image.format or "?"
            if kind not in allowed_types:
                raise PhotoError(f"照片格式 {kind} 不支持，请上传 {'、'.join(allowed_types)}")
            width, height = image.size
            if width * height > max_pixels:
                raise PhotoError(f"照片像素太多（{width}×{height}），最多 {max_pixels:,} 像素")
            image.load()
        except (UnidentifiedImageError, Image.DecompressionBombWarning,
                Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
            if isinstance(exc, PhotoError):
                raise
            raise PhotoError("无法识别的图片文件，请上传 JPEG、PNG 或 WEBP 照片") from None
    upright = ImageOps.exif_transpose(image)
    rgb = upright.convert("RGB")
    rgb.thumbnail((max_side, max_side))
    out = io.BytesIO()
    rgb.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def store_photo(folder: Path, data: bytes) -> str:
    """Write a cleaned photo under ``folder`` with a random name; return the name."""
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(FILENAME_BYTES) + PHOTO_SUFFIX
    partial = folder / (name + ".part")
    partial.write_bytes(data)
    partial.replace(folder / name)
    return name


def photo_path(folder: Path, name: str) -> Path | None:
    """The stored file of ``name`` (only names this module made are accepted)."""
    stem = name.removesuffix(PHOTO_SUFFIX)
    if len(stem) != 2 * FILENAME_BYTES or not all(c in "0123456789abcdef" for c in stem):
        return None
    path = folder / name
    return path if path.is_file() else None

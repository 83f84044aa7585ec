"""Photos people upload (a resident's wish, the work done): JPEG or PNG only, size-limited, and
re-encoded so nothing but the pixels survives — no EXIF location, no phone model, no thumbnail."""

from __future__ import annotations

import io
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_SIDE = 2048  # a phone photo is scaled down to this; enough to see a broken step
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
FORMATS = {"JPEG": "jpg", "PNG": "png"}


def clean_photo(upload: IO[bytes], *, name: str = "照片") -> ContentFile[bytes]:
    """The upload re-encoded as a clean JPEG or PNG, or a ValidationError a person can read."""
    data = upload.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationError(
            _("%(n)s太大：每张不超过 %(mb)s MB") % {"n": name, "mb": MAX_PHOTO_BYTES // (1024 * 1024)}
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format or ""
            if fmt not in FORMATS:
                raise ValidationError(_("%(n)s只能是 JPG 或 PNG 图片") % {"n": name})
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(_("%(n)s像素过大") % {"n": name})
            probe.load()
            image = ImageOps.exif_transpose(probe)  # keep what the phone meant as up, then drop EXIF
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise ValidationError(_("%(n)s不是有效的 JPG 或 PNG 图片") % {"n": name}) from exc
    image.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    else:
        mode = "RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB"
        image.convert(mode).save(out, "PNG", optimize=True)
    return ContentFile(out.getvalue(), name=f"photo.{FORMATS[fmt]}")

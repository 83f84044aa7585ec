"""Uploaded files (photos, roster uploads) as the site serves and reads them — when they may be gone.

The uploads folder (MEDIA_ROOT) is not in the database's dump: a database restored without it, a
disk that lost a file, or a cleanup that went too far leaves rows naming files that are not there.
Every view that serves an upload answers through `serve`: the file, or a placeholder image saying
it is missing — never a 500 (and never cached, so the file shows once it is put back). Code that
reads an upload (a roster import) opens it with `open_upload`, which raises `UploadMissing`, for a
message the user can act on.
"""

from __future__ import annotations

import logging
from typing import IO

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.utils.html import escape
from django.utils.translation import gettext as _

log = logging.getLogger("baodao.uploads")

PLACEHOLDER_HEADER = "X-Upload-Missing"


class UploadMissing(FileNotFoundError):
    """The row names an upload that is not in the uploads folder."""


def open_upload(file: FieldFile) -> IO[bytes]:
    if not file:
        raise UploadMissing("no file")
    try:
        return file.open("rb")
    except FileNotFoundError as exc:
        log.warning("upload missing from the uploads folder: %s", file.name)
        raise UploadMissing(file.name) from exc


def placeholder_svg() -> bytes:
    text = escape(_("照片文件缺失"))
    hint = escape(_("可能未随数据库一并恢复"))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="180" viewBox="0 0 240 180">'
        '<rect width="240" height="180" fill="#f2f2f2" stroke="#bbb"/>'
        '<g fill="none" stroke="#999" stroke-width="4"><rect x="90" y="40" width="60" height="44" rx="4"/>'
        '<circle cx="120" cy="62" r="11"/><path d="M80 100 L160 30"/></g>'
        f'<text x="120" y="125" font-size="16" text-anchor="middle" fill="#555">{text}</text>'
        f'<text x="120" y="150" font-size="12" text-anchor="middle" fill="#888">{hint}</text>'
        "</svg>"
    ).encode()


def serve(file: FieldFile, *, cache_seconds: int = 3600) -> HttpResponseBase:
    """The upload as a response (private: it may show a person), or the placeholder when it is gone."""
    try:
        handle = open_upload(file)
    except UploadMissing:
        response = HttpResponse(placeholder_svg(), content_type="image/svg+xml; charset=utf-8")
        response["Cache-Control"] = "no-store"
        response[PLACEHOLDER_HEADER] = "1"
        return response
    served = FileResponse(handle)
    served["Cache-Control"] = f"private, max-age={cache_seconds}"
    return served

"""File type by content (magic bytes), never by the name the uploader gave it."""

from __future__ import annotations

import os

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}
LABELS = {PDF: "PDF", JPEG: "JPEG图片", PNG: "PNG图片"}
CLAIMED = {".pdf": PDF, ".jpg": JPEG, ".jpeg": JPEG, ".png": PNG}


def sniff(head: bytes) -> str | None:
    """The content type of a file starting with ``head`` (≥ 8 bytes), or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def claimed_type(name: str) -> str | None:
    return CLAIMED.get(os.path.splitext(name or "")[1].lower())

"""File type by content (magic bytes, then a full parse), never by the name the uploader gave
it."""

from __future__ import annotations

import io
import logging
import os
import warnings

from PIL import Image
from pypdf import PdfReader

# pypdf logs every repair it attempts on a damaged file; a refused upload is reported to the
# uploader in Chinese instead.
logging.getLogger("pypdf").setLevel(logging.ERROR)

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


#: Larger images are refused before decoding (a "decompression bomb": a small file that
#: decodes to gigabytes). 50 megapixels is more than any phone camera or A3 scan at 300 dpi.
MAX_IMAGE_PIXELS = 50_000_000


def parse_error(content: bytes, content_type: str) -> str | None:
    """Why ``content`` is not a readable file of ``content_type`` (in Chinese), or None.

    The magic bytes only say what a file claims to be: a PDF is opened with pypdf and must
    have at least one page (so ``%PDF-`` followed by HTML is refused), an image is decoded in
    full with Pillow and must be the format its first bytes claim."""
    if content_type == PDF:
        return _pdf_error(content)
    if content_type in (JPEG, PNG):
        return _image_error(content, content_type)
    return "不支持的文件类型"


def _pdf_error(content: bytes) -> str | None:
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            return "PDF文件已加密，无法核验和归档，请上传未加密的文件"
        if len(reader.pages) < 1:
            return "PDF文件没有页面，已拒收"
    except Exception:  # pypdf raises many kinds on a damaged or fake file
        return "文件以PDF开头，但无法解析为PDF文档（文件损坏或伪造），已拒收"
    return None


def _image_error(content: bytes, content_type: str) -> str | None:
    label = LABELS[content_type]
    expected = "JPEG" if content_type == JPEG else "PNG"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                if image.format != expected:
                    return f"文件内容不是有效的{label}，已拒收"
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    return f"图片尺寸过大（{width}×{height}像素），已拒收"
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return "图片尺寸过大，已拒收"
    except Exception:  # Pillow raises OSError, SyntaxError, ValueError… on bad data
        return f"文件以{label}开头，但无法解码为图片（文件损坏或伪造），已拒收"
    return None

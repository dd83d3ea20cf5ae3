"""Limits for spreadsheet imports (CSV / XLSX): the upload's size, the XLSX's uncompressed
size read from the zip directory before openpyxl opens it (a "zip bomb" of a few kilobytes can
unpack to gigabytes), and the number of data rows. Each refusal is a Chinese sentence.
"""

from __future__ import annotations

import io
import zipfile

from django.conf import settings

#: Stop reading a sheet after this many rows beyond the limit (the error says how many).
ROW_SLACK = 1


class ImportTooLarge(Exception):
    """An import refused before it is parsed; ``str(exc)`` is the Chinese reason."""


def read_import_upload(upload) -> bytes:
    """The upload's bytes, never more than IMPORT_MAX_MB (+1 byte to notice the excess)."""
    limit = settings.IMPORT_MAX_MB * 1024 * 1024
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ImportTooLarge(f"文件超过导入大小限制（不超过{settings.IMPORT_MAX_MB}MB）")
    content = upload.read(limit + 1)
    check_import_size(content)
    return content


def import_read_limit() -> int:
    """How many bytes of an upload to read: the cap + 1, so check_import_size sees the excess."""
    return settings.IMPORT_MAX_MB * 1024 * 1024 + 1


def check_import_size(content: bytes) -> None:
    if len(content) > settings.IMPORT_MAX_MB * 1024 * 1024:
        raise ImportTooLarge(f"文件超过导入大小限制（不超过{settings.IMPORT_MAX_MB}MB）")


def check_xlsx_container(content: bytes) -> None:
    """Refuse an XLSX whose members would unpack beyond IMPORT_MAX_UNCOMPRESSED_MB, judged
    from the zip's central directory (nothing is decompressed here)."""
    limit = settings.IMPORT_MAX_UNCOMPRESSED_MB * 1024 * 1024
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ImportTooLarge("无法读取Excel文件，文件可能已损坏")
    if len(members) > 10_000:
        raise ImportTooLarge("Excel文件包含的部件过多，已拒收")
    total = sum(m.file_size for m in members)
    if total > limit:
        raise ImportTooLarge(
            f"Excel文件解压后过大（约{total // (1024 * 1024)}MB，"
            f"上限{settings.IMPORT_MAX_UNCOMPRESSED_MB}MB），疑似压缩炸弹，已拒收"
        )


def check_row_count(count: int) -> None:
    if count > settings.IMPORT_MAX_ROWS:
        raise ImportTooLarge(f"一次最多导入{settings.IMPORT_MAX_ROWS}行，请拆分文件")


def max_rows_to_read() -> int:
    """Header + the allowed data rows + a little slack: reading stops there."""
    return settings.IMPORT_MAX_ROWS + 1 + ROW_SLACK

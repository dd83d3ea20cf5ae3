"""Import limits: the upload's size is checked before it is read, an XLSX's unpacked size is
judged from its zip directory before openpyxl opens it, and the row count is capped."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from relief.uploadlimits import (
    ImportTooLarge,
    check_row_count,
    check_xlsx_container,
    read_import_upload,
)


def _bomb(unpacked_mb: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (unpacked_mb * 1024 * 1024))
    return buffer.getvalue()


def _xlsx() -> bytes:
    workbook = Workbook()
    workbook.active.append(["案件编号", "身份证号"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_that_unpacks_beyond_the_limit_is_refused_from_its_directory(settings):
    settings.IMPORT_MAX_UNCOMPRESSED_MB = 2
    bomb = _bomb(3)
    assert len(bomb) < 20_000  # a few kilobytes on the wire
    with pytest.raises(ImportTooLarge, match="解压后过大.*上限2MB.*疑似压缩炸弹"):
        check_xlsx_container(bomb)
    check_xlsx_container(_xlsx())  # a real workbook passes


def test_something_that_is_not_a_zip_is_refused_as_damaged():
    with pytest.raises(ImportTooLarge, match="无法读取Excel文件"):
        check_xlsx_container(b"PK\x03\x04 not really a zip")


def test_an_upload_larger_than_the_cap_is_refused_before_it_is_read(settings):
    settings.IMPORT_MAX_MB = 1

    class Huge:
        size = 3 * 1024 * 1024
        name = "big.csv"

        def read(self, n=-1):
            raise AssertionError("an oversized upload must not be read")

    with pytest.raises(ImportTooLarge, match="不超过1MB"):
        read_import_upload(Huge())
    # a file whose size is not known in advance is read only up to the cap + 1 byte
    unsized = SimpleUploadedFile("big.csv", b"a" * (1024 * 1024 + 10))
    unsized.size = None
    with pytest.raises(ImportTooLarge):
        read_import_upload(unsized)
    assert read_import_upload(SimpleUploadedFile("ok.csv", b"a,b\n")) == b"a,b\n"


def test_the_row_cap_is_a_setting(settings):
    settings.IMPORT_MAX_ROWS = 10
    check_row_count(10)
    with pytest.raises(ImportTooLarge, match="一次最多导入10行"):
        check_row_count(11)

import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader, PdfWriter

from archive.models import Document
from archive.services import document_upload
from archive.sniff import MAX_IMAGE_PIXELS, parse_error, sniff
from cases.intake.tests.helpers import application
from tests.uploads import jpeg_bytes, pdf_bytes, png_bytes

PDF = pdf_bytes()
JPEG = jpeg_bytes()
PNG = png_bytes()


def test_sniffing_judges_by_content():
    assert sniff(PDF) == "application/pdf"
    assert sniff(JPEG) == "image/jpeg"
    assert sniff(PNG) == "image/png"
    assert sniff(b"GIF89a....") is None
    assert sniff(b"MZ\x90\x00") is None


@pytest.mark.parametrize("name,content", [("id.jpg", JPEG), ("scan", PNG), ("report.PDF", PDF)])
def test_a_good_file_is_stored_with_its_sha256_and_sniffed_type(
    demo, name, content, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    case = application(demo.user("clerk"))
    doc = document_upload(
        case=case,
        kind="id_card",
        uploaded_file=SimpleUploadedFile(name, content),
        actor=demo.user("clerk"),
    )
    assert doc.sha256 == hashlib.sha256(content).hexdigest() and doc.size == len(content)
    assert doc.content_type == sniff(content)
    assert doc.file.read() == content


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("photo.jpg", b"<html>not a photo</html>", "不是PDF、JPEG或PNG"),
        ("report.pdf", PNG, "文件名显示为PDF，但内容是PNG图片"),
        ("empty.pdf", b"", "文件为空"),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused(
    demo, name, content, message, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    case = application(demo.user("clerk"))
    with pytest.raises(ValidationError) as exc:
        document_upload(
            case=case,
            kind="evidence",
            uploaded_file=SimpleUploadedFile(name, content),
            actor=demo.user("clerk"),
        )
    assert message in exc.value.message_dict["file"][0]
    assert not Document.objects.exists()


def test_size_limit_comes_from_settings(demo, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    settings.UPLOAD_MAX_MB = 1
    case = application(demo.user("clerk"))
    big = PDF + b"0" * (1024 * 1024)
    with pytest.raises(ValidationError) as exc:
        document_upload(
            case=case,
            kind="evidence",
            uploaded_file=SimpleUploadedFile("big.pdf", big),
            actor=demo.user("clerk"),
        )
    assert "不超过1MB" in exc.value.message_dict["file"][0]


def test_approver_of_another_role_set_cannot_upload(demo, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    case = application(demo.user("clerk"))
    with pytest.raises(ValidationError):
        document_upload(
            case=case,
            kind="evidence",
            uploaded_file=SimpleUploadedFile("a.pdf", PDF),
            actor=demo.user("admin"),
        )


@pytest.mark.parametrize(
    "name,content,message",
    [
        (
            "report.pdf",
            b"%PDF-1.7\n<html><body><script>alert(1)</script></body></html>",
            "文件以PDF开头，但无法解析为PDF文档",
        ),
        ("report.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", "无法解析为PDF文档"),
        ("id.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "文件以PNG图片开头，但无法解码为图片"),
        ("id.jpg", JPEG[:40], "文件以JPEG图片开头，但无法解码为图片"),
        ("id.jpg", b"\xff\xd8\xff<html>hello</html>", "无法解码为图片"),
    ],
)
def test_a_file_with_the_right_magic_bytes_that_does_not_parse_is_refused(
    demo, name, content, message, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    case = application(demo.user("clerk"))
    with pytest.raises(ValidationError) as exc:
        document_upload(
            case=case,
            kind="evidence",
            uploaded_file=SimpleUploadedFile(name, content),
            actor=demo.user("clerk"),
        )
    assert message in exc.value.message_dict["file"][0]
    assert not Document.objects.exists()
    assert not any(tmp_path.rglob("*.*"))  # nothing written to storage either


def test_an_encrypted_pdf_is_refused_because_it_cannot_be_checked():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(PDF)))
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    assert "PDF文件已加密" in parse_error(buffer.getvalue(), "application/pdf")


def test_an_image_larger_than_the_pixel_limit_is_refused_before_decoding(monkeypatch):
    monkeypatch.setattr("archive.sniff.MAX_IMAGE_PIXELS", 100)
    assert "图片尺寸过大（16×12像素）" in parse_error(png_bytes(), "image/png")
    assert MAX_IMAGE_PIXELS >= 40_000_000  # a phone photo or an A3 scan at 300 dpi passes


def test_real_files_parse():
    assert parse_error(PDF, "application/pdf") is None
    assert parse_error(pdf_bytes(pages=3), "application/pdf") is None
    assert parse_error(JPEG, "image/jpeg") is None
    assert parse_error(PNG, "image/png") is None
    assert parse_error(PNG, "image/jpeg") is not None  # PNG content claimed as JPEG

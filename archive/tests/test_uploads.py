import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from archive.models import Document
from archive.services import document_upload
from archive.sniff import sniff
from cases.intake.tests.helpers import application

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


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

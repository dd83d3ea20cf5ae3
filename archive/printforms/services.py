"""A signed form comes back as a scan: its 表码 says which case and which form it is."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.http import Http404

from archive.models import Document
from archive.printforms.registry import form_in_file
from archive.selectors import archive_case_get_for_user
from archive.services import document_upload, read_checked_upload
from cases.models import Case
from relief.models import User


def signed_form_upload(
    *, uploaded_file: UploadedFile, actor: User, case: Case | None = None
) -> Document:
    """File a signed form: the case and the document's kind are set from its 表码.

    ``case`` (optional) is the case page it was uploaded from: a form of another case is
    refused there. The case is always read through the actor's scoping (another township's
    form is not found)."""
    try:
        content, content_type = read_checked_upload(uploaded_file)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages})
    found = form_in_file(content, content_type)
    if found is None:
        raise ValidationError(
            {
                "file": "未能在文件中识别表码：请上传系统打印的文书的扫描件或照片"
                "（表码或二维码须清晰完整），或在案件页按类别上传"
            }
        )
    spec, case_pk = found
    if case is not None and case.pk != case_pk:
        raise ValidationError({"file": "该文书的表码属于另一案件，不能上传到本案件"})
    try:
        target = archive_case_get_for_user(user=actor, pk=case_pk)
    except Http404:
        raise ValidationError({"file": "表码对应的案件不存在或不在您的辖区"})
    name = getattr(uploaded_file, "name", "") or f"{spec.slug}.pdf"
    return document_upload(
        case=target,
        kind=spec.kind,
        uploaded_file=SimpleUploadedFile(name, content),
        actor=actor,
        title=f"已签署{spec.title}",
    )

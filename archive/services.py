"""Writes to the archive: uploads are checked by content, size and hash before saving."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from archive.models import Document
from archive.printforms.registry import form_in_file
from archive.sniff import EXTENSIONS, LABELS, claimed_type, parse_error, sniff
from relief.models import User

UPLOAD_ROLES = (
    "village_assistant",
    "township_clerk",
    "township_approver",
    "county_verifier",
    "county_supervisor",
)


def read_checked_upload(
    uploaded_file: UploadedFile, *, allowed: tuple[str, ...] | None = None
) -> tuple[bytes, str]:
    """Read an uploaded file and return (content, sniffed content type); raise a
    ValidationError in Chinese when it is too large, empty, not PDF/JPEG/PNG by content,
    its name claims a different type than its content, or it does not parse as that type
    (``archive.sniff.parse_error``: pypdf opens a PDF, Pillow decodes an image)."""
    limit = settings.UPLOAD_MAX_MB * 1024 * 1024
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            f"文件超过大小限制（不超过{settings.UPLOAD_MAX_MB}MB）", code="too_large"
        )
    content = uploaded_file.read(limit + 1)
    if len(content) > limit:
        raise ValidationError(
            f"文件超过大小限制（不超过{settings.UPLOAD_MAX_MB}MB）", code="too_large"
        )
    if not content:
        raise ValidationError("文件为空", code="empty")
    actual = sniff(content[:16])
    if actual is None:
        raise ValidationError("文件内容不是PDF、JPEG或PNG格式，已拒收", code="bad_type")
    claimed = claimed_type(getattr(uploaded_file, "name", ""))
    if claimed and claimed != actual:
        raise ValidationError(
            f"文件名显示为{LABELS[claimed]}，但内容是{LABELS[actual]}，文件与其声称的类型不符，已拒收",
            code="mismatch",
        )
    if allowed and actual not in allowed:
        raise ValidationError(
            "此处只能上传" + "或".join(LABELS[a] for a in allowed), code="bad_type"
        )
    problem = parse_error(content, actual)
    if problem:
        raise ValidationError(problem, code="unreadable")
    return content, actual


@transaction.atomic
def document_upload(
    *,
    # a cases.Case: the document store sits below cases and does not import it
    case: Any,
    kind: str,
    uploaded_file: UploadedFile,
    actor: User,
    title: str = "",
    allowed: tuple[str, ...] | None = None,
) -> Document:
    """Store one file for ``case`` (the caller got ``case`` through case_get_for_user)."""
    case.require_actor(actor, UPLOAD_ROLES, role_message="您的角色不能上传档案文件")
    if kind not in Document.Kind.values:
        raise ValidationError({"kind": "请选择文件类别"})
    try:
        content, content_type = read_checked_upload(uploaded_file, allowed=allowed)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages})
    # A printed form signed and scanned (or photographed) back: its 表码, in the text of a
    # PDF or in the QR code of a scan or photo, says which case and form it is.
    found = form_in_file(content, content_type)
    if found is not None:
        spec, form_case_pk = found
        if form_case_pk != case.pk:
            raise ValidationError({"file": "该文书的表码属于另一案件，不能上传到本案件"})
        kind, title = spec.kind, title or f"已签署{spec.title}"
    digest = hashlib.sha256(content).hexdigest()
    doc = Document(
        case=case,
        kind=kind,
        title=title.strip()[:100],
        original_name=(getattr(uploaded_file, "name", "") or "upload")[-200:],
        content_type=content_type,
        size=len(content),
        sha256=digest,
        uploaded_by=actor,
    )
    doc.file.save(f"{digest[:32]}{EXTENSIONS[content_type]}", ContentFile(content), save=False)
    # A rolled-back transaction can leave the stored file behind; it is unreferenced and
    # named by its hash, so a retry reuses the same name and nothing is half-visible.
    doc.save()
    return doc

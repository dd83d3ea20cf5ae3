"""The forms, their 表码 (form code printed with the case on every page and in the QR code),
and how a code found in an uploaded file is read back."""

from __future__ import annotations

import hashlib
import hmac
import io
import re
from dataclasses import dataclass

from django.conf import settings
from pypdf import PdfReader

from archive.models import Document


@dataclass(frozen=True)
class FormSpec:
    code: str  # three letters in the 表码
    slug: str
    title: str
    kind: str  # the Document kind a signed scan is filed as
    template: str


FORMS: tuple[FormSpec, ...] = (
    FormSpec("SQS", "application", "社会救助申请书", Document.Kind.APPLICATION, "application"),
    FormSpec(
        "SQB",
        "authorisation",
        "家庭经济状况核对授权书",
        Document.Kind.AUTHORISATION,
        "authorisation",
    ),
    FormSpec("CNS", "pledge", "守信承诺书", Document.Kind.PLEDGE, "pledge"),
    FormSpec("DCB", "survey", "入户调查表", Document.Kind.SURVEY_FORM, "survey"),
    FormSpec("SHB", "review", "审核确认表", Document.Kind.REVIEW_FORM, "review"),
)
BY_SLUG = {f.slug: f for f in FORMS}
BY_CODE = {f.code: f for f in FORMS}
CODE_RE = re.compile(r"表码[:：]?\s*([A-Z]{3})-(\d{8})-([0-9A-F]{4})")


def _check(code: str, case_pk: int) -> str:
    """Four hex digits keyed by SECRET_KEY: a mistyped or invented code does not match."""
    message = f"relief-form:{code}:{case_pk}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:4].upper()


def form_code(spec: FormSpec, case_pk: int) -> str:
    return f"{spec.code}-{case_pk:08d}-{_check(spec.code, case_pk)}"


def find_form_code(text: str) -> tuple[FormSpec, int] | None:
    """The first valid 表码 in ``text``: (form, case id), or None."""
    for match in CODE_RE.finditer(text or ""):
        code, case_pk, check = match.group(1), int(match.group(2)), match.group(3)
        spec = BY_CODE.get(code)
        if spec is not None and hmac.compare_digest(check, _check(code, case_pk)):
            return spec, case_pk
    return None


#: Only the first pages are read: the code is in every page's header and footer.
PAGES_READ = 3


def form_in_pdf(content: bytes) -> tuple[FormSpec, int] | None:
    """(form, case id) from the text of a PDF (a printed form, or a scan with a text
    layer), or None when no valid 表码 is found."""
    try:
        reader = PdfReader(io.BytesIO(content))
        text = "\n".join(page.extract_text() or "" for page in reader.pages[:PAGES_READ])
    except Exception:  # pypdf raises many kinds on a damaged file; then there is no code
        return None
    return find_form_code(text)

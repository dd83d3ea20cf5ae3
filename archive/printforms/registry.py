"""The forms, their 表码 (form code printed with the case on every page and in the QR code),
and how a code found in an uploaded file is read back."""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from pypdf import PdfReader

from archive.models import Document
from archive.sniff import JPEG, PDF, PNG


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
#: The QR code holds the case page's address with the 表码 as its fragment: ``…#SQS-…``.
QR_CODE_RE = re.compile(r"#([A-Z]{3})-(\d{8})-([0-9A-F]{4})$")


def _check(code: str, case_pk: int) -> str:
    """Four hex digits keyed by SECRET_KEY: a mistyped or invented code does not match."""
    message = f"relief-form:{code}:{case_pk}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:4].upper()


def form_code(spec: FormSpec, case_pk: int) -> str:
    return f"{spec.code}-{case_pk:08d}-{_check(spec.code, case_pk)}"


def find_form_code(text: str) -> tuple[FormSpec, int] | None:
    """The first valid 表码 in ``text``: (form, case id), or None."""
    return _first_valid(CODE_RE.finditer(text or ""))


def _first_valid(matches) -> tuple[FormSpec, int] | None:
    for match in matches:
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
    found = find_form_code(text)
    if found is None:  # an image-only scan (no text layer): the QR code of its page images
        found = _form_in_pdf_images(reader)
    return found


#: Scans are decoded at most this large (longest side, pixels): a QR code printed 25 mm wide
#: is still ~200 px there, and a 600-dpi photo would otherwise cost seconds to decode.
QR_MAX_SIDE = 2400
#: Images per page looked at in an image-only PDF (a scanner writes one per page).
IMAGES_READ = 2


#: The last few images decoded, by SHA-256: a notice's posting photo is filed into every case
#: of its batch (one upload each), and a 12-megapixel photo costs ~0.17 s CPU to decode.
_recent_images: OrderedDict[str, tuple[FormSpec, int] | None] = OrderedDict()
_recent_lock = threading.Lock()
RECENT_IMAGES = 8


def form_in_image(content: bytes) -> tuple[FormSpec, int] | None:
    """(form, case id) from the QR code of a JPEG/PNG photo or scan of a printed form,
    or None when the image holds no QR code with a valid 表码."""
    from PIL import Image, UnidentifiedImageError

    key = hashlib.sha256(content).hexdigest()
    with _recent_lock:
        if key in _recent_images:
            return _recent_images[key]
    try:
        with Image.open(io.BytesIO(content)) as image:
            found = _form_in_pil(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        found = None
    with _recent_lock:
        _recent_images[key] = found
        while len(_recent_images) > RECENT_IMAGES:
            _recent_images.popitem(last=False)
    return found


def _form_in_pil(image) -> tuple[FormSpec, int] | None:
    import zxingcpp  # imported late: only uploads need the decoder
    from PIL import ImageOps

    qr_only = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    image = ImageOps.exif_transpose(image).convert("L")  # a phone's photo, turned upright
    if max(image.size) > QR_MAX_SIDE:
        image.thumbnail((QR_MAX_SIDE, QR_MAX_SIDE))
    for result in zxingcpp.read_barcodes(image, formats=qr_only):
        found = _first_valid(QR_CODE_RE.finditer(result.text.strip()))
        if found is not None:
            return found
    return None


def _form_in_pdf_images(reader: PdfReader) -> tuple[FormSpec, int] | None:
    try:
        for page in reader.pages[:PAGES_READ]:
            for picture in list(page.images)[:IMAGES_READ]:
                found = _form_in_pil(picture.image)
                if found is not None:
                    return found
    except Exception:  # a damaged image stream inside the PDF: no code
        return None
    return None


def form_in_file(content: bytes, content_type: str) -> tuple[FormSpec, int] | None:
    """(form, case id) of an uploaded PDF (its text, else its page images' QR code) or
    JPEG/PNG (its QR code), or None."""
    if content_type == PDF:
        return form_in_pdf(content)
    if content_type in (JPEG, PNG):
        return form_in_image(content)
    return None

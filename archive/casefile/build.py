"""Render the case file: one WeasyPrint document for every part (page numbers, footers and
the table of contents come from the layout itself: ``counter(page)``, ``counter(pages)``,
``target-counter()``), then the pages of uploaded PDF scans merged with pypdf onto the
placeholder pages reserved for them, so that each scan page carries the file's footer.

The output depends only on the record and the given ``generated_at`` (also the PDF's
creation date), so the same case generated twice at the same stamp gives the same bytes.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from dataclasses import dataclass

from django.template.loader import render_to_string
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.errors import PyPdfError

from archive.casefile.sections import (
    CHECK_KINDS,
    PARTS,
    SURVEY_KINDS,
    Scan,
    case_file_context,
)
from archive.models import Document
from archive.pdf import ScanFetcher, gc_paused, render_document
from archive.sniff import JPEG, PDF, PNG, sniff

TEMPLATE = "archive/casefile/file.html"
MM = 72 / 25.4
#: Where a merged scan page goes on the A4 placeholder: inside the page margins
#: (18 mm left/right, 22 mm bottom, 20 mm top) below the caption line (~10 mm).
SCAN_BOX = (18 * MM, 22 * MM, (210 - 36) * MM, (297 - 22 - 20 - 10) * MM)


@dataclass(frozen=True)
class BuiltFile:
    content: bytes
    pages: int
    sha256: str
    #: part key → first page (1-based), as laid out
    part_pages: dict[str, int]
    scans: list[Scan]


def read_scan(document: Document, number: int) -> Scan:
    """Classify one upload; anything that cannot be read is listed, never raised."""
    scan = Scan(document=document, number=number, kind="unreadable")
    try:
        with document.file.open("rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        scan.reason = "文件缺失"
        return scan
    if hashlib.sha256(data).hexdigest() != document.sha256:
        scan.reason = "文件内容与上传时的SHA-256不符"
        return scan
    kind = sniff(data[:16])
    if kind == PDF:
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                scan.reason = "PDF已加密"
                return scan
            pages = len(reader.pages)
            for page in reader.pages:
                page.mediabox  # noqa: B018 (raises on a broken page tree)
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError):
            scan.reason = "PDF文件损坏"
            return scan
        if pages == 0:
            scan.reason = "PDF没有页面"
            return scan
        scan.kind, scan.pages, scan.data = "pdf", pages, data
    elif kind in (JPEG, PNG):
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            scan.reason = "图片文件损坏"
            return scan
        scan.kind, scan.pages, scan.data = "image", 1, data
    else:
        scan.reason = "不是PDF、JPEG或PNG文件"
        return scan
    scan.anchors = [f"scan-{number}-{k}" for k in range(1, scan.pages + 1)]
    return scan


def load_scans(case) -> tuple[list[Scan], list[Scan], list[Scan]]:
    """(survey photos, check reports, other uploads), numbered in the order they appear."""
    documents = list(case.documents.select_related("uploaded_by").order_by("uploaded_at", "pk"))
    groups = (
        [d for d in documents if d.kind in SURVEY_KINDS],
        [d for d in documents if d.kind in CHECK_KINDS],
        [d for d in documents if d.kind not in SURVEY_KINDS + CHECK_KINDS],
    )
    number = 0
    result = []
    for group in groups:
        scans = []
        for document in group:
            number += 1
            scans.append(read_scan(document, number))
        result.append(scans)
    return result[0], result[1], result[2]


def build_case_file(
    case,
    *,
    archive_number: str,
    generated_at: datetime.datetime,
    generated_by_name: str = "",
) -> BuiltFile:
    survey_scans, check_scans, scans = load_scans(case)
    everything = [*survey_scans, *check_scans, *scans]
    context = case_file_context(
        case, scans=scans, survey_scans=survey_scans, check_scans=check_scans
    )
    context.update(
        archive_number=archive_number,
        generated_at=generated_at,
        generated_by_name=generated_by_name,
    )
    html = render_to_string(TEMPLATE, context)
    images = {f"archive-doc:{s.number}": s for s in everything if s.kind == "image"}
    with gc_paused():
        document = render_document(html, fetcher=ScanFetcher(images))
        anchor_page: dict[str, int] = {}
        for index, page in enumerate(document.pages):
            for name in page.anchors:
                anchor_page.setdefault(name, index)
        content = document.write_pdf()
        pages = len(document.pages)
        del document
    merges = [
        (anchor_page[anchor], scan, k)
        for scan in everything
        if scan.kind == "pdf"
        for k, anchor in enumerate(scan.anchors)
        if anchor in anchor_page
    ]
    if merges:
        content = _merge_scans(content, merges)
    part_pages = {
        key: anchor_page[f"part-{key}"] + 1 for key, _ in PARTS if f"part-{key}" in anchor_page
    }
    return BuiltFile(
        content=content,
        pages=pages,
        sha256=hashlib.sha256(content).hexdigest(),
        part_pages=part_pages,
        scans=everything,
    )


def _merge_scans(content: bytes, merges: list[tuple[int, Scan, int]]) -> bytes:
    """Place each scan page, scaled to fit, onto its placeholder page."""
    writer = PdfWriter(clone_from=io.BytesIO(content))
    readers: dict[int, PdfReader] = {}
    left, bottom, width, height = SCAN_BOX
    for page_index, scan, k in merges:
        reader = readers.get(scan.number)
        if reader is None:
            reader = readers[scan.number] = PdfReader(io.BytesIO(scan.data))
        source = reader.pages[k]
        box = source.mediabox
        # /Rotate turns the page clockwise when shown; the merged content must be turned
        # the same way, then moved to the origin, scaled to fit and centred in the box.
        turn = Transformation().rotate(-(source.rotation % 360))
        corners = [
            turn.apply_on((float(x), float(y)))
            for x in (box.left, box.right)
            for y in (box.bottom, box.top)
        ]
        min_x, min_y = min(c[0] for c in corners), min(c[1] for c in corners)
        w = max(c[0] for c in corners) - min_x
        h = max(c[1] for c in corners) - min_y
        if w <= 0 or h <= 0:
            continue
        scale = min(width / w, height / h)
        placed = (
            turn.translate(-min_x, -min_y)
            .scale(scale, scale)
            .translate(left + (width - w * scale) / 2, bottom + (height - h * scale) / 2)
        )
        writer.pages[page_index].merge_transformed_page(source, placed)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

"""The printable A4 notice (公示): a 公文-like sheet (heading without red, issuing body, date,
a place for the seal), one row per household with the masked name, village group (村民小组;
"—" where the household has none recorded), assistance type,
household size, amount and the near-relative mark, N rows a page with the header repeated,
and a QR code to the batch's public page. It carries no ID number, address, income or health
data (A Art.24, F §4(2)): the rows are built from ``notice_row_values`` and nothing else of
the case reaches the template."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from archive.pdf import qr_data_uri, render_document
from cases.notices.models import BatchState, NoticeBatch, NoticeKind
from cases.notices.services import HOTLINE, NOTICE_ROW_FIELDS, notice_row_values
from relief.policy import policy_for

#: The 村民小组 cell of a household without one recorded (the heading names the village;
#: an entry published before households had the field reads the same).
NO_VILLAGE_GROUP = "—"

#: The public page's route, named by the public part (funds/publicity, H4's issue-11 work).
PUBLIC_URL_NAME = "public-notice-batch"


@dataclass(frozen=True)
class NoticeRow:
    position: int
    masked_name: str
    village_group: str
    assistance_type: str
    household_size: int
    amount_text: str
    near_relative: bool


def notice_rows(batch: NoticeBatch) -> list[NoticeRow]:
    """A published batch shows what was frozen at publication; a draft (a preview, never to
    be posted) what publishing now would freeze."""
    entries = batch.entries.select_related(
        "case__applicant", "case__assistance_type", "case__household"
    ).order_by("position", "pk")
    rule = policy_for(batch.village, batch.starts_on).notice_mask_rule
    rows = []
    for entry in entries:
        case = entry.case
        if batch.state == BatchState.DRAFT:
            values = notice_row_values(case, kind=batch.kind, rule=rule)
        else:
            values = {name: getattr(entry, name) for name in NOTICE_ROW_FIELDS}
        values["village_group"] = values["village_group"] or NO_VILLAGE_GROUP
        rows.append(
            NoticeRow(
                position=entry.position,
                assistance_type=case.assistance_type.name,
                near_relative=case.near_relative_flag,
                **values,
            )
        )
    return rows


def public_path(batch: NoticeBatch) -> str:
    """The path of the batch's public page, by its unguessable token."""
    try:
        return reverse(PUBLIC_URL_NAME, args=[batch.token])
    except NoReverseMatch:  # the public routes are not installed (a staff-only deployment)
        return f"/public/notices/{batch.token}/"


def public_url(batch: NoticeBatch, *, request=None) -> str:
    """Absolute: ``settings.PUBLIC_BASE_URL`` (the address residents reach, which may differ
    from the staff's) or else the address of the request."""
    path = public_path(batch)
    base = getattr(settings, "PUBLIC_BASE_URL", "")
    if base:
        return base.rstrip("/") + path
    if request is not None:
        return request.build_absolute_uri(path)
    return path


def _pages(rows: list[NoticeRow], per_page: int) -> list[list[NoticeRow]]:
    return [rows[i : i + per_page] for i in range(0, len(rows), per_page)] or [[]]


def notice_context(batch: NoticeBatch, *, request=None) -> dict:
    policy = policy_for(batch.village, batch.starts_on)
    rows = notice_rows(batch)
    url = public_url(batch, request=request)
    return {
        "page_title": f"{batch.village.name}{batch.get_kind_display()}",
        "batch": batch,
        "pages": _pages(rows, policy.notice_rows_per_page),
        "households": len(rows),
        "pre": batch.kind == NoticeKind.PRE,
        "draft": batch.state == BatchState.DRAFT,
        "issuer": f"{batch.township.name}人民政府",
        "hotline": HOTLINE,
        "public_url": url,
        "qr": qr_data_uri(url),
        "issued_on": timezone.localdate(batch.published_at)
        if batch.published_at
        else batch.starts_on,
    }


def notice_pdf(batch: NoticeBatch, *, request=None) -> bytes:
    html = render_to_string("cases/notices/notice_pdf.html", notice_context(batch, request=request))
    return render_document(html).write_pdf()


def notice_pdf_response(batch: NoticeBatch, *, request) -> HttpResponse:
    response = HttpResponse(notice_pdf(batch, request=request), content_type="application/pdf")
    filename = quote(f"公示-{batch.number}.pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{filename}"
    return response

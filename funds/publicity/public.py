"""The public pages (no login, /public/…): a village's open notice batches and its current
standing list, and a page per batch (the QR code's target) with the objection form.

They show only what the paper shows — the rows frozen at publication (masked names,
village group, household size, amount) and the standing list's frozen rows — and read
nothing else of a case. Pages are rendered without the request (no session, no user, no
CSRF token: the objection form uses no session, so it is exempt), which keeps them
cacheable: ETag with conditional GET and ``Cache-Control: public, max-age=PUBLIC_PAGE_MAX_AGE``."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from cases.notices.models import BatchState, NoticeBatch
from cases.notices.services import HOTLINE, objection_submit_public
from cases.workflow.services import client_address_of
from funds.publicity import selectors
from funds.publicity.forms import PublicObjectionForm


def _page(template: str, context: dict, *, status: int = 200) -> HttpResponse:
    context = {"hotline": HOTLINE, **context}
    return HttpResponse(render_to_string(template, context), status=status)


def _cacheable(response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=settings.PUBLIC_PAGE_MAX_AGE)
    return response


def _private(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_safe
def village_page(request, code: str):
    """One village: its open batches (masked rows) and its current standing list. A fixed
    set of queries whatever the number of households; a matching If-None-Match costs two."""
    village = selectors.public_village_get(code=code)
    today = timezone.localdate()
    page_number = _page_number(request)
    etag = f'"{selectors.public_village_etag(village=village, today=today)}-{page_number}"'
    unchanged = get_conditional_response(request, etag=etag)
    if unchanged is not None:
        return _cacheable(unchanged, etag)
    context = {
        "page_title": f"{village.name}社会救助公示",
        "village": village,
        "township": village.parent,
        "batches": selectors.public_open_batches(village=village, today=today),
        "today": today,
        **_standing_context(village, page_number),
    }
    return _cacheable(_page("funds/publicity/public_village.html", context), etag)


def _page_number(request) -> int:
    """The standing list's page asked for in ``?page=``; anything that is not a small
    positive number is the first page (a public page answers, it does not argue)."""
    raw = request.GET.get("page", "")
    if raw.isascii() and raw.isdigit() and len(raw) <= 6:  # "²" is a digit to isdigit()
        return max(int(raw), 1)
    return 1


def _standing_context(village, page_number: int) -> dict:
    """The latest standing list, one page of its frozen rows at a time
    (PUBLIC_STANDING_PAGE_SIZE, cut in the query): a village with thousands of recipients
    costs what a small one costs; the dated PDF keeps the whole list. A page past the end
    answers the last page (one more query, only then)."""
    size = settings.PUBLIC_STANDING_PAGE_SIZE
    standing = selectors.public_standing_list(
        village=village, offset=(page_number - 1) * size, limit=size
    )
    if standing is None:
        return {"standing": None}
    paginator = Paginator(range(standing.households), size)
    number = min(page_number, paginator.num_pages)
    if number != page_number:
        standing = selectors.public_standing_list(
            village=village, offset=(number - 1) * size, limit=size
        )
        assert standing is not None
    return {"standing": standing, "standing_page": Page(standing.page_rows, number, paginator)}


def _batch_context(batch: NoticeBatch, form: PublicObjectionForm, **extra) -> dict:
    today = timezone.localdate()
    return {
        "page_title": f"{batch.village.name}{batch.get_kind_display()}（{batch.number}）",
        "batch": batch,
        "village": batch.village,
        "township": batch.township,
        "entries": form.entries,
        "form": form,
        "is_open": batch.is_open_on(today),
        "not_started": batch.state == BatchState.PUBLISHED and today < batch.starts_on,
        **extra,
    }


def _batch_etag(batch: NoticeBatch) -> str:
    return f'"{batch.token}-{batch.state}-{timezone.localdate():%Y%m%d}"'


@require_safe
def batch_page(request, token: str):
    batch = selectors.public_batch_get(token=token)
    etag = _batch_etag(batch)
    unchanged = get_conditional_response(request, etag=etag)
    if unchanged is not None:
        return _cacheable(unchanged, etag)
    form = PublicObjectionForm(batch=batch)
    return _cacheable(_page("funds/publicity/public_batch.html", _batch_context(batch, form)), etag)


@csrf_exempt  # no session or login is used; abuse is bounded by the per-address rate limit
@require_POST
def batch_objection(request, token: str):
    batch = selectors.public_batch_get(token=token)
    form = PublicObjectionForm(request.POST, batch=batch)
    if form.is_valid():
        case_id = form.case_id()
        try:
            outcome = objection_submit_public(
                batch=batch,
                case_id=case_id or 0,
                text=form.cleaned_data["text"],
                contact=form.cleaned_data["contact"],
                raised_by=form.cleaned_data["raised_by"],
                client_address=client_address_of(request),
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "case" in exc.error_dict:
                exc = ValidationError({"household": exc.error_dict.pop("case"), **exc.error_dict})
            form.add_error(None, exc)
        else:
            context = {
                "page_title": "异议已提交",
                "batch": batch,
                "village": batch.village,
                "township": batch.township,
                "message": outcome.message,
                "is_complaint": outcome.objection.is_complaint,
                "with_contact": bool(outcome.objection.contact),
            }
            return _private(_page("funds/publicity/public_objection_done.html", context))
    return _private(
        _page("funds/publicity/public_batch.html", _batch_context(batch, form), status=400)
    )

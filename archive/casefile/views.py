"""The case file as a PDF (案卷), generated from the record when asked."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse

from archive.casefile.services import case_file_generate
from archive.selectors import archive_case_get_for_user
from cases.workflow.services import client_address_of


def case_file_response(*, case, user, client_address=None) -> HttpResponse:
    built, record = case_file_generate(case=case, actor=user, client_address=client_address)
    response = HttpResponse(built.content, content_type="application/pdf")
    name = quote(f"案卷-{record.archive_number}-{case.number}.pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{name}"
    response["X-Content-SHA256"] = record.sha256
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def case_file_pdf(request, pk: int):
    """One PDF per case, every part in order (404 outside the user's region)."""
    case = archive_case_get_for_user(user=request.user, pk=pk)
    return case_file_response(
        case=case, user=request.user, client_address=client_address_of(request)
    )

"""Render a form as a PDF, pre-filled from the case, with its 表码 and a QR code (an SVG data
URI from ``archive.pdf.qr_data_uri``: no network)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from archive.casefile.sections import event_rows, signed_events
from archive.pdf import gc_paused, qr_data_uri, render_document
from archive.printforms.registry import FormSpec, form_code
from cases.models import AmountComputation


def form_context(case, spec: FormSpec, *, case_url: str) -> dict:
    household = case.household
    code = form_code(spec, case.pk)
    survey = getattr(case, "survey", None)  # the reverse one-to-one raises AttributeError
    context = {
        "case": case,
        "spec": spec,
        "code": code,
        "qr": qr_data_uri(f"{case_url}#{code}"),
        "household": household,
        "members": list(household.members.order_by("pk")),
        "generated_at": timezone.localtime(),
    }
    if spec.slug == "survey":
        filled = survey is not None and survey.status == "complete"
        minimum = case.policy.min_investigators
        context.update(
            survey=survey,
            filled=filled,
            blank_investigators=range(max(minimum, 2)),
            incomes=list(household.income_items.select_related("member")),
            assets=list(household.assets.all()),
        )
    if spec.slug == "review":
        context.update(
            signed=event_rows(signed_events(case)),
            computation=AmountComputation.objects.filter(case=case).first(),
        )
    return context


def render_form_pdf(case, spec: FormSpec, *, case_url: str) -> bytes:
    html = render_to_string(
        f"archive/forms/{spec.template}.html", form_context(case, spec, case_url=case_url)
    )
    with gc_paused():
        return render_document(html).write_pdf()

"""Printable forms of a case (打印文书) and the upload of their signed scans."""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from archive.printforms.registry import BY_SLUG, FORMS, form_code
from archive.printforms.render import render_form_pdf
from archive.printforms.services import signed_form_upload
from archive.selectors import archive_case_get_for_user


class SignedFormUpload(forms.Form):
    file = forms.FileField(label="签署后的文书扫描件(PDF)")


def _case_url(request, case) -> str:
    return request.build_absolute_uri(reverse("cases:detail", args=[case.pk]))


@login_required
def forms_page(request, pk: int):
    case = archive_case_get_for_user(user=request.user, pk=pk)
    rows = [{"spec": spec, "code": form_code(spec, case.pk)} for spec in FORMS]
    return render(
        request,
        "archive/print_forms.html",
        {"page_title": "打印文书", "case": case, "forms": rows, "upload": SignedFormUpload()},
    )


@login_required
def form_pdf(request, pk: int, slug: str):
    case = archive_case_get_for_user(user=request.user, pk=pk)
    spec = BY_SLUG.get(slug)
    if spec is None:
        raise Http404("没有这种文书")
    response = HttpResponse(
        render_form_pdf(case, spec, case_url=_case_url(request, case)),
        content_type="application/pdf",
    )
    name = quote(f"{spec.title}-{case.number}.pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{name}"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def forms_upload(request, pk: int):
    case = archive_case_get_for_user(user=request.user, pk=pk)
    form = SignedFormUpload(request.POST, request.FILES)
    if form.is_valid():
        try:
            doc = signed_form_upload(
                uploaded_file=form.cleaned_data["file"], actor=request.user, case=case
            )
        except ValidationError as exc:
            for errors in (
                exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages]
            ):
                for error in errors:
                    messages.error(request, error)
        else:
            messages.success(request, f"已识别并归档：{doc.title}（{doc.get_kind_display()}）")
    else:
        messages.error(request, "请选择要上传的文件")
    return redirect("casefile:forms", pk=case.pk)

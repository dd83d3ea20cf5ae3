"""The reveal log's review page (个人信息查看记录): the county supervisor sees the county's
reveals, a township clerk its own township's; filter by person, viewer, kind and dates, and
export what is shown (relief.exports escapes every cell)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from relief.exports import csv_bytes
from relief.forms import BootstrapForm
from relief.models import DataReveal
from relief.paging import list_page
from relief.personal_data import EXPORT_HEADER, reveal_export_rows, reveals_for_user

PER_PAGE = 50
#: Rows in one export: the filtered list, at most this many (newest first).
EXPORT_LIMIT = 10_000


class RevealFilterForm(BootstrapForm):
    person = forms.CharField(label="信息主体", max_length=60, required=False)
    viewer = forms.CharField(label="查看人", max_length=60, required=False)
    kind = forms.ChoiceField(
        label="信息类别", choices=[("", "全部类别"), *DataReveal.Kind.choices], required=False
    )
    date_from = forms.DateField(
        label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "截止日期不能早于起始日期")
        return data


def _filtered(request):
    form = RevealFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = reveals_for_user(user=request.user, **{k: v for k, v in filters.items() if v})
    return form, qs


@login_required
def reveal_list(request):
    form, qs = _filtered(request)
    page = list_page(
        qs, params=request.GET, per_page=PER_PAGE, ordering=("-at", "-id"), time_field="at"
    )
    query = request.GET.copy()
    for key in ("page", "after", "before"):
        query.pop(key, None)
    return render(
        request,
        "relief/reveals.html",
        {
            "page_title": "个人信息查看记录",
            "filter": form,
            "page_obj": page,
            "query": query.urlencode(),
        },
    )


@login_required
def reveal_export(request):
    _form, qs = _filtered(request)
    content = csv_bytes(header=EXPORT_HEADER, rows=reveal_export_rows(qs[:EXPORT_LIMIT]))
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="data-reveals-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response

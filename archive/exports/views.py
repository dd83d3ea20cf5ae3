"""Archive export pages: ask, watch the progress bar (htmx), cancel, download."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from archive.exports.forms import ExportForm
from archive.exports.services import (
    export_cancel,
    export_open_for_download,
    export_request,
    may_export,
)
from archive.selectors import export_get_for_user, exports_for_user
from cases.workflow.services import client_address_of

CHUNK_BYTES = 1 << 20


def _require_exporter(user) -> None:
    if not may_export(user):
        raise PermissionDenied("只有县民政局监管人员或乡镇民政经办人可以导出档案")


@login_required
def export_list(request):
    _require_exporter(request.user)
    form = ExportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            export = export_request(
                user=request.user,
                data=form.service_data(),
                client_address=client_address_of(request),
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, f"已提交档案导出（{export.total} 件），正在后台生成")
            return redirect("archive:export", pk=export.pk)
    return render(
        request,
        "archive/exports/list.html",
        {
            "page_title": "档案导出",
            "form": form,
            "exports": exports_for_user(user=request.user)[:50],
        },
    )


@login_required
def export_detail(request, pk: int):
    export = export_get_for_user(user=request.user, pk=pk)
    return render(
        request, "archive/exports/detail.html", {"page_title": "档案导出", "export": export}
    )


@login_required
def export_progress(request, pk: int):
    """The fragment the page polls every second until the export has finished."""
    export = export_get_for_user(user=request.user, pk=pk)
    return render(request, "archive/exports/_progress.html", {"export": export})


@login_required
@require_POST
def export_cancel_view(request, pk: int):
    export = export_get_for_user(user=request.user, pk=pk)
    try:
        export_cancel(export=export, actor=request.user, client_address=client_address_of(request))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已请求取消导出")
    return redirect("archive:export", pk=export.pk)


@login_required
def export_download(request, pk: int):
    export = export_get_for_user(user=request.user, pk=pk)
    try:
        handle = export_open_for_download(
            export=export, user=request.user, client_address=client_address_of(request)
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("archive:export", pk=export.pk)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        context = {"page_title": "档案导出", "export": export}
        return render(request, "archive/exports/detail.html", context, status=403)
    return zip_response(handle, export)


def zip_response(handle, export) -> FileResponse:
    """Served in chunks from disk, never read into memory whole."""
    response = FileResponse(handle, content_type="application/zip")
    response.block_size = CHUNK_BYTES
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(export.file_name)}"
    response["Content-Length"] = str(export.file_size)
    response["X-Content-SHA256"] = export.file_sha256
    response["Cache-Control"] = "private, no-store"
    return response

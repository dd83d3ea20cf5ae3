"""Staff pages of the standing list: the villages of the user's region with their latest
list, one village's dated versions (each PDF downloadable), and the clerk's 重新生成 (a
background job: the page answers at once)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from funds.publicity import selectors, services
from funds.publicity.tasks import generate_standing_list
from relief.models import Role

READ_ROLES = (
    Role.VILLAGE_ASSISTANT,
    Role.TOWNSHIP_CLERK,
    Role.TOWNSHIP_APPROVER,
    Role.COUNTY_SUPERVISOR,
    Role.COUNTY_VERIFIER,
)


def require_read(user) -> None:
    if not (user.is_superuser or user.has_role(*READ_ROLES)):
        raise PermissionDenied("您的角色无权查看长期公示名单")


@login_required
@require_GET
def village_list(request):
    require_read(request.user)
    villages = selectors.standing_villages_for_user(user=request.user).select_related("parent")
    return render(
        request,
        "funds/publicity/villages.html",
        {"page_title": "长期公示名单", "villages": villages},
    )


@login_required
@require_GET
def village_detail(request, pk: int):
    require_read(request.user)
    village = selectors.standing_village_get_for_user(user=request.user, pk=pk)
    versions = selectors.standing_lists_for_village(village=village)[:120]
    return render(
        request,
        "funds/publicity/village.html",
        {
            "page_title": f"{village.name}长期公示名单",
            "village": village,
            "versions": versions,
            "can_generate": request.user.has_role(*services.GENERATE_ROLES),
            "pending_job": services.standing_job_pending(village=village),
        },
    )


@login_required
@require_POST
def village_generate(request, pk: int):
    """Queues the regeneration (a background job) and answers at once; a second click while
    it is queued or running queues nothing more."""
    village = selectors.standing_village_get_for_user(user=request.user, pk=pk)
    try:
        started = services.standing_list_request(
            village=village, actor=request.user, task=generate_standing_list
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        (messages.info if started.created else messages.warning)(request, started.message)
    return redirect("publicity:village", pk=village.pk)


@login_required
@require_GET
def version_download(request, pk: int):
    require_read(request.user)
    version = selectors.standing_list_get_for_user(user=request.user, pk=pk)
    return FileResponse(
        version.file.open("rb"),
        as_attachment=True,
        filename=version.filename,
        content_type="application/pdf",
    )

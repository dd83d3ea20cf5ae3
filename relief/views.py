from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from relief.paging import list_page


@login_required
def notifications(request):
    """The user's inbox, newest first, 30 a page by keyset (relief/paging.py)."""
    page = list_page(request.user.notifications.all(), params=request.GET, per_page=30)
    return render(request, "relief/notifications.html", {"page_obj": page, "page_title": "通知"})


@login_required
@require_POST
def notifications_mark_read(request):
    request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notifications")

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases.selectors import home_context_for_user
from relief.models import Role


@login_required
def home(request):
    """A home page for each role, showing only the user's region's data."""
    user = request.user
    role = Role.ADMINISTRATOR if user.is_superuser and not user.role else user.role
    context = {"page_title": "首页", "role": role, **home_context_for_user(user=user)}
    return render(request, f"relief/home_{role}.html", context)


@login_required
def notifications(request):
    qs = request.user.notifications.all()
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "relief/notifications.html", {"page_obj": page, "page_title": "通知"})


@login_required
@require_POST
def notifications_mark_read(request):
    request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notifications")

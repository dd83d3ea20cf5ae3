from django.urls import NoReverseMatch, reverse

from relief.navigation import NAV_ITEMS


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for item in sorted(NAV_ITEMS, key=lambda i: i.order):
        if not (
            user.roles & set(item.roles) or (user.is_superuser and "administrator" in item.roles)
        ):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        active = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"label": item.label, "url": url, "active": active})
    return {
        "nav_items": items,
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count(),
    }

from django.urls import NoReverseMatch, reverse

from relief.navigation import NAV_ITEMS

#: The badge shows "99+" beyond this: counting stops there, whatever the inbox holds.
UNREAD_BADGE_CAP = 99


def unread_badge(user) -> int | str:
    """Unread notifications for the navigation badge: the number, or "99+" (one COUNT over
    at most 100 entries of the partial index notification_unread)."""
    n = user.notifications.filter(read_at__isnull=True).order_by()[: UNREAD_BADGE_CAP + 1].count()
    return f"{UNREAD_BADGE_CAP}+" if n > UNREAD_BADGE_CAP else n


def navigation(request):
    """Navigation and the unread badge. Computed once per request: partials rendered with
    the request (render_to_string) run the context processors again and get the same
    dict without another query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(request, "_relief_navigation", None)
    if cached is not None:
        return cached
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
        matches = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"label": item.label, "url": url, "active": matches})
    # One item lit: the one whose address is the longest prefix of the page's
    # (/cases/dashboard/ lights 时限看板, not 案件 as well).
    lit = max((i for i in items if i["active"]), key=lambda i: len(i["url"]), default=None)
    for i in items:
        i["active"] = i is lit
    request._relief_navigation = {"nav_items": items, "unread_notifications": unread_badge(user)}
    return request._relief_navigation

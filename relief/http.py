"""Request facts the audit trails record."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address_of(request: HttpRequest) -> str | None:
    """The client IP for a log row, a rate limit and the login lockout (django-axes calls
    this too, ``AXES_CLIENT_IP_CALLABLE``).

    ``REMOTE_ADDR`` unless ``TRUSTED_PROXY_HOPS`` reverse proxies of ours stand in front:
    each appends the address it received the request from to ``X-Forwarded-For``, so the
    client is the entry that many places from the right. Anything to its left was written
    by the client and can be forged, so it is never read; a header shorter than the hops
    or an entry that is not an IP address (a proxy not set up as the settings say) falls
    back to ``REMOTE_ADDR``. Behind one nginx, every resident would otherwise share the
    proxy's address (one rate limit for the whole village)."""
    remote = request.META.get("REMOTE_ADDR") or None
    hops = settings.TRUSTED_PROXY_HOPS
    if hops:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            candidate = forwarded[-hops]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return remote

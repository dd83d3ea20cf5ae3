"""Request facts the audit trails record."""

from __future__ import annotations

from django.http import HttpRequest


def client_address_of(request: HttpRequest) -> str | None:
    """The client IP for a log row. REMOTE_ADDR only: a forwarded header can be forged
    unless a trusted proxy sets it (gunicorn behind nginx passes REMOTE_ADDR through)."""
    return request.META.get("REMOTE_ADDR") or None

"""While the database is unreachable (restarting, failed over, the network cut) every request
answers 503 with a Chinese page (or JSON under /api/) instead of a 500, and nothing else is
needed to recover: the psycopg pool checks each connection before handing it out
(relief/env.py) and reconnects once the server is back.

Two hooks, because Django turns an exception into a response at every middleware layer:
``DatabaseUnavailableMiddleware.process_exception`` catches it from a view (also with
DEBUG=1), ``server_error`` (``handler500``) from anywhere else. The page is rendered without
a request context: the navigation and session would need the database again.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.defaults import server_error as django_server_error

logger = logging.getLogger(__name__)

MESSAGE = "数据库暂时无法连接，请稍后重试。系统恢复后无需任何操作即可继续使用。"
RETRY_AFTER_SECONDS = 30


def database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, OperationalError | InterfaceError)


def unavailable_response(request) -> HttpResponse:
    session = getattr(request, "session", None)
    if session is not None and not hasattr(session, "_session_cache"):
        # The session could not be loaded: an empty cache keeps SessionMiddleware from
        # trying the database again on the way out (a 5xx is never saved, and the cookie
        # stays, so the user is still signed in when the database is back).
        session._session_cache = {}
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": MESSAGE}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"message": MESSAGE}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if database_unavailable(exception):
            logger.error("database unavailable: %s %s: %s", request.method, request.path, exception)
            return unavailable_response(request)
        return None


def server_error(request, template_name="500.html"):
    """``handler500``: 503 when the failure was the database, else Django's own 500."""
    if database_unavailable(sys.exc_info()[1]):
        return unavailable_response(request)
    return django_server_error(request, template_name=template_name)

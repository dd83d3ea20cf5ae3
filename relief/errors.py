"""Errors a service raises besides Django's ValidationError / PermissionDenied / Http404, and
the one error shape the API answers with (:mod:`relief.api_errors`)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.settings import api_settings


class Conflict(Exception):
    """The object changed since the user loaded it: the API answers 409. ``extra`` adds fields
    to the error body (e.g. the state the object is in now)."""

    code = "conflict"

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra or {}


class Refused(DjangoValidationError):
    """Bad input refused with more to say than its field errors: ``detail`` is one sentence
    for the whole request, ``extra`` adds fields to the error body (e.g. the rows of a file
    that were refused). A ValidationError (the API answers 400), so a form shows it too."""

    def __init__(
        self, errors: Any, *, detail: str | None = None, extra: dict[str, Any] | None = None
    ):
        super().__init__(errors)
        self.detail = detail
        self.extra = extra or {}


NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY
INVALID_SUMMARY = "提交的内容有误，请按标出的字段修改"


def django_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ValidationError as ``{field: [messages]}`` (``__all__`` → non_field_errors)."""
    if hasattr(exc, "error_dict"):
        return {
            (NON_FIELD if field == "__all__" else field): messages
            for field, messages in exc.message_dict.items()
        }
    return {NON_FIELD: exc.messages}


def error_body(
    *, detail: str, code: str, errors: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    return {"detail": detail, "code": code, "errors": errors or {}, **extra}

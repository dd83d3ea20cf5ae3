"""How the API answers an error: one JSON shape for every status, one exception handler.

Every error body is ``{"detail": "…", "code": "…", "errors": {"field": ["…"]}}``:

- ``detail`` — one readable Chinese sentence (the reason, or a summary of the field errors);
- ``code`` — a stable machine code (``invalid``, ``permission_denied``, ``not_found``,
  ``conflict``, ``not_authenticated`` …);
- ``errors`` — the messages per field (``non_field_errors`` for the request as a whole); empty
  when the error is not about fields.

Services raise Django's ``ValidationError`` (400; a :class:`relief.errors.Refused` adds its own
``detail`` and extra body fields), ``PermissionDenied`` (403), ``Http404`` (404)
or a :class:`relief.errors.Conflict` (409: the object changed under the user); the API views
let them through and :func:`api_exception_handler` (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``)
answers them.
:class:`ReliefAutoSchema` documents the shape on every operation of ``/api/schema/``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from relief.errors import (
    INVALID_SUMMARY,
    NON_FIELD,
    Conflict,
    Refused,
    django_errors,
    error_body,
)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.JSONField(), help_text="每个字段的错误信息；non_field_errors 为整体错误"
    )


def _flat(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [m for v in value.values() for m in _flat(v)]
    if isinstance(value, list | tuple):
        return [m for v in value for m in _flat(v)]
    return [str(value)]


def _code_of(value: Any, default: str) -> str:
    code = getattr(value, "code", None)
    if code:
        return str(code)
    if isinstance(value, dict):
        for v in value.values():
            return _code_of(v, default)
    if isinstance(value, list | tuple) and value:
        return _code_of(value[0], default)
    return default


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Conflict):
        return Response(
            error_body(detail=exc.detail, code=exc.code, **exc.extra),
            status=status.HTTP_409_CONFLICT,
        )
    refused = exc if isinstance(exc, Refused) else None
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(django_errors(exc))
    elif isinstance(exc, DjangoPermissionDenied) and not exc.args:
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {NON_FIELD: data}
        errors = {k: [v] if isinstance(v, str) else v for k, v in errors.items()}
        general = _flat(errors.get(NON_FIELD, []))
        detail = "；".join(general) if general else INVALID_SUMMARY
        extra = {}
        if refused is not None:
            detail, extra = refused.detail or detail, refused.extra
        response.data = error_body(
            detail=detail, code=_code_of(errors, "invalid"), errors=errors, **extra
        )
    else:
        message = data.get("detail", data) if isinstance(data, dict) else data
        default = getattr(exc, "default_code", "error")
        response.data = error_body(detail=str(message), code=_code_of(message, default))
    return response


class ReliefAutoSchema(AutoSchema):
    """drf-spectacular's schema with the error shape documented on every operation: 400 (bad
    input, a NUL byte in any parameter included), 401 and 403 always, 404 where the path names
    an object, 409 on writes."""

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = {"400": "输入有误（按字段列出）", "401": "未登录或令牌无效", "403": "无权办理"}
        if "{" in self.path:
            codes["404"] = "对象不存在或不在本人管辖范围内"
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes["409"] = "对象已被他人改变，请刷新后重试"
        for code, description in codes.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=description), code
                )
        return responses

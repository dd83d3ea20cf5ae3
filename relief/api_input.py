"""Input refused before any view runs: a NUL byte anywhere a client can put text (path, query,
form fields, JSON strings) and a JSON body that is not an object. PostgreSQL cannot store a NUL
in a text column, and the API's bodies are all JSON objects, so both answer 400 with the field
that carried them, in the error shape of :mod:`relief.api_errors`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.html import escape
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser

from relief.errors import INVALID_SUMMARY, NON_FIELD, error_body
from relief.parsing import MAX_PK

NUL = "\x00"
NUL_MESSAGE = "不能包含空字符（\\x00）"
NOT_OBJECT_MESSAGE = "请求体须为 JSON 对象"
NOT_FOUND_MESSAGE = "对象不存在或不在本人管辖范围内"


def _nul_path(value: Any, path: str) -> str | None:
    """The dotted path of the first string (or key) holding a NUL, else None."""
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                return where
            found = _nul_path(item, where)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_path(item, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


class ObjectJSONParser(JSONParser):
    """JSON bodies must be objects, and no string in them may hold a NUL byte."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if not isinstance(data, dict):
            raise ValidationError({NON_FIELD: [NOT_OBJECT_MESSAGE]})
        where = _nul_path(data, "")
        if where:
            raise ValidationError({where: [NUL_MESSAGE]})
        return data


def _nul_field(request: HttpRequest) -> str | None:
    if NUL in request.path:
        return "path"
    for source in (request.GET, request.POST if request.method == "POST" else None):
        if not source:
            continue
        for key, values in source.lists():
            if NUL in key or any(isinstance(v, str) and NUL in v for v in values):
                return key.replace(NUL, "")
    return None


def _oversized_id(path: str) -> bool:
    """Whether a path segment is a number larger than any primary key."""
    return any(
        len(part) > 18 and part.isascii() and part.isdigit() and int(part) > MAX_PK
        for part in path.split("/")
    )


class RejectNulMiddleware:
    """Answers 400 to a request whose path, query or form fields hold a NUL byte, and 404 to
    one whose path holds a number larger than any primary key."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _oversized_id(request.path):
            # A path number no primary key can be (the database would raise): 404.
            if request.path.startswith("/api/"):
                return JsonResponse(
                    error_body(detail=NOT_FOUND_MESSAGE, code="not_found"),
                    status=404,
                    json_dumps_params={"ensure_ascii": False},
                )
            raise Http404(NOT_FOUND_MESSAGE)
        field = _nul_field(request)
        if field is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(
                error_body(detail=INVALID_SUMMARY, code="invalid", errors={field: [NUL_MESSAGE]}),
                status=400,
                json_dumps_params={"ensure_ascii": False},
            )
        return HttpResponseBadRequest(
            f"<!doctype html><meta charset='utf-8'><title>输入有误</title>"
            f"<h1>输入有误</h1><p>{escape(field)}：{NUL_MESSAGE}</p>",
            content_type="text/html; charset=utf-8",
        )

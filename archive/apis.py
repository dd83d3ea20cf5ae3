"""Archive API: the case file PDF, and archive exports (create, poll status, cancel,
download). Same selectors and services as the pages."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.response import Response

from archive.casefile.views import case_file_response
from archive.exports.services import (
    EXPORT_STATES,
    export_cancel,
    export_open_for_download,
    export_request,
)
from archive.exports.views import zip_response
from archive.models import ArchiveExport
from archive.selectors import archive_case_get_for_user, export_get_for_user
from cases.workflow.services import client_address_of


class ExportRequestSerializer(serializers.Serializer):
    townships = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)
    types = serializers.ListField(child=serializers.CharField(), allow_empty=True)
    states = serializers.ListField(
        child=serializers.ChoiceField(choices=list(EXPORT_STATES)), allow_empty=True
    )
    date_from = serializers.DateField(required=False, allow_null=True)
    date_to = serializers.DateField(required=False, allow_null=True)


class ExportSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    progress = serializers.IntegerField(source="job.progress", read_only=True)
    progress_message = serializers.CharField(source="job.message", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ArchiveExport
        fields = [
            "id",
            "status",
            "status_label",
            "criteria",
            "total",
            "done",
            "progress",
            "progress_message",
            "requested_at",
            "finished_at",
            "file_name",
            "file_size",
            "file_sha256",
            "message",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        if obj.status != ArchiveExport.Status.DONE:
            return ""
        return reverse("api-archive-export-download", args=[obj.pk])


@extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
@api_view(["GET"])
def case_file(request, pk: int):
    case = archive_case_get_for_user(user=request.user, pk=pk)
    return case_file_response(
        case=case, user=request.user, client_address=client_address_of(request)
    )


@extend_schema(request=ExportRequestSerializer, responses={201: ExportSerializer})
@api_view(["POST"])
def export_create(request):
    data = ExportRequestSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    export = export_request(
        user=request.user,
        data=dict(data.validated_data),
        client_address=client_address_of(request),
    )
    return Response(ExportSerializer(export).data, status=status.HTTP_201_CREATED)


@extend_schema(responses={200: ExportSerializer})
@api_view(["GET"])
def export_status(request, pk: int):
    return Response(ExportSerializer(export_get_for_user(user=request.user, pk=pk)).data)


@extend_schema(request=None, responses={200: ExportSerializer})
@api_view(["POST"])
def export_cancel_api(request, pk: int):
    export = export_get_for_user(user=request.user, pk=pk)
    export_cancel(export=export, actor=request.user, client_address=client_address_of(request))
    export.refresh_from_db()
    return Response(ExportSerializer(export).data)


@extend_schema(
    responses={
        (200, "application/zip"): OpenApiTypes.BINARY,
        403: OpenApiResponse(description="权限已变更，不能下载"),
    }
)
@api_view(["GET"])
def export_download(request, pk: int):
    export = export_get_for_user(user=request.user, pk=pk)
    handle = export_open_for_download(
        export=export,
        user=request.user,
        client_address=client_address_of(request),
    )
    return zip_response(handle, export)

"""Roster API under /api/rosters/: the same selectors (scoping → 404) and services (rules) as
the pages. Typed serializers for input and output.

- ``GET /api/rosters/?year=&state=&month=`` list; ``GET /api/rosters/{id}/`` with reconciliation
- ``POST /api/rosters/`` {month, assistance_type, kind} → 201, computed by a background job
- ``POST /api/rosters/{id}/check/``, ``/lock/``, ``/recompute/``; ``DELETE`` discards an open run
  (kept as 已作废 with its log; the list leaves discarded runs out unless ``state=discarded``)
- ``GET /api/rosters/{id}/lines/`` (paginated; ``kind``, ``channel``, ``result``)
- ``POST /api/rosters/{id}/exports/`` {format} → the export job; ``GET`` lists the exports
- ``POST /api/rosters/{id}/results/`` (multipart ``file``) → the result import
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from funds.rosters import selectors, services
from funds.rosters.models import (
    LineKind,
    PaymentResultImport,
    RosterExport,
    RosterLine,
    RosterRun,
    RunKind,
    RunState,
)
from relief.api_input import ObjectJSONParser
from relief.models import AssistanceType
from relief.parsing import as_pk
from relief.uploadlimits import import_read_limit


class ReconciliationSerializer(serializers.Serializer):
    due = serializers.DecimalField(max_digits=14, decimal_places=2)
    paid = serializers.DecimalField(max_digits=14, decimal_places=2)
    failed = serializers.DecimalField(max_digits=14, decimal_places=2)
    pending = serializers.DecimalField(max_digits=14, decimal_places=2)
    held = serializers.DecimalField(max_digits=14, decimal_places=2)
    separate = serializers.DecimalField(max_digits=14, decimal_places=2)
    due_n = serializers.IntegerField()
    paid_n = serializers.IntegerField()
    failed_n = serializers.IntegerField()
    pending_n = serializers.IntegerField()
    held_n = serializers.IntegerField()
    missing_accounts = serializers.IntegerField()
    balanced = serializers.BooleanField()


class RosterRunSerializer(serializers.ModelSerializer):
    township_name = serializers.CharField(source="township.name", read_only=True)
    township_code = serializers.CharField(source="township.code", read_only=True)
    assistance_type_name = serializers.CharField(source="assistance_type.name", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    pending_amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = RosterRun
        fields = [
            "id",
            "number",
            "township",
            "township_name",
            "township_code",
            "month",
            "assistance_type",
            "assistance_type_name",
            "kind",
            "state",
            "state_label",
            "recovery_mode",
            "prepared_by",
            "prepared_at",
            "checked_by",
            "checked_at",
            "locked_by",
            "locked_at",
            "line_count",
            "recipient_count",
            "bank_line_count",
            "bank_amount",
            "held_line_count",
            "held_amount",
            "separate_recovery_amount",
            "missing_account_count",
            "totals_by_kind",
            "paid_count",
            "paid_amount",
            "failed_count",
            "failed_amount",
            "pending_amount",
            "error",
            "job",
        ]
        read_only_fields = fields


class RosterRunDetailSerializer(RosterRunSerializer):
    reconciliation = serializers.SerializerMethodField()

    class Meta(RosterRunSerializer.Meta):
        fields = [*RosterRunSerializer.Meta.fields, "reconciliation"]
        read_only_fields = fields

    @extend_schema(responses=ReconciliationSerializer)
    def get_reconciliation(self, run) -> dict:
        return ReconciliationSerializer(selectors.reconciliation(run)).data


class RosterStartSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="发放月份（任一日期，按所在月计）")
    assistance_type = serializers.PrimaryKeyRelatedField(
        queryset=AssistanceType.objects.filter(active=True)
    )
    kind = serializers.ChoiceField(choices=RunKind.choices, default=RunKind.REGULAR)


class RosterLineSerializer(serializers.ModelSerializer):
    village_name = serializers.CharField(source="village.name", read_only=True)
    account = serializers.CharField(source="masked_account", read_only=True)
    why = serializers.SerializerMethodField()
    detail = serializers.SerializerMethodField()

    class Meta:
        model = RosterLine
        fields = [
            "id",
            "line_no",
            "line_id",
            "recipient",
            "village",
            "village_name",
            "kind",
            "source",
            "month",
            "name",
            "bank",
            "account",
            "amount",
            "channel",
            "result",
            "result_reason",
            "detail",
            "why",
        ]
        read_only_fields = fields

    def get_why(self, line) -> str:
        return selectors.line_why(line)

    def get_detail(self, line) -> dict:
        return line.why_detail


class RosterExportSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = RosterExport
        fields = [
            "id",
            "filename",
            "format",
            "sha256",
            "size",
            "row_count",
            "total_amount",
            "exported_by",
            "exported_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, export) -> str:
        return reverse("rosters:export_download", args=[export.run_id, export.pk])


class ExportStartSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=RosterExport.Format.choices)


class JobSerializer(serializers.Serializer):
    job = serializers.IntegerField()
    status = serializers.CharField()
    message = serializers.CharField()
    export = RosterExportSerializer(allow_null=True)


class ResultImportSerializer(serializers.ModelSerializer):
    created = serializers.BooleanField(read_only=True)

    class Meta:
        model = PaymentResultImport
        fields = [
            "id",
            "filename",
            "sha256",
            "row_count",
            "paid_count",
            "failed_count",
            "paid_amount",
            "failed_amount",
            "imported_by",
            "imported_at",
            "created",
        ]
        read_only_fields = fields


class ResultUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class LinePagination(PageNumberPagination):
    page_size = 100
    max_page_size = 1000
    page_size_query_param = "page_size"


class RosterRunViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    parser_classes = [ObjectJSONParser, FormParser, MultiPartParser]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        params = self.request.query_params
        state = params.get("state", "")
        qs = selectors.roster_runs_listed(
            self.request.user, state=state if state in RunState.values else ""
        )
        year = params.get("year", "")
        if year.isascii() and year.isdigit():  # a year no roster has (99999…): none
            qs = qs.filter(month__year=int(year)) if len(year) <= 4 else qs.none()
        township = params.get("township", "")
        if township.isascii() and township.isdigit():  # larger than any key: none
            pk = as_pk(township)
            qs = qs.filter(township_id=pk) if pk else qs.none()
        return qs

    def get_serializer_class(self):
        return RosterRunDetailSerializer if self.action == "retrieve" else RosterRunSerializer

    def get_object(self):
        return selectors.roster_run_get_for_user(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(request=RosterStartSerializer, responses={201: RosterRunSerializer})
    def create(self, request):
        data = RosterStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = services.roster_run_start(
            township=request.user.region,
            month=data.validated_data["month"],
            assistance_type=data.validated_data["assistance_type"],
            kind=data.validated_data["kind"],
            actor=request.user,
        )
        run = selectors.roster_run_get_for_user(user=request.user, pk=run.pk)
        return Response(RosterRunSerializer(run).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        services.roster_discard(run=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _act(self, service):
        run = service(run=self.get_object(), actor=self.request.user)
        run = selectors.roster_run_get_for_user(user=self.request.user, pk=run.pk)
        return Response(RosterRunDetailSerializer(run).data)

    @extend_schema(request=None, responses=RosterRunDetailSerializer)
    @action(detail=True, methods=["post"])
    def check(self, request, pk=None):
        return self._act(services.roster_check)

    @extend_schema(request=None, responses=RosterRunDetailSerializer)
    @action(detail=True, methods=["post"])
    def lock(self, request, pk=None):
        return self._act(services.roster_lock)

    @extend_schema(request=None, responses=RosterRunDetailSerializer)
    @action(detail=True, methods=["post"])
    def recompute(self, request, pk=None):
        return self._act(services.roster_recompute)

    @extend_schema(responses=RosterLineSerializer(many=True))
    @action(detail=True, methods=["get"])
    def lines(self, request, pk=None):
        params = request.query_params
        qs = selectors.roster_lines(
            self.get_object(),
            kind=params.get("kind", "") if params.get("kind") in LineKind.values else "",
            channel=params.get("channel", ""),
            result=params.get("result", ""),
        )
        paginator = LinePagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(RosterLineSerializer(page, many=True).data)

    @extend_schema(methods=["post"], request=ExportStartSerializer, responses={202: JobSerializer})
    @extend_schema(methods=["get"], responses=RosterExportSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def exports(self, request, pk=None):
        run = self.get_object()
        if request.method == "GET":
            if not services.may_export(request.user, run.township):
                raise PermissionDenied("只有本乡镇(街道)的经办人或审核人可以查看发放文件")
            return Response(RosterExportSerializer(run.exports.all(), many=True).data)
        data = ExportStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.roster_export_start(
            run=run,
            fmt=data.validated_data["format"],
            actor=request.user,
        )
        job.refresh_from_db()
        export_id = (job.params or {}).get("export_id")
        export = run.exports.filter(pk=export_id).first() if export_id else None
        return Response(
            JobSerializer(
                {"job": job.pk, "status": job.status, "message": job.message, "export": export}
            ).data,
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(request=ResultUploadSerializer, responses={200: ResultImportSerializer})
    @action(detail=True, methods=["post"])
    def results(self, request, pk=None):
        run = self.get_object()
        data = ResultUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        record, created = services.roster_import_results(
            run=run,
            filename=upload.name,
            data=upload.read(import_read_limit()),
            actor=request.user,
        )
        record.created = created
        return Response(ResultImportSerializer(record).data)


def register(router) -> None:
    router.register("rosters", RosterRunViewSet, basename="roster")

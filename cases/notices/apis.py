"""The notice API (/api/notices/…): batches (list, detail, create, publish, remove a case,
withdraw) and objections (list, detail, record at the township, feedback). The same
selectors and services as the pages; service errors answer through the one exception
handler (relief/api_errors.py), another township's batch or objection is a 404."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from cases.models import Case
from cases.notices import selectors, services
from cases.notices.serializers import (
    NoticeBatchCreateSerializer,
    NoticeBatchDetailSerializer,
    NoticeBatchPhotoSerializer,
    NoticeBatchRemoveSerializer,
    NoticeBatchSerializer,
    NoticeBatchWithdrawSerializer,
    ObjectionCreateSerializer,
    ObjectionFeedbackSerializer,
    ObjectionRecordedSerializer,
    ObjectionSerializer,
)
from cases.workflow.selectors import case_list_for_user
from cases.workflow.services import client_address_of
from relief.scoping import villages_for_user


def _require_role(user, roles, message: str) -> None:
    """The pages' role rule (cases/notices/views.py): reads too, not only the writes the
    services check; scoping then narrows what the role sees."""
    if not (user.is_superuser or user.has_role(*roles)):
        raise PermissionDenied(message)


def _detail(request, pk) -> Response:
    batch = selectors.notice_batch_get_for_user(user=request.user, pk=pk)
    return Response(NoticeBatchDetailSerializer(batch).data)


class NoticeBatchViewSet(viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"
    serializer_class = NoticeBatchSerializer

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        _require_role(request.user, services.READ_ROLES, "您的角色无权查看公示批次")

    def get_queryset(self):
        return selectors.notice_batches_for_user(user=self.request.user)

    @extend_schema(summary="公示批次（本人辖区）", responses=NoticeBatchSerializer(many=True))
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(NoticeBatchSerializer(page, many=True).data)

    @extend_schema(summary="一个公示批次及其公示户", responses=NoticeBatchDetailSerializer)
    def retrieve(self, request, pk=None):
        return _detail(request, pk)

    @extend_schema(
        summary="新建公示批次（本村待公示案件，公示期按政策）",
        request=NoticeBatchCreateSerializer,
        responses={201: NoticeBatchDetailSerializer},
    )
    def create(self, request):
        data = NoticeBatchCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        village = get_object_or_404(villages_for_user(request.user), pk=values["village"])
        ids = list(dict.fromkeys(values["cases"]))
        cases = list(case_list_for_user(user=request.user).filter(pk__in=ids))
        found = {c.pk for c in cases}
        missing = [str(pk) for pk in ids if pk not in found]
        if missing:
            raise ValidationError({"cases": [f"案件不存在或不在您的辖区：{'、'.join(missing)}"]})
        cases.sort(key=lambda c: ids.index(c.pk))
        batch = services.batch_create(
            actor=request.user,
            village=village,
            kind=values["kind"],
            cases=cases,
            starts_on=values["starts_on"],
            place=values["place"],
            phone=values["phone"],
            days=values.get("days"),
        )
        response = _detail(request, batch.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(summary="发布公示批次", request=None, responses=NoticeBatchDetailSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        batch = selectors.notice_batch_get_for_user(user=request.user, pk=pk)
        services.batch_publish(
            batch=batch, actor=request.user, client_address=client_address_of(request)
        )
        return _detail(request, pk)

    @extend_schema(
        summary="从未发布的公示批次移出一户",
        request=NoticeBatchRemoveSerializer,
        responses=NoticeBatchDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        batch = selectors.notice_batch_get_for_user(user=request.user, pk=pk)
        data = NoticeBatchRemoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = Case.objects.filter(pk=data.validated_data["case"], notice_entries__batch=batch)
        found = case.first()
        if found is None:
            raise ValidationError({"case": ["该户不在本批公示名单中"]})
        services.batch_remove_case(batch=batch, case=found, actor=request.user)
        return _detail(request, pk)

    @extend_schema(
        summary="上传公示张贴照片（发布后；JPEG或PNG，按内容识别，存入每户档案）",
        request={"multipart/form-data": NoticeBatchPhotoSerializer},
        responses=NoticeBatchDetailSerializer,
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def photo(self, request, pk=None):
        batch = selectors.notice_batch_get_for_user(user=request.user, pk=pk)
        data = NoticeBatchPhotoSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.batch_upload_photo(
            batch=batch, actor=request.user, uploaded_file=data.validated_data["file"]
        )
        return _detail(request, pk)

    @extend_schema(
        summary="撤回公示批次（公示开始前，须填写理由）",
        request=NoticeBatchWithdrawSerializer,
        responses=NoticeBatchDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        batch = selectors.notice_batch_get_for_user(user=request.user, pk=pk)
        data = NoticeBatchWithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.batch_withdraw(
            batch=batch, actor=request.user, reason=data.validated_data["reason"]
        )
        return _detail(request, pk)


class ObjectionViewSet(viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"
    serializer_class = ObjectionSerializer

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        _require_role(
            request.user,
            services.OBJECTION_READ_ROLES,
            "公示异议载有异议人及其联系方式，您的角色无权查看",
        )

    def get_queryset(self):
        return selectors.objections_for_user(user=self.request.user)

    @extend_schema(
        summary="公示异议与期外投诉（本人辖区）", responses=ObjectionSerializer(many=True)
    )
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ObjectionSerializer(page, many=True).data)

    @extend_schema(summary="一条公示异议", responses=ObjectionSerializer)
    def retrieve(self, request, pk=None):
        objection = selectors.objection_get_for_user(user=request.user, pk=pk)
        return Response(ObjectionSerializer(objection).data)

    @extend_schema(
        summary="乡镇登记公示异议（公示期内转入异议复查，期外按投诉登记）",
        request=ObjectionCreateSerializer,
        responses={201: ObjectionRecordedSerializer},
    )
    def create(self, request):
        data = ObjectionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        case = get_object_or_404(case_list_for_user(user=request.user), pk=values["case"])
        batch = None
        if values.get("batch"):
            batch = get_object_or_404(
                selectors.notice_batches_for_user(user=request.user), pk=values["batch"]
            )
        outcome = services.objection_record(
            case=case,
            batch=batch,
            text=values["text"],
            actor=request.user,
            raised_by=values.get("raised_by", ""),
            contact=values.get("contact", ""),
            anonymous=values["anonymous"],
            client_address=client_address_of(request),
        )
        objection = selectors.objection_get_for_user(user=request.user, pk=outcome.objection.pk)
        body = ObjectionRecordedSerializer({"objection": objection, "message": outcome.message})
        return Response(body.data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="异议处理结果反馈",
        request=ObjectionFeedbackSerializer,
        responses=ObjectionSerializer,
    )
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        objection = selectors.objection_get_for_user(user=request.user, pk=pk)
        data = ObjectionFeedbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.objection_feedback(
            objection=objection, actor=request.user, feedback=data.validated_data["feedback"]
        )
        objection = selectors.objection_get_for_user(user=request.user, pk=pk)
        return Response(ObjectionSerializer(objection).data)


def register(router) -> None:
    router.register("notices/batches", NoticeBatchViewSet, basename="notice-batch")
    router.register("notices/objections", ObjectionViewSet, basename="notice-objection")

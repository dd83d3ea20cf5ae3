"""Intake API under /api/intake/ (for the mobile client and integrations). Thin: every
write calls the same cases/intake/services function as the browser; every case comes through
case_get_for_user (404 outside the user's region). Each view reads its input through an input
serializer and answers through an output serializer (cases/intake/serializers.py); errors, the
serializers' and the services', answer through relief.api_errors in one shape, at the field.

  POST /api/intake/applications/                    register an application (draft)
  GET  /api/intake/cases/{id}/                      household, checklist, survey, checks, amount
  POST /api/intake/cases/{id}/members/              add a member
  PUT|DELETE /api/intake/cases/{id}/members/{mid}/  edit / remove a member
  POST /api/intake/cases/{id}/items/{kind}/         add income | spending | asset
  POST /api/intake/cases/{id}/checklist/            {"provided": [codes], "notes": {code: note}}
  GET|PUT /api/intake/cases/{id}/survey/            home-visit survey; {"finish": true} completes it
  POST /api/intake/cases/{id}/check-request/        request the economic check
  POST /api/intake/cases/{id}/compute-amount/       eligibility and amount
  POST /api/intake/cases/{id}/documents/            multipart upload (kind, file)
  GET  /api/intake/checks/                          the verifier's queue
  POST /api/intake/checks/{id}/return/              multipart: conclusion, results (JSON), report
  POST /api/intake/checks/import/                   multipart file (CSV/XLSX), all or nothing
  GET|POST /api/intake/near-relatives/              register; POST …/{id}/deactivate/
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from archive.services import document_upload
from cases.intake import serializers as ser
from cases.intake.check_import import check_results_import, read_upload
from cases.intake.reveal import check_queue_id_numbers_reveal
from cases.intake.selectors import (
    case_intake_context,
    check_get_for_user,
    check_queue_for_user,
    near_relative_get_for_user,
    near_relatives_for_user,
    survey_for_case,
)
from cases.intake.serializers import validated
from cases.intake.services import amounts as amounts_services
from cases.intake.services import application as application_services
from cases.intake.services import checks as checks_services
from cases.intake.services import household as household_services
from cases.intake.services import near_relatives as near_relatives_services
from cases.intake.services import survey as survey_services
from cases.models import Case, Member
from cases.workflow.selectors import case_get_for_user
from cases.workflow.services import client_address_of
from relief.models import AssistanceType, Role
from relief.personal_data import reveal_where
from relief.scoping import villages_for_user

#: Bodies are plain JSON (or multipart where a file is sent); the shapes are in
#: cases/intake/serializers.py and answered errors name the field.
_schema = extend_schema(
    parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
)
_MULTIPART = "multipart/form-data"


def _case_data(case: Case, user) -> dict:
    return ser.intake_case_data(case, case_intake_context(case, user))


class ApplicationViewSet(viewsets.ViewSet):
    @extend_schema(
        summary="登记申请（草稿）",
        request=ser.ApplicationInputSerializer,
        responses={201: ser.IntakeCaseSerializer},
    )
    def create(self, request):
        data = validated(ser.ApplicationInputSerializer, request.data)
        village = villages_for_user(request.user).filter(pk=data["village"]).first()
        atype = AssistanceType.objects.filter(code=data["assistance_type"], active=True).first()
        case = application_services.application_create(
            actor=request.user,
            village=village,
            assistance_type=atype,
            household=data["household"],
            members=data["members"],
            source=data.get("source") or Case.Source.APPLICATION,
            proxy=data.get("proxy") or {},
            duplicate_override_reason=data.get("duplicate_override_reason", ""),
        )
        return Response(_case_data(case, request.user), status=status.HTTP_201_CREATED)


@_schema
class IntakeCaseViewSet(viewsets.ViewSet):
    lookup_value_regex = r"\d+"

    def _case(self, request, pk) -> Case:
        return case_get_for_user(user=request.user, pk=pk)

    @extend_schema(summary="案件受理信息", request=None, responses=ser.IntakeCaseSerializer)
    def retrieve(self, request, pk=None):
        return Response(_case_data(self._case(request, pk), request.user))

    @extend_schema(
        summary="添加家庭成员",
        request=ser.MemberWriteInputSerializer,
        responses={201: ser.MemberSerializer},
    )
    @action(detail=True, methods=["post"])
    def members(self, request, pk=None):
        case = self._case(request, pk)
        data = validated(ser.MemberWriteInputSerializer, request.data)
        override = data.pop("duplicate_override_reason", "")
        member = household_services.member_save(
            case=case, actor=request.user, data=data, duplicate_override_reason=override
        )
        return Response(ser.MemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PUT", "PATCH"],
        summary="修改家庭成员",
        request=ser.MemberWriteInputSerializer,
        responses=ser.MemberSerializer,
    )
    @extend_schema(methods=["DELETE"], summary="删除家庭成员", request=None, responses={204: None})
    @action(detail=True, methods=["put", "patch", "delete"], url_path=r"members/(?P<member_pk>\d+)")
    def member(self, request, pk=None, member_pk=None):
        case = self._case(request, pk)
        member = get_object_or_404(Member, pk=member_pk, household_id=case.household_id)
        if request.method == "DELETE":
            household_services.member_delete(case=case, actor=request.user, member=member)
            return Response(status=status.HTTP_204_NO_CONTENT)
        partial = request.method == "PATCH"
        data = validated(ser.MemberWriteInputSerializer, request.data, partial=partial)
        override = data.pop("duplicate_override_reason", "")
        if partial:  # the fields not sent keep the member's values (ID number in full)
            data = {**ser.MemberInputSerializer(member).data, **data}
        member = household_services.member_save(
            case=case,
            actor=request.user,
            data=data,
            member=member,
            duplicate_override_reason=override,
        )
        return Response(ser.MemberSerializer(member).data)

    @extend_schema(
        summary="添加收入、支出或财产",
        request=ser.HouseholdItemInputSerializer,
        responses={201: ser.CreatedSerializer},
    )
    @action(detail=True, methods=["post"], url_path=r"items/(?P<kind>income|spending|asset)")
    def items(self, request, pk=None, kind=None):
        case = self._case(request, pk)
        data = validated(ser.HouseholdItemInputSerializer, request.data)
        item = household_services.household_item_save(
            case=case, actor=request.user, kind=kind, data=data
        )
        return Response(ser.CreatedSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="记录原件核验（未上传的材料须填写说明）",
        request=ser.ChecklistInputSerializer,
        responses=ser.ChecklistResultSerializer,
    )
    @action(detail=True, methods=["post"])
    def checklist(self, request, pk=None):
        case = self._case(request, pk)
        data = validated(ser.ChecklistInputSerializer, request.data)
        application_services.checklist_update(
            case=case,
            actor=request.user,
            provided=data["provided"],
            notes=data.get("notes", {}),
            client_address=client_address_of(request),
        )
        return Response(ser.ChecklistResultSerializer(case).data)

    @extend_schema(
        methods=["GET"], summary="入户调查", request=None, responses=ser.SurveySerializer
    )
    @extend_schema(
        methods=["PUT"],
        summary="保存入户调查（finish 为 true 时完成）",
        request={
            "application/json": ser.SurveyInputSerializer,
            _MULTIPART: ser.SurveyInputSerializer,
        },
        responses=ser.SurveySerializer,
    )
    @action(detail=True, methods=["get", "put"])
    def survey(self, request, pk=None):
        case = self._case(request, pk)
        if request.method == "GET":
            survey = survey_for_case(case)
            return Response(ser.SurveySerializer(survey).data if survey else ser.NO_SURVEY)
        data = validated(ser.SurveyInputSerializer, request.data)
        survey = survey_services.survey_save(
            case=case,
            actor=request.user,
            data={
                k: data.get(k)
                for k in ("visit_date", "investigators", "housing", "living_conditions", "findings")
            },
            finish=data.get("finish", False),
            photos=data.get("photos", []),
        )
        return Response(ser.SurveySerializer(survey).data)

    @extend_schema(
        summary="申请经济状况核对", request=None, responses={201: ser.CheckStatusSerializer}
    )
    @action(detail=True, methods=["post"], url_path="check-request")
    def check_request(self, request, pk=None):
        case = self._case(request, pk)
        check = checks_services.check_request(case=case, actor=request.user)
        return Response(ser.CheckStatusSerializer(check).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="认定与金额计算", request=None, responses=ser.ComputationSerializer)
    @action(detail=True, methods=["post"], url_path="compute-amount")
    def compute_amount(self, request, pk=None):
        case = self._case(request, pk)
        computation = amounts_services.case_compute_amount(case=case, actor=request.user)
        return Response(ser.ComputationSerializer(computation).data)

    @extend_schema(
        summary="上传材料",
        request={_MULTIPART: ser.DocumentUploadSerializer},
        responses={201: ser.DocumentSerializer},
    )
    @action(detail=True, methods=["post"])
    def documents(self, request, pk=None):
        case = self._case(request, pk)
        data = validated(ser.DocumentUploadSerializer, request.data)
        doc = document_upload(
            case=case,
            kind=data.get("kind", ""),
            uploaded_file=data["file"],
            actor=request.user,
            title=data.get("title", ""),
        )
        return Response(ser.DocumentSerializer(doc).data, status=status.HTTP_201_CREATED)


@_schema
class CheckViewSet(viewsets.ViewSet):
    lookup_value_regex = r"\d+"

    @extend_schema(summary="核对队列", request=None, responses=ser.CheckQueueSerializer(many=True))
    def list(self, request):
        if not request.user.has_role(Role.COUNTY_VERIFIER):
            raise PermissionDenied("只有县核对机构可以查看核对队列")
        checks = list(
            check_queue_for_user(user=request.user).prefetch_related("case__household__members")[
                :500
            ]
        )
        check_queue_id_numbers_reveal(user=request.user, checks=checks, where=reveal_where(request))
        response = Response(ser.CheckQueueSerializer(checks, many=True).data)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        summary="回传核对报告",
        request={_MULTIPART: ser.CheckReturnInputSerializer},
        responses=ser.CheckStatusSerializer,
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_report(self, request, pk=None):
        check = check_get_for_user(user=request.user, pk=pk)
        data = validated(ser.CheckReturnInputSerializer, request.data)
        check = checks_services.check_return(
            check=check,
            actor=request.user,
            conclusion=data["conclusion"],
            conclusion_note=data.get("conclusion_note", ""),
            member_results=data.get("results", []),
            report_file=data.get("report"),
        )
        return Response(ser.CheckStatusSerializer(check).data)

    @extend_schema(
        summary="导入核对结果（全部或不导入）",
        request={_MULTIPART: ser.CheckImportInputSerializer},
        responses={200: ser.CheckImportResultSerializer, 400: ser.CheckImportRejectedSerializer},
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_file(self, request):
        upload = validated(ser.CheckImportInputSerializer, request.data)["file"]
        result = check_results_import(
            actor=request.user, content=read_upload(upload), file_name=upload.name
        )
        return Response(ser.CheckImportResultSerializer(result).data)


@_schema
class NearRelativeViewSet(viewsets.ViewSet):
    lookup_value_regex = r"\d+"

    @extend_schema(
        summary="近亲属备案列表", request=None, responses=ser.NearRelativeSerializer(many=True)
    )
    def list(self, request):
        entries = near_relatives_for_user(user=request.user)[:1000]
        return Response(ser.NearRelativeSerializer(entries, many=True).data)

    @extend_schema(
        summary="近亲属备案登记",
        request=ser.NearRelativeInputSerializer,
        responses={201: ser.CreatedSerializer},
    )
    def create(self, request):
        data = validated(ser.NearRelativeInputSerializer, request.data)
        entry = near_relatives_services.near_relative_register(actor=request.user, data=data)
        return Response(ser.CreatedSerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="撤销近亲属备案",
        request=ser.DeactivateInputSerializer,
        responses=ser.DeactivatedSerializer,
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        entry = near_relative_get_for_user(user=request.user, pk=pk)
        data = validated(ser.DeactivateInputSerializer, request.data)
        entry = near_relatives_services.near_relative_deactivate(
            actor=request.user,
            entry=entry,
            reason=data.get("reason", ""),
            client_address=client_address_of(request),
        )
        return Response(ser.DeactivatedSerializer(entry).data)


def register(router) -> None:
    """Register this module's viewsets on the /api/ router."""
    router.register("intake/applications", ApplicationViewSet, basename="intake-application")
    router.register("intake/cases", IntakeCaseViewSet, basename="intake-case")
    router.register("intake/checks", CheckViewSet, basename="intake-check")
    router.register("intake/near-relatives", NearRelativeViewSet, basename="intake-near-relative")

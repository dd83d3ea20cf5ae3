"""Intake API under /api/intake/ (for the mobile client and integrations). Thin: every
write calls the same cases/intake/services function as the browser; every case comes through
case_get_for_user (404 outside the user's region). Validation errors answer 400 with
{field: [Chinese messages]}.

  POST /api/intake/applications/                    register an application (draft)
  GET  /api/intake/cases/{id}/                      household, checklist, survey, checks, amount
  POST /api/intake/cases/{id}/members/              add a member
  PUT|DELETE /api/intake/cases/{id}/members/{mid}/  edit / remove a member
  POST /api/intake/cases/{id}/items/{kind}/         add income | spending | asset
  POST /api/intake/cases/{id}/checklist/            {"provided": [codes]}
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

import json

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from archive.services import document_upload
from cases.intake import serializers as ser
from cases.intake.check_import import ImportRejected, check_results_import, read_upload
from cases.intake.selectors import (
    case_intake_context,
    check_get_for_user,
    check_queue_for_user,
    near_relative_get_for_user,
    near_relatives_for_user,
)
from cases.intake.services import amounts as amounts_services
from cases.intake.services import application as application_services
from cases.intake.services import checks as checks_services
from cases.intake.services import household as household_services
from cases.intake.services import near_relatives as near_relatives_services
from cases.intake.services import survey as survey_services
from cases.models import Asset, Case, IncomeItem, Member, Spending, Survey
from cases.workflow.selectors import case_get_for_user
from cases.workflow.services import client_address_of
from relief.errors import error_body
from relief.models import AssistanceType, Role
from relief.parsing import as_pk
from relief.scoping import villages_for_user

ITEM_MODELS = {"income": IncomeItem, "spending": Spending, "asset": Asset}


def member_json(m: Member) -> dict:
    return {
        "id": m.pk,
        "name": m.name,
        "id_number": m.id_number,
        "relation": m.relation,
        "sex": m.sex,
        "birth_date": m.birth_date.isoformat(),
        "hukou_type": m.hukou_type,
        "disability_type": m.disability_type,
        "disability_grade": m.disability_grade,
        "serious_illness": m.serious_illness,
        "work_capacity": m.work_capacity,
        "is_student": m.is_student,
        "employment": m.employment,
        "covered": m.covered,
    }


#: What GET …/survey/ answers for a case without a survey: the same shape, every field null.
NO_SURVEY = dict.fromkeys(ser.SurveySerializer().fields)


def survey_json(s: Survey | None) -> dict | None:
    if s is None:
        return None
    return {
        "visit_date": s.visit_date.isoformat() if s.visit_date else None,
        "investigators": s.investigators,
        "housing": s.housing,
        "living_conditions": s.living_conditions,
        "findings": s.findings,
        "status": s.status,
        "updated_at": s.updated_at.isoformat(),
    }


def case_json(case: Case, user) -> dict:
    ctx = case_intake_context(case, user)
    comp = ctx["computation"]
    return {
        "id": case.pk,
        "number": case.number,
        "state": case.state,
        "assistance_type": case.assistance_type.code,
        "township": case.township.name,
        "village": case.village.name,
        "source": case.source,
        "near_relative_flag": case.near_relative_flag,
        "documents_complete": case.documents_complete,
        "check_status": case.check_status,
        "survey_status": case.survey_status,
        "monthly_amount": str(case.monthly_amount) if case.monthly_amount is not None else None,
        "household": {
            "address": ctx["household"].address,
            "hukou_type": ctx["household"].hukou_type,
        },
        "members": [member_json(m) for m in ctx["members"]],
        "incomes": [
            {
                "id": i.pk,
                "member": i.member_id,
                "category": i.category,
                "kind": i.kind,
                "excluded": i.excluded,
                "monthly_amount": str(i.monthly_amount),
            }
            for i in ctx["incomes"]
        ],
        "spendings": [
            {
                "id": s.pk,
                "member": s.member_id,
                "category": s.category,
                "monthly_amount": str(s.monthly_amount),
            }
            for s in ctx["spendings"]
        ],
        "assets": [
            {
                "id": a.pk,
                "member": a.member_id,
                "kind": a.kind,
                "quantity": a.quantity,
                "value": str(a.value),
            }
            for a in ctx["assets"]
        ],
        "checklist": [
            {
                "code": r["code"],
                "name": r["name"],
                "required": r["required"],
                "provided": r["provided"],
            }
            for r in ctx["checklist"]
        ],
        "survey": survey_json(ctx["survey"]),
        "checks": [
            {"id": c.pk, "status": c.status, "conclusion": c.conclusion} for c in ctx["checks"]
        ],
        "computation": {
            "eligible": comp.eligible,
            "margin": comp.margin,
            "monthly_amount": str(comp.monthly_amount) if comp.monthly_amount is not None else None,
            "steps": comp.steps,
        }
        if comp
        else None,
        "duplicates": [
            {"number": d.number, "township": d.township.name} for d in ctx["duplicates"]
        ],
        "edits": [
            {
                "at": e.created_at.isoformat(),
                "actor": e.actor_name,
                "action": e.action,
                "entity": e.entity_label,
                "changes": e.changes,
            }
            for e in ctx["edits"]
        ],
    }


#: Bodies are plain JSON (or multipart where a file is sent); the shapes are in
#: cases/intake/serializers.py and answered errors name the field.
_schema = extend_schema(
    parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
)
_MULTIPART = "multipart/form-data"


class ApplicationViewSet(viewsets.ViewSet):
    @extend_schema(
        summary="登记申请（草稿）",
        request=ser.ApplicationInputSerializer,
        responses={201: ser.IntakeCaseSerializer},
    )
    def create(self, request):
        data = request.data
        village = villages_for_user(request.user).filter(pk=as_pk(data.get("village"))).first()
        atype = AssistanceType.objects.filter(
            code=data.get("assistance_type") or "", active=True
        ).first()
        case = application_services.application_create(
            actor=request.user,
            village=village,
            assistance_type=atype,
            household=data.get("household") or {},
            members=list(data.get("members") or []),
            source=data.get("source") or Case.Source.APPLICATION,
            proxy=data.get("proxy") or {},
        )
        return Response(case_json(case, request.user), status=status.HTTP_201_CREATED)


@_schema
class IntakeCaseViewSet(viewsets.ViewSet):
    lookup_value_regex = r"\d+"

    def _case(self, request, pk) -> Case:
        return case_get_for_user(user=request.user, pk=pk)

    @extend_schema(summary="案件受理信息", request=None, responses=ser.IntakeCaseSerializer)
    def retrieve(self, request, pk=None):
        return Response(case_json(self._case(request, pk), request.user))

    @extend_schema(
        summary="添加家庭成员",
        request=ser.MemberInputSerializer,
        responses={201: ser.MemberSerializer},
    )
    @action(detail=True, methods=["post"])
    def members(self, request, pk=None):
        case = self._case(request, pk)
        member = household_services.member_save(
            case=case,
            actor=request.user,
            data=dict(request.data.items()),
        )
        return Response(member_json(member), status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PUT", "PATCH"],
        summary="修改家庭成员",
        request=ser.MemberInputSerializer,
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
        data = member_json(member) if request.method == "PATCH" else {}
        data.update(dict(request.data.items()))
        member = household_services.member_save(
            case=case, actor=request.user, data=data, member=member
        )
        return Response(member_json(member))

    @extend_schema(
        summary="添加收入、支出或财产",
        request=ser.HouseholdItemInputSerializer,
        responses={201: ser.CreatedSerializer},
    )
    @action(detail=True, methods=["post"], url_path=r"items/(?P<kind>income|spending|asset)")
    def items(self, request, pk=None, kind=None):
        case = self._case(request, pk)
        item = household_services.household_item_save(
            case=case,
            actor=request.user,
            kind=kind,
            data=dict(request.data.items()),
        )
        return Response({"id": item.pk}, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="登记已提供的材料",
        request=ser.ChecklistInputSerializer,
        responses=ser.ChecklistResultSerializer,
    )
    @action(detail=True, methods=["post"])
    def checklist(self, request, pk=None):
        case = self._case(request, pk)
        rows = application_services.checklist_update(
            case=case,
            actor=request.user,
            provided=list(request.data.get("provided") or []),
        )
        return Response(
            {
                "documents_complete": case.documents_complete,
                "missing": [r["name"] for r in rows if r["required"] and not r["provided"]],
            }
        )

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
            survey = getattr(case, "survey", None) if hasattr(case, "survey") else None
            return Response(survey_json(survey) if survey is not None else NO_SURVEY)
        data = request.data
        finish = data.get("finish") in (True, "true", "1", 1, "on")
        payload = {
            k: data.get(k) for k in ("visit_date", "housing", "living_conditions", "findings")
        }
        payload["investigators"] = (
            data.getlist("investigators") if hasattr(data, "getlist") else data.get("investigators")
        )
        photos = request.FILES.getlist("photos") if request.FILES else []
        survey = survey_services.survey_save(
            case=case,
            actor=request.user,
            data=payload,
            finish=finish,
            photos=photos,
        )
        return Response(survey_json(survey))

    @extend_schema(
        summary="申请经济状况核对", request=None, responses={201: ser.CheckStatusSerializer}
    )
    @action(detail=True, methods=["post"], url_path="check-request")
    def check_request(self, request, pk=None):
        case = self._case(request, pk)
        check = checks_services.check_request(case=case, actor=request.user)
        return Response({"id": check.pk, "status": check.status}, status=status.HTTP_201_CREATED)

    @extend_schema(summary="认定与金额计算", request=None, responses=ser.ComputationSerializer)
    @action(detail=True, methods=["post"], url_path="compute-amount")
    def compute_amount(self, request, pk=None):
        case = self._case(request, pk)
        comp = amounts_services.case_compute_amount(case=case, actor=request.user)
        return Response(
            {
                "eligible": comp.eligible,
                "margin": comp.margin,
                "steps": comp.steps,
                "monthly_amount": str(comp.monthly_amount)
                if comp.monthly_amount is not None
                else None,
            }
        )

    @extend_schema(
        summary="上传材料",
        request={_MULTIPART: ser.DocumentUploadSerializer},
        responses={201: ser.DocumentSerializer},
    )
    @action(detail=True, methods=["post"])
    def documents(self, request, pk=None):
        case = self._case(request, pk)
        file = request.FILES.get("file")
        if file is None:
            raise ValidationError({"file": ["请选择要上传的文件"]})
        doc = document_upload(
            case=case,
            kind=request.data.get("kind", ""),
            uploaded_file=file,
            actor=request.user,
            title=request.data.get("title", ""),
        )
        return Response(
            {
                "id": doc.pk,
                "content_type": doc.content_type,
                "sha256": doc.sha256,
                "size": doc.size,
            },
            status=status.HTTP_201_CREATED,
        )


@_schema
class CheckViewSet(viewsets.ViewSet):
    lookup_value_regex = r"\d+"

    @extend_schema(summary="核对队列", request=None, responses=ser.CheckQueueSerializer(many=True))
    def list(self, request):
        if not request.user.has_role(Role.COUNTY_VERIFIER):
            raise PermissionDenied("只有县核对机构可以查看核对队列")
        return Response(
            [
                {
                    "id": c.pk,
                    "case": c.case_id,
                    "case_number": c.case.number,
                    "township": c.case.township.name,
                    "requested_at": c.requested_at.isoformat(),
                    "members": [
                        {"name": m.name, "id_number": m.id_number}
                        for m in c.case.household.members.all()
                    ],
                }
                for c in check_queue_for_user(user=request.user).prefetch_related(
                    "case__household__members"
                )[:500]
            ]
        )

    @extend_schema(
        summary="回传核对报告",
        request={_MULTIPART: ser.CheckReturnInputSerializer},
        responses=ser.CheckStatusSerializer,
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_report(self, request, pk=None):
        check = check_get_for_user(user=request.user, pk=pk)
        results = request.data.get("results") or []
        if isinstance(results, str):
            try:
                results = json.loads(results)
            except ValueError:
                raise ValidationError({"results": ["核对结果须为JSON数组"]})
        check = checks_services.check_return(
            check=check,
            actor=request.user,
            conclusion=request.data.get("conclusion", ""),
            conclusion_note=request.data.get("conclusion_note", ""),
            member_results=list(results),
            report_file=request.FILES.get("report"),
        )
        return Response({"id": check.pk, "status": check.status})

    @extend_schema(
        summary="导入核对结果（全部或不导入）",
        request={_MULTIPART: ser.CheckImportInputSerializer},
        responses={200: ser.CheckImportResultSerializer, 400: ser.CheckImportRejectedSerializer},
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_file(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": ["请选择要导入的文件"]})
        try:
            result = check_results_import(
                actor=request.user, content=read_upload(upload), file_name=upload.name
            )
        except ImportRejected as exc:
            reasons = [m if r is None else f"第{r}行：{m}" for r, m in exc.errors]
            return Response(
                error_body(
                    detail="导入未执行：文件中有错误，请修改后重新导入",
                    code="invalid",
                    errors={"file": reasons},
                    rejected=[{"row": r, "reason": m} for r, m in exc.errors],
                ),
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(
            {
                "already_imported": result.already_imported,
                "returned": result.returned,
                "unchanged": result.unchanged,
                "rows": result.rows,
            }
        )


@_schema
class NearRelativeViewSet(viewsets.ViewSet):
    lookup_value_regex = r"\d+"

    @extend_schema(
        summary="近亲属备案列表", request=None, responses=ser.NearRelativeSerializer(many=True)
    )
    def list(self, request):
        return Response(
            [
                {
                    "id": e.pk,
                    "township": e.township.name,
                    "worker_name": e.worker_name,
                    "worker_position": e.worker_position,
                    "relative_name": e.relative_name,
                    "relative_id_number": e.relative_id_number,
                    "relation": e.relation,
                    "active": e.active,
                }
                for e in near_relatives_for_user(user=request.user)[:1000]
            ]
        )

    @extend_schema(
        summary="近亲属备案登记",
        request=ser.NearRelativeInputSerializer,
        responses={201: ser.CreatedSerializer},
    )
    def create(self, request):
        entry = near_relatives_services.near_relative_register(
            actor=request.user,
            data=dict(request.data.items()),
        )
        return Response({"id": entry.pk}, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="撤销近亲属备案",
        request=ser.DeactivateInputSerializer,
        responses=ser.DeactivatedSerializer,
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        entry = near_relative_get_for_user(user=request.user, pk=pk)
        data = request.data if isinstance(request.data, dict) else {}
        near_relatives_services.near_relative_deactivate(
            actor=request.user,
            entry=entry,
            reason=data.get("reason") or "",
            client_address=client_address_of(request),
        )
        return Response({"id": entry.pk, "active": False})


def register(router) -> None:
    """Register this module's viewsets on the /api/ router."""
    router.register("intake/applications", ApplicationViewSet, basename="intake-application")
    router.register("intake/cases", IntakeCaseViewSet, basename="intake-case")
    router.register("intake/checks", CheckViewSet, basename="intake-check")
    router.register("intake/near-relatives", NearRelativeViewSet, basename="intake-near-relative")

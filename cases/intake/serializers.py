"""Input and output shapes of the intake API under /api/intake/, as documented in
``/api/schema/``. The input serializers check the shape and types of what a client sends
(:func:`validated` answers a field error in the same names the services use); the services
decide what is valid. The output serializers render exactly what each view answers."""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.intake.idnumbers import RECORDED, mask, mask_changes
from cases.intake.models.household import VILLAGE_GROUP_MAX
from cases.rules import missing_items
from relief.api_errors import ErrorSerializer
from relief.errors import NON_FIELD
from relief.masking import mask_health_details
from relief.parsing import MAX_PK


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=None, decimal_places=None, coerce_to_string=True, **kwargs
    )


def _text(**kwargs) -> serializers.CharField:
    """Text the service checks (required or not, its length): blank passes on to it, so the
    service's own message answers at the field."""
    return serializers.CharField(required=False, allow_blank=True, **kwargs)


def _pk(message: str, **kwargs) -> serializers.IntegerField:
    """An object's number: anything that is not one (a list, "abc", too large for the column)
    answers ``message`` at the field."""
    errors = dict.fromkeys(("invalid", "min_value", "max_value", "max_string_length"), message)
    return serializers.IntegerField(min_value=1, max_value=MAX_PK, error_messages=errors, **kwargs)


def _flat_errors(detail: dict, prefix: str = "") -> dict[str, Any]:
    """DRF's nested errors in the names the services and forms use: a nested object's fields
    by their own name (``address``, ``proxy_name``), the n-th row of a list of objects as
    ``members-n-name`` (a formset's prefix), an error about a whole value at that value's name,
    the bad items of a list of values as one list of messages at the list's name."""
    out: dict[str, Any] = {}
    for name, value in detail.items():
        key = prefix if name == NON_FIELD and prefix else str(name)
        if isinstance(value, list) and any(isinstance(v, dict) for v in value):
            value = dict(enumerate(value))  # rows of a list of objects (older DRF)
        if isinstance(value, dict) and value and all(isinstance(i, int) for i in value):
            for i, row in value.items():
                if isinstance(row, dict):
                    for k, v in row.items():
                        out[f"{key}-{i}" if k == NON_FIELD else f"{key}-{i}-{k}"] = v
                elif row:
                    out.setdefault(key, []).extend(f"第{i + 1}项：{m}" for m in row)
        elif isinstance(value, dict):
            out.update(_flat_errors(value, prefix=key))
        else:
            out[key] = value
    return out


def validated(serializer_class: type[serializers.Serializer], data: Any, **kwargs) -> dict:
    """The request data checked by ``serializer_class``: its validated data, or a 400 with the
    errors at the fields (see :func:`_flat_errors`)."""
    serializer = serializer_class(data=data, **kwargs)
    if not serializer.is_valid():
        raise serializers.ValidationError(_flat_errors(serializer.errors))
    return dict(serializer.validated_data)


@extend_schema_field(OpenApiTypes.STR)
class JsonArrayField(serializers.Field):
    """A JSON array, sent as a list in a JSON body or as its JSON text in a multipart form."""

    default_error_messages = {"invalid": "核对结果须为JSON数组"}

    def to_internal_value(self, data: Any) -> list:
        if isinstance(data, str):
            try:
                data = json.loads(data) if data.strip() else []
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, list):
            self.fail("invalid")
        return data

    def to_representation(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)


# --- input -------------------------------------------------------------------------------


class MemberInputSerializer(serializers.Serializer):
    name = _text(help_text="姓名")
    id_number = _text(help_text="身份证号")
    relation = _text(help_text="与申请人关系")
    sex = _text(help_text="性别（M/F）；不填时由身份证号推出")
    birth_date = serializers.DateField(
        required=False, allow_null=True, help_text="出生日期；不填时由身份证号推出"
    )
    hukou_type = _text(help_text="户籍类型")
    hukou_place = _text(help_text="户籍所在地")
    residence = _text(help_text="经常居住地")
    disability_type = _text()
    disability_grade = serializers.IntegerField(required=False, allow_null=True)
    serious_illness = _text()
    work_capacity = _text()
    is_student = serializers.BooleanField(required=False)
    employment = _text()
    covered = serializers.BooleanField(required=False)


OVERRIDE_HELP = "同意重复申请的理由：成员已有同类在办案件时，仅县民政局监管人员可填写，签入案件日志"


class MemberWriteInputSerializer(MemberInputSerializer):
    """A member added or edited on its own (not within a registration)."""

    duplicate_override_reason = _text(help_text=OVERRIDE_HELP)


class HouseholdInputSerializer(serializers.Serializer):
    address = _text(help_text="居住地址")
    village_group = _text(
        help_text=f"村民小组（可不填，不超过{VILLAGE_GROUP_MAX}字），如“第3村民小组”；公示时列出"
    )
    hukou_type = _text(help_text="户籍类型")
    phone = _text()
    bank_name = _text()
    bank_account = _text()


class ProxyInputSerializer(serializers.Serializer):
    proxy_name = _text()
    proxy_id_number = _text()
    proxy_relation = _text()


class ApplicationInputSerializer(serializers.Serializer):
    village = _pk("请选择村(社区)", help_text="村（居）编号，须在本人辖区内")
    assistance_type = serializers.CharField(help_text="救助类型代码")
    household = HouseholdInputSerializer()
    members = MemberInputSerializer(many=True)
    source = _text(help_text="来源，默认为本人申请")
    proxy = ProxyInputSerializer(required=False)
    duplicate_override_reason = _text(help_text=OVERRIDE_HELP)


class HouseholdItemInputSerializer(serializers.Serializer):
    member = _pk("请选择本户成员", required=False, allow_null=True, help_text="家庭成员编号")
    category = _text(help_text="收入或支出类别")
    kind = _text(help_text="收入计算口径，或财产类别")
    description = _text()
    monthly_amount = _money(required=False, help_text="月均金额（收入、支出）")
    quantity = serializers.IntegerField(
        required=False,
        error_messages=dict.fromkeys(("invalid", "max_string_length"), "数量应为1至1000的整数"),
        help_text="数量（财产）",
    )
    value = _money(required=False, help_text="价值（财产）")


class ChecklistInputSerializer(serializers.Serializer):
    provided = serializers.ListField(
        child=serializers.CharField(),
        help_text="经办人已核验原件的材料代码；已上传同类文件的材料不论是否列出都算已提供",
    )
    notes = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text="各材料的说明（材料代码 → 说明）；未上传而核验原件的材料须填写",
    )


class SurveyInputSerializer(serializers.Serializer):
    visit_date = serializers.DateField(required=False, allow_null=True)
    investigators = serializers.ListField(child=serializers.CharField(), required=False)
    housing = _text()
    living_conditions = _text()
    findings = _text()
    finish = serializers.BooleanField(required=False, help_text="true 时完成入户调查")
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="照片（multipart 时）"
    )


class DocumentUploadSerializer(serializers.Serializer):
    kind = _text(help_text="材料类别")
    title = _text()
    file = serializers.FileField(error_messages={"required": "请选择要上传的文件"})


class CheckReturnInputSerializer(serializers.Serializer):
    conclusion = serializers.CharField(help_text="核对结论")
    conclusion_note = _text()
    results = JsonArrayField(required=False, help_text="各成员核对结果，JSON 数组")
    report = serializers.FileField(required=False, help_text="核对报告")


class CheckImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(
        error_messages={"required": "请选择要导入的文件"},
        help_text="核对结果文件（CSV 或 XLSX）",
    )


class NearRelativeInputSerializer(serializers.Serializer):
    township = _pk("请选择本辖区的乡镇(街道)", required=False, allow_null=True)
    village = _pk("请选择村(社区)", required=False, allow_null=True)
    worker_name = _text()
    worker_position = _text()
    worker_user = _pk("请选择本县的系统账号", required=False, allow_null=True)
    relative_name = _text()
    relative_id_number = _text()
    relation = _text()


class DeactivateInputSerializer(serializers.Serializer):
    reason = _text(help_text="撤销理由")


# --- output ------------------------------------------------------------------------------


class MaskedIdNumberField(serializers.CharField):
    """An ID number answered masked (3401**********123X): sensitive personal data is never
    sent in full by default."""

    def to_representation(self, value):
        return mask(str(value)) if value else ""


class MaskedChangesField(serializers.DictField):
    """A household edit's changes (field label → [old, new]) with ID numbers masked."""

    def to_representation(self, value):
        return super().to_representation(mask_changes(value))


class MaskedStepField(serializers.CharField):
    """A computation step with a member's disability type and grade masked."""

    def to_representation(self, value):
        return mask_health_details(str(value))


@extend_schema_field(OpenApiTypes.STR)
class RecordedMarkerField(serializers.Field):
    """A member's health or disability answered only as recorded (``已登记``) or blank:
    the value is sensitive personal data, read through the logged reveal
    (``/api/personal-data/members/{id}/health|disability/reveal/``)."""

    def __init__(self, *, sources: tuple[str, ...], **kwargs):
        self.sources = sources
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, member) -> str:
        return RECORDED if any(getattr(member, s) for s in self.sources) else ""


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    id_number = MaskedIdNumberField(help_text="身份证号（脱敏）")
    relation = serializers.CharField()
    sex = serializers.CharField()
    birth_date = serializers.DateField()
    hukou_type = serializers.CharField()
    disability = RecordedMarkerField(
        sources=("disability_type", "disability_grade"),
        help_text="残疾情况（脱敏：已登记/空；类别与等级经 disability/reveal/ 查看，查看即记录）",
    )
    health = RecordedMarkerField(
        sources=("serious_illness",),
        help_text="重病/慢性病（脱敏：已登记/空；内容经 health/reveal/ 查看，查看即记录）",
    )
    work_capacity = serializers.CharField()
    is_student = serializers.BooleanField()
    employment = serializers.CharField()
    covered = serializers.BooleanField()


class SurveySerializer(serializers.Serializer):
    """The survey; every field is null when the case has none yet (:data:`NO_SURVEY`)."""

    visit_date = serializers.DateField(allow_null=True)
    investigators = serializers.ListField(child=serializers.CharField(), allow_null=True)
    housing = serializers.CharField(allow_null=True)
    living_conditions = serializers.CharField(allow_null=True)
    findings = serializers.CharField(allow_null=True)
    status = serializers.CharField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)


class HouseholdSerializer(serializers.Serializer):
    address = serializers.CharField()
    village_group = serializers.CharField(help_text="村民小组（未填写时为空）")
    hukou_type = serializers.CharField()


class IncomeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    member = serializers.IntegerField(source="member_id", allow_null=True)
    category = serializers.CharField()
    kind = serializers.CharField()
    excluded = serializers.BooleanField()
    monthly_amount = _money()


class SpendingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    member = serializers.IntegerField(source="member_id", allow_null=True)
    category = serializers.CharField()
    monthly_amount = _money()


class AssetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    member = serializers.IntegerField(source="member_id", allow_null=True)
    kind = serializers.CharField()
    quantity = serializers.IntegerField(allow_null=True)
    value = _money()


class ChecklistRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    required = serializers.BooleanField()
    provided = serializers.BooleanField(help_text="已上传同类文件，或已记录原件核验")
    attached = serializers.IntegerField(help_text="已上传的同类文件数")
    verified = serializers.BooleanField(help_text="经办人已记录原件核验（签名留痕）")


class CheckBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    conclusion = serializers.CharField()


class ComputationSerializer(serializers.Serializer):
    eligible = serializers.BooleanField()
    margin = serializers.BooleanField()
    monthly_amount = _money(allow_null=True)
    steps = serializers.ListField(
        child=MaskedStepField(), help_text="计算过程（成员的残疾类别、等级已脱敏）"
    )


class DuplicateSerializer(serializers.Serializer):
    number = serializers.CharField()
    township = serializers.CharField(source="township.name")


class HouseholdEditSerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="created_at")
    actor = serializers.CharField(source="actor_name")
    action = serializers.CharField()
    entity = serializers.CharField(source="entity_label")
    changes = MaskedChangesField(
        child=serializers.JSONField(), help_text="修改内容（字段 → [原值, 新值]，身份证号脱敏）"
    )


class IntakeCaseSerializer(serializers.Serializer):
    """A case with its intake: renders ``{"case": case, **case_intake_context(case, user)}``
    (:func:`intake_case_data`)."""

    id = serializers.IntegerField(source="case.pk")
    number = serializers.CharField(source="case.number")
    state = serializers.CharField(source="case.state")
    assistance_type = serializers.CharField(source="case.assistance_type.code")
    township = serializers.CharField(source="case.township.name")
    village = serializers.CharField(source="case.village.name")
    source = serializers.CharField(source="case.source")
    near_relative_flag = serializers.BooleanField(source="case.near_relative_flag")
    documents_complete = serializers.BooleanField(source="case.documents_complete")
    check_status = serializers.CharField(source="case.check_status")
    survey_status = serializers.CharField(source="case.survey_status")
    monthly_amount = _money(source="case.monthly_amount", allow_null=True)
    household = HouseholdSerializer()
    members = MemberSerializer(many=True)
    incomes = IncomeSerializer(many=True)
    spendings = SpendingSerializer(many=True)
    assets = AssetSerializer(many=True)
    checklist = ChecklistRowSerializer(many=True)
    survey = SurveySerializer(allow_null=True)
    checks = CheckBriefSerializer(many=True)
    computation = ComputationSerializer(allow_null=True)
    duplicates = DuplicateSerializer(many=True)
    edits = HouseholdEditSerializer(many=True)


class CreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()


class ChecklistResultSerializer(serializers.Serializer):
    """A case's checklist state: whether it is complete and the required items missing."""

    documents_complete = serializers.BooleanField()
    missing = serializers.SerializerMethodField(help_text="缺少的必需材料")

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_missing(self, case) -> list[str]:
        return [r["name"] for r in missing_items(case)]


class CheckStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    content_type = serializers.CharField()
    sha256 = serializers.CharField()
    size = serializers.IntegerField()


class QueueMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    id_number = serializers.CharField(help_text="完整身份证号（核对所需；每次查询队列均记录查看）")


class CheckQueueSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    case_number = serializers.CharField(source="case.number")
    township = serializers.CharField(source="case.township.name")
    requested_at = serializers.DateTimeField()
    members = QueueMemberSerializer(source="case.household.members", many=True)


class CheckImportResultSerializer(serializers.Serializer):
    already_imported = serializers.BooleanField()
    returned = serializers.ListField(child=serializers.CharField(), help_text="已回传的案件编号")
    unchanged = serializers.ListField(child=serializers.CharField())
    rows = serializers.IntegerField()


class RejectedRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()


class CheckImportRejectedSerializer(ErrorSerializer):
    rejected = RejectedRowSerializer(
        many=True, required=False, help_text="被拒绝的行（文件有误时）"
    )


class NearRelativeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    township = serializers.CharField(source="township.name")
    worker_name = serializers.CharField()
    worker_position = serializers.CharField()
    relative_name = serializers.CharField()
    relative_id_number = MaskedIdNumberField(help_text="亲属身份证号（脱敏）")
    relation = serializers.CharField()
    active = serializers.BooleanField()


class DeactivatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    active = serializers.BooleanField()


#: What GET …/survey/ answers for a case without a survey: the same shape, every field null.
NO_SURVEY: dict[str, None] = dict.fromkeys(SurveySerializer().fields)


def intake_case_data(case, context: dict) -> dict:
    """A case rendered by :class:`IntakeCaseSerializer`; ``context`` is
    ``case_intake_context(case, user)``."""
    return IntakeCaseSerializer({"case": case, **context}).data

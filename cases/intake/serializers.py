"""Input and output shapes of the intake API under /api/intake/, as documented in
``/api/schema/``. The services decide what is valid: the input serializers describe the fields
they read (the views pass the request data on unchanged), and the output serializers describe
exactly what each view answers."""

from __future__ import annotations

from rest_framework import serializers

from cases.intake.idnumbers import mask
from relief.api_errors import ErrorSerializer


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=None, decimal_places=None, coerce_to_string=True, **kwargs
    )


# --- input -------------------------------------------------------------------------------


class MemberInputSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, help_text="姓名")
    id_number = serializers.CharField(required=False, help_text="身份证号")
    relation = serializers.CharField(required=False, help_text="与申请人关系")
    sex = serializers.CharField(required=False, help_text="性别（M/F）")
    birth_date = serializers.DateField(required=False, help_text="出生日期")
    hukou_type = serializers.CharField(required=False, help_text="户籍类型")
    disability_type = serializers.CharField(required=False, allow_blank=True)
    disability_grade = serializers.IntegerField(required=False, allow_null=True)
    serious_illness = serializers.CharField(required=False, allow_blank=True)
    work_capacity = serializers.CharField(required=False, allow_blank=True)
    is_student = serializers.BooleanField(required=False)
    employment = serializers.CharField(required=False, allow_blank=True)
    covered = serializers.BooleanField(required=False)


class HouseholdInputSerializer(serializers.Serializer):
    address = serializers.CharField(required=False, help_text="居住地址")
    hukou_type = serializers.CharField(required=False, help_text="户籍类型")
    phone = serializers.CharField(required=False, allow_blank=True)
    bank_name = serializers.CharField(required=False, allow_blank=True)
    bank_account = serializers.CharField(required=False, allow_blank=True)


class ProxyInputSerializer(serializers.Serializer):
    proxy_name = serializers.CharField(required=False, allow_blank=True)
    proxy_id_number = serializers.CharField(required=False, allow_blank=True)
    proxy_relation = serializers.CharField(required=False, allow_blank=True)


class ApplicationInputSerializer(serializers.Serializer):
    village = serializers.IntegerField(help_text="村（居）编号，须在本人辖区内")
    assistance_type = serializers.CharField(help_text="救助类型代码")
    household = HouseholdInputSerializer()
    members = MemberInputSerializer(many=True)
    source = serializers.CharField(required=False, help_text="来源，默认为本人申请")
    proxy = ProxyInputSerializer(required=False)


class HouseholdItemInputSerializer(serializers.Serializer):
    member = serializers.IntegerField(required=False, allow_null=True, help_text="家庭成员编号")
    category = serializers.CharField(required=False, help_text="收入或支出类别")
    kind = serializers.CharField(required=False, help_text="收入计算口径，或财产类别")
    description = serializers.CharField(required=False, allow_blank=True)
    monthly_amount = _money(required=False, help_text="月均金额（收入、支出）")
    quantity = serializers.IntegerField(required=False, help_text="数量（财产）")
    value = _money(required=False, help_text="价值（财产）")


class ChecklistInputSerializer(serializers.Serializer):
    provided = serializers.ListField(child=serializers.CharField(), help_text="已提供材料的代码")


class SurveyInputSerializer(serializers.Serializer):
    visit_date = serializers.DateField(required=False, allow_null=True)
    investigators = serializers.ListField(child=serializers.CharField(), required=False)
    housing = serializers.CharField(required=False, allow_blank=True)
    living_conditions = serializers.CharField(required=False, allow_blank=True)
    findings = serializers.CharField(required=False, allow_blank=True)
    finish = serializers.BooleanField(required=False, help_text="true 时完成入户调查")
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="照片（multipart 时）"
    )


class DocumentUploadSerializer(serializers.Serializer):
    kind = serializers.CharField(required=False, help_text="材料类别")
    title = serializers.CharField(required=False, allow_blank=True)
    file = serializers.FileField()


class CheckReturnInputSerializer(serializers.Serializer):
    conclusion = serializers.CharField(help_text="核对结论")
    conclusion_note = serializers.CharField(required=False, allow_blank=True)
    results = serializers.CharField(required=False, help_text="各成员核对结果，JSON 数组")
    report = serializers.FileField(required=False, help_text="核对报告")


class CheckImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="核对结果文件（CSV 或 XLSX）")


class NearRelativeInputSerializer(serializers.Serializer):
    township = serializers.IntegerField(required=False, allow_null=True)
    village = serializers.IntegerField(required=False, allow_null=True)
    worker_name = serializers.CharField(required=False)
    worker_position = serializers.CharField(required=False)
    worker_user = serializers.IntegerField(required=False, allow_null=True)
    relative_name = serializers.CharField(required=False)
    relative_id_number = serializers.CharField(required=False)
    relation = serializers.CharField(required=False)


class DeactivateInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, help_text="撤销理由")


# --- output ------------------------------------------------------------------------------


class MaskedIdNumberField(serializers.CharField):
    """An ID number answered masked (3401**********123X): sensitive personal data is never
    sent in full by default."""

    def to_representation(self, value):
        return mask(str(value)) if value else ""


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    id_number = MaskedIdNumberField(help_text="身份证号（脱敏）")
    relation = serializers.CharField()
    sex = serializers.CharField()
    birth_date = serializers.DateField()
    hukou_type = serializers.CharField()
    disability_type = serializers.CharField()
    disability_grade = serializers.IntegerField(allow_null=True)
    serious_illness = serializers.CharField()
    work_capacity = serializers.CharField()
    is_student = serializers.BooleanField()
    employment = serializers.CharField()
    covered = serializers.BooleanField()


class SurveySerializer(serializers.Serializer):
    """The survey; every field is null when the case has none yet."""

    visit_date = serializers.DateField(allow_null=True)
    investigators = serializers.ListField(child=serializers.CharField(), allow_null=True)
    housing = serializers.CharField(allow_null=True)
    living_conditions = serializers.CharField(allow_null=True)
    findings = serializers.CharField(allow_null=True)
    status = serializers.CharField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)


class HouseholdSerializer(serializers.Serializer):
    address = serializers.CharField()
    hukou_type = serializers.CharField()


class IncomeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    member = serializers.IntegerField(allow_null=True)
    category = serializers.CharField()
    kind = serializers.CharField()
    excluded = serializers.BooleanField()
    monthly_amount = _money()


class SpendingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    member = serializers.IntegerField(allow_null=True)
    category = serializers.CharField()
    monthly_amount = _money()


class AssetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    member = serializers.IntegerField(allow_null=True)
    kind = serializers.CharField()
    quantity = serializers.IntegerField(allow_null=True)
    value = _money()


class ChecklistRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    required = serializers.BooleanField()
    provided = serializers.BooleanField()


class CheckBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    conclusion = serializers.CharField()


class ComputationSerializer(serializers.Serializer):
    eligible = serializers.BooleanField()
    margin = serializers.BooleanField()
    monthly_amount = _money(allow_null=True)
    steps = serializers.ListField(child=serializers.CharField())


class DuplicateSerializer(serializers.Serializer):
    number = serializers.CharField()
    township = serializers.CharField()


class HouseholdEditSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField()
    action = serializers.CharField()
    entity = serializers.CharField()
    changes = serializers.DictField(child=serializers.JSONField())


class IntakeCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    state = serializers.CharField()
    assistance_type = serializers.CharField()
    township = serializers.CharField()
    village = serializers.CharField()
    source = serializers.CharField()
    near_relative_flag = serializers.BooleanField()
    documents_complete = serializers.BooleanField()
    check_status = serializers.CharField()
    survey_status = serializers.CharField()
    monthly_amount = _money(allow_null=True)
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
    documents_complete = serializers.BooleanField()
    missing = serializers.ListField(child=serializers.CharField(), help_text="缺少的必需材料")


class CheckStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    content_type = serializers.CharField()
    sha256 = serializers.CharField()
    size = serializers.IntegerField()


class QueueMemberSerializer(serializers.Serializer):
    name = serializers.CharField()
    id_number = serializers.CharField()


class CheckQueueSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.IntegerField()
    case_number = serializers.CharField()
    township = serializers.CharField()
    requested_at = serializers.DateTimeField()
    members = QueueMemberSerializer(many=True)


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
    township = serializers.CharField()
    worker_name = serializers.CharField()
    worker_position = serializers.CharField()
    relative_name = serializers.CharField()
    relative_id_number = MaskedIdNumberField(help_text="亲属身份证号（脱敏）")
    relation = serializers.CharField()
    active = serializers.BooleanField()


class DeactivatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    active = serializers.BooleanField()

"""Intake records beyond the household: the near-relative register (近亲属备案)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from relief.models import Region, User


class NearRelative(models.Model):
    """A civil-affairs worker's or village committee member's near relative (A Art.11).
    A case with a member whose ID number is registered here is flagged, needs the county's
    home visit before confirmation (A Art.20), and the worker may not act on it."""

    class Position(models.TextChoices):
        CIVIL_AFFAIRS = "civil_affairs", "民政经办人员"
        VILLAGE_COMMITTEE = "village_committee", "村(居)委会成员"
        OTHER = "other", "其他工作人员"

    worker_name = models.CharField("工作人员姓名", max_length=40)
    worker_position = models.CharField("工作人员身份", max_length=30, choices=Position.choices)
    worker_user = models.ForeignKey(
        User,
        verbose_name="对应系统账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="near_relatives",
    )
    township = models.ForeignKey(
        Region, verbose_name="乡镇(街道)", on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        Region,
        verbose_name="村(社区)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    relative_name = models.CharField("亲属姓名", max_length=40)
    relative_id_number = models.CharField("亲属身份证号", max_length=18, db_index=True)
    relation = models.CharField("亲属关系", max_length=20)
    registered_by = models.ForeignKey(
        User, verbose_name="登记人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField("登记时间", default=timezone.now)
    active = models.BooleanField("有效", default=True)
    deactivated_by = models.ForeignKey(
        User,
        verbose_name="撤销人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deactivated_at = models.DateTimeField("撤销时间", null=True, blank=True)
    deactivation_reason = models.CharField("撤销理由", max_length=200, blank=True)

    class Meta:
        verbose_name = "近亲属备案"
        verbose_name_plural = "近亲属备案"
        ordering = ["-registered_at"]


class ChecklistItem(models.Model):
    """A kind of document the township asks for at 受理 (A Art.9–10). The defaults are ID,
    户口簿 and the signed check authorisation ("一本一书", seed 000); an administrator can
    add more, optionally only for some assistance categories."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("材料名称", max_length=100)
    required = models.BooleanField("必须提供", default=True)
    categories = models.CharField(
        "适用救助类别",
        max_length=100,
        blank=True,
        help_text="以逗号分隔的类别代码(dibao,tekun,temporary,other)；留空为全部",
    )
    active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "受理材料清单项"
        verbose_name_plural = "受理材料清单"
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        return self.name

    def applies_to(self, category: str) -> bool:
        return not self.categories or category in {c.strip() for c in self.categories.split(",")}


class ChecklistEntry(models.Model):
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="checklist_entries"
    )
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    provided = models.BooleanField("已提供", default=False)
    note = models.CharField("备注", max_length=200, blank=True)
    updated_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "受理材料核验"
        verbose_name_plural = "受理材料核验"
        constraints = [
            models.UniqueConstraint(fields=["case", "item"], name="checklist_entry_once")
        ]


class DocumentNotice(models.Model):
    """一次性告知书 (A Art.9): every missing item listed once, frozen when issued."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="document_notices"
    )
    missing = models.JSONField("缺少的材料", default=list)  # [{"code", "name", "note"}]
    issued_by = models.ForeignKey(
        User, verbose_name="告知人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_by_name = models.CharField("告知人姓名", max_length=60, blank=True)
    issued_at = models.DateTimeField("告知时间", default=timezone.now)

    class Meta:
        verbose_name = "一次性告知书"
        verbose_name_plural = "一次性告知书"
        ordering = ["-issued_at", "-pk"]


class Survey(models.Model):
    """入户调查 (A Art.16): at least ``min_investigators`` named investigators (policy)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "填写中"
        COMPLETE = "complete", "已完成"

    class Housing(models.TextChoices):
        OWN = "own", "自有住房"
        RENTED = "rented", "租住"
        RELATIVES = "relatives", "借住亲友"
        PUBLIC = "public", "公租房/廉租房"
        DILAPIDATED = "dilapidated", "危房"
        OTHER = "other", "其他"

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="survey")
    visit_date = models.DateField("调查日期", null=True, blank=True)
    investigators = models.JSONField("调查人员", default=list)  # list of names
    housing = models.CharField("住房情况", max_length=20, choices=Housing.choices, blank=True)
    living_conditions = models.TextField("生活状况", blank=True)
    findings = models.TextField("调查结论/发现", blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    recorded_by = models.ForeignKey(
        User, verbose_name="填报人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "入户调查"
        verbose_name_plural = "入户调查"


class CheckImportBatch(models.Model):
    """One imported file of provincial check results; the SHA-256 makes re-imports no-ops."""

    sha256 = models.CharField(max_length=64, unique=True)
    file_name = models.CharField("文件名", max_length=200)
    file_format = models.CharField("格式", max_length=10)
    rows = models.PositiveIntegerField("行数", default=0)
    checks_returned = models.PositiveIntegerField("返回核对数", default=0)
    imported_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "核对结果导入"
        verbose_name_plural = "核对结果导入"
        ordering = ["-imported_at"]


class EconomicCheck(models.Model):
    """A request to the county check agency (A Art.17) and its report."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "核对中"
        RETURNED = "returned", "已返回"

    class Conclusion(models.TextChoices):
        MEETS = "meets", "符合条件"
        NOT_MEETS = "not_meets", "不符合条件"
        FURTHER = "further", "需进一步核实"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="economic_checks")
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    requested_by = models.ForeignKey(
        User, verbose_name="申请人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("申请时间", default=timezone.now)
    returned_by = models.ForeignKey(
        User,
        verbose_name="核对人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    returned_at = models.DateTimeField("返回时间", null=True, blank=True)
    conclusion = models.CharField("核对结论", max_length=20, choices=Conclusion.choices, blank=True)
    conclusion_note = models.TextField("结论说明", blank=True)
    report = models.ForeignKey(
        "archive.Document",
        verbose_name="核对报告",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    import_batch = models.ForeignKey(
        CheckImportBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="checks"
    )

    class Meta:
        verbose_name = "经济状况核对"
        verbose_name_plural = "经济状况核对"
        ordering = ["-requested_at", "-pk"]


class CheckMemberResult(models.Model):
    """Summary figures per member from the check report."""

    economic_check = models.ForeignKey(
        EconomicCheck, on_delete=models.CASCADE, related_name="member_results"
    )
    member = models.ForeignKey(
        "cases.Member", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField("姓名", max_length=40)
    id_number = models.CharField("身份证号", max_length=18)
    monthly_income = models.DecimalField("月收入(元)", max_digits=14, decimal_places=2, default=0)
    deposits = models.DecimalField("存款(元)", max_digits=14, decimal_places=2, default=0)
    vehicles = models.PositiveIntegerField("车辆(辆)", default=0)
    properties = models.PositiveIntegerField("房产(套)", default=0)
    business_registered = models.BooleanField("有工商登记", default=False)
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "核对结果(成员)"
        verbose_name_plural = "核对结果(成员)"
        ordering = ["pk"]


class TekunAssessment(models.Model):
    """特困 conditions (C Art.6–10) and the six-item self-care assessment (C Art.21–22)."""

    ITEMS = (
        ("can_eat", "进食"),
        ("can_dress", "穿衣"),
        ("can_transfer", "上下床"),
        ("can_toilet", "如厕"),
        ("can_walk_indoors", "室内行走"),
        ("can_bathe", "洗澡"),
    )

    class SupportMode(models.TextChoices):
        DISPERSED = "dispersed", "分散供养"
        CENTRALIZED = "centralized", "集中供养"

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="tekun_assessment"
    )
    can_eat = models.BooleanField("能自主进食", default=True)
    can_dress = models.BooleanField("能自主穿衣", default=True)
    can_transfer = models.BooleanField("能自主上下床", default=True)
    can_toilet = models.BooleanField("能自主如厕", default=True)
    can_walk_indoors = models.BooleanField("能自主室内行走", default=True)
    can_bathe = models.BooleanField("能自主洗澡", default=True)
    has_able_supporter = models.BooleanField("有具备赡养、抚养、扶养能力的义务人", default=False)
    supporter_note = models.CharField("义务人情况说明", max_length=200, blank=True)
    support_mode = models.CharField(
        "供养方式", max_length=20, choices=SupportMode.choices, default=SupportMode.DISPERSED
    )
    assessed_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "特困认定评估"
        verbose_name_plural = "特困认定评估"

    @property
    def unmet_items(self) -> list[str]:
        return [label for field, label in self.ITEMS if not getattr(self, field)]


class AmountComputation(models.Model):
    """A stored "how this was computed" for the case page (funds/standards/calculators.py)."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="amount_computations"
    )
    eligible = models.BooleanField("符合条件")
    margin = models.BooleanField("低保边缘家庭", default=False)
    monthly_amount = models.DecimalField(
        "月救助金额(元)", max_digits=12, decimal_places=2, null=True
    )
    steps = models.JSONField("计算过程", default=list)
    standard_label = models.CharField("采用标准", max_length=200, blank=True)
    computed_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "金额核算"
        verbose_name_plural = "金额核算"
        ordering = ["-computed_at", "-pk"]

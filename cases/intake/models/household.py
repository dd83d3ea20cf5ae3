"""Households and their members (DOMAIN §4, §7; A Art.4–13)."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from relief.logchain import ChainedLog
from relief.models import Region, User

#: The longest village group name (村民小组) a household takes: 第十二村民小组 is 7 characters.
VILLAGE_GROUP_MAX = 20


class HukouType(models.TextChoices):
    URBAN = "urban", "城镇"
    RURAL = "rural", "农村"


class Household(models.Model):
    """One household, one file (一户一档)."""

    township = models.ForeignKey(
        Region, verbose_name="乡镇(街道)", on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        Region, verbose_name="村(社区)", on_delete=models.PROTECT, related_name="households"
    )
    address = models.CharField("居住地址", max_length=200)
    #: The village group (村民小组, e.g. 第3村民小组 / 三组): printed on the notice (公示) and
    #: the standing list in place of the address, which they never show (A Art.24).
    village_group = models.CharField("村民小组", max_length=VILLAGE_GROUP_MAX, blank=True)
    hukou_type = models.CharField("户籍类型", max_length=10, choices=HukouType.choices)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    bank_name = models.CharField("开户银行", max_length=60, blank=True)
    bank_account = models.CharField("银行账号", max_length=40, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name="登记人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "家庭"
        verbose_name_plural = "家庭"
        indexes = [models.Index(fields=["township", "village"])]

    def __str__(self) -> str:
        head = next((m for m in self.members.all() if m.relation == Member.Relation.SELF), None)
        return f"{head.name}户" if head else f"家庭#{self.pk}"


class Member(models.Model):
    class Relation(models.TextChoices):
        SELF = "self", "申请人本人"
        SPOUSE = "spouse", "配偶"
        CHILD = "child", "子女"
        PARENT = "parent", "父母"
        GRANDCHILD = "grandchild", "孙子女"
        GRANDPARENT = "grandparent", "祖父母"
        SIBLING = "sibling", "兄弟姐妹"
        OTHER = "other", "其他共同生活人员"

    class Sex(models.TextChoices):
        MALE = "M", "男"
        FEMALE = "F", "女"

    class WorkCapacity(models.TextChoices):
        FULL = "full", "有劳动能力"
        PARTIAL = "partial", "部分丧失劳动能力"
        NONE = "none", "无劳动能力"

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    name = models.CharField("姓名", max_length=40)
    id_number = models.CharField("身份证号", max_length=18, db_index=True)
    relation = models.CharField("与申请人关系", max_length=20, choices=Relation.choices)
    hukou_type = models.CharField("户籍类型", max_length=10, choices=HukouType.choices)
    hukou_place = models.CharField("户籍所在地", max_length=100, blank=True)
    residence = models.CharField("经常居住地", max_length=100, blank=True)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    birth_date = models.DateField("出生日期")
    disability_type = models.CharField("残疾类别", max_length=20, blank=True)
    disability_grade = models.PositiveSmallIntegerField("残疾等级", null=True, blank=True)
    serious_illness = models.CharField("重病/慢性病", max_length=100, blank=True)
    work_capacity = models.CharField(
        "劳动能力", max_length=10, choices=WorkCapacity.choices, default=WorkCapacity.FULL
    )
    is_student = models.BooleanField("在校学生", default=False)
    employment = models.CharField("就业情况", max_length=100, blank=True)
    #: 保障对象: counted in "gap × covered members" (A Art.8 单人保 covers one member only).
    covered = models.BooleanField("纳入保障", default=True)

    class Meta:
        verbose_name = "家庭成员"
        verbose_name_plural = "家庭成员"
        constraints = [
            models.UniqueConstraint(
                fields=["household", "id_number"], name="member_unique_in_household"
            ),
        ]
        indexes = [
            # The list search by a name's start (LIKE 'term%') read from the index alone
            # on PostgreSQL, the household with the key (cases.workflow.filters); it
            # replaces 0004's member_name_prefix there.
            models.Index(
                fields=["name"],
                opclasses=["varchar_pattern_ops"],
                include=["household"],
                name="member_name_prefix_household",
            ),
        ]

    def __str__(self) -> str:
        return self.name


#: Upper bounds that catch typing slips (an extra zero or three), not policy limits.
MAX_MONTHLY_AMOUNT = Decimal("1000000")
MAX_ASSET_VALUE = Decimal("10000000000")


def _money(label: str, maximum: Decimal):
    return models.DecimalField(
        label,
        max_digits=14,
        decimal_places=2,
        validators=[
            MinValueValidator(Decimal("0"), message="金额不能为负数"),
            MaxValueValidator(maximum, message=f"金额超出合理范围（不超过{maximum:,.0f}元）"),
        ],
    )


class IncomeItem(models.Model):
    """Monthly income of a member by category (A Art.12). The kinds listed in A Art.13 are
    recorded but not counted (``excluded``)."""

    class Category(models.TextChoices):
        WAGE = "wage", "工资性收入"
        BUSINESS = "business", "经营净收入"
        PROPERTY = "property", "财产净收入"
        TRANSFER = "transfer", "转移净收入"
        OTHER = "other", "其他收入"

    class Kind(models.TextChoices):
        ORDINARY = "ordinary", "计入家庭收入"
        PREFERENTIAL = "preferential", "优待抚恤金(不计入)"
        FAMILY_PLANNING = "family_planning", "计划生育奖励与扶助金(不计入)"
        REWARD = "reward", "奖学金、见义勇为等奖励性补助(不计入)"
        ASSISTANCE = "assistance", "政府发放的各类社会救助款物(不计入)"
        BASIC_PENSION = "basic_pension", "城乡居民基本养老保险基础养老金(不计入)"
        LOCAL_EXCLUDED = "local_excluded", "地方政府规定不计入的其他收入(不计入)"

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="income_items")
    member = models.ForeignKey(
        Member,
        verbose_name="家庭成员",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="income_items",
    )
    category = models.CharField("收入类别", max_length=20, choices=Category.choices)
    kind = models.CharField("计算口径", max_length=20, choices=Kind.choices, default=Kind.ORDINARY)
    description = models.CharField("说明", max_length=100, blank=True)
    monthly_amount = _money("月收入(元)", MAX_MONTHLY_AMOUNT)

    class Meta:
        verbose_name = "收入"
        verbose_name_plural = "收入"
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.monthly_amount}元"

    @property
    def excluded(self) -> bool:
        """A Art.13: these kinds are not counted as household income."""
        return self.kind != self.Kind.ORDINARY


class Spending(models.Model):
    """Necessary spending deducted from income (A Art.13: rigid spending for illness or
    disability, necessary costs of employment)."""

    class Category(models.TextChoices):
        MEDICAL = "medical", "因病刚性支出"
        DISABILITY = "disability", "因残刚性支出"
        EDUCATION = "education", "就学刚性支出"
        EMPLOYMENT = "employment", "必要的就业成本"
        OTHER = "other", "其他可扣减支出"

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="spendings")
    member = models.ForeignKey(
        Member,
        verbose_name="家庭成员",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="spendings",
    )
    category = models.CharField("支出类别", max_length=20, choices=Category.choices)
    description = models.CharField("说明", max_length=100, blank=True)
    monthly_amount = _money("月均金额(元)", MAX_MONTHLY_AMOUNT)

    class Meta:
        verbose_name = "可扣减支出"
        verbose_name_plural = "可扣减支出"
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.monthly_amount}元"


class Asset(models.Model):
    """Household property (A Art.12): housing, vehicles, deposits, securities, business."""

    class Kind(models.TextChoices):
        HOUSING = "housing", "房产"
        VEHICLE = "vehicle", "机动车辆"
        DEPOSIT = "deposit", "存款"
        SECURITIES = "securities", "有价证券"
        BUSINESS = "business", "工商登记/经营实体"
        OTHER = "other", "其他财产"

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="assets")
    member = models.ForeignKey(
        Member,
        verbose_name="所有人",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assets",
    )
    kind = models.CharField("财产类别", max_length=20, choices=Kind.choices)
    description = models.CharField("说明", max_length=200, blank=True)
    quantity = models.PositiveIntegerField(
        "数量", default=1, validators=[MaxValueValidator(1000, message="数量超出合理范围")]
    )
    value = _money("估值(元)", MAX_ASSET_VALUE)

    class Meta:
        verbose_name = "家庭财产"
        verbose_name_plural = "家庭财产"
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}元"


class HouseholdEdit(ChainedLog):
    """A versioned edit of household data made after 受理: who changed what and when.
    Append-only; written by cases/intake/services in the same transaction as the change."""

    chain_on = "household"
    chain_fields = (
        "household",
        "case",
        "entity",
        "entity_id",
        "entity_label",
        "action",
        "changes",
        "actor",
        "actor_name",
        "created_at",
    )

    class Action(models.TextChoices):
        CREATE = "create", "新增"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="edits")
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="household_edits",
    )
    entity = models.CharField("对象", max_length=20)
    entity_id = models.BigIntegerField("对象编号", null=True)
    entity_label = models.CharField("对象名称", max_length=100)
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    #: field label → [old, new] as display strings
    changes = models.JSONField("变更内容", default=dict)
    actor = models.ForeignKey(
        User, verbose_name="修改人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField("修改人姓名", max_length=60, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "家庭信息变更记录"
        verbose_name_plural = "家庭信息变更记录"
        ordering = ["-created_at", "-pk"]

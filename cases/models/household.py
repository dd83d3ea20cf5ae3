"""Households and their members (DOMAIN §4, §7; A Art.4–13)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from relief.models import Region, User


class HukouType(models.TextChoices):
    URBAN = "urban", "城镇"
    RURAL = "rural", "农村"


class Household(models.Model):
    """One household, one file (一户一档)."""

    township = models.ForeignKey(
        Region, verbose_name="乡镇(街道)", on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(Region, verbose_name="村(社区)", on_delete=models.PROTECT, related_name="households")
    address = models.CharField("居住地址", max_length=200)
    hukou_type = models.CharField("户籍类型", max_length=10, choices=HukouType.choices)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    bank_name = models.CharField("开户银行", max_length=60, blank=True)
    bank_account = models.CharField("银行账号", max_length=40, blank=True)
    created_by = models.ForeignKey(User, verbose_name="登记人", null=True, on_delete=models.PROTECT, related_name="+")
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
    work_capacity = models.CharField("劳动能力", max_length=10, choices=WorkCapacity.choices, default=WorkCapacity.FULL)
    is_student = models.BooleanField("在校学生", default=False)
    employment = models.CharField("就业情况", max_length=100, blank=True)

    class Meta:
        verbose_name = "家庭成员"
        verbose_name_plural = "家庭成员"
        constraints = [
            models.UniqueConstraint(fields=["household", "id_number"], name="member_unique_in_household"),
        ]

    def __str__(self) -> str:
        return self.name

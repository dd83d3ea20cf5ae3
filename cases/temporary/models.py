"""急难型临时救助 (seed 002): the emergency registered with the minimum facts, and the grants
made first (先行救助), each by the body whose tier covers it (cases/temporary/rules.py)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from relief.models import User


class Emergency(models.Model):
    """One per 急难型 case: who (an ID number, or 身份待核 with a description), why (a cause
    of the county's list, ``emergency_causes``), what is needed, and when help came."""

    case = models.OneToOneField(
        "cases.Case",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="emergency",
        verbose_name="案件",
    )
    person_name = models.CharField("姓名", max_length=40)
    #: The person's ID number once known; blank while the identity is 待核.
    id_number = models.CharField("身份证号", max_length=18, blank=True, db_index=True)
    identity_pending = models.BooleanField("身份待核", default=False)
    identity_note = models.CharField("身份描述", max_length=200, blank=True)
    cause = models.CharField("事由", max_length=40)
    needs = models.CharField("急需救助内容", max_length=200)
    registered_at = models.DateTimeField("登记时间", default=timezone.now)
    registered_by = models.ForeignKey(
        User, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    helped_at = models.DateTimeField("首次先行救助时间", null=True, blank=True)
    identified_at = models.DateTimeField("身份核实时间", null=True, blank=True)

    class Meta:
        verbose_name = "急难型临时救助登记"
        verbose_name_plural = "急难型临时救助登记"

    def __str__(self) -> str:
        return f"{self.person_name}（{self.cause}）"


class GrantBody(models.TextChoices):
    VILLAGE = "village", "村级救急难互助金"
    TOWNSHIP = "township", "乡镇(街道)"
    COUNTY = "county", "县民政局"


class GrantKind(models.TextChoices):
    CASH = "cash", "现金"
    IN_KIND = "in_kind", "实物"


class EmergencyGrant(models.Model):
    """先行救助: who granted (the body), what (cash or in kind, described), how much (the
    value of goods for in-kind aid), when. Every grant counts toward the household's yearly
    caps; only a cash grant of the township or the county goes to the bank (``to_bank``)."""

    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        related_name="emergency_grants",
        verbose_name="案件",
    )
    body = models.CharField("救助主体", max_length=10, choices=GrantBody.choices)
    kind = models.CharField("救助方式", max_length=10, choices=GrantKind.choices)
    description = models.CharField("救助内容", max_length=200)
    amount = models.DecimalField("金额(元)", max_digits=12, decimal_places=2)
    granted_at = models.DateTimeField("救助时间")
    granted_by = models.ForeignKey(
        User, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    #: Copied from the emergency when granted: the yearly counts read them without a join.
    cause = models.CharField("事由", max_length=40)
    id_number = models.CharField("身份证号", max_length=18, blank=True, db_index=True)
    year = models.PositiveSmallIntegerField("年度")
    to_bank = models.BooleanField("纳入银行代发", default=False)
    tier_reasons = models.CharField("审批层级说明", max_length=300, blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "先行救助"
        verbose_name_plural = "先行救助"
        ordering = ["granted_at", "pk"]
        indexes = [models.Index(fields=["id_number", "year"], name="emgrant_person_year")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="emgrant_amount_pos")
        ]

    def __str__(self) -> str:
        return f"{self.get_body_display()} {self.amount}"

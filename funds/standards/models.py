"""Money data: 低保 standards per county (urban/rural, effective-dated), banded amounts,
and the 特困 basic and care standards (DOMAIN §7). Rows are never edited; a new standard
is a new row with its effective date, so the standard in force on any date is answerable."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from relief.models import Region, User


class Area(models.TextChoices):
    URBAN = "urban", "城市"
    RURAL = "rural", "农村"


def _amount(label: str):
    return models.DecimalField(
        label,
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"), message="金额不能为负数")],
    )


class LivingStandard(models.Model):
    """城乡低保标准 (元/人·月) for a county (A Art.23, D Art.12)."""

    county = models.ForeignKey(
        Region, verbose_name="县(区)", on_delete=models.PROTECT, related_name="+"
    )
    area = models.CharField("城乡", max_length=10, choices=Area.choices)
    monthly_amount = _amount("低保标准(元/人·月)")
    effective_from = models.DateField("执行日期")
    document = models.CharField("文件依据", max_length=200, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "低保标准"
        verbose_name_plural = "低保标准"
        ordering = ["county__code", "area", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "area", "effective_from"], name="living_standard_once_per_date"
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.county} {self.get_area_display()} {self.monthly_amount}元"
            f"（{self.effective_from:%Y-%m-%d}起）"
        )


class DibaoBand(models.Model):
    """Banded 低保 amounts, used when the policy ``dibao_amount_mode`` is "banded": a
    household whose per-capita gap (standard − per-capita income) falls in
    [gap_from, gap_to) receives ``amount_per_person`` for each covered member. The bands
    in force are those with the latest ``effective_from`` on or before the date."""

    county = models.ForeignKey(
        Region, verbose_name="县(区)", on_delete=models.PROTECT, related_name="+"
    )
    area = models.CharField("城乡", max_length=10, choices=Area.choices)
    effective_from = models.DateField("执行日期")
    gap_from = _amount("人均差额下限(含)")
    gap_to = models.DecimalField(
        "人均差额上限(不含)", max_digits=10, decimal_places=2, null=True, blank=True
    )
    amount_per_person = _amount("每人月发放额")
    label = models.CharField("档次", max_length=40, blank=True)

    class Meta:
        verbose_name = "低保分档"
        verbose_name_plural = "低保分档"
        ordering = ["county__code", "area", "-effective_from", "gap_from"]


class TekunStandard(models.Model):
    """特困人员基本生活标准 and 照料护理标准 by self-care level (C Art.21–22)."""

    county = models.ForeignKey(
        Region, verbose_name="县(区)", on_delete=models.PROTECT, related_name="+"
    )
    area = models.CharField("城乡", max_length=10, choices=Area.choices)
    effective_from = models.DateField("执行日期")
    basic_amount = _amount("基本生活标准(元/月)")
    care_self = _amount("照料护理标准·生活自理(元/月)")
    care_partial = _amount("照料护理标准·部分丧失(元/月)")
    care_full = _amount("照料护理标准·完全丧失(元/月)")
    document = models.CharField("文件依据", max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "特困供养标准"
        verbose_name_plural = "特困供养标准"
        ordering = ["county__code", "area", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "area", "effective_from"], name="tekun_standard_once_per_date"
            )
        ]

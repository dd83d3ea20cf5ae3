"""The standing list (长期公示) of each village: its current recipients, masked as on a
notice (A Art.24, F §4(2)), kept as dated versions. A version freezes the rows it shows
and its PDF (with the file's SHA-256), so an old list stays downloadable exactly as posted
and the public page reads one row, never the register."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from relief.models import Region, User


class StandingList(models.Model):
    class Trigger(models.TextChoices):
        MONTHLY = "monthly", "每月自动生成"
        MANUAL = "manual", "经办人生成"

    township = models.ForeignKey(
        Region, verbose_name="乡镇(街道)", on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        Region, verbose_name="村(社区)", on_delete=models.PROTECT, related_name="+"
    )
    as_of = models.DateField("名单日期")
    trigger = models.CharField("生成方式", max_length=10, choices=Trigger.choices)
    #: What the paper shows, one dict per household: masked name, village group ("group",
    #: absent from versions made before it was added), assistance type, covered persons,
    #: monthly amount. Never an ID number, address or income.
    rows = models.JSONField("公示名单", default=list)
    households = models.PositiveIntegerField("户数", default=0)
    persons = models.PositiveIntegerField("保障人数", default=0)
    monthly_total = models.DecimalField("月发放合计(元)", max_digits=14, decimal_places=2)
    file = models.FileField("PDF文件", upload_to="publicity/standing/%Y/%m/")
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveBigIntegerField("大小(字节)", default=0)
    created_by = models.ForeignKey(
        User,
        verbose_name="生成人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("生成时间", default=timezone.now)

    class Meta:
        verbose_name = "长期公示名单"
        verbose_name_plural = "长期公示名单"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["village", "-created_at"], name="standing_list_village_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.village.name} {self.as_of:%Y-%m-%d}"

    @property
    def filename(self) -> str:
        return f"长期公示名单-{self.village.name}-{self.as_of:%Y%m%d}-{self.pk}.pdf"

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
        User, verbose_name="对应系统账号", null=True, blank=True, on_delete=models.PROTECT, related_name="near_relatives"
    )
    township = models.ForeignKey(Region, verbose_name="乡镇(街道)", on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Region, verbose_name="村(社区)", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    relative_name = models.CharField("亲属姓名", max_length=40)
    relative_id_number = models.CharField("亲属身份证号", max_length=18, db_index=True)
    relation = models.CharField("亲属关系", max_length=20)
    registered_by = models.ForeignKey(User, verbose_name="登记人", null=True, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField("登记时间", default=timezone.now)
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "近亲属备案"
        verbose_name_plural = "近亲属备案"
        ordering = ["-registered_at"]

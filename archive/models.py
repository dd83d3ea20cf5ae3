"""One household, one file (一户一档, DOMAIN §8): uploaded scans and reports. Files are
never served from a public path; archive/views.py serves them after case scoping."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from relief.models import User


class Document(models.Model):
    class Kind(models.TextChoices):
        ID_CARD = "id_card", "身份证"
        HUKOU = "hukou", "户口簿"
        AUTHORISATION = "authorisation", "核对授权书"
        APPLICATION = "application", "申请书"
        EVIDENCE = "evidence", "证明材料"
        SURVEY_PHOTO = "survey_photo", "入户调查照片"
        CHECK_REPORT = "check_report", "核对报告"
        OTHER = "other", "其他"

    case = models.ForeignKey(
        "cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    title = models.CharField("说明", max_length=100, blank=True)
    file = models.FileField("文件", upload_to="archive/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=40)  # sniffed from the content
    size = models.PositiveIntegerField("大小(字节)")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        User, verbose_name="上传人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = "档案文件"
        verbose_name_plural = "档案文件"
        ordering = ["kind", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.title or self.original_name

"""The township's review panel (评审小组, seed 001): a meeting reviews the files of cases
before the decision; each member present gives an opinion on each case."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from relief.models import Region, User


class PanelMeeting(models.Model):
    """One meeting of a township's review panel (集体研究): date, members present, minutes."""

    township = models.ForeignKey(
        Region, verbose_name="乡镇(街道)", on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField("会议日期")
    members = models.JSONField("出席成员", default=list)  # names, in the order given
    minutes = models.TextField("会议纪要")
    recorded_by = models.ForeignKey(
        User, verbose_name="记录人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", default=timezone.now)

    class Meta:
        verbose_name = "评审小组会议"
        verbose_name_plural = "评审小组会议"
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} 评审小组会议"


class PanelReview(models.Model):
    """One case reviewed at a meeting: the panel's conclusion and each member's opinion."""

    class Conclusion(models.TextChoices):
        AGREE = "agree", "同意确认"
        DISAGREE = "disagree", "不同意确认"

    meeting = models.ForeignKey(PanelMeeting, on_delete=models.PROTECT, related_name="reviews")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="panel_reviews")
    conclusion = models.CharField("评审结论", max_length=10, choices=Conclusion.choices)
    #: [{"member": name, "opinion": text}], one per member present.
    opinions = models.JSONField("成员意见", default=list)

    class Meta:
        verbose_name = "评审小组审议案件"
        verbose_name_plural = "评审小组审议案件"
        constraints = [
            models.UniqueConstraint(fields=["meeting", "case"], name="panel_review_once_per_case")
        ]

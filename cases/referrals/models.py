"""一门受理、协同办理 (seeds 002, 004): the township's window records a need that another
department answers (医疗救助, 教育救助, 住房救助, 就业救助, 受灾人员救助 …; the kinds are the
county's ``referral_need_kinds`` setting) and refers it (转办) to a department of the county's
contact list (kept by the administrator); the answer and its date are recorded later."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from relief.models import Region, User


class Department(models.Model):
    """One entry of the county's contact list: the department that answers a kind of need."""

    county = models.ForeignKey(
        Region, verbose_name="县(区)", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("部门", max_length=60)
    need_kind = models.CharField("承办救助事项", max_length=40)
    contact_person = models.CharField("联系人", max_length=40, blank=True)
    phone = models.CharField("联系电话", max_length=40, blank=True)
    active = models.BooleanField("在用", default=True)
    #: The department's own users (Role.DEPARTMENT_OFFICER of the county): they see and answer
    #: the referrals addressed to this department, nothing else.
    members = models.ManyToManyField(
        User, verbose_name="部门经办人", blank=True, related_name="referral_departments"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "转办部门"
        verbose_name_plural = "转办部门"
        ordering = ("need_kind", "name", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "name", "need_kind"], name="referral_department_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.need_kind}）"


class Referral(models.Model):
    """转办: a need recorded at the window and sent to a department; open until answered."""

    case = models.ForeignKey(
        "cases.Case", verbose_name="案件", on_delete=models.CASCADE, related_name="referrals"
    )
    need_kind = models.CharField("救助事项", max_length=40)
    need = models.CharField("需求说明", max_length=300)
    department = models.ForeignKey(
        Department, verbose_name="转办部门", on_delete=models.PROTECT, related_name="referrals"
    )
    referred_at = models.DateTimeField("转办时间", default=timezone.now)
    referred_by = models.ForeignKey(
        User, verbose_name="转办人", on_delete=models.PROTECT, related_name="+"
    )
    answer = models.CharField("部门答复", max_length=300, blank=True)
    answered_on = models.DateField("答复日期", null=True, blank=True)
    answer_recorded_by = models.ForeignKey(
        User,
        verbose_name="答复登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answer_recorded_at = models.DateTimeField("答复登记时间", null=True, blank=True)

    class Meta:
        verbose_name = "转办"
        verbose_name_plural = "转办"
        ordering = ("-referred_at", "-pk")
        indexes = [models.Index(fields=["department", "answered_on"], name="referral_open")]

    def __str__(self) -> str:
        return f"{self.need_kind} → {self.department.name}"

    @property
    def is_open(self) -> bool:
        return self.answered_on is None

    def age_days(self, today=None) -> int:
        """Calendar days since the referral (to the answer when answered)."""
        end = self.answered_on or today or timezone.localdate()
        return max(0, (end - timezone.localdate(self.referred_at)).days)

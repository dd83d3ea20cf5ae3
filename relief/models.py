"""The shared core: regions, users and roles, assistance types, delegation, policy,
working-day overrides, in-app notifications.

Every number of DOMAIN.md §5–7 is a policy setting (relief/policy.py), never a constant.
"""

from __future__ import annotations

import datetime
import hashlib
import json

from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from relief.logchain import ChainedLog


class Region(models.Model):
    """County (县/区) → township (乡镇/街道/园区) → village (村/居委会), with 12-digit 区划代码."""

    class Level(models.TextChoices):
        COUNTY = "county", "县(区)"
        TOWNSHIP = "township", "乡镇(街道)"
        VILLAGE = "village", "村(社区)"

    PARENT_LEVEL = {Level.TOWNSHIP: Level.COUNTY, Level.VILLAGE: Level.TOWNSHIP}

    code = models.CharField(
        "区划代码",
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^\d{12}$", "区划代码须为12位数字")],
    )
    name = models.CharField("名称", max_length=60)
    level = models.CharField("层级", max_length=10, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    active = models.BooleanField("启用", default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def county(self) -> Region:
        node = self
        while node.level != Region.Level.COUNTY and node.parent_id:
            node = node.parent
        return node

    @property
    def township(self) -> Region | None:
        if self.level == Region.Level.TOWNSHIP:
            return self
        if self.level == Region.Level.VILLAGE:
            return self.parent
        return None

    @property
    def full_name(self) -> str:
        parts, node = [], self
        while node is not None:
            parts.append(node.name)
            node = node.parent
        return "".join(reversed(parts))


class Role(models.TextChoices):
    """DOMAIN §2. Roles are the permission system, so they live in code; scope is data."""

    VILLAGE_ASSISTANT = "village_assistant", "村(居)协理员"
    TOWNSHIP_CLERK = "township_clerk", "乡镇民政经办人"
    TOWNSHIP_APPROVER = "township_approver", "乡镇审核确认人"
    COUNTY_VERIFIER = "county_verifier", "县核对机构"
    COUNTY_SUPERVISOR = "county_supervisor", "县民政局监管人员"
    ADMINISTRATOR = "administrator", "系统管理员"
    #: 一门受理、协同办理: a user of another department (医保、教育、住建 …) who sees only the
    #: referrals addressed to its department in its county (cases.referrals) and nothing else;
    #: region scoping (relief.scoping) gives it no rows.
    DEPARTMENT_OFFICER = "department_officer", "协同部门经办人"


#: The region level each role is scoped to.
ROLE_LEVEL = {
    Role.VILLAGE_ASSISTANT: Region.Level.VILLAGE,
    Role.TOWNSHIP_CLERK: Region.Level.TOWNSHIP,
    Role.TOWNSHIP_APPROVER: Region.Level.TOWNSHIP,
    Role.COUNTY_VERIFIER: Region.Level.COUNTY,
    Role.COUNTY_SUPERVISOR: Region.Level.COUNTY,
    Role.ADMINISTRATOR: Region.Level.COUNTY,
    Role.DEPARTMENT_OFFICER: Region.Level.COUNTY,
}


class User(AbstractUser):
    """An account with one role and one region; an administrator may grant a second role
    at the same level (e.g. a township clerk who also approves)."""

    full_name = models.CharField("姓名", max_length=40, blank=True)
    phone = models.CharField("电话", max_length=20, blank=True)
    role = models.CharField(
        "角色", max_length=30, choices=Role.choices, default=Role.TOWNSHIP_CLERK
    )
    extra_role = models.CharField("兼任角色", max_length=30, choices=Role.choices, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name="所属区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    id_number = models.CharField(
        "身份证号", max_length=18, blank=True, help_text="用于近亲属回避核对，可不填"
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def roles(self) -> set[str]:
        return {r for r in (self.role, self.extra_role) if r}

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    @property
    def is_county_level(self) -> bool:
        return self.region_id is not None and self.region.level == Region.Level.COUNTY

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or self.has_role(Role.ADMINISTRATOR)

    def get_role_display_all(self) -> str:
        labels = [Role(self.role).label]
        if self.extra_role:
            labels.append(Role(self.extra_role).label)
        return "、".join(labels)


class AssistanceType(models.Model):
    """DOMAIN §3: the type list is data. ``workflow`` names the route a case follows."""

    class Category(models.TextChoices):
        DIBAO = "dibao", "最低生活保障"
        TEKUN = "tekun", "特困人员救助供养"
        TEMPORARY = "temporary", "临时救助"
        OTHER = "other", "其他救助"

    class Workflow(models.TextChoices):
        DIBAO = "dibao", "低保流程"
        TEKUN = "tekun", "特困流程"
        TEMPORARY = "temporary", "临时救助流程"
        SIMPLE = "simple", "简易流程"

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=60)
    category = models.CharField("类别", max_length=20, choices=Category.choices)
    subtype = models.CharField(
        "细分", max_length=40, blank=True, help_text="如 城市/农村、分散/集中、急难型/支出型"
    )
    workflow = models.CharField("适用流程", max_length=20, choices=Workflow.choices)
    active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "救助类型"
        verbose_name_plural = "救助类型"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Delegation(models.Model):
    """A county's written entrustment (《行政审批事项委托书》, seed 003) of the power of
    审核确认 for one assistance type to one township. Its status over time is the
    sequence of DelegationEvent rows; ask relief.delegation.holds_power(), nothing else."""

    class Phase(models.TextChoices):
        PILOT = "pilot", "试点"
        PARTIAL = "partial", "部分下放"
        FULL = "full", "全面下放"

    class Status(models.TextChoices):
        ACTIVE = "active", "有效"
        SUSPENDED = "suspended", "暂停"
        REVOKED = "revoked", "收回"

    township = models.ForeignKey(
        Region,
        verbose_name="乡镇(街道)",
        on_delete=models.PROTECT,
        related_name="delegations",
        limit_choices_to={"level": Region.Level.TOWNSHIP},
    )
    assistance_type = models.ForeignKey(
        AssistanceType, verbose_name="救助类型", on_delete=models.PROTECT
    )
    document_no = models.CharField("委托书文号", max_length=80)
    document_date = models.DateField("委托书日期")
    effective_from = models.DateField("生效日期")
    effective_until = models.DateField("截止日期", null=True, blank=True)
    phase = models.CharField("阶段", max_length=10, choices=Phase.choices, default=Phase.FULL)
    status = models.CharField(
        "当前状态", max_length=10, choices=Status.choices, default=Status.ACTIVE, editable=False
    )
    status_reason = models.CharField("状态原因", max_length=200, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "审核确认权委托"
        verbose_name_plural = "审核确认权委托"
        ordering = ["township__code", "assistance_type__sort_order", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_until__isnull=True)
                | models.Q(effective_until__gte=models.F("effective_from")),
                name="delegation_until_after_from",
            )
        ]

    def __str__(self) -> str:
        return f"{self.township} · {self.assistance_type} · {self.document_no}"


class DelegationEvent(ChainedLog):
    """Effective-dated status change of a delegation: suspend / resume / revoke.
    Append-only; the status on date D is the last event effective on or before D.
    Hash-chained per delegation (relief/logchain.py)."""

    chain_on = "delegation"
    chain_fields = ("delegation", "status", "effective_date", "reason", "actor", "created_at")

    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="events")
    status = models.CharField("状态", max_length=10, choices=Delegation.Status.choices)
    effective_date = models.DateField("生效日期")
    reason = models.CharField("原因", max_length=500)
    actor = models.ForeignKey(User, verbose_name="操作人", null=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField("记录时间", default=timezone.now)

    class Meta:
        verbose_name = "委托状态变更"
        verbose_name_plural = "委托状态变更"
        ordering = ["effective_date", "created_at", "pk"]


class PolicySetting(models.Model):
    """One value of one policy key (relief/policy.py) for a county (default) or a township
    (override), effective from a date. Rows are never edited: a change is a new row, so
    the value in force on any past date stays answerable."""

    region = models.ForeignKey(
        Region, verbose_name="适用区划", on_delete=models.PROTECT, related_name="policies"
    )
    key = models.CharField("政策项", max_length=60, db_index=True)
    value = models.JSONField("取值")
    effective_from = models.DateField("生效日期")
    note = models.CharField("依据/说明", max_length=200, blank=True)
    created_by = models.ForeignKey(User, verbose_name="设置人", null=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField("设置时间", default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "政策参数"
        verbose_name_plural = "政策参数"
        ordering = ["region__code", "key", "-effective_from", "-created_at"]
        indexes = [models.Index(fields=["region", "key", "effective_from"])]


class PolicySnapshot(models.Model):
    """A policy as frozen on a case's 受理 (``relief.policy.Policy.as_snapshot``), stored once
    and shared by every case opened in bulk under it (a review campaign's cases, the daily
    scan's scheduled reviews): one row per distinct snapshot (``digest`` of its canonical
    JSON), never edited, never deleted while a case points to it."""

    digest = models.CharField("摘要", max_length=64, unique=True)
    data = models.JSONField("政策取值")
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = "政策快照"
        verbose_name_plural = "政策快照"

    def __str__(self) -> str:
        return f"{self.data.get('_on') or '—'} {self.digest[:12]}"

    @classmethod
    def of_many(cls, snapshots: list[dict]) -> list[PolicySnapshot]:
        """The rows holding ``snapshots``, in their order, in two statements whatever their
        number: the missing ones inserted (``ON CONFLICT DO NOTHING``: a concurrent maker's
        row is taken), then all read back by digest."""
        texts = [
            json.dumps(s, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder)
            for s in snapshots
        ]
        digests = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
        fresh = {d: cls(digest=d, data=json.loads(t)) for d, t in zip(digests, texts, strict=True)}
        cls.objects.bulk_create(fresh.values(), ignore_conflicts=True)
        stored = cls.objects.in_bulk(digests, field_name="digest")
        return [stored[d] for d in digests]


class WorkdayOverride(models.Model):
    """Administrator-maintained holiday/make-up-workday data for dates that
    ``chinesecalendar`` does not know (or gets wrong). Overrides win."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否工作日")
    note = models.CharField("说明", max_length=100, blank=True, help_text="如 春节、调休上班")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "工作日调整"
        verbose_name_plural = "工作日调整"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {'上班' if self.is_workday else '休息'}"


class Notification(models.Model):
    """In-app message to one user: a case reached a stage where they must act, a
    deadline is near, a county query arrived."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    verb = models.CharField("事项", max_length=200)
    url = models.CharField("链接", max_length=300, blank=True)
    dedupe_key = models.CharField(
        max_length=120, blank=True, help_text="the same key is never sent twice"
    )
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内通知"
        verbose_name_plural = "站内通知"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_once_per_key",
            )
        ]
        indexes = [
            # the unread badge on every page counts these (capped: relief/context_processors.py)
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
            # the inbox, newest first, paged by keyset (relief/paging.py)
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox"),
        ]


def today() -> datetime.date:
    return timezone.localdate()


class Job(models.Model):
    """A background job a user waits for (statistics export, later PDF archive export), or
    the record of a Celery task that failed for good (kind = the task name, owner empty).
    relief/jobs.py creates and advances them; the page polls ``progress``."""

    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    kind = models.CharField("类型", max_length=80, db_index=True)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    progress = models.PositiveSmallIntegerField("进度(%)", default=0)
    message = models.CharField("说明", max_length=300, blank=True)
    params = models.JSONField("参数", default=dict, blank=True)
    result_file = models.FileField("结果文件", upload_to="jobs/%Y/%m/", blank=True)
    result_name = models.CharField("下载文件名", max_length=120, blank=True)
    owner = models.ForeignKey(
        User,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="jobs",
    )
    task_id = models.CharField("任务编号", max_length=60, blank=True)
    traceback = models.TextField("错误详情", blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now, db_index=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.get_status_display()}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class DataReveal(models.Model):
    """One reveal of a masked personal value (PIPL: ID numbers, bank accounts, health and
    disability details are sensitive): who saw whose value of which kind, when, on which page
    or API call, from which address. Written by ``relief.personal_data.reveal_record`` in the
    same transaction as the answer that carries the value; never changed or deleted."""

    append_only = True  # relief/dbroles.py: INSERT and SELECT only for the application role

    class Kind(models.TextChoices):
        ID_NUMBER = "id_number", "身份证号"
        BANK_ACCOUNT = "bank_account", "银行账号"
        HEALTH = "health", "健康状况"
        DISABILITY = "disability", "残疾情况"

    user = models.ForeignKey(
        User, verbose_name="查看人", on_delete=models.PROTECT, related_name="data_reveals"
    )
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    kind = models.CharField("信息类别", max_length=20, choices=Kind.choices)
    subject_type = models.ForeignKey(
        ContentType, verbose_name="对象类型", on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField("对象编号")
    subject = GenericForeignKey("subject_type", "subject_id")
    subject_name = models.CharField("信息主体", max_length=60)
    township = models.ForeignKey(
        Region,
        verbose_name="所属乡镇",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    path = models.CharField("页面/接口", max_length=300, blank=True)
    view_name = models.CharField("功能", max_length=120, blank=True)
    client_address = models.GenericIPAddressField("客户端地址", null=True, blank=True)
    purpose = models.CharField("用途", max_length=200, blank=True)

    class Meta:
        verbose_name = "个人信息查看记录"
        verbose_name_plural = "个人信息查看记录"
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="datareveal_subject"),
            models.Index(fields=["township", "at"], name="datareveal_township_at"),
        ]

    def __str__(self) -> str:
        return f"{self.user} 查看 {self.subject_name} 的{self.get_kind_display()}"

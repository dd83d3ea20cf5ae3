"""Writes of the standing list (长期公示): a new dated version of a village's list, on
demand by the township clerk or monthly by the beat task. The rows are the village's
households in payment, masked as on a notice (relief/masking.py, the policy's rule), with
the village group (村民小组), persons covered, assistance type and monthly amount — never an
ID number, address or income (A Art.24, F §4(2))."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from celery import Task
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone

from archive.pdf import render_document
from funds.publicity.models import StandingList
from funds.recipients.models import UNPAID_STATUSES, Recipient
from relief.jobs import job_finish, job_progress, job_start
from relief.masking import mask_name
from relief.models import Job, Region, Role, User
from relief.policy import policy_for
from relief.scoping import villages_for_user

#: Who may regenerate a village's list on demand.
GENERATE_ROLES = (Role.TOWNSHIP_CLERK,)


def standing_rows(*, village: Region, on: datetime.date) -> list[dict]:
    """The village's households in payment today, masked by the policy's rule; ordered by
    assistance type, then by when they entered the register (the paper's order). One query."""
    rule = policy_for(village, on).notice_mask_rule
    recipients = (
        Recipient.objects.filter(village=village)
        .exclude(status__in=UNPAID_STATUSES)
        .select_related("assistance_type", "household")
        .only(
            "head_name",
            "household__village_group",
            "covered_count",
            "monthly_amount",
            "status",
            "assistance_type__name",
            "assistance_type__code",
        )
        .order_by("assistance_type__code", "first_month", "pk")
    )
    return [
        {
            "name": mask_name(r.head_name, rule),
            "group": r.household.village_group,
            "type": r.assistance_type.name,
            "persons": r.covered_count,
            "amount": f"{Decimal(r.monthly_amount):.2f}",
        }
        for r in recipients
    ]


def _render(*, village: Region, as_of: datetime.date, rows: list[dict], totals: dict) -> bytes:
    township = village.parent
    html = render_to_string(
        "funds/publicity/standing_list_pdf.html",
        {
            "page_title": f"{village.name}社会救助对象长期公示名单",
            "village": village,
            "township": township,
            "as_of": as_of,
            "rows": rows,
            "totals": totals,
        },
    )
    return render_document(html).write_pdf()


def _require_generator(actor: User | None, village: Region) -> None:
    if actor is not None:
        if not actor.has_role(*GENERATE_ROLES):
            raise PermissionDenied("长期公示名单须由乡镇民政经办人生成")
        if not villages_for_user(actor).filter(pk=village.pk).exists():
            raise Http404("该村(社区)不在您的管辖范围内")
    if village.level != Region.Level.VILLAGE or village.parent is None:
        raise ValidationError({"village": ["请选择村(社区)"]})


@transaction.atomic
def standing_list_generate(
    *,
    village: Region,
    actor: User | None,
    on: datetime.date | None = None,
    trigger: str = StandingList.Trigger.MANUAL,
    rows: list[dict] | None = None,
) -> StandingList:
    """A new dated version of ``village``'s standing list (its PDF stored with its SHA-256).
    ``actor`` None: the monthly task. Old versions are kept and stay downloadable."""
    _require_generator(actor, village)
    on = on or timezone.localdate()
    if rows is None:
        rows = standing_rows(village=village, on=on)
    totals = {
        "households": len(rows),
        "persons": sum(r["persons"] for r in rows),
        "monthly_total": sum((Decimal(r["amount"]) for r in rows), Decimal("0.00")),
    }
    pdf = _render(village=village, as_of=on, rows=rows, totals=totals)
    version = StandingList(
        township=village.parent,
        village=village,
        as_of=on,
        trigger=trigger,
        rows=rows,
        households=totals["households"],
        persons=totals["persons"],
        monthly_total=totals["monthly_total"],
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        created_by=actor,
    )
    version.file.save(f"standing-{village.code}-{on:%Y%m%d}.pdf", ContentFile(pdf), save=False)
    version.save()
    return version


@dataclass
class MonthlyResult:
    generated: list[str] = field(default_factory=list)
    skipped: int = 0

    def as_dict(self) -> dict:
        return {"generated": self.generated, "skipped": self.skipped}


def standing_lists_monthly(*, on: datetime.date | None = None) -> MonthlyResult:
    """Monthly: a new version for every village with households in payment or with an
    earlier list (so a list whose last household left is posted empty). A village that
    already has this month's automatic version is skipped (safe to run twice)."""
    on = on or timezone.localdate()
    month_start = on.replace(day=1)
    with_recipients = (
        Recipient.objects.exclude(status__in=UNPAID_STATUSES).values("village").distinct()
    )
    with_lists = StandingList.objects.values("village").distinct()
    done = set(
        StandingList.objects.filter(
            trigger=StandingList.Trigger.MONTHLY, as_of__gte=month_start, as_of__lte=on
        ).values_list("village_id", flat=True)
    )
    villages = (
        Region.objects.filter(level=Region.Level.VILLAGE, active=True)
        .filter(Q(pk__in=with_recipients) | Q(pk__in=with_lists))
        .select_related("parent")
        .order_by("code")
    )
    result = MonthlyResult()
    for village in villages:
        if village.pk in done:
            result.skipped += 1
            continue
        standing_list_generate(
            village=village, actor=None, on=on, trigger=StandingList.Trigger.MONTHLY
        )
        result.generated.append(village.code)
    return result


# --- on demand, as a background job ------------------------------------------------------
#: The Job kind of an on-demand regeneration (relief.jobs; params: village, on).
STANDING_JOB_KIND = "funds.publicity.standing_list"
#: A queued or running job older than this is taken as lost (a worker that died) and no
#: longer holds back a new request for the same village and date.
STANDING_JOB_STALE = datetime.timedelta(minutes=30)
_LIVE_JOB = (Job.Status.PENDING, Job.Status.RUNNING)


@dataclass
class StandingRequest:
    job: Job
    created: bool

    @property
    def message(self) -> str:
        if self.created:
            return "已开始生成长期公示名单，稍后刷新本页查看新版本"
        return "该村(社区)今天的长期公示名单已在生成中，请勿重复提交，稍后刷新本页查看"


def standing_job_pending(*, village: Region, on: datetime.date | None = None) -> Job | None:
    """The queued or running regeneration of ``village`` for ``on`` (today), if any."""
    on = on or timezone.localdate()
    return (
        Job.objects.filter(
            kind=STANDING_JOB_KIND,
            status__in=_LIVE_JOB,
            params__village=village.pk,
            params__on=on.isoformat(),
            created_at__gte=timezone.now() - STANDING_JOB_STALE,
        )
        .order_by("pk")
        .first()
    )


@transaction.atomic
def standing_list_request(
    *, village: Region, actor: User, task: Task, on: datetime.date | None = None
) -> StandingRequest:
    """The clerk's 重新生成: the same checks as ``standing_list_generate``, then ``task``
    (funds.publicity.tasks.generate_standing_list) is queued after commit as a Job and the
    request answers at once. A job for the same village and date still queued or running is
    answered instead of a second one (the village row is locked, so two clicks at the same
    moment queue one job); the job itself makes no second version of an unchanged list."""
    _require_generator(actor, village)
    on = on or timezone.localdate()
    Region.objects.select_for_update().filter(pk=village.pk).first()
    pending = standing_job_pending(village=village, on=on)
    if pending is not None:
        return StandingRequest(job=pending, created=False)
    job = job_start(
        kind=STANDING_JOB_KIND,
        owner=actor,
        task=task,
        params={"village": village.pk, "on": on.isoformat()},
    )
    return StandingRequest(job=job, created=True)


def standing_list_run_job(*, job_id: int) -> StandingList | None:
    """The job's work (the task calls it): a new version of the village's list for the
    job's date, signed by whoever asked, unless the latest version is of that date and its
    rows are the same (a repeated request, a re-delivered task): that one is answered and
    nothing is written. A finished job is not run again."""
    job = Job.objects.select_related("owner").get(pk=job_id)
    if job.status == Job.Status.DONE:
        version_id = job.params.get("version")
        return StandingList.objects.filter(pk=version_id).first() if version_id else None
    job_progress(job_id, 10, "生成中")
    village = Region.objects.select_related("parent").get(pk=job.params["village"])
    on = datetime.date.fromisoformat(job.params["on"])
    with transaction.atomic():
        Region.objects.select_for_update().filter(pk=village.pk).first()
        rows = standing_rows(village=village, on=on)
        latest = StandingList.objects.filter(village=village).order_by("-created_at", "-pk").first()
        if latest is not None and latest.as_of == on and latest.rows == rows:
            version, message = (
                latest,
                (
                    f"{village.name}长期公示名单与{on:%Y年%m月%d日}已生成的版本相同（"
                    f"{latest.households}户），未另存新版本"
                ),
            )
        else:
            version = standing_list_generate(village=village, actor=job.owner, on=on, rows=rows)
            message = f"已生成{village.name}{on:%Y年%m月%d日}长期公示名单（{version.households}户）"
        Job.objects.filter(pk=job_id).update(params={**job.params, "version": version.pk})
    job_finish(job_id, message=message)
    return version

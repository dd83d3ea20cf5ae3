"""Writes of the standing list (长期公示): a new dated version of a village's list, on
demand by the township clerk or monthly by the beat task. The rows are the village's
households in payment, masked as on a notice (relief/masking.py, the policy's rule), with
household persons covered, assistance type and monthly amount — never an ID number,
address or income (A Art.24, F §4(2))."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

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
from relief.masking import mask_name
from relief.models import Region, Role, User
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
        .select_related("assistance_type")
        .only(
            "head_name",
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


@transaction.atomic
def standing_list_generate(
    *,
    village: Region,
    actor: User | None,
    on: datetime.date | None = None,
    trigger: str = StandingList.Trigger.MANUAL,
) -> StandingList:
    """A new dated version of ``village``'s standing list (its PDF stored with its SHA-256).
    ``actor`` None: the monthly task. Old versions are kept and stay downloadable."""
    if actor is not None:
        if not actor.has_role(*GENERATE_ROLES):
            raise PermissionDenied("长期公示名单须由乡镇民政经办人生成")
        if not villages_for_user(actor).filter(pk=village.pk).exists():
            raise Http404("该村(社区)不在您的管辖范围内")
    if village.level != Region.Level.VILLAGE or village.parent is None:
        raise ValidationError({"village": ["请选择村(社区)"]})
    on = on or timezone.localdate()
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

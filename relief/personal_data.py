"""Personal data under PIPL: ID numbers, bank accounts, health and disability details are
masked by default everywhere; a role that needs the full value reveals it with one click and
every reveal is one ``DataReveal`` row (who, whose, which kind, when, where, from which
address). Each app decides who may reveal its own values (``cases.intake.reveal`` for ID
numbers, ``funds.recipients.services.bank_account_reveal`` for accounts) and calls
``reveal_record`` in the same transaction as the answer that carries the value.

The county reviews the log: ``reveals_for_user`` lets the county supervisor see the county's
reveals and a township clerk its own township's; everyone else is refused."""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from relief.exports import Cell
from relief.http import client_address_of
from relief.models import DataReveal, Region, Role, User
from relief.scoping import scope_by_region

#: The roles that review the reveal log (county: the whole county; clerk: own township).
REVIEW_ROLES = (Role.COUNTY_SUPERVISOR, Role.TOWNSHIP_CLERK)


def reveal_where(request: HttpRequest) -> dict[str, str | None]:
    """Where a reveal happened: the path, the URL name, the client address."""
    match = getattr(request, "resolver_match", None)
    return {
        "path": request.path[:300],
        "view_name": (match.view_name if match else "")[:120],
        "client_address": client_address_of(request),
    }


def reveal_record(
    *,
    user: User,
    kind: str,
    subject: models.Model,
    subject_name: str,
    township: Region | None,
    path: str = "",
    view_name: str = "",
    client_address: str | None = None,
    purpose: str = "",
) -> DataReveal:
    """Log one reveal of ``subject``'s ``kind`` value (a DataReveal.Kind) by ``user``."""
    return DataReveal.objects.create(
        user=user,
        kind=kind,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        subject_name=(subject_name or "")[:60],
        township=township,
        path=path[:300],
        view_name=view_name[:120],
        client_address=client_address or None,
        purpose=(purpose or "").strip()[:200],
    )


def reveal_records(
    *,
    user: User,
    kind: str,
    subjects: list[tuple[models.Model, str, Region | None]],
    path: str = "",
    view_name: str = "",
    client_address: str | None = None,
) -> list[DataReveal]:
    """Log the reveal of ``kind`` for each (subject, name, township) of one answer that
    carries many full values (one INSERT)."""
    return DataReveal.objects.bulk_create(
        DataReveal(
            user=user,
            kind=kind,
            subject_type=ContentType.objects.get_for_model(subject),
            subject_id=subject.pk,
            subject_name=(name or "")[:60],
            township=township,
            path=path[:300],
            view_name=view_name[:120],
            client_address=client_address or None,
        )
        for subject, name, township in subjects
    )


def may_review_reveals(user: User) -> bool:
    return user.is_authenticated and user.has_role(*REVIEW_ROLES)


def reveals_for_user(
    *,
    user: User,
    person: str = "",
    viewer: str = "",
    kind: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[DataReveal]:
    """The reveals ``user`` may review, filtered by the person revealed (name), the viewer
    (username or name), the kind and a date range; a role that does not review: 403."""
    if not may_review_reveals(user):
        raise PermissionDenied("只有县级监管人员和乡镇经办人可以查看个人信息查看记录")
    qs = scope_by_region(
        DataReveal.objects.select_related("user", "township", "subject_type"),
        user,
        village_field=None,
    )
    if person:
        qs = qs.filter(subject_name__contains=person)
    if viewer:
        qs = qs.filter(
            models.Q(user__username__contains=viewer) | models.Q(user__full_name__contains=viewer)
        )
    if kind:
        qs = qs.filter(kind=kind)
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    return qs.order_by("-at", "-pk")


EXPORT_HEADER = [
    "时间",
    "查看人",
    "账号",
    "信息类别",
    "信息主体",
    "所属乡镇",
    "页面/接口",
    "客户端地址",
    "用途",
]


def reveal_export_rows(qs: QuerySet[DataReveal]) -> list[list[Cell]]:
    return [
        [
            timezone.localtime(r.at).strftime("%Y-%m-%d %H:%M:%S"),
            r.user.full_name or r.user.username,
            r.user.username,
            r.get_kind_display(),
            r.subject_name,
            r.township.name if r.township else "",
            r.path,
            r.client_address or "",
            r.purpose,
        ]
        for r in qs
    ]

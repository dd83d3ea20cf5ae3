"""In-app notifications: who holds a role in a region, and sending a message to them once.

Every app sends through ``notify`` (the workflow's next-actor messages, intake requests,
supervision queries and orders); ``dedupe_key`` plus the unique constraint on
(recipient, dedupe_key) make a message to the same person for the same thing arrive once.
The set-based deadline scan (cases/clocks/services.py) writes its rows in SQL for speed, under the
same constraint.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import get_connection, send_mass_mail
from django.db import transaction
from django.db.models import Q, QuerySet

from relief.models import Notification, User


def users_with_role(roles: str | Iterable[str], region_ids: int | Iterable[int]) -> QuerySet[User]:
    """Active users whose role or second role is one of ``roles``, in one of ``region_ids``."""
    roles = [roles] if isinstance(roles, str) else list(roles)
    region_ids = [region_ids] if isinstance(region_ids, int) else list(region_ids)
    return User.objects.filter(is_active=True, region_id__in=region_ids).filter(
        Q(role__in=roles) | Q(extra_role__in=roles)
    )


def notify(
    users: Iterable[User],
    *,
    verb: str,
    url: str = "",
    dedupe_key: str = "",
    after_commit: bool = True,
) -> None:
    """Send ``verb`` to ``users`` (a queryset is evaluated when sending). By default after
    the current transaction commits, so a rolled-back act sends nothing."""

    def send() -> None:
        Notification.objects.bulk_create(
            [
                Notification(recipient=u, verb=verb[:200], url=url, dedupe_key=dedupe_key[:120])
                for u in users
            ],
            ignore_conflicts=True,
        )

    if after_commit:
        transaction.on_commit(send)
    else:
        send()


def notifications_send_email(notification_ids: list[int]) -> int:
    """E-mail each listed notification to its recipient (when e-mail is configured)."""
    if not settings.EMAIL_ENABLED:
        return 0
    rows = (
        Notification.objects.filter(pk__in=notification_ids)
        .exclude(recipient__email="")
        .select_related("recipient")
    )
    messages = [
        (
            f"【社会救助】{n.verb}",
            f"{n.recipient}：\n\n{n.verb}\n\n请登录系统办理：{n.url}\n",
            settings.DEFAULT_FROM_EMAIL,
            [n.recipient.email],
        )
        for n in rows
    ]
    if not messages:
        return 0
    return send_mass_mail(messages, connection=get_connection())

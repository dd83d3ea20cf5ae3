"""Tasks of the core: a round trip through the broker proves a worker is alive, and
notifications are e-mailed."""

import smtplib

from celery import shared_task

from relief.jobs import RETRY, TRANSIENT, RecordedTask
from relief.logverify import log_check_and_alert
from relief.models import Region
from relief.notifications import notifications_send_email


@shared_task(name="relief.tasks.ping")
def ping() -> str:
    """Answer "pong".

    Used by the worker fixture and by operators (`celery call relief.tasks.ping`).
    """
    return "pong"


@shared_task(name="relief.tasks.count_regions")
def count_regions() -> int:
    """Count Region rows as the worker sees them: proves the worker reads the same database."""
    return Region.objects.count()


@shared_task(name="relief.tasks.verify_log")
def verify_log() -> int:
    """Nightly: recompute every log chain; the county supervisors are told of each break.
    Returns the number of broken chains."""
    return sum(len(r.breaks) for r in log_check_and_alert())


# The task keeps the name it was first registered under, so messages already queued run.
@shared_task(
    name="cases.tasks.send_notification_emails",
    base=RecordedTask,
    **{**RETRY, "autoretry_for": (*TRANSIENT, smtplib.SMTPException, OSError)},
)
def send_notification_emails(notification_ids: list[int]) -> int:
    return notifications_send_email(notification_ids)

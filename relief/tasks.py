"""Infrastructure tasks: a round trip through the broker proves a worker is alive."""

from celery import shared_task

from relief.logverify import log_check_and_alert


@shared_task(name="relief.tasks.ping")
def ping() -> str:
    """Answer "pong" — used by the worker fixture and by operators (`celery call relief.tasks.ping`)."""
    return "pong"


@shared_task(name="relief.tasks.count_regions")
def count_regions() -> int:
    """Count Region rows as the worker sees them: proves the worker reads the same database."""
    from relief.models import Region

    return Region.objects.count()


@shared_task(name="relief.tasks.verify_log")
def verify_log() -> int:
    """Nightly: recompute every log chain; the county supervisors are told of each break.
    Returns the number of broken chains."""
    return sum(len(r.breaks) for r in log_check_and_alert())

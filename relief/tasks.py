"""Infrastructure tasks: a round trip through the broker proves a worker is alive."""

from celery import shared_task


@shared_task(name="relief.tasks.ping")
def ping() -> str:
    """Answer "pong" — used by the worker fixture and by operators (`celery call relief.tasks.ping`)."""
    return "pong"


@shared_task(name="relief.tasks.count_regions")
def count_regions() -> int:
    """Count Region rows as the worker sees them: proves the worker reads the same database."""
    from relief.models import Region

    return Region.objects.count()

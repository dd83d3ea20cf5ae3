"""Celery finds each app's ``tasks`` module; the cases tasks live in their sub-packages."""

from cases.clocks.tasks import export_statistics, scan_deadlines  # noqa: F401
from cases.notices.tasks import close_due_batches  # noqa: F401

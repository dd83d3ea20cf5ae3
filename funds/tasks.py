"""Celery finds each app's ``tasks`` module; the funds tasks live in their sub-packages."""

from funds.publicity.tasks import regenerate_standing_lists  # noqa: F401
from funds.rosters.tasks import compute_roster, export_roster, scheduled_rosters  # noqa: F401

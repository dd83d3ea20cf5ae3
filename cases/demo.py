"""``manage.py seed_demo`` step of the cases app: with ``--households N``, N households with
members and one case each, spread over every state (cases/bulk.py)."""

from __future__ import annotations

from cases.bulk import bulk_create_households
from cases.demo_county import seed_demo_county
from cases.referrals.demo import seed_referral_departments


def seed_demo(*, households: int = 0, stdout=None) -> None:
    """Without ``--households``: the living demo county, worked through the services."""
    seed_referral_departments()
    if not households:
        seed_demo_county(stdout=stdout)
    if households:
        created = bulk_create_households(households, stdout=stdout)
        if stdout is not None:
            stdout.write(f"created {created} households")

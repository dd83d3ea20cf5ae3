"""Demo standards for the demo county (relief/demo.py seeds regions and accounts first).
Figures are illustrative, shaped like Anhui county rates."""

from __future__ import annotations

import datetime
from decimal import Decimal

from funds.models import Area, LivingStandard, TekunStandard
from funds.recipients.demo import seed_recipients
from funds.rosters.demo import seed_rosters
from relief.demo import COUNTY
from relief.models import Region

STANDARDS = [
    # effective_from, area, 低保标准, 特困基本生活标准, care self / partial / full
    (datetime.date(2024, 7, 1), Area.URBAN, "820", "1066", "100", "330", "880"),
    (datetime.date(2024, 7, 1), Area.RURAL, "750", "975", "100", "330", "880"),
    (datetime.date(2025, 7, 1), Area.URBAN, "860", "1118", "110", "350", "920"),
    (datetime.date(2025, 7, 1), Area.RURAL, "790", "1027", "110", "350", "920"),
]


def seed_standards(county) -> None:
    for on, area, dibao, basic, c_self, c_partial, c_full in STANDARDS:
        LivingStandard.objects.get_or_create(
            county=county,
            area=area,
            effective_from=on,
            defaults={
                "monthly_amount": Decimal(dibao),
                "document": f"当民〔{on.year}〕{on.month}号",
            },
        )
        TekunStandard.objects.get_or_create(
            county=county,
            area=area,
            effective_from=on,
            defaults={
                "basic_amount": Decimal(basic),
                "care_self": Decimal(c_self),
                "care_partial": Decimal(c_partial),
                "care_full": Decimal(c_full),
                "document": f"当民〔{on.year}〕{on.month}号",
            },
        )


def seed_demo(*, households: int = 0, stdout=None) -> None:
    """``manage.py seed_demo`` step: the standards of the demo county, then (not for the bulk
    benchmark rows, which have no signed log) the register of the demo's cases in 发放中 and
    this month's locked roster of 姑孰镇, both through their services."""
    seed_standards(Region.objects.get(code=COUNTY[0]))
    if households:
        return
    seed_recipients(stdout=stdout)
    seed_rosters(stdout=stdout)

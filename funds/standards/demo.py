"""Demo standards of the demo county (低保 and 特困 rates), shaped like Anhui county rates.
Low in the layers (cases may import funds.standards), so the living demo county seeds them
before it computes its cases' amounts; funds' own demo step runs it again (a no-op)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from funds.standards.models import Area, LivingStandard, TekunStandard
from relief.models import Region

STANDARDS = [
    # effective_from, area, 低保标准, 特困基本生活标准, care self / partial / full
    (datetime.date(2024, 7, 1), Area.URBAN, "820", "1066", "100", "330", "880"),
    (datetime.date(2024, 7, 1), Area.RURAL, "750", "975", "100", "330", "880"),
    (datetime.date(2025, 7, 1), Area.URBAN, "860", "1118", "110", "350", "920"),
    (datetime.date(2025, 7, 1), Area.RURAL, "790", "1027", "110", "350", "920"),
]


def seed_standards(county: Region) -> None:
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

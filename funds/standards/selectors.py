"""Reads of the money data: the standard in force for a county, area and date."""

from __future__ import annotations

import datetime

from funds.standards.calculators import (
    FULLY_LOST,
    PARTLY_LOST,
    SELF_CARE,
    Band,
    Standard,
    TekunStandards,
)
from funds.standards.models import Area, DibaoBand, LivingStandard, TekunStandard
from relief.models import Region


def living_standard_in_force(*, county: Region, area: str, on: datetime.date) -> Standard | None:
    row = (
        LivingStandard.objects.filter(county=county, area=area, effective_from__lte=on)
        .order_by("-effective_from", "-pk")
        .first()
    )
    if row is None:
        return None
    label = f"{county.name}{Area(area).label}低保标准" + (
        f"（{row.document}）" if row.document else ""
    )
    return Standard(amount=row.monthly_amount, effective_from=row.effective_from, label=label)


def bands_in_force(*, county: Region, area: str, on: datetime.date) -> list[Band]:
    latest = (
        DibaoBand.objects.filter(county=county, area=area, effective_from__lte=on)
        .order_by("-effective_from")
        .values_list("effective_from", flat=True)
        .first()
    )
    if latest is None:
        return []
    rows = DibaoBand.objects.filter(county=county, area=area, effective_from=latest).order_by(
        "gap_from"
    )
    return [Band(r.gap_from, r.gap_to, r.amount_per_person, r.label) for r in rows]


def tekun_standards_in_force(
    *, county: Region, area: str, on: datetime.date
) -> TekunStandards | None:
    row = (
        TekunStandard.objects.filter(county=county, area=area, effective_from__lte=on)
        .order_by("-effective_from", "-pk")
        .first()
    )
    dibao = living_standard_in_force(county=county, area=area, on=on)
    if row is None or dibao is None:
        return None
    return TekunStandards(
        basic=row.basic_amount,
        care={SELF_CARE: row.care_self, PARTLY_LOST: row.care_partial, FULLY_LOST: row.care_full},
        effective_from=row.effective_from,
        label=f"{county.name}{Area(area).label}特困人员供养标准"
        + (f"（{row.document}）" if row.document else ""),
        dibao_standard=dibao.amount,
    )

"""Figures other apps add to the county's statistics page (DOMAIN §6), so the supervision app
shows them without importing those apps (the layers beside it are independent). An app
registers a ``TownshipFigure`` in its ``AppConfig.ready()``; the page asks every figure for
its values per township over the period, one query each.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TownshipFigure:
    key: str
    label: str
    #: compute(user=…, date_from=…, date_to=…) → {township_id: value}; missing means 0.
    compute: Callable[..., dict[int, Any]]
    empty: Any = 0


FIGURES: list[TownshipFigure] = []


def register(figure: TownshipFigure) -> None:
    if all(f.key != figure.key for f in FIGURES):
        FIGURES.append(figure)


def township_figures(
    *, user, date_from: datetime.date, date_to: datetime.date
) -> list[tuple[TownshipFigure, dict[int, Any]]]:
    return [
        (figure, figure.compute(user=user, date_from=date_from, date_to=date_to))
        for figure in FIGURES
    ]

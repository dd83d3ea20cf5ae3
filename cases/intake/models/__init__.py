"""Intake models: the household and its members, income, spending and assets
(``household``), and the records of an application (``records``: checklist, 一次性告知,
survey, economic check and its import, near-relative register, 特困 assessment, amount)."""

from cases.intake.models.household import (
    Asset,
    Household,
    HouseholdEdit,
    HukouType,
    IncomeItem,
    Member,
    Spending,
)
from cases.intake.models.records import (
    AmountComputation,
    CheckImportBatch,
    ChecklistEntry,
    ChecklistItem,
    CheckMemberResult,
    DocumentNotice,
    EconomicCheck,
    NearRelative,
    Survey,
    TekunAssessment,
)

__all__ = [
    "AmountComputation",
    "Asset",
    "CheckImportBatch",
    "ChecklistEntry",
    "ChecklistItem",
    "CheckMemberResult",
    "DocumentNotice",
    "EconomicCheck",
    "Household",
    "HouseholdEdit",
    "HukouType",
    "IncomeItem",
    "Member",
    "NearRelative",
    "Spending",
    "Survey",
    "TekunAssessment",
]

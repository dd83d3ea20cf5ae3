"""Cases app models, one module per domain (STYLE §1: the file passed ~1,000 lines)."""

from cases.models.case import Case, CaseEvent, CaseState  # noqa: F401
from cases.models.household import Household, HukouType, Member  # noqa: F401
from cases.models.household import Asset, HouseholdEdit, IncomeItem, Spending  # noqa: F401
from cases.models.intake import NearRelative  # noqa: F401
from cases.models.intake import (  # noqa: F401
    AmountComputation,
    CheckImportBatch,
    ChecklistEntry,
    ChecklistItem,
    CheckMemberResult,
    DocumentNotice,
    EconomicCheck,
    Survey,
    TekunAssessment,
)
from cases.models.clock import CaseClock, StepKind  # noqa: F401

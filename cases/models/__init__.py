"""Cases app models, one module per domain (STYLE §1: the file passed ~1,000 lines)."""

from cases.models.case import Case, CaseEvent, CaseState  # noqa: F401
from cases.models.clock import CaseClock, StepKind  # noqa: F401
from cases.models.household import (  # noqa: F401
    Asset,
    Household,
    HouseholdEdit,
    HukouType,
    IncomeItem,
    Member,
    Spending,
)
from cases.models.intake import (  # noqa: F401
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

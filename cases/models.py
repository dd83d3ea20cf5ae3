"""Every model of the cases app (app label ``cases``), defined in its sub-domain package and
gathered here so Django finds them and ``from cases.models import X`` works for each."""

from cases.clocks.models import CaseClock, StepKind
from cases.intake.models import (
    AmountComputation,
    Asset,
    CheckImportBatch,
    ChecklistEntry,
    ChecklistItem,
    CheckMemberResult,
    DocumentNotice,
    EconomicCheck,
    Household,
    HouseholdEdit,
    HukouType,
    IncomeItem,
    Member,
    NearRelative,
    Spending,
    Survey,
    TekunAssessment,
)
from cases.notices.models import NoticeBatch, NoticeEntry, Objection
from cases.panel.models import PanelMeeting, PanelReview
from cases.referrals.models import Department, Referral
from cases.states import CaseState
from cases.stats.models import (
    DecidedStateTally,
    DecisionTally,
    OpenTally,
    StateTally,
    TallyMark,
    ThroughputTally,
)
from cases.temporary.models import Emergency, EmergencyGrant, GrantBody, GrantKind
from cases.workflow.models import Case, CaseEvent

__all__ = [
    "AmountComputation",
    "Asset",
    "Case",
    "Department",
    "CaseClock",
    "CaseEvent",
    "CaseState",
    "CheckImportBatch",
    "ChecklistEntry",
    "ChecklistItem",
    "CheckMemberResult",
    "DecidedStateTally",
    "DecisionTally",
    "DocumentNotice",
    "EconomicCheck",
    "Emergency",
    "EmergencyGrant",
    "GrantBody",
    "GrantKind",
    "Household",
    "HouseholdEdit",
    "HukouType",
    "IncomeItem",
    "Member",
    "NearRelative",
    "NoticeBatch",
    "NoticeEntry",
    "Objection",
    "OpenTally",
    "PanelMeeting",
    "PanelReview",
    "Spending",
    "StateTally",
    "StepKind",
    "Survey",
    "TallyMark",
    "TekunAssessment",
    "ThroughputTally",
    "Referral",
]

"""Every model of the funds app (app label ``funds``), defined in its sub-packages and
gathered here so Django finds them and ``from funds.models import X`` works for each."""

from funds.dynamic.models import (
    DishonestyPerson,
    DishonestyRecord,
    PhaseOut,
    PostingObjection,
    ReviewCampaign,
    ReviewCase,
    ReviewSchedule,
    TerminationPosting,
)
from funds.publicity.models import StandingList
from funds.recipients.models import (
    BankAccount,
    Recipient,
    RecipientChange,
    RecipientStatus,
    StandardAdjustmentLine,
    StandardAdjustmentRun,
)
from funds.rosters.models import (
    OneOffPayment,
    PaymentResultImport,
    RecoveryOrder,
    RosterEvent,
    RosterExport,
    RosterLine,
    RosterRun,
)
from funds.standards.models import Area, DibaoBand, LivingStandard, TekunStandard

__all__ = [
    "DishonestyPerson",
    "DishonestyRecord",
    "PhaseOut",
    "PostingObjection",
    "ReviewCampaign",
    "ReviewCase",
    "ReviewSchedule",
    "TerminationPosting",
    "Area",
    "BankAccount",
    "DibaoBand",
    "LivingStandard",
    "OneOffPayment",
    "PaymentResultImport",
    "Recipient",
    "RecipientChange",
    "RecipientStatus",
    "RecoveryOrder",
    "RosterEvent",
    "RosterExport",
    "RosterLine",
    "RosterRun",
    "StandingList",
    "StandardAdjustmentLine",
    "StandardAdjustmentRun",
    "TekunStandard",
]

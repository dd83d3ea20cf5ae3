"""Builders of the publicity tests: notice cases and recipients with chosen names, and a
published batch, through the real notice services."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from cases.models import CaseState
from cases.notices.models import NoticeBatch, NoticeKind
from cases.notices.services import batch_create, batch_publish
from funds.recipients.models import Recipient, RecipientStatus
from relief.models import AssistanceType, Region, User
from tests.factories import CaseFactory, HouseholdFactory


def named_case(village: Region, name: str, state: str = CaseState.PRE_NOTICE):
    household = HouseholdFactory(village=village, township=village.parent)
    case = CaseFactory(
        household=household,
        assistance_type=AssistanceType.objects.get(code="dibao_rural"),
        documents_complete=True,
        force_state=state,
    )
    case.applicant.name = name
    case.applicant.save(update_fields=["name"])
    return case


def published_batch(actor: User, village: Region, cases, **kw) -> NoticeBatch:
    kw.setdefault("place", "村委会公示栏")
    kw.setdefault("starts_on", timezone.localdate())
    batch = batch_create(
        actor=actor,
        village=village,
        kind=NoticeKind.PRE,
        cases=cases,
        phone="0555-6661234",
        **kw,
    )
    return batch_publish(batch=batch, actor=actor)


def recipient(village: Region, name: str, amount: str = "520.00", persons: int = 2) -> Recipient:
    case = named_case(village, name, state=CaseState.PAYING)
    head = case.applicant
    return Recipient.objects.create(
        case=case,
        household=case.household,
        assistance_type=case.assistance_type,
        township=village.parent,
        village=village,
        area="rural",
        status=RecipientStatus.ACTIVE,
        monthly_amount=Decimal(amount),
        covered_count=persons,
        first_month=timezone.localdate().replace(day=1),
        head_name=head.name,
        head_id_number=head.id_number,
    )

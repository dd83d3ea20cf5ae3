"""Reads of the recipient register, always through region scoping (relief/scoping.py):
another township's recipient is simply not in the queryset, so its page is a 404.

"The state for month M" is the change with the greatest (effective_month, id) where
effective_month <= M (``state_for_month`` for one recipient, ``states_for_month`` for a
queryset in one statement).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.http import HttpRequest, QueryDict
from django.shortcuts import get_object_or_404

from cases.models import Case, CaseEvent, Household
from funds.recipients.filters import RecipientFilter
from funds.recipients.models import (
    UNPAID_STATUSES,
    BankAccount,
    Recipient,
    RecipientChange,
    RecipientStatus,
    StandardAdjustmentRun,
)
from relief.models import User
from relief.scoping import scope_by_region


def recipient_list_for_user(*, user: User) -> QuerySet[Recipient]:
    return scope_by_region(Recipient.objects.all(), user).select_related(
        "assistance_type", "township", "village", "bank_account"
    )


def recipient_get_for_user(*, user: User, pk: int) -> Recipient:
    qs = recipient_list_for_user(user=user).select_related("case", "household", "computation")
    return get_object_or_404(qs, pk=pk)


def recipient_page_list_for_user(
    *, user: User, params: QueryDict | dict | None = None, request: HttpRequest | None = None
) -> RecipientFilter:
    """The filtered list of the 在册对象 page, its export and the list API."""
    return RecipientFilter(
        params,
        queryset=recipient_list_for_user(user=user).order_by(
            "township__code", "village__code", "pk"
        ),
        request=request,
    )


def recipient_totals(qs: QuerySet[Recipient]) -> dict:
    """Counts and monthly totals of a (filtered) recipient list in one aggregate query:
    households, persons covered, the current monthly total and the count per status."""
    paid = ~Q(status__in=UNPAID_STATUSES)
    row = qs.order_by().aggregate(
        households=Count("pk"),
        persons=Sum("covered_count", filter=paid),
        monthly_total=Sum("monthly_amount", filter=paid),
        without_account=Count("pk", filter=paid & Q(bank_account__isnull=True)),
        **{
            f"status_{value}": Count("pk", filter=Q(status=value))
            for value in RecipientStatus.values
        },
    )
    return {
        "households": row["households"] or 0,
        "persons": row["persons"] or 0,
        "monthly_total": Decimal(row["monthly_total"] or 0).quantize(Decimal("0.01")),
        "without_account": row["without_account"] or 0,
        "by_status": [
            (value, label, row[f"status_{value}"] or 0) for value, label in RecipientStatus.choices
        ],
    }


def recipient_changes(*, recipient: Recipient) -> QuerySet[RecipientChange]:
    """The signed history, newest decision first."""
    return recipient.changes.select_related("actor", "adjustment_run").order_by(
        "-effective_month", "-pk"
    )


#: The signed log row of the funeral-subsidy reminder that funds.dynamic writes on the review
#: case closing a single-person household by death (where the county's policy lists one).
#: Named here, below funds.dynamic, so the register reads it back without importing it.
FUNERAL_REMINDER_EVENT = "funeral_subsidy_reminder"


def funeral_reminder_of_recipient(*, recipient: Recipient) -> CaseEvent | None:
    """The funeral-subsidy reminder issued when ``recipient`` was closed by the death of its
    only covered member (its ``opinion`` is the text, ``case_id`` the review case), or None.
    One query, through the household's review cases of the recipient's type."""
    return (
        CaseEvent.objects.filter(
            transition=FUNERAL_REMINDER_EVENT,
            case__household_id=recipient.household_id,
            case__assistance_type_id=recipient.assistance_type_id,
            case__purpose=Case.Purpose.REVIEW,
            data__recipient=recipient.pk,
        )
        .only("opinion", "case_id", "created_at")
        .order_by("pk")
        .first()
    )


def state_for_month(*, recipient: Recipient, month: datetime.date) -> RecipientChange | None:
    return (
        RecipientChange.objects.filter(recipient=recipient, effective_month__lte=month)
        .order_by("-effective_month", "-pk")
        .first()
    )


def last_paid_amount_before(*, recipient: Recipient, month: datetime.date) -> Decimal:
    """The amount of the latest state before ``month`` in which money was due."""
    row = (
        RecipientChange.objects.filter(recipient=recipient, effective_month__lte=month)
        .exclude(status__in=UNPAID_STATUSES)
        .order_by("-effective_month", "-pk")
        .values_list("monthly_amount", flat=True)
        .first()
    )
    return row if row is not None else Decimal("0.00")


def states_for_month(qs: QuerySet[Recipient], *, month: datetime.date) -> QuerySet[Recipient]:
    """``qs`` annotated with ``state_id`` / ``state_status`` / ``state_amount``: the change
    in force in ``month`` (one correlated subquery; recipients not yet started get None)."""
    latest = RecipientChange.objects.filter(
        recipient=OuterRef("pk"), effective_month__lte=month
    ).order_by("-effective_month", "-pk")
    return qs.annotate(
        state_id=Subquery(latest.values("pk")[:1]),
        state_status=Subquery(latest.values("status")[:1]),
        state_amount=Subquery(latest.values("monthly_amount")[:1]),
    )


def bank_account_get_for_user(*, user: User, pk: int) -> BankAccount:
    qs = scope_by_region(
        BankAccount.objects.select_related("household", "holder_member", "created_by"),
        user,
        township_field="household__township",
        village_field="household__village",
    )
    return get_object_or_404(qs, pk=pk)


def bank_accounts_of_household(*, household: Household) -> QuerySet[BankAccount]:
    return BankAccount.objects.filter(household=household).order_by("-is_active", "-created_at")


def adjustment_runs_for_user(*, user: User) -> QuerySet[StandardAdjustmentRun]:
    """County-level rows: a township user sees its county's runs, no other county's."""
    return scope_by_region(
        StandardAdjustmentRun.objects.select_related("assistance_type", "county", "created_by"),
        user,
        township_field="county__children",
        village_field=None,
    ).distinct()


def adjustment_run_get_for_user(*, user: User, pk: int) -> StandardAdjustmentRun:
    return get_object_or_404(adjustment_runs_for_user(user=user), pk=pk)

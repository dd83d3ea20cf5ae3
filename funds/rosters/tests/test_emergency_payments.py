"""A 先行救助 cash grant of the township or the county becomes a one-off payment line for the
roster (funds.rosters.receivers, on cases.temporary's signal); a village-fund grant and an
in-kind grant are recorded in cases only and never reach the bank."""

from __future__ import annotations

from decimal import Decimal

from cases.temporary.tests.test_emergency import grant, register
from cases.workflow.tests.helpers import fast_passwords  # noqa: F401
from funds.rosters.models import OneOffPayment


def test_payment_line_for_a_township_cash_grant_not_for_the_village_fund(demo):
    case = register(demo)
    village = grant(demo, case, "assistant", body="village", amount="600")
    assert not village.to_bank
    assert not OneOffPayment.objects.exists()
    township = grant(demo, case, "clerk", body="township", amount="1200")
    assert township.to_bank
    line = OneOffPayment.objects.get()
    assert line.case_id == case.pk and line.amount == Decimal("1200")
    assert not line.paid_by_village_fund and line.payee_name == "王大山"
    grant(demo, case, "clerk", body="township", kind="in_kind", amount="100", description="棉被")
    assert OneOffPayment.objects.count() == 1


def test_a_grant_delivered_twice_makes_one_line(demo):
    from funds.rosters.receivers import on_emergency_grant

    case = register(demo)
    g = grant(demo, case, "clerk", body="township", amount="900")
    assert on_emergency_grant(None, grant=g) == OneOffPayment.objects.get()
    assert OneOffPayment.objects.count() == 1


def test_the_township_roster_of_the_type_takes_the_line(demo):
    from django.utils import timezone

    from funds.rosters import services as rosters

    case = register(demo)
    grant(demo, case, "clerk", body="township", amount="900")
    grant(demo, case, "assistant", body="village", amount="500")
    run = rosters.roster_run_start(
        township=case.township,
        month=timezone.localdate().replace(day=1),
        assistance_type=case.assistance_type,
        actor=demo.user("clerk"),
    )
    run = rosters.roster_compute(run_id=run.pk)
    assert [(line.kind, line.amount) for line in run.lines.all()] == [
        ("one_off", Decimal("900.00"))
    ]

"""The next-step hint follows the same rule as the state machine (``Case.skips``): a county
that keeps the check for 急难型 sees the check waited for; one that skips it does not."""

from __future__ import annotations

import datetime

from cases.models import CaseState
from cases.temporary.tests.test_emergency import grant, register
from cases.workflow.next_step import CHECK_NOT_REQUESTED, case_next_step
from cases.workflow.services import available_transitions
from cases.workflow.tests.helpers import fast_passwords, go  # noqa: F401
from relief.models import PolicySetting


def _investigating(demo):
    case = register(demo, user="clerk")
    grant(demo, case, amount="500")
    case.refresh_from_db()
    case.documents_complete = True
    case.save(update_fields=["documents_complete"])
    go(case, "accept", "clerk")
    go(case, "start_investigation", "clerk")
    return case


def _waiting(demo, case):
    user = demo.user("clerk")
    options = available_transitions(case=case, user=user)
    return [w.what for w in case_next_step(case=case, user=user, options=options).waiting]


def test_a_county_that_keeps_the_check_sees_it_waited_for(demo):
    PolicySetting.objects.create(
        region=demo.county,
        key="emergency_skip_check",
        value=False,
        effective_from=datetime.date(2020, 1, 1),
    )
    case = _investigating(demo)
    assert case.state in (CaseState.CHECKING, CaseState.INVESTIGATING)
    assert CHECK_NOT_REQUESTED in _waiting(demo, case)


def test_a_county_that_skips_the_check_is_not_told_to_request_one(demo):
    case = _investigating(demo)
    assert case.state == CaseState.VISITING
    waiting = _waiting(demo, case)
    assert CHECK_NOT_REQUESTED not in waiting

import datetime

import pytest

from cases.models import CaseState
from relief.models import AssistanceType
from tests.factories import CaseFactory, HouseholdFactory

PERIOD = (datetime.date(2026, 10, 1), datetime.date(2026, 10, 31))


@pytest.fixture
def confirmed_case(demo):
    """Factory of cases confirmed in October 2026 in a given village (default 姑孰镇)."""

    def make(
        *,
        village=None,
        type_code="dibao_rural",
        decided_on=datetime.date(2026, 10, 15),
        state=CaseState.PAYING,
        **kw,
    ):
        household = HouseholdFactory(village=village or demo.village)
        return CaseFactory(
            household=household,
            assistance_type=AssistanceType.objects.get(code=type_code),
            force_state=state,
            decided_on=decided_on,
            route="township",
            **kw,
        )

    return make

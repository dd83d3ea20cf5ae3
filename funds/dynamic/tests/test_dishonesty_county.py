"""失信记录 across the county: a later application by a member in another township of the
same county shows the record to that township's clerk; the record's period is the policy
setting (dishonesty_expiry_months) in force on the finding day."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from funds.dynamic.dishonesty import live_records_for_case
from funds.dynamic.services import add_months
from funds.dynamic.tests.test_integrity import _later_case, _recorded
from relief.models import Region
from relief.policy import policy_set

pytestmark = pytest.mark.django_db


def test_a_later_application_in_another_township_of_the_county_shows_the_record(client, demo):
    recipient, record = _recorded(demo)
    village = Region.objects.filter(parent=demo.huangchi, level=Region.Level.VILLAGE).first()
    later = _later_case(demo, recipient.case.applicant.id_number, village=village)
    assert later.township_id == demo.huangchi.pk != recipient.township_id
    assert live_records_for_case(case=later) == [record]
    client.force_login(demo.user("clerk_huangchi"))
    page = client.get(reverse("cases:detail", args=[later.pk])).content.decode()
    assert 'data-testid="dishonesty-panel"' in page and "隐瞒务工收入" in page
    # The record itself stays the recording township's: its page is 404 there.
    assert client.get(reverse("dynamic:timeline", args=[recipient.pk])).status_code == 404


def test_the_period_is_the_countys_setting(demo):
    policy_set(
        region=demo.county,
        key="dishonesty_expiry_months",
        raw_value=12,
        effective_from=timezone.localdate() - datetime.timedelta(days=1),
        actor=demo.user("admin"),
    )
    recipient, record = _recorded(demo)
    assert record.expires_on == add_months(record.found_on, 12)
    later = _later_case(demo, recipient.case.applicant.id_number)
    assert live_records_for_case(case=later, today=record.expires_on) == [record]
    after = record.expires_on + datetime.timedelta(days=1)
    assert live_records_for_case(case=later, today=after) == []

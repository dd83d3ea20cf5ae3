"""The batch campaign (集中复核) on 10,000 recipients: one set-based INSERT … SELECT per
table (cases, clocks, review rows), the same number of statements as for five recipients,
one review case per recipient, each with its clock to the campaign's due date."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.clocks.models import CaseClock
from cases.models import Case, Household
from funds.dynamic.models import ReviewCase, ReviewTrigger
from funds.dynamic.services import add_months, review_campaign_open
from funds.recipients.models import Recipient
from funds.recipients.tests.support import registered

pytestmark = pytest.mark.django_db

N = 10_000


def _copy(obj, **changes):
    values = {
        f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if not f.primary_key
    }
    values.update(changes)
    return type(obj)(**values)


def _clones(template: Recipient, n: int) -> None:
    """``n`` more recipients like ``template``, each with its own household and case."""
    households = Household.objects.bulk_create(
        [_copy(template.household) for _ in range(n)], batch_size=2000
    )
    cases = Case.objects.bulk_create(
        [
            _copy(template.case, household_id=h.pk, number=f"{template.case.number}-{i}")
            for i, h in enumerate(households)
        ],
        batch_size=1000,
    )
    Recipient.objects.bulk_create(
        [_copy(template, case_id=c.pk, household_id=c.household_id) for c in cases],
        batch_size=2000,
    )


def test_a_campaign_on_10000_recipients_is_one_insert_select_per_table(demo):
    _clones(registered(demo), N - 1)
    assert Recipient.objects.count() == N
    due = add_months(timezone.localdate(), 2)
    tables = [m._meta.db_table for m in (Case, CaseClock, ReviewCase)]
    with CaptureQueriesContext(connection) as queries:
        campaign = review_campaign_open(
            county=demo.county,
            recipients=Recipient.objects.all(),
            actor=demo.user("supervisor"),
            name="2026年度集中复核",
            due_on=due,
        )
    inserts = {
        table: [q["sql"] for q in queries if re.search(rf'INSERT INTO "?{table}"? ', q["sql"])]
        for table in tables
    }
    assert {table: len(sql) for table, sql in inserts.items()} == dict.fromkeys(tables, 1)
    assert all("SELECT" in sql[0] for sql in inserts.values())
    # As for five recipients (test_services), less the summary tables' tally marks, which
    # cases.stats.services.count_new_cases writes in one statement on PostgreSQL and in
    # bulk_create batches on SQLite (its limit on query parameters).
    others = [q for q in queries if 'INSERT INTO "cases_tallymark"' not in q["sql"]]
    assert len(others) <= 25
    assert campaign.opened == N
    reviews = ReviewCase.objects.filter(campaign=campaign)
    assert reviews.count() == N
    assert reviews.values("recipient").distinct().count() == N
    assert set(reviews.values_list("trigger", flat=True).distinct()) == {ReviewTrigger.CAMPAIGN}
    cases = reviews.values("case_id")
    assert Case.objects.filter(pk__in=cases, purpose=Case.Purpose.REVIEW).count() == N
    assert CaseClock.objects.filter(case_id__in=cases, overall_due=due).count() == N

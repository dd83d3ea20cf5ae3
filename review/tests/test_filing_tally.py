"""The filing tally (review.models.FilingTally, issue 17): equal to a recount after every
write that creates, reads or handles a filing; the inbox's counts and the statistics'
decisions read it instead of counting the filings; check_summaries covers it; the frozen
SQL of its migration fills it from existing rows."""

from __future__ import annotations

import datetime
import importlib
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import CaseState
from cases.workflow.services import case_transition
from review import tallies
from review.models import Filing, FilingTally
from review.selectors import (
    filing_count_for_user,
    filing_list_for_user,
    filing_new_count,
    supervision_stats,
)
from review.services import filing_acknowledge, query_open
from tests.factories import CaseFactory, HouseholdFactory


def _filings(demo):
    """A confirmation and a refusal in 姑孰镇, a confirmation in 乌溪镇."""
    confirmed = CaseFactory(force_state=CaseState.REVIEW, monthly_amount=Decimal("300"))
    case_transition(case=confirmed, name="confirm", actor=demo.user("approver"), opinion="同意")
    refused = CaseFactory(force_state=CaseState.REVIEW)
    case_transition(case=refused, name="refuse", actor=demo.user("approver"), opinion="收入超标")
    wuxi = CaseFactory(
        household=HouseholdFactory(village=demo.wuxi_village),
        force_state=CaseState.CHECKING,
    )
    case_transition(case=wuxi, name="terminate", actor=demo.user("clerk_wuxi"), opinion="拒不配合")
    return [Filing.objects.get(case=c) for c in (confirmed, refused, wuxi)]


def test_the_tally_follows_every_write_of_a_filing(demo):
    assert tallies.compare() == []
    filings = _filings(demo)
    assert tallies.compare() == []
    assert sum(FilingTally.objects.values_list("n", flat=True)) == 3
    sup = demo.user("supervisor")

    filing_acknowledge(filing=filings[0], actor=sup)  # read (阅知): new → acknowledged
    assert tallies.compare() == []
    query_open(filing=filings[1], actor=sup, subject="收入", body="请说明收入核算")  # queried
    assert tallies.compare() == []
    assert filing_new_count(user=sup) == 1

    # A set-based update of a counted field moves the counts too; one of no counted field
    # leaves them.
    Filing.objects.filter(pk=filings[2].pk).update(decided_on=None)
    assert tallies.compare() == []
    Filing.objects.update(household_size=9)
    assert tallies.compare() == []
    filings[2].refresh_from_db()
    filings[2].kind = Filing.Kind.REVOCATION
    filings[2].save()
    assert tallies.compare() == []
    filings[2].delete()
    assert tallies.compare() == []
    assert filing_new_count(user=sup) == 0


@pytest.mark.django_db(transaction=True)
def test_the_count_rolls_back_with_the_transition(demo):
    case = CaseFactory(force_state=CaseState.REVIEW, monthly_amount=Decimal("300"))
    with pytest.raises(RuntimeError), transaction.atomic():
        case_transition(case=case, name="confirm", actor=demo.user("approver"), opinion="同意")
        assert filing_new_count(user=demo.user("supervisor")) == 1
        raise RuntimeError("boom")
    assert filing_new_count(user=demo.user("supervisor")) == 0
    assert tallies.compare() == []


def test_the_tally_counts_what_the_inbox_lists(demo):
    _filings(demo)
    today = datetime.date.today()
    for username in ("supervisor", "clerk", "clerk_wuxi", "approver_huangchi"):
        user = demo.user(username)
        for filters in (
            {},
            {"status": Filing.Status.NEW},
            {"kind": Filing.Kind.REFUSAL},
            {"township": demo.wuxi.pk},
            {"category": "dibao"},
            {"date_from": today, "date_to": today},
            {"date_to": today - datetime.timedelta(days=1)},
            {"near_relative": False, "status": ""},  # empty values are no filter
        ):
            want = filing_list_for_user(user=user, filters=filters).count()
            assert filing_count_for_user(user=user, filters=filters) == want, (username, filters)
    # Filters the tally does not carry are left to the filings themselves.
    assert filing_count_for_user(user=demo.user("supervisor"), filters={"overdue": True}) is None


def test_the_statistics_decisions_come_from_the_tally(demo):
    _filings(demo)
    today = datetime.date.today()
    sup = demo.user("supervisor")
    with CaptureQueriesContext(connection) as ctx:
        stats = supervision_stats(user=sup, date_from=today, date_to=today)
    assert not [q for q in ctx.captured_queries if 'FROM "review_filing"' in q["sql"]]
    by_name = {r["township"].name: r for r in stats["rows"]}
    assert by_name["姑孰镇"]["total"] == 2
    assert by_name["乌溪镇"]["total"] == 1
    dibao = by_name["姑孰镇"]["by_category"][0]
    assert (dibao["confirmed"], dibao["refused"]) == (1, 1)


def test_the_inbox_counts_without_counting_the_filings(client, demo, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _filings(demo)
    client.force_login(demo.user("supervisor"))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("review:inbox"), {"status": "new"})
    assert response.status_code == 200
    assert response.context["new_count"] == 3
    assert response.context["page_obj"].paginator.count == 3
    counts = [
        q["sql"]
        for q in ctx.captured_queries
        if "COUNT(" in q["sql"].upper() and 'FROM "review_filing"' in q["sql"]
    ]
    assert counts == []
    # A flag filter is counted from the filings (the tally does not carry it).
    response = client.get(reverse("review:inbox"), {"near_relative": "on"})
    assert response.context["page_obj"].paginator.count == 0


def test_check_summaries_covers_the_tally(demo, capsys):
    _filings(demo)
    call_command("check_summaries")
    assert "一致" in capsys.readouterr().out
    FilingTally.objects.filter(status=Filing.Status.NEW).update(n=7)
    with pytest.raises(CommandError):
        call_command("check_summaries")
    assert "FilingTally(" in capsys.readouterr().out
    call_command("check_summaries", "--fix")
    assert tallies.compare() == []


def test_the_migration_fills_the_tally_from_existing_filings(demo):
    _filings(demo)
    Filing.objects.filter(kind=Filing.Kind.REFUSAL).update(decided_on=None)
    FilingTally.objects.all().delete()
    migration = importlib.import_module("review.migrations.0003_filing_tally")

    class Editor:  # what the data migration uses of the schema editor
        @staticmethod
        def execute(sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)

    migration.fill_filing_tally(None, Editor())
    assert tallies.compare() == []
    assert sum(FilingTally.objects.values_list("n", flat=True)) == 3

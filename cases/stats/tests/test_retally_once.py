"""A transition that saves its case and then its clock re-tallies the case once, at the end
of the transition's transaction (cases.stats.services.retally_once), not once per save; the
summaries still equal a recount."""

from __future__ import annotations

import contextlib

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cases.models import CaseClock
from cases.stats import services
from cases.workflow import services as workflow_services
from cases.workflow.tests.helpers import fast_passwords, go, make_case  # noqa: F401
from cases.workflow.tests.test_routes import to_review


def _retally_reads(ctx) -> int:
    """The reads of a case with its clock and its mark (one per re-tally)."""
    return sum(
        1
        for q in ctx.captured_queries
        if q["sql"].startswith("SELECT")
        and 'FROM "cases_case"' in q["sql"]
        and '"cases_tallymark"' in q["sql"]
    )


def _transition(case, name, username, **kw):
    with CaptureQueriesContext(connection) as ctx:
        go(case, name, username, **kw)
    return ctx


@pytest.mark.parametrize("deferred", [True, False])
def test_accepting_saves_case_and_clock_and_re_tallies_once(demo, monkeypatch, deferred):
    if not deferred:  # the way it was: each save re-tallied
        monkeypatch.setattr(workflow_services, "retally_once", contextlib.nullcontext)
    case = make_case(demo.gushu)
    ctx = _transition(case, "accept", "clerk")
    assert CaseClock.objects.filter(case=case).exists()
    assert _retally_reads(ctx) == (1 if deferred else 2)
    assert services.compare() == []


def test_a_decision_that_stops_the_clock_re_tallies_once_and_costs_fewer_queries(demo, monkeypatch):
    first, second = make_case(demo.gushu), make_case(demo.gushu)
    for case in (first, second):
        to_review(case, "clerk")
    once = _transition(first, "confirm", "approver", opinion="同意")
    assert services.compare() == []
    monkeypatch.setattr(workflow_services, "retally_once", contextlib.nullcontext)
    twice = _transition(second, "confirm", "approver", opinion="同意")
    assert services.compare() == []
    assert (_retally_reads(once), _retally_reads(twice)) == (1, 2)
    assert len(once.captured_queries) < len(twice.captured_queries)


def test_nested_blocks_re_tally_at_the_outermost_and_an_error_drops_the_notes(demo):
    case = make_case(demo.gushu)
    with CaptureQueriesContext(connection) as ctx, services.retally_once():
        with services.retally_once():
            case.save()
        assert _retally_reads(ctx) == 0  # noted, not yet re-tallied
        case.save()
    assert _retally_reads(ctx) == 1
    with pytest.raises(RuntimeError), transaction.atomic(), services.retally_once():
        case.save()
        raise RuntimeError("boom")
    assert services._deferred.ids is None
    assert services.compare() == []

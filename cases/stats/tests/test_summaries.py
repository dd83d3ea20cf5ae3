"""The summary tables equal a full recount after the transitions that move cases (create,
accept, investigate, notice, confirm, refuse, pay), the dashboards read them, and the check
command says so (exit 1 with a readable difference when they do not)."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.clocks import selectors as clock_selectors
from cases.models import Case, CaseClock
from cases.stats import services
from cases.stats.models import DecisionTally, OpenTally, StateTally, TallyMark
from cases.stats.selectors import median_of, percentile_of
from cases.workflow.tests.helpers import LONG_AGO, fast_passwords, go, make_case  # noqa: F401
from cases.workflow.tests.test_routes import to_review

D = datetime.date


def check() -> str:
    out = io.StringIO()
    call_command("check_summaries", stdout=out)
    return out.getvalue()


def recount_figures(user, year):
    """The dashboard's figures computed straight from the clocks (the pre-summary way)."""
    decided = clock_selectors.decided_clocks(
        townships=clock_selectors.townships_for_user(user),
        date_from=D(year, 1, 1),
        date_to=D(year, 12, 31),
    )
    by = {}
    for township_id, elapsed, ok in decided.values_list(
        "case__township_id", "elapsed_wd", "on_time"
    ):
        by.setdefault(township_id, []).append((elapsed or 0, ok))
    return {
        t: (
            len(v),
            sum(1 for _, ok in v if ok),
            clock_selectors.median([e for e, _ in v]),
            clock_selectors.percentile([e for e, _ in v], 90),
        )
        for t, v in by.items()
    }


@pytest.fixture
def moved(demo):
    """Cases in two townships walked through the workflow's main roads."""
    drafts = [make_case(demo.gushu), make_case(demo.wuxi)]
    accepted = make_case(demo.gushu)
    go(accepted, "accept", "clerk")
    investigating = make_case(demo.gushu)
    go(investigating, "accept", "clerk")
    go(investigating, "start_investigation", "clerk")
    refused = make_case(demo.gushu)
    go(refused, "accept", "clerk")
    go(refused, "start_investigation", "clerk")
    go(refused, "refuse", "approver", opinion="家庭人均收入高于低保标准")
    confirmed = make_case(demo.gushu)
    to_review(confirmed, "clerk", notice_on=LONG_AGO)
    go(confirmed, "confirm", "approver", opinion="符合低保条件")
    paying = make_case(demo.gushu)
    to_review(paying, "clerk", notice_on=LONG_AGO)
    go(paying, "confirm", "approver", opinion="符合低保条件")
    go(paying, "start_payment", "clerk")
    return {
        "drafts": drafts,
        "accepted": accepted,
        "investigating": investigating,
        "refused": refused,
        "confirmed": confirmed,
        "paying": paying,
    }


def test_after_the_transitions_the_summaries_equal_a_recount(demo, moved):
    assert services.compare() == []
    assert "一致" in check()
    assert TallyMark.objects.count() == Case.objects.count() == 7
    states = dict(StateTally.objects.filter(township=demo.gushu, n__gt=0).values_list("state", "n"))
    assert states == {
        "draft": 1,
        moved["accepted"].state: 1,
        moved["investigating"].state: 1,
        "refused": 1,
        "confirmed": 1,
        "paying": 1,
    }
    # only the running clocks are open; the two decisions carry a verdict
    assert sum(OpenTally.objects.values_list("n", flat=True)) == 2
    assert sum(DecisionTally.objects.values_list("n", flat=True)) == 3


def test_the_dashboard_figures_from_the_summary_equal_those_from_the_clocks(demo, moved):
    supervisor = demo.user("supervisor")
    year = moved["confirmed"].decided_on.year
    rows = clock_selectors.township_statistics(user=supervisor, year=year)
    want = recount_figures(supervisor, year)
    for row in rows:
        got = (row["decided"], row["on_time"], row["median_wd"], row["p90_wd"])
        expected = want.get(row["township"].pk, (0, 0, None, None))
        assert got == expected, row["township"]
    assert want  # the year has decisions
    stages = clock_selectors.open_cases_by_stage(user=supervisor)
    gushu = next(r for r in stages["rows"] if r["township"] == demo.gushu)
    assert gushu["total"] == 2 and sum(gushu["ages"]) == 2


def test_a_rolled_back_transition_leaves_the_summaries_as_they_were(demo, moved):
    from cases.workflow.hooks import case_transitioned

    def boom(**kwargs):
        raise RuntimeError("refused by a receiver")

    case_transitioned.connect(boom, dispatch_uid="test.boom")
    try:
        with pytest.raises(RuntimeError):
            go(moved["accepted"], "start_investigation", "clerk")
    finally:
        case_transitioned.disconnect(dispatch_uid="test.boom")
    assert services.compare() == []


def test_a_deleted_draft_leaves_the_summaries(demo, moved):
    moved["drafts"][1].delete()
    assert services.compare() == []


def test_a_write_behind_the_signals_is_found_and_fixed(demo, moved):
    Case.objects.filter(pk=moved["accepted"].pk).update(state="withdrawn")  # no signal
    CaseClock.objects.filter(case=moved["confirmed"]).update(on_time=False)
    with pytest.raises(CommandError, match="处不一致"):
        check()
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_summaries", stdout=out)
    report = out.getvalue()
    assert "StateTally(" in report and "state=withdrawn" in report and "recount 1" in report
    assert "DecisionTally(" in report and "on_time=False" in report
    call_command("check_summaries", "--fix", stdout=io.StringIO())
    assert services.compare() == []


def test_rebuild_gives_the_same_tables_as_the_signals(demo, moved):
    before = services.stored()
    call_command("rebuild_summaries", stdout=io.StringIO())
    assert services.stored() == before


def test_a_transition_adds_a_constant_handful_of_queries(demo, moved):
    case = make_case(demo.gushu)
    go(case, "accept", "clerk")
    with CaptureQueriesContext(connection) as ctx:
        go(case, "start_investigation", "clerk")
    summary = [q for q in ctx.captured_queries if "tally" in q["sql"].lower()]
    assert len(summary) <= 8  # reads of the mark, one upsert per summary moved, the mark


def test_the_histogram_median_and_percentile_match_the_list_ones():
    values = [8, 14, 28, 3, 3, 40, 14, 9]
    hist: dict[int, int] = {}
    for v in values:
        hist[v] = hist.get(v, 0) + 1
    assert median_of(hist) == clock_selectors.median(values)
    for p in (10, 50, 90, 100):
        assert percentile_of(hist, p) == clock_selectors.percentile(values, p)
    assert median_of({}) is None and percentile_of({}, 90) is None


def test_the_factory_forced_state_keeps_the_summaries(demo):
    from tests.factories import CaseFactory

    CaseFactory(force_state="review", monthly_amount=Decimal("300"))
    assert services.compare() == []


def test_cases_inserted_in_bulk_are_counted_in_one_go(demo, moved):
    from cases.models import Household

    before = set(Case.objects.values_list("pk", flat=True))
    template = moved["drafts"][0]
    made = Case.objects.bulk_create(
        [
            Case(
                household=Household.objects.get(pk=template.household_id),
                township_id=template.township_id,
                village_id=template.village_id,
                assistance_type_id=template.assistance_type_id,
                number=f"BULK{i:04d}",
            )
            for i in range(3)
        ]
    )
    assert services.compare() != []  # bulk_create sent no signal
    services.count_new_cases([c.pk for c in made if c.pk not in before])
    services.count_new_cases([c.pk for c in made])  # twice: counted once
    assert services.compare() == []


def test_counting_new_cases_with_clocks_and_decisions_agrees_with_the_recount(demo, moved):
    """Every summary (open clocks, decisions, throughput, decided states) from the marks of
    cases with running and stopped clocks counted in one go; cases already counted are
    skipped, ids of no case are ignored."""
    from cases.stats.models import DecidedStateTally, ThroughputTally

    ids = list(Case.objects.values_list("pk", flat=True))
    assert CaseClock.objects.filter(on_time__isnull=False).exists()
    assert CaseClock.objects.filter(stopped_on__isnull=True).exists()
    services.count_new_cases(ids)  # all counted already: nothing moves
    assert services.compare() == []
    TallyMark.objects.all().delete()
    for model in (StateTally, OpenTally, DecisionTally, ThroughputTally, DecidedStateTally):
        model.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        services.count_new_cases([*ids, max(ids) + 1000])
        services.count_new_cases(ids)  # twice: counted once
    assert services.compare() == []
    if connection.vendor == "postgresql":
        assert len(queries.captured_queries) <= 6  # one statement each (and savepoints)


def test_the_daily_scan_moves_the_flags_in_the_summary(demo):
    from cases.clocks.services import scan_deadlines

    late, soon = make_case(demo.gushu), make_case(demo.gushu)
    go(late, "accept", "clerk", on=D(2026, 3, 2))
    go(soon, "accept", "clerk", on=D(2026, 3, 16))
    scan_deadlines(today=D(2026, 4, 10))
    assert services.compare() == []
    rows = clock_selectors.township_statistics(user=demo.user("supervisor"), year=2026)
    gushu = next(r for r in rows if r["township"] == demo.gushu)
    assert (gushu["open"], gushu["overdue"], gushu["due_soon"]) == (2, 1, 1)
    assert services.refresh_running_flags() == 0  # a second look moves nothing


def test_the_monthly_chart_from_the_summary_counts_what_the_clocks_say(demo, moved):
    chart = clock_selectors.monthly_throughput(user=demo.user("supervisor"))
    clocks = CaseClock.objects.all()
    this_month = chart["months"].index(max(chart["months"]))
    assert sum(chart["accepted"]) == clocks.count() == 5
    assert sum(chart["decided"]) == clocks.filter(on_time__isnull=False).count() == 3
    assert chart["accepted"][this_month] == 5 and sum(chart["late"]) == 0

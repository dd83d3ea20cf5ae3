"""The spot-check draw reads its frame as plain rows: its query count does not grow with the
number of cases in the period (no model instance, no per-row re-read of the state)."""

import datetime

from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext

from cases.models import Case
from review.services import spot_check_campaign_create


def draw_queries(demo) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        campaign = spot_check_campaign_create(
            actor=demo.user("supervisor"),
            name="十月抽查",
            period_start=datetime.date(2026, 10, 1),
            period_end=datetime.date(2026, 10, 31),
            seed=42,
        )
    return len(ctx.captured_queries), campaign.items.count()


def test_the_draw_runs_the_same_queries_for_ten_or_forty_cases(demo, confirmed_case):
    for _ in range(10):
        confirmed_case()
    small, drawn_small = draw_queries(demo)
    for _ in range(30):
        confirmed_case()
    large, drawn_large = draw_queries(demo)
    assert drawn_large > drawn_small > 0
    assert large == small


def test_the_draw_query_count_is_pinned(demo, confirmed_case):
    # one per township for its policy (5 townships: region + settings each), the county's
    # townships, the strata counts, the mandatory cases, the campaign, its mandatory items,
    # the random items (PostgreSQL: one INSERT … SELECT; elsewhere the frame's ids read as
    # tuples, then one INSERT), the frame's update; plus the savepoint pair, the user and
    # the count of items around the service
    for _ in range(20):
        confirmed_case()
    confirmed_case(near_relative_flag=True)
    with CaptureQueriesContext(connection) as ctx:
        _, drawn = draw_queries(demo)
    assert drawn == 7  # 21 × 0.30 → 7: the near-relative case and 6 at random
    expected = 22 if connection.vendor == "postgresql" else 23
    assert len(ctx.captured_queries) == expected


def test_the_draw_makes_no_case_instance(demo, confirmed_case):
    for _ in range(15):
        confirmed_case()
    confirmed_case(complaint_flag=True)
    made = []

    def count(sender, instance, **kwargs):
        made.append(instance)

    post_init.connect(count, sender=Case)
    try:
        _, drawn = draw_queries(demo)
    finally:
        post_init.disconnect(count, sender=Case)
    assert drawn == 5  # 16 × 0.30 → 5: the complaint case and 4 at random
    assert made == []

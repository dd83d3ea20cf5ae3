"""The query counts of the county's supervision pages pinned at their numbers: the 备案
inbox, the statistics page and the deadline dashboard with its notice and objection
columns (the last two read the summary tables of cases/stats, so their count does not grow
with the cases either)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import CaseState
from cases.workflow.services import case_transition
from tests.factories import CaseFactory


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def queries_of(client, url: str, params: dict | None = None) -> int:
    client.get(url, params)  # warm caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def add(demo, n: int) -> None:
    for _ in range(n):
        case = CaseFactory(force_state=CaseState.REVIEW, monthly_amount=Decimal("300"))
        case_transition(case=case, name="confirm", actor=demo.user("approver"), opinion="同意")


@pytest.mark.parametrize(
    ("name", "params", "pinned"),
    [
        ("review:inbox", None, 11),
        ("review:stats", None, 15),
        ("cases:dashboard", None, 15),
    ],
)
def test_supervision_pages_run_a_pinned_number_of_queries(client, demo, name, params, pinned):
    client.force_login(demo.user("supervisor"))
    add(demo, 2)
    few = queries_of(client, reverse(name), params)
    add(demo, 6)
    assert queries_of(client, reverse(name), params) == few == pinned

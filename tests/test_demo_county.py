"""The living demo county: seeded through the services, idempotent, quick, and every demo
role's home page has something to work on afterwards."""

import datetime
import re
import time

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseClock, CaseEvent, CaseState
from funds.recipients.models import Recipient
from funds.rosters.models import RosterRun, RunState
from relief.demo import ACCOUNTS
from relief.models import User
from review.models import Complaint, Query, RectificationOrder, SpotCheckCampaign


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db(transaction=False)
def test_demo_county_seeded_idempotent_and_every_home_has_items(client):
    began = time.monotonic()
    call_command("seed_demo", "--quiet")
    elapsed = time.monotonic() - began
    assert elapsed < 60
    cases = Case.objects.count()
    events = CaseEvent.objects.count()
    assert cases >= 70
    assert Case.objects.values("state").distinct().count() >= 10
    assert Case.objects.values("township").distinct().count() == 5
    assert events > cases  # signed log rows, not bare rows
    demo = Case.objects.filter(household__address__startswith="演示")
    for state in (CaseState.PAYING, CaseState.RESULT_NOTICE, CaseState.EVALUATING):
        assert demo.filter(state=state).exists(), state
    assert Recipient.objects.filter(case__household__address__startswith="演示").exists()
    last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    locked = RosterRun.objects.filter(state=RunState.LOCKED, month=last_month).first()
    assert locked is not None
    assert locked.checked_by_id and locked.locked_by_id != locked.checked_by_id  # two people
    clocks = CaseClock.objects.filter(case__in=demo)
    assert clocks.filter(extended_wd__gt=0).exists()
    assert clocks.filter(overdue=True).exists()
    assert clocks.filter(due_soon=True).exists()
    assert CaseEvent.objects.filter(transition="extend_deadline").exists()
    campaign = SpotCheckCampaign.objects.get()
    assert campaign.items.exclude(outcome="").count() >= 2  # findings recorded
    assert RectificationOrder.objects.filter(spot_check_item__campaign=campaign).exists()
    complaint = Complaint.objects.get()
    assert complaint.status == Complaint.Status.INVESTIGATING and complaint.assignee_id
    assert Query.objects.exists()
    assert demo.filter(near_relative_flag=True).exists()
    today = timezone.localdate()
    assert not demo.filter(Q(accepted_on__gt=today) | Q(decided_on__gt=today)).exists()
    assert demo.filter(accepted_on__lt=today - datetime.timedelta(days=30)).exists()

    # the supervision pages and the township's register and rosters show the demo's records
    supervisor = User.objects.get(username="supervisor")
    client.force_login(supervisor)
    item = campaign.items.exclude(outcome="").first()
    order = RectificationOrder.objects.get()
    for url in (
        reverse("review:campaign_detail", args=[campaign.pk]),
        reverse("review:item_detail", args=[item.pk]),
        reverse("review:rectification_detail", args=[order.pk]),
        reverse("review:complaint_detail", args=[complaint.pk]),
        reverse("review:query_detail", args=[Query.objects.get().pk]),
    ):
        assert client.get(url).status_code == 200, url
    clerk = User.objects.get(username="clerk")
    client.force_login(clerk)
    for url in (
        reverse("rosters:detail", args=[locked.pk]),
        reverse("recipients:list"),
        reverse("cases:detail", args=[demo.filter(near_relative_flag=True).first().pk]),
    ):
        assert client.get(url).status_code == 200, url
    client.logout()

    def counts():
        return [
            m.objects.count()
            for m in (Case, CaseEvent, Recipient, RosterRun, SpotCheckCampaign, Complaint, Query)
        ]

    before = counts()
    call_command("seed_demo", "--quiet")
    assert (Case.objects.count(), CaseEvent.objects.count()) == (cases, events)
    assert counts() == before

    for account in ACCOUNTS:
        client.force_login(User.objects.get(username=account.username))
        # the verifier's work is the check queue; everyone else's starts on the home page
        url = reverse("cases:check_queue") if account.role == "county_verifier" else "/"
        page = re.sub(r"<[^>]+>", " ", client.get(url).content.decode())
        numbers = re.findall(r"340521\d{12}", page)
        open_counts = [int(k) for k in re.findall(r"在办\s*(\d+)\s*件", page)]
        # the administrator keeps the configuration; a department user sees only referrals
        assert (
            numbers
            or any(open_counts)
            or account.role
            in (
                "administrator",
                "department_officer",
            )
        ), account.username
        client.logout()

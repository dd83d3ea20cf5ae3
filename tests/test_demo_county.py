"""The living demo county: seeded through the services, idempotent, quick, and every demo
role's home page has something to work on afterwards."""

import re
import time

import pytest
from django.core.management import call_command
from django.urls import reverse

from cases.models import Case, CaseEvent
from relief.demo import ACCOUNTS
from relief.models import User


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
    call_command("seed_demo", "--quiet")
    assert (Case.objects.count(), CaseEvent.objects.count()) == (cases, events)

    for account in ACCOUNTS:
        client.force_login(User.objects.get(username=account.username))
        # the verifier's work is the check queue; everyone else's starts on the home page
        url = reverse("cases:check_queue") if account.role == "county_verifier" else "/"
        page = re.sub(r"<[^>]+>", " ", client.get(url).content.decode())
        numbers = re.findall(r"340521\d{12}", page)
        open_counts = [int(k) for k in re.findall(r"在办\s*(\d+)\s*件", page)]
        assert numbers or any(open_counts) or account.role == "administrator", account.username
        client.logout()

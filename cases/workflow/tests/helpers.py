"""Helpers shared by the workflow tests: cases in a chosen township and a way to walk
them through transitions as the demo personas."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cases.models import Case
from cases.workflow.services import case_transition
from relief.models import AssistanceType, Region, User
from tests.factories import CaseFactory, HouseholdFactory

#: A date far enough back that a notice started then is over (7-day default).
LONG_AGO = timezone.localdate() - datetime.timedelta(days=20)


def make_case(township: Region | None = None, type_code: str = "dibao_rural", **kwargs) -> Case:
    """A draft case with complete documents in the first village of ``township``."""
    if township is not None:
        village = Region.objects.filter(parent=township).order_by("code").first()
        household = HouseholdFactory(village=village)
    else:
        household = HouseholdFactory()
    kwargs.setdefault("documents_complete", True)
    return CaseFactory(
        household=household, assistance_type=AssistanceType.objects.get(code=type_code), **kwargs
    )


def go(case: Case, name: str, user: User | str, opinion: str = "同意", **kwargs) -> str:
    if isinstance(user, str):
        user = User.objects.get(username=user)
    case_transition(case=case, name=name, actor=user, opinion=opinion, **kwargs)
    return case.state


def make_user(username: str, role: str, region: Region, **kwargs) -> User:
    return User.objects.create_user(
        username=username, password="x", role=role, region=region, full_name=username, **kwargs
    )


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """The demo seed hashes a dozen passwords; a fast hasher keeps each test quick.
    Import this fixture into a test module to use it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

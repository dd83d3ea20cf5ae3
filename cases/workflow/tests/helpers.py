"""Helpers shared by the workflow tests: cases in a chosen township and a way to walk
them through transitions as the demo personas."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cases.models import Case
from cases.notices.models import NoticeBatch
from cases.notices.services import batch_create, batch_publish, notice_kind_of
from cases.workflow.services import case_transition
from relief.models import AssistanceType, Region, Role, User
from relief.policy import policy_for
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


def post_notice(
    case: Case,
    *,
    ended: bool = True,
    starts_on: datetime.date | None = None,
    actor: User | None = None,
) -> NoticeBatch:
    """Post ``case`` (waiting for its notice: 确认前公示, 结果公示, or 已确认 under a
    post-confirmation policy) on a published notice batch of its village through the notice
    services, signed by ``actor`` (default: the township's clerk). ``ended``: the batch
    began long enough ago that its period is over, so the clerk's ``close_notice`` /
    ``close_result_notice`` pass (guards.notice_ran_in_batch); otherwise it begins today.
    ``starts_on``: the batch's first day instead (e.g. the day the case entered the notice).
    The case is refreshed; answers the batch."""
    today = timezone.localdate()
    village = Region.objects.get(pk=case.village_id)
    if actor is None:
        actor = User.objects.filter(
            role=Role.TOWNSHIP_CLERK, region_id=case.township_id, is_active=True
        ).earliest("pk")
    days = max(int(case.policy.notice_days), int(policy_for(village, today).notice_days))
    if starts_on is None:
        starts_on = today - datetime.timedelta(days=days + 1) if ended else today
    kind = notice_kind_of(case)
    assert kind is not None, f"case {case.number} is not waiting for a notice ({case.state})"
    batch = batch_create(
        actor=actor,
        village=village,
        kind=kind,
        cases=[case],
        starts_on=starts_on,
        place="村委会公示栏",
        phone="0555-1234567",
        on=starts_on,
    )
    batch = batch_publish(batch=batch, actor=actor, on=starts_on)
    case.refresh_from_db()
    return batch


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

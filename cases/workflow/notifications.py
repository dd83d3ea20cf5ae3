"""In-app notifications of the workflow: when a case reaches a stage, the people who must
act next (by role, in the case's village, township or county) get one Notification.

A receiver of ``case_transition_committed`` (connected in cases/apps.py), so nothing is
sent for a transition that rolled back; the dedupe key (one per event) makes a second run
of the same callback send nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from cases.models import Case, CaseEvent, CaseState
from cases.rules import facts_ready
from relief.models import Notification, Role, User
from relief.notifications import notify

S = CaseState
#: Who acts next when a case arrives in a state, and at which level of its region.
NEXT_ACTORS: dict[str, tuple[tuple[str, str], ...]] = {
    S.DRAFT: ((Role.TOWNSHIP_CLERK, "township"),),
    S.RETURNED_TO_VILLAGE: ((Role.VILLAGE_ASSISTANT, "village"),),
    S.ACCEPTED: ((Role.TOWNSHIP_CLERK, "township"),),
    # The county verifiers hear of the check from its request (cases.intake.services.checks),
    # not from the state: one message per piece of work.
    S.CHECKING: ((Role.TOWNSHIP_CLERK, "township"),),
    S.INVESTIGATING: ((Role.TOWNSHIP_CLERK, "township"), (Role.VILLAGE_ASSISTANT, "village")),
    S.VISITING: ((Role.TOWNSHIP_CLERK, "township"), (Role.VILLAGE_ASSISTANT, "village")),
    S.EVALUATING: ((Role.TOWNSHIP_CLERK, "township"),),
    S.PRE_NOTICE: ((Role.TOWNSHIP_CLERK, "township"), (Role.VILLAGE_ASSISTANT, "village")),
    S.OBJECTION: (
        (Role.TOWNSHIP_CLERK, "township"),
        (Role.TOWNSHIP_APPROVER, "township"),
        (Role.COUNTY_SUPERVISOR, "county"),
    ),
    S.REVIEW: ((Role.TOWNSHIP_APPROVER, "township"),),
    S.COUNTY_REVIEW: ((Role.COUNTY_SUPERVISOR, "county"),),
    S.CONFIRMED: ((Role.TOWNSHIP_CLERK, "township"),),
    S.RESULT_NOTICE: ((Role.TOWNSHIP_CLERK, "township"), (Role.VILLAGE_ASSISTANT, "village")),
    S.REFUSED: ((Role.TOWNSHIP_CLERK, "township"),),  # the written notice within 3 wd
    S.REVOKED: ((Role.TOWNSHIP_CLERK, "township"), (Role.TOWNSHIP_APPROVER, "township")),
}

VERBS = {
    S.REFUSED: "案件{number}（{name}）不予确认，请在规定时限内送达书面告知书",
    S.REVOKED: "案件{number}（{name}）已被县级依法纠正撤销",
    S.COUNTY_REVIEW: "案件{number}（{name}）报县审批，请审批",
    S.REVIEW: "案件{number}（{name}）待审核确认",
}
DEFAULT_VERB = "案件{number}（{name}）已进入“{state}”，请办理"
COUNTY_VISIT_VERB = "案件{number}（{name}）须经县级入户核查后方可确认，请安排入户"


def _region_for(case: Case, level: str):
    if level == "village":
        return case.village_id
    if level == "township":
        return case.township_id
    return case.township.parent_id


def recipients_for(case: Case, state: str) -> list[User]:
    q = Q()
    for role, level in NEXT_ACTORS.get(state, ()):
        q |= (Q(role=role) | Q(extra_role=role)) & Q(region_id=_region_for(case, level))
    if (
        state in (S.REVIEW, S.COUNTY_REVIEW)
        and (case.near_relative_flag or case.complaint_flag)
        and not case.county_visit_done
    ):
        q |= (Q(role=Role.COUNTY_SUPERVISOR) | Q(extra_role=Role.COUNTY_SUPERVISOR)) & Q(
            region_id=case.township.parent_id
        )
    if not q:
        return []
    return list(User.objects.filter(q, is_active=True).distinct())


def notify_next_actors(case_id: int, event_id: int, **kwargs) -> int:
    """Receiver of ``case_transition_committed``. Returns how many notifications were created."""
    event = CaseEvent.objects.select_related("case__township", "case__applicant").get(
        pk=event_id, case_id=case_id
    )
    case = event.case
    if event.source_state == event.target_state:
        return 0  # a signature without a state change (e.g. the county's visit)
    name = case.applicant.name if case.applicant_id else ""
    url = reverse("cases:detail", args=[case.pk])
    rows = []
    for user in recipients_for(case, event.target_state):
        if user.pk == event.actor_id:
            continue
        if event.target_state == S.REVIEW and user.has_role(Role.COUNTY_SUPERVISOR):
            template = COUNTY_VISIT_VERB  # only flagged cases bring a supervisor here
        else:
            template = VERBS.get(event.target_state, DEFAULT_VERB)
        verb = template.format(
            number=case.number, name=name, state=CaseState(event.target_state).label
        )
        rows.append(
            Notification(
                recipient=user, verb=verb[:200], url=url, dedupe_key=f"case-event:{event.pk}"
            )
        )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


FACTS_READY_VERB = "案件{number}（{name}）核对报告已返回、入户调查已完成，请办理下一步"
#: The fields whose change can complete an investigation's facts.
FACT_FIELDS = frozenset({"check_status", "survey_status"})


def notify_facts_ready(sender, instance: Case, update_fields=None, **kwargs) -> None:
    """Receiver of Case ``post_save``: when the last of the facts an investigation waits for
    comes in (check report returned, survey finished), the township's clerks hear of it
    after commit, once per case and state."""
    if update_fields is not None and not (FACT_FIELDS & set(update_fields)):
        return
    if not facts_ready(instance):
        return
    case_id, state = instance.pk, instance.state
    transaction.on_commit(lambda: _send_facts_ready(case_id, state))


def _send_facts_ready(case_id: int, state: str) -> None:
    case = Case.objects.select_related("applicant").get(pk=case_id)
    if case.state != state or not facts_ready(case):
        return  # moved on already (the check's return can finish the check step itself)
    clerks = User.objects.filter(
        Q(role=Role.TOWNSHIP_CLERK) | Q(extra_role=Role.TOWNSHIP_CLERK),
        region_id=case.township_id,
        is_active=True,
    )
    verb = FACTS_READY_VERB.format(
        number=case.number, name=case.applicant.name if case.applicant_id else ""
    )
    url = reverse("cases:detail", args=[case.pk])
    notify(
        clerks, verb=verb, url=url, dedupe_key=f"facts-ready:{case.pk}:{state}", after_commit=False
    )

"""The case page's "下一步" panel: what the case waits for, on whom, by when, and why an
action the user sees is disabled. A read: it only interprets the transition options
(cases/workflow/services.available_transitions), the investigation facts
(cases.rules.facts_ready) and the case clock."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseState
from cases.rules import facts_ready
from cases.states import FACTS_PENDING_STATES
from cases.workflow.services import TransitionOption
from relief.models import Role, User

#: How the facts an investigation waits for are described, and who brings them.
CHECK_NOT_REQUESTED = "尚未申请家庭经济状况核对"
CHECK_AWAITED = "等待县核对机构返回核对报告"
SURVEY_AWAITED = "入户调查尚未完成（需至少两名调查人签字）"
FACTS_READY = "核对报告已返回，入户调查已完成：可以办理下一步"


@dataclass
class Waiting:
    """One thing the case waits for: ``what``, on ``who`` (role labels), where it is done."""

    what: str
    who: str
    href: str = ""
    link_label: str = ""


@dataclass
class NextStep:
    state_label: str
    #: The next action on the normal route (None when the case is closed).
    action: TransitionOption | None
    #: The user may take ``action`` now.
    you_can_act: bool
    #: Role labels of who takes ``action``.
    actors: str
    waiting: list[Waiting] = field(default_factory=list)
    facts_ready: bool = False
    due: datetime.date | None = None
    due_label: str = ""
    overdue: bool = False
    due_soon: bool = False
    #: Disabled actions with their reasons, for the summary (the actions card repeats them).
    blocked: list[TransitionOption] = field(default_factory=list)


def _role_labels(roles: tuple[str, ...]) -> str:
    labels = dict(Role.choices)
    return "、".join(labels.get(r, r) for r in roles) or "—"


def _clock_of(case: Case):
    try:
        return case.clock
    except ObjectDoesNotExist:
        return None


def _due(case: Case, step: NextStep) -> None:
    """By when: the notice's end during a notice, else the step's deadline, else the case's."""
    if case.state in (CaseState.PRE_NOTICE, CaseState.RESULT_NOTICE) and case.notice_started_on:
        days = case.policy.notice_days
        step.due = case.notice_started_on + datetime.timedelta(days=days)
        step.due_label = f"公示期满（{days}天）"
        return
    clock = _clock_of(case)
    if clock is None or clock.stopped_on is not None:
        return
    if clock.step_kind and clock.step_due:
        step.due, step.overdue = clock.step_due, clock.step_overdue
        step.due_label = f"{clock.get_step_kind_display()}截止"
    else:
        step.due, step.overdue = clock.overall_due, clock.overdue
        step.due_label = "办理截止"
        step.due_soon = clock.due_soon and not clock.overdue
    if not step.due_soon and not step.overdue and step.due:
        step.due_soon = step.due <= timezone.localdate() + datetime.timedelta(days=3)


def _facts_waiting(case: Case) -> list[Waiting]:
    if case.state not in FACTS_PENDING_STATES or case.state == CaseState.ACCEPTED:
        return []
    waiting = []
    if not case.skips("check"):
        if case.check_status == "":
            waiting.append(
                Waiting(
                    CHECK_NOT_REQUESTED,
                    _role_labels((Role.TOWNSHIP_CLERK,)),
                    "#check",
                    "到核对一节申请",
                )
            )
        elif case.check_status == "requested":
            waiting.append(
                Waiting(
                    CHECK_AWAITED,
                    _role_labels((Role.COUNTY_VERIFIER,)),
                    "#check",
                    "查看核对",
                )
            )
    if case.survey_status != "complete":
        waiting.append(
            Waiting(
                SURVEY_AWAITED,
                _role_labels((Role.VILLAGE_ASSISTANT, Role.TOWNSHIP_CLERK)),
                reverse("cases:survey", args=[case.pk]),
                "填写入户调查",
            )
        )
    return waiting


def case_next_step(*, case: Case, user: User, options: list[TransitionOption]) -> NextStep:
    """The panel for ``user`` on ``case``, from the options the actions card shows."""
    route = [o for o in options if not o.is_exit]
    mine = [o for o in route if o.allowed]
    action = mine[0] if mine else (route[0] if route else None)
    step = NextStep(
        state_label=case.get_state_display(),
        action=action,
        you_can_act=bool(mine),
        actors=_role_labels(action.roles) if action else "",
        waiting=_facts_waiting(case),
        facts_ready=facts_ready(case),
        blocked=[o for o in route if not o.allowed],
    )
    _due(case, step)
    return step

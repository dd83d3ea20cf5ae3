"""Performing transitions: the one service the browser, the API and tasks all call.

``case_transition`` checks the role, the region, recusal and the guards, runs the
transition declared on ``Case``, saves with optimistic locking, writes the signed
``CaseEvent`` in the same transaction, and schedules side effects after commit.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, Transition

from cases.access import AccessRefused, case_actor_reasons
from cases.models import Case, CaseEvent, CaseState
from cases.panel.rules import (
    PANEL_PENDING,
    meeting_pk,
    panel_reason,
    panel_required,
    panel_reviews_of,
)
from cases.states import COUNTY_VISIT_STATES, EXIT_STATES
from cases.stats.services import retally_once
from cases.workflow import guards
from cases.workflow.hooks import case_transition_committed, case_transitioned
from relief.errors import Conflict
from relief.http import client_address_of as client_address_of  # re-exported: one helper
from relief.models import Role, User

logger = logging.getLogger(__name__)


class TransitionRefused(AccessRefused):
    """The user may not take this transition now; ``messages`` are readable reasons."""


class CaseChanged(Conflict):
    """Somebody else changed the case first (optimistic locking); the API answers 409 with the
    state the case is in now."""

    def __init__(self, case: Case) -> None:
        super().__init__(
            "案件已被他人处理，请刷新后查看最新状态",
            extra={"state": case.state, "state_label": case.get_state_display()},
        )
        self.case = case


@dataclass
class TransitionOption:
    name: str
    label: str
    target: str
    allowed: bool
    reasons: list[str] = field(default_factory=list)
    opinion_required: bool = False
    #: When the confirmation needs the review panel: (meeting id, label) of each meeting
    #: that reviewed the case, for the approver to name one.
    panel_meetings: list[tuple[int, str]] | None = None
    #: The roles that may take the transition (for "on whom" the next step waits).
    roles: tuple[str, ...] = ()

    @property
    def is_exit(self) -> bool:
        """Leaves the normal route (refusal, withdrawal, termination, revocation)."""
        return bool(set(self.target.split("/")) & set(EXIT_STATES))

    @property
    def target_label(self) -> str:
        labels = dict(CaseState.choices)
        return " / ".join(labels.get(s, s) for s in self.target.split("/") if s)


#: Messages shown to users.
OPINION_MISSING = "请填写意见"


def _transitions_from_current_state(case: Case) -> list[Transition]:
    # django-fsm adds get_all_state_transitions to the model at class creation; the stubs
    # do not see it.
    return [
        t
        for t in case.get_all_state_transitions()  # type: ignore[attr-defined]
        if t.source in (case.state, "*", "+")
    ]


def transition_specs() -> list:
    """Every transition declared on Case (for the diagram and the role matrix)."""
    return list(Case().get_all_state_transitions())


def _guard_reasons(case: Case, conditions: Iterable[Callable[[Case], bool]]) -> list[str]:
    return [guards.reason_of(cond, case) for cond in conditions if not cond(case)]


def _target_of(case: Case, spec: Transition) -> str:
    """The state the transition leads to from here (GET_STATE targets are predicted with
    the same rule the transition uses)."""
    target = spec.target
    if hasattr(target, "func"):
        try:
            return str(target.func(case))
        except Exception:  # a rule that needs data the case does not have yet
            # a computed target (GET_STATE) carries allowed_states beside func
            return "/".join(target.allowed_states or [])  # type: ignore[union-attr]
    return str(target)


def _personal_reasons(case: Case, user: User, spec: Transition, cache: dict) -> list[str]:
    """Role, region, recusal and (for a decision) four eyes: cases.access decides."""
    return case_actor_reasons(
        case=case,
        actor=user,
        roles=tuple(spec.custom.get("roles", ())),
        decision=bool(spec.custom.get("decision")),
        cache=cache,
    )


def available_transitions(*, case: Case, user: User) -> list[TransitionOption]:
    """Every transition out of the current state, with the reasons it is unavailable to
    ``user`` (role, region, recusal, guards). The case page and the API list these."""
    options: list[TransitionOption] = []
    cache: dict = {}
    for t in _transitions_from_current_state(case):
        reasons = _personal_reasons(case, user, t, cache) + _guard_reasons(case, t.conditions)
        meetings = None
        if t.custom.get("panel") and panel_required(case, timezone.localdate()):
            meetings = [
                (
                    r.meeting_id,
                    f"{r.meeting.held_on:%Y-%m-%d} 评审小组会议（{r.get_conclusion_display()}）",
                )
                for r in panel_reviews_of(case)
            ]
            if not meetings:
                reasons.append(PANEL_PENDING)
        options.append(
            TransitionOption(
                name=t.name,
                label=t.custom.get("label", t.name),
                target=_target_of(case, t),
                allowed=not reasons,
                reasons=reasons,
                opinion_required=bool(t.custom.get("opinion")),
                panel_meetings=meetings,
                roles=tuple(t.custom.get("roles", ())),
            )
        )
    return options


def case_transition(
    *,
    case: Case,
    name: str,
    actor: User,
    opinion: str = "",
    client_address: str | None = None,
    on: datetime.date | None = None,
    data: dict | None = None,
) -> CaseEvent:
    """Perform transition ``name`` on ``case`` as ``actor``.

    Raises TransitionRefused (with readable reasons) when the role, region, recusal, a
    guard or a missing opinion forbids it, and CaseChanged when another user moved the
    case first. The signature (who, role, time, opinion, client address) is written in the
    same transaction; ``hooks.case_transitioned`` receivers run inside it and
    ``hooks.case_transition_committed`` receivers only once it is committed.
    """
    on = on or timezone.localdate()
    opinion = (opinion or "").strip()
    # (retally_once: the case's summaries move once, after its save, its clock's and the
    # receivers' writes, still inside the transaction)
    with transaction.atomic(), retally_once():
        options = {t.name: t for t in _transitions_from_current_state(case)}
        spec = options.get(name)
        if spec is None:
            # Either an unknown name or the case moved on: reload and tell which.
            fresh = Case.objects.get(pk=case.pk)
            if fresh.state != case.state:
                raise CaseChanged(fresh)
            raise TransitionRefused(f"当前状态“{case.get_state_display()}”下不能执行此操作")
        roles = tuple(spec.custom.get("roles", ()))
        reasons = _personal_reasons(case, actor, spec, {}) + _guard_reasons(case, spec.conditions)
        if spec.custom.get("opinion") and not opinion:
            reasons.append(OPINION_MISSING)
        if spec.custom.get("panel"):
            meeting = (data or {}).get("panel_meeting")
            refused = panel_reason(case, meeting, on)
            if refused:
                reasons.append(refused)
            elif meeting not in (None, ""):
                data = {**(data or {}), "panel_meeting": meeting_pk(meeting)}
        if reasons:
            raise TransitionRefused(reasons)
        source = case.state
        getattr(case, name)(on=on, actor=actor, opinion=opinion)
        case.on_entered(source=source, on=on, opinion=opinion)
        try:
            with transaction.atomic():  # a savepoint, so the outer block stays usable
                case.save()
        except ConcurrentTransition:
            raise CaseChanged(Case.objects.get(pk=case.pk))
        # data["on"]: the business date (may differ from created_at when back-dated).
        data = {"on": on.isoformat(), **(data or {})}
        event = _log(
            case,
            name,
            spec.custom.get("label", name),
            source,
            actor,
            roles,
            opinion,
            client_address,
            data,
        )
        case_transitioned.send(sender=Case, case=case, event=event)
        _schedule_after_commit(case.pk, event.pk)
    return event


def case_record_county_visit(
    *,
    case: Case,
    actor: User,
    opinion: str,
    client_address: str | None = None,
    visited_on: datetime.date | None = None,
) -> CaseEvent:
    """A Art.20: the county's home visit for a near-relative case or a case with a
    complaint, recorded by a county supervisor before confirmation. Not a transition
    (the state does not change) but signed in the same log."""
    opinion = (opinion or "").strip()
    visited_on = visited_on or timezone.localdate()
    roles = (Role.COUNTY_SUPERVISOR,)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        reasons = case_actor_reasons(case=locked, actor=actor, roles=roles)
        if locked.state not in (*COUNTY_VISIT_STATES,):
            reasons.append(f"当前状态“{locked.get_state_display()}”下不能记录县级入户核查")
        reasons += _guard_reasons(
            locked, [guards.county_visit_required, guards.county_visit_pending]
        )
        if not opinion:
            reasons.append("请填写核查情况")
        if reasons:
            raise TransitionRefused(reasons)
        # Update only this column: the optimistic lock is about the state, which stays.
        Case.objects.filter(pk=locked.pk).update(county_visit_done=True, updated_at=timezone.now())
        case.county_visit_done = True
        event = _log(
            locked,
            "record_county_visit",
            "县级入户核查",
            locked.state,
            actor,
            roles,
            opinion,
            client_address,
            {"visited_on": visited_on.isoformat()},
        )
        _schedule_after_commit(locked.pk, event.pk)
    return event


def case_log_event(
    *,
    case: Case,
    name: str,
    label: str,
    actor: User,
    roles: tuple[str, ...],
    opinion: str = "",
    client_address: str | None = None,
    data: dict | None = None,
) -> CaseEvent:
    """A signed log row for an act that does not change the state (the county's visit, a
    deadline extension, a county amount correction, a complaint flag). Call it inside the
    act's own transaction; the signer's role is the one of ``roles`` they act in."""
    return _log(case, name, label, case.state, actor, roles, opinion, client_address, data)


def _log(
    case: Case,
    name: str,
    label: str,
    source: str,
    actor: User,
    roles: tuple[str, ...],
    opinion: str,
    client_address: str | None,
    data: dict | None,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        transition=name,
        label=label,
        source_state=source,
        target_state=case.state,
        actor=actor,
        actor_role=_acting_role(actor, roles),
        actor_name=str(actor),
        opinion=opinion,
        client_address=client_address or None,
        data=data or {},
    )


def _schedule_after_commit(case_id: int, event_id: int) -> None:
    transaction.on_commit(lambda: _send_committed(case_id, event_id), robust=True)


def _send_committed(case_id: int, event_id: int) -> None:
    """Every receiver runs even when another fails; failures are logged, the transition
    stands (it is committed)."""
    results = case_transition_committed.send_robust(sender=Case, case_id=case_id, event_id=event_id)
    for receiver, result in results:
        if isinstance(result, Exception):
            logger.error(
                "case_transition_committed receiver %r failed for case %s event %s",
                receiver,
                case_id,
                event_id,
                exc_info=result,
            )


def _acting_role(actor: User, roles: tuple[str, ...]) -> str:
    for role in (actor.role, actor.extra_role):
        if role and role in roles:
            return role
    return actor.role

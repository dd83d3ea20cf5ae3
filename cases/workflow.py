"""Performing transitions: the one service the browser, the API and tasks all call.

``case_transition`` checks the role, the region, recusal and the guards, runs the
transition declared on ``Case``, saves with optimistic locking, writes the signed
``CaseEvent`` in the same transaction, and schedules side effects after commit.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition

from cases import guards
from cases.models import Case, CaseEvent, NearRelative
from relief.models import Role


class TransitionRefused(ValidationError):
    """The user may not take this transition now; ``messages`` are readable reasons."""


class CaseChanged(Exception):
    """Somebody else changed the case first (optimistic locking)."""

    def __init__(self, case: Case):
        super().__init__("案件已被他人处理，请刷新后查看最新状态")
        self.case = case


@dataclass
class TransitionOption:
    name: str
    label: str
    target: str
    allowed: bool
    reasons: list[str] = field(default_factory=list)
    opinion_required: bool = False


#: Callbacks run after commit: fn(case_id, event_id). Apps register here (notifications,
#: filing, documents) instead of the workflow importing them.
AFTER_COMMIT: list[Callable[[int, int], None]] = []
#: Callbacks run inside the transaction after the event row is written: fn(case, event).
IN_TRANSACTION: list[Callable[[Case, CaseEvent], None]] = []


def _transitions_from_current_state(case: Case):
    return [t for t in case.get_all_state_transitions() if t.source in (case.state, "*", "+")]


def is_recused(case: Case, user) -> bool:
    """DOMAIN §4: a worker never acts on a case of his or her own relative."""
    ids = [m.id_number for m in case.household.members.all()]
    return NearRelative.objects.filter(worker_user=user, active=True, relative_id_number__in=ids).exists()


def _role_reasons(case: Case, user, roles: tuple[str, ...]) -> list[str]:
    if not user.has_role(*roles):
        labels = "、".join(Role(r).label for r in roles)
        return [f"此操作须由{labels}办理"]
    if is_recused(case, user):
        return ["您是申请人的近亲属，须回避"]
    return []


def _guard_reasons(case: Case, conditions) -> list[str]:
    return [guards.reason_of(cond, case) for cond in conditions if not cond(case)]


def available_transitions(*, case: Case, user) -> list[TransitionOption]:
    """Every transition out of the current state, with the reasons it is unavailable to
    ``user`` (role, recusal, guards). The case page and the API list these."""
    options = []
    recused = None
    for t in _transitions_from_current_state(case):
        roles = tuple(t.custom.get("roles", ()))
        reasons = []
        if not user.has_role(*roles):
            reasons.append(f"此操作须由{'、'.join(Role(r).label for r in roles)}办理")
        else:
            if recused is None:
                recused = is_recused(case, user)
            if recused:
                reasons.append("您是申请人的近亲属，须回避")
        reasons += _guard_reasons(case, t.conditions)
        target = t.target
        if hasattr(target, "allowed_states"):
            target = "/".join(target.allowed_states or [])
        options.append(
            TransitionOption(
                name=t.name,
                label=t.custom.get("label", t.name),
                target=str(target),
                allowed=not reasons,
                reasons=reasons,
                opinion_required=bool(t.custom.get("opinion")),
            )
        )
    return options


def case_transition(
    *,
    case: Case,
    name: str,
    actor,
    opinion: str = "",
    client_address: str | None = None,
    on: datetime.date | None = None,
    data: dict | None = None,
) -> CaseEvent:
    """Perform transition ``name`` on ``case`` as ``actor``.

    Raises TransitionRefused (with readable reasons) when the role, recusal or a guard
    forbids it, and CaseChanged when another user moved the case first.
    """
    on = on or timezone.localdate()
    opinion = (opinion or "").strip()
    with transaction.atomic():
        options = {t.name: t for t in _transitions_from_current_state(case)}
        spec = options.get(name)
        if spec is None:
            # Either an unknown name or the case moved on: reload and tell which.
            fresh = Case.objects.get(pk=case.pk)
            if fresh.state != case.state:
                raise CaseChanged(fresh)
            raise TransitionRefused(f"当前状态“{case.get_state_display()}”下不能执行此操作")
        roles = tuple(spec.custom.get("roles", ()))
        reasons = _role_reasons(case, actor, roles) + _guard_reasons(case, spec.conditions)
        if spec.custom.get("opinion") and not opinion:
            reasons.append("请填写意见")
        if reasons:
            raise TransitionRefused(reasons)
        source = case.state
        getattr(case, name)(on=on)
        try:
            case.save()
        except ConcurrentTransition:
            raise CaseChanged(Case.objects.get(pk=case.pk))
        event = CaseEvent.objects.create(
            case=case,
            transition=name,
            label=spec.custom.get("label", name),
            source_state=source,
            target_state=case.state,
            actor=actor,
            actor_role=_acting_role(actor, roles),
            actor_name=str(actor),
            opinion=opinion,
            client_address=client_address,
            data=data or {},
        )
        for callback in IN_TRANSACTION:
            callback(case, event)
        case_id, event_id = case.pk, event.pk
        for callback in AFTER_COMMIT:
            transaction.on_commit(lambda cb=callback: cb(case_id, event_id))
    return event


def _acting_role(actor, roles: tuple[str, ...]) -> str:
    for role in (actor.role, actor.extra_role):
        if role and role in roles:
            return role
    return actor.role


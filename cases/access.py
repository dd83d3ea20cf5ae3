"""May this person act on this case? One answer for every write on a case: the role, the
region, recusal (DOMAIN §4, A Art.11) and, for a decision, four eyes: whoever registered,
accepted or investigated the case does not decide it (which steps count is a policy
setting). Each refusal is a readable Chinese reason.

A low module: it reads models and the core only, so the guards' model methods, the
services of every sub-domain and the apps above cases share it."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.rules import is_recused
from relief.models import Role
from relief.policy import policy_for
from relief.scoping import scope_by_region

OUT_OF_SCOPE = "案件不在您的管辖区域内"
RECUSED = "您是申请人的近亲属，须回避"

#: Steps of a case whose actor may not decide it, each with its policy key and how the
#: refusal names it.
FOUR_EYES_STEPS: tuple[tuple[str, str, str], ...] = (
    ("registration", "four_eyes_registration", "登记"),
    ("acceptance", "four_eyes_acceptance", "受理"),
    ("investigation", "four_eyes_investigation", "入户调查"),
)
#: Log rows that make their signer the case's investigator.
INVESTIGATION_EVENTS = ("finish_investigation", "finish_reinvestigation")


class AccessRefused(ValidationError):
    """The actor may not act on this case; ``messages`` are the readable reasons."""


def role_reason(roles: Iterable[str]) -> str:
    return f"此操作须由{'、'.join(Role(r).label for r in roles)}办理"


def in_scope(case, user) -> bool:
    """relief.scoping decides; a user acts only on cases in his or her region."""
    return scope_by_region(type(case).objects.filter(pk=case.pk), user).exists()


def case_involvement(*, case, user) -> list[str]:
    """The steps of ``case`` that ``user`` took: "registration", "acceptance",
    "investigation" (whichever policy counts or not)."""
    steps = []
    if case.created_by_id is not None and case.created_by_id == user.pk:
        steps.append("registration")
    if (case.accepted_by_id is not None and case.accepted_by_id == user.pk) or case.events.filter(
        transition="accept", actor=user
    ).exists():
        steps.append("acceptance")
    survey = getattr(case, "survey", None) if case.pk else None
    if (survey is not None and survey.recorded_by_id == user.pk) or case.events.filter(
        transition__in=INVESTIGATION_EVENTS, actor=user
    ).exists():
        steps.append("investigation")
    return steps


def four_eyes_reason(*, case, user) -> str | None:
    """Why ``user`` may not take a decision on ``case`` (confirm, refuse, county approval,
    a review decision, a roster lock), or None. The steps that count are policy settings
    (``four_eyes_registration`` / ``_acceptance`` / ``_investigation``) in force today."""
    policy = policy_for(case.township, timezone.localdate())
    took = set(case_involvement(case=case, user=user))
    labels = [label for step, key, label in FOUR_EYES_STEPS if step in took and policy[key]]
    if not labels:
        return None
    return f"您办理了本案的{'、'.join(labels)}，决定须由其他人员作出（四眼原则）"


def near_relative_entry_reason(*, entry, actor) -> str | None:
    """Why ``actor`` may not change, deactivate or delete near-relative ``entry``: the worker
    it recuses (or the relative, if they hold an account) never lifts it; or None."""
    if entry.worker_user_id is not None and entry.worker_user_id == actor.pk:
        return "您是该备案登记的工作人员本人，须回避，不能修改或撤销此备案"
    if actor.id_number and actor.id_number == entry.relative_id_number:
        return "您是该备案登记的亲属本人，须回避，不能修改或撤销此备案"
    return None


def case_actor_reasons(
    *,
    case,
    actor,
    roles: Iterable[str],
    decision: bool = False,
    role_message: str | None = None,
    cache: dict | None = None,
) -> list[str]:
    """The reasons ``actor`` may not act on ``case`` in one of ``roles`` (empty: allowed).
    Checked in order role, region, recusal, four eyes; the first that fails is the reason.
    ``cache`` (a dict kept across calls for the same case and actor) saves the queries when
    a page asks for many actions."""
    roles = tuple(roles)
    cache = {} if cache is None else cache
    if roles and not actor.has_role(*roles):
        return [role_message or role_reason(roles)]
    if "scope" not in cache:
        cache["scope"] = in_scope(case, actor)
    if not cache["scope"]:
        return [OUT_OF_SCOPE]
    if "recused" not in cache:
        cache["recused"] = is_recused(case, actor)
    if cache["recused"]:
        return [RECUSED]
    if decision:
        if "four_eyes" not in cache:
            cache["four_eyes"] = four_eyes_reason(case=case, user=actor)
        if cache["four_eyes"]:
            return [cache["four_eyes"]]
    return []


def case_may_act(
    *,
    case,
    actor,
    roles: Iterable[str],
    decision: bool = False,
    role_message: str | None = None,
    cache: dict | None = None,
) -> tuple[bool, str]:
    """(allowed, reason) for a page that shows an action disabled with its reason."""
    reasons = case_actor_reasons(
        case=case,
        actor=actor,
        roles=roles,
        decision=decision,
        role_message=role_message,
        cache=cache,
    )
    return (not reasons, "；".join(reasons))


def case_require_actor(
    *,
    case,
    actor,
    roles: Iterable[str],
    decision: bool = False,
    role_message: str | None = None,
) -> None:
    """Raise AccessRefused with the readable reason unless ``actor`` may act on ``case``."""
    reasons = case_actor_reasons(
        case=case, actor=actor, roles=roles, decision=decision, role_message=role_message
    )
    if reasons:
        raise AccessRefused(reasons)

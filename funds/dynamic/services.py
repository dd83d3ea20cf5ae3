"""动态管理 services: the review schedule (A Art.31), opening reviews (one, or a campaign
as set-based inserts), recording the review's decision, and applying it to the register
through ``recipient_change`` when the review case is confirmed (F §1(3) 渐退)."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from archive.pdf import render_pdf
from cases.access import AccessRefused, case_require_actor
from cases.models import Case, CaseClock, CaseEvent, CaseState, IncomeItem, Member
from cases.notices.services import system_actor
from cases.stats.services import count_new_cases
from cases.workflow.services import TransitionRefused, case_log_event, case_transition
from funds.dynamic.dishonesty import dishonesty_from_review, recovery_check
from funds.dynamic.models import (
    PhaseOut,
    PostingObjection,
    PostingObjectionStatus,
    ReviewCampaign,
    ReviewCase,
    ReviewOutcome,
    ReviewSchedule,
    ReviewTrigger,
    TerminationPosting,
)
from funds.dynamic.months import add_months as add_months  # re-exported (tests, views)
from funds.dynamic.selectors import open_review_recipient_ids
from funds.recipients.models import ChangeKind, Recipient, RecipientStatus
from funds.recipients.selectors import FUNERAL_REMINDER_EVENT, state_for_month
from funds.recipients.services import (
    first_of_month,
    first_open_month,
    next_month,
    recipient_change,
)
from relief.models import AssistanceType, PolicySnapshot, Region, Role, User
from relief.notifications import notify
from relief.policy import IRREGULAR_INCOME_CATEGORIES, KEY_BY_NAME, Policy, policy_for
from relief.scoping import scope_by_region
from relief.workdays import add_workdays, workdays_between

logger = logging.getLogger(__name__)


def _age(birth: datetime.date, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def review_interval(
    *, members: Iterable[Member], policy: Policy, on: datetime.date, irregular_income: bool = False
) -> tuple[int, str]:
    """A Art.31: yearly for stable households; every six months (both settings) when the
    income is irregular or a member of working age is able to work."""
    low, high = int(policy.review_work_age_min), int(policy.review_work_age_max)
    able = [
        m
        for m in members
        if m.work_capacity == Member.WorkCapacity.FULL
        and not m.is_student
        and low <= _age(m.birth_date, on) < high
    ]
    if irregular_income:
        return int(policy.review_months_variable), "家庭收入不稳定"
    if able:
        names = "、".join(m.name for m in able[:3])
        return int(policy.review_months_variable), f"有劳动年龄内有劳动能力的成员（{names}）"
    return int(policy.review_months_stable), "家庭收入相对稳定"


def has_irregular_income(*, household_id: int, policy: Policy) -> bool:
    """The household has an income item (counted in its income) of a category the county
    counts as irregular (``review_irregular_income``; none by default)."""
    categories = IRREGULAR_INCOME_CATEGORIES.get(str(policy.review_irregular_income), ())
    return bool(categories) and (
        IncomeItem.objects.filter(
            household_id=household_id,
            category__in=categories,
            kind=IncomeItem.Kind.ORDINARY,
        ).exists()
    )


def review_schedule_refresh(
    *, recipient: Recipient, from_day: datetime.date, irregular_income: bool | None = None
) -> ReviewSchedule:
    """The next review's due date, from a confirmation or a review's decision date.
    ``irregular_income`` None: read from the household's income items by the policy."""
    policy = policy_for(recipient.township, from_day)
    if irregular_income is None:
        irregular_income = has_irregular_income(household_id=recipient.household_id, policy=policy)
    members = Member.objects.filter(household_id=recipient.household_id, covered=True)
    months, basis = review_interval(
        members=members, policy=policy, on=from_day, irregular_income=irregular_income
    )
    schedule, _ = ReviewSchedule.objects.update_or_create(
        recipient=recipient,
        defaults={
            "interval_months": months,
            "basis": basis,
            "next_due": add_months(from_day, months),
            "updated_at": timezone.now(),
        },
    )
    return schedule


def circumstance_due_on(
    *, trigger: str, reported_on: datetime.date, policy: Policy
) -> datetime.date:
    """F §1(3): a member's death is re-checked within ``review_death_recheck_months``; any
    other change within ``review_change_recheck_months``."""
    if trigger == ReviewTrigger.DEATH:
        return add_months(reported_on, int(policy.review_death_recheck_months))
    return add_months(reported_on, int(policy.review_change_recheck_months))


def _review_clock(
    case: Case, *, on: datetime.date, due_on: datetime.date, soon_from: datetime.date | None = None
) -> CaseClock:
    """The case clock of a review: the one clock engine runs from the opening day to the
    review's due date, so the daily scan flags due-soon and overdue reviews like any case."""
    limit = max(1, workdays_between(on, due_on)) if soon_from is None else 1
    if soon_from is None:
        soon_from = add_workdays(on, max(0, limit - int(case.policy.due_soon_wd)))
    return CaseClock(
        case=case,
        started_on=on,
        limit_wd=limit,
        limit_max_wd=limit,
        overall_due=due_on,
        due_soon_from=soon_from,
    )


#: Who opens a review of a recipient: the village assistant who reports a change, the
#: township's clerk who finds one, the county supervisor (each within their region).
REVIEW_OPEN_ROLES = (Role.VILLAGE_ASSISTANT, Role.TOWNSHIP_CLERK, Role.COUNTY_SUPERVISOR)


def _require_review_opener(actor: User, recipient: Recipient) -> None:
    if not actor.has_role(*REVIEW_OPEN_ROLES):
        raise PermissionDenied("只有村(居)协理员、乡镇经办人或县级监管人员可以启动复核")
    if not scope_by_region(Recipient.objects.filter(pk=recipient.pk), actor).exists():
        raise Http404("在册对象不在您的管辖区域内")


def _review_case(
    recipient: Recipient,
    *,
    on: datetime.date,
    number: str,
    actor: User,
    shared: PolicySnapshot | None = None,
) -> Case:
    """An unsaved review case in 已受理 with the policy in force on ``on`` frozen: a copy of
    its own, or ``shared``, the township's one stored snapshot (cases opened in bulk)."""
    snapshot = {} if shared else policy_for(recipient.township, on).as_snapshot()
    return Case(
        number=number[:32],
        household_id=recipient.household_id,
        assistance_type_id=recipient.assistance_type_id,
        township_id=recipient.township_id,
        village_id=recipient.village_id,
        state=CaseState.ACCEPTED,
        source=Case.Source.DISCOVERED,
        purpose=Case.Purpose.REVIEW,
        applicant_id=recipient.case.applicant_id,
        created_by=actor,
        accepted_on=on,
        accepted_by=actor,
        policy_snapshot=snapshot,
        policy_shared=shared,
        documents_complete=True,
        monthly_amount=recipient.monthly_amount,
    )


@transaction.atomic
def review_open(
    *,
    recipient: Recipient,
    actor: User,
    trigger: str,
    note: str = "",
    on: datetime.date | None = None,
    died_on: datetime.date | None = None,
    member: Member | None = None,
) -> ReviewCase:
    """A change of circumstance (or the schedule) opens a review case in 已受理, due by the
    policy's date. A death date in the future is refused.

    A death naming the covered ``member`` who died is an automatic exit (DOMAIN §7): from
    the month after the death (the first whose roster is not locked) the member is no longer
    covered, signed by the system; when they were the household's only covered member the
    support stops there and the review carries that decision (the approver's confirmation
    then closes the record)."""
    _require_review_opener(actor, recipient)
    today = timezone.localdate()
    on = on or today
    errors: dict[str, str] = {}
    if trigger not in ReviewTrigger.values:
        errors["trigger"] = "复核原因无效"
    if trigger == ReviewTrigger.DEATH:
        if died_on is None:
            errors["died_on"] = "请填写死亡日期"
        elif died_on > today:
            errors["died_on"] = "死亡日期不能晚于今天"
    if recipient.status == RecipientStatus.STOPPED:
        errors["recipient"] = "该对象已停保，无需复核"
    if member is not None and (
        trigger != ReviewTrigger.DEATH or member.household_id != recipient.household_id
    ):
        errors["member"] = "去世成员须为本家庭成员，且仅在成员死亡时填写"
    if errors:
        raise ValidationError(errors)
    policy = policy_for(recipient.township, on)
    due = circumstance_due_on(trigger=trigger, reported_on=died_on or on, policy=policy)
    count = ReviewCase.objects.filter(recipient=recipient).count() + 1
    case = _review_case(
        recipient, on=on, number=f"FH{on:%y%m%d}R{recipient.pk}-{count}", actor=actor
    )
    case.save(force_insert=True)
    _review_clock(case, on=on, due_on=due).save(force_insert=True)
    detail = (note or "").strip()
    if died_on is not None:
        detail = f"{died_on:%Y年%m月%d日}死亡。{detail}"
    case_log_event(
        case=case,
        name="open_review",
        label="启动复核",
        actor=actor,
        roles=REVIEW_OPEN_ROLES,
        opinion=f"{ReviewTrigger(trigger).label}：{detail}"
        if detail
        else ReviewTrigger(trigger).label,
        data={"on": on.isoformat(), "due_on": due.isoformat(), "recipient": recipient.pk},
    )
    review = ReviewCase.objects.create(
        case=case, recipient=recipient, trigger=trigger, trigger_note=detail[:300], due_on=due
    )
    if member is not None and died_on is not None:
        _death_exit(review=review, member=member, died_on=died_on)
    return review


def _death_exit(*, review: ReviewCase, member: Member, died_on: datetime.date) -> None:
    """The automatic exit of a member's death (see ``review_open``)."""
    recipient = review.recipient
    month, _locked = first_open_month(
        recipient=recipient, month=max(next_month(died_on), recipient.first_month)
    )
    state = state_for_month(recipient=recipient, month=month)
    covered = list(state.covered_member_ids or []) if state is not None else []
    if member.pk not in covered:
        return
    label = f"复核案件 {review.case.number} 成员死亡"
    rest = [pk for pk in covered if pk != member.pk]
    if rest:
        recipient_change(
            recipient=recipient,
            actor=cast(User, None),  # the system: a rule, not a person's decision
            effective_month=month,
            reason=(
                f"成员{member.name}于{died_on:%Y年%m月%d日}死亡，"
                f"自{month:%Y年%m月}起不再计入保障成员（金额待复核核定）"
            ),
            kind=ChangeKind.MEMBERS,
            source_label=label,
            covered_member_ids=rest,
        )
        return
    reason = f"唯一保障成员{member.name}于{died_on:%Y年%m月%d日}死亡，自{month:%Y年%m月}起停止发放"
    recipient_change(
        recipient=recipient,
        actor=cast(User, None),
        effective_month=month,
        reason=reason,
        kind=ChangeKind.STATUS,
        source_label=label,
        status=RecipientStatus.STOPPED,
    )
    review.outcome = ReviewOutcome.STOP
    review.reasons = reason
    review.effective_month = month
    review.applied_at = timezone.now()
    review.save(update_fields=["outcome", "reasons", "effective_month", "applied_at"])
    ReviewSchedule.objects.filter(recipient=recipient).delete()
    _funeral_subsidy_reminder(review=review, member=member)


#: The signed log row of the funeral-subsidy reminder, ``FUNERAL_REMINDER_EVENT`` (named by
#: the register, whose detail page shows it too; the case page and the review's page show it;
#: ``funeral_reminder_of`` reads it back).


def _funeral_subsidy_reminder(*, review: ReviewCase, member: Member) -> None:
    """Where the county's policy lists a funeral subsidy (``funeral_subsidy_reminder``, the
    review case's snapshot), the single-person household's closure carries a reminder: a
    signed log row on the review case (signed by the system) and a message to the
    township's clerks."""
    case = review.case
    policy = case.policy
    if not policy.funeral_subsidy_reminder:
        return
    text = f"丧葬补助提醒：{member.name}已死亡，{policy.funeral_subsidy_note}"
    case_log_event(
        case=case,
        name=FUNERAL_REMINDER_EVENT,
        label="丧葬补助提醒",
        actor=system_actor(case.township),
        roles=(Role.TOWNSHIP_CLERK,),
        opinion=text,
        data={"member": member.pk, "recipient": review.recipient_id},
    )
    clerks = User.objects.filter(region=case.township, role=Role.TOWNSHIP_CLERK, is_active=True)
    notify(
        clerks,
        verb=f"{review.recipient.head_name}户（单人户）因死亡停保，{text}",
        url=reverse("cases:detail", args=[case.pk]),
        dedupe_key=f"funeral-reminder-{review.pk}",
    )


def funeral_reminder_of(review: ReviewCase) -> str:
    """The funeral-subsidy reminder recorded for ``review`` ("" when none)."""
    event = (
        CaseEvent.objects.filter(case_id=review.case_id, transition=FUNERAL_REMINDER_EVENT)
        .order_by("pk")
        .only("opinion")
        .first()
    )
    return event.opinion if event is not None else ""


_BULK_FIELDS = (
    "pk",
    "household_id",
    "assistance_type_id",
    "township_id",
    "village_id",
    "monthly_amount",
    "case__applicant_id",
    # The case's FSM field is read when the case is built (django-fsm keeps its initial
    # state): deferred, it would cost one query per recipient.
    "case__state",
)


def _township_policies(
    township_ids: Iterable[int], on: datetime.date
) -> list[tuple[int, Policy, PolicySnapshot]]:
    """Each township's policy in force on ``on`` with its stored shared snapshot (two
    statements for all the townships), for the cases opened in bulk."""
    townships = sorted(township_ids)
    policies = [policy_for(Region(pk=pk), on) for pk in townships]
    stored = PolicySnapshot.of_many([policy.as_snapshot() for policy in policies])
    return list(zip(townships, policies, stored, strict=True))


def _bulk_open(
    rows: list[tuple[Recipient, datetime.date]],
    *,
    on: datetime.date,
    actor: User | None,
    number: Callable[[Recipient, datetime.date], str],
    trigger: str,
    campaign: ReviewCampaign | None = None,
) -> list[Case]:
    """One review case in 已受理 per (recipient, due date), with its clock (the one clock
    engine, to the due date) and its ReviewCase: three bulk inserts in batches."""
    snapshots = {
        township_id: snapshot
        for township_id, _, snapshot in _township_policies({r.township_id for r, _ in rows}, on)
    }
    cases = []
    for r, due in rows:
        case = _review_case(
            r,
            on=on,
            number=number(r, due),
            actor=cast(User, actor),  # None: opened by the system (the daily scan)
            shared=snapshots[r.township_id],
        )
        cases.append(case)
    Case.objects.bulk_create(cases, batch_size=2000)
    limits: dict[datetime.date, int] = {}
    soon: dict[tuple[int, datetime.date], datetime.date] = {}
    clocks = []
    for c, (_, due) in zip(cases, rows, strict=True):
        if due not in limits:
            limits[due] = max(1, workdays_between(on, due))
        limit = limits[due]
        key = (c.township_id, due)
        if key not in soon:
            soon[key] = add_workdays(on, max(0, limit - int(c.policy.due_soon_wd)))
        clock = _review_clock(c, on=on, due_on=due, soon_from=soon[key])
        clock.limit_wd = clock.limit_max_wd = limit
        clocks.append(clock)
    CaseClock.objects.bulk_create(clocks, batch_size=2000)
    ReviewCase.objects.bulk_create(
        [
            ReviewCase(case=c, recipient=r, trigger=trigger, due_on=due, campaign=campaign)
            for c, (r, due) in zip(cases, rows, strict=True)
        ],
        batch_size=2000,
    )
    # bulk_create sends no post_save: count the new cases into the summary tables.
    count_new_cases(c.pk for c in cases)
    return cases


@transaction.atomic
def review_campaign_open(
    *,
    county: Region,
    recipients: QuerySet[Recipient],
    actor: User,
    name: str,
    due_on: datetime.date,
    on: datetime.date | None = None,
) -> ReviewCampaign:
    """集中复核: one review case per recipient of ``recipients`` not stopped and without an
    open review, inserted in batches (a few statements per thousand recipients)."""
    if not actor.has_role(Role.TOWNSHIP_CLERK, Role.COUNTY_SUPERVISOR):
        raise PermissionDenied("只有乡镇经办人或县级监管人员可以开展集中复核")
    recipients = scope_by_region(recipients, actor)  # never another township's recipients
    on = on or timezone.localdate()
    if not (name or "").strip():
        raise ValidationError({"name": "请填写集中复核名称"})
    if due_on < on:
        raise ValidationError({"due_on": "复核截止日不能早于今天"})
    campaign = ReviewCampaign.objects.create(
        county=county, name=name.strip()[:100], due_on=due_on, created_by=actor
    )
    chosen = recipients.exclude(status=RecipientStatus.STOPPED).exclude(
        pk__in=open_review_recipient_ids()
    )
    opened = _campaign_insert(campaign=campaign, chosen=chosen, on=on, actor=actor)
    ReviewCampaign.objects.filter(pk=campaign.pk).update(opened=opened)
    campaign.opened = opened
    return campaign


def _literal_default(field: Any, connection: Any) -> Any:
    """The value of a column an INSERT … SELECT does not set: the model default, '' or NULL
    (a timestamp without a default is now)."""
    if field.has_default():
        return field.get_db_prep_save(field.get_default(), connection)
    if field.null:
        return None
    if field.get_internal_type() in ("CharField", "TextField"):
        return ""
    if field.get_internal_type() == "DateTimeField":
        return field.get_db_prep_save(timezone.now(), connection)
    raise ValueError(f"no value for {field.model.__name__}.{field.column}")


def _insert_select(
    cursor: Any,
    model: Any,
    exprs: dict[str, str | tuple[str, list]],
    tail: str,
    tail_params: list,
    *,
    with_sql: str = "",
    with_params: list | None = None,
) -> int:
    """``[WITH …] INSERT INTO model (columns) SELECT <exprs, else defaults> <tail>``; an
    expression is SQL, or SQL with its parameters."""
    from django.db import connection

    columns, values, args = [], [], list(with_params or [])
    for f in model._meta.concrete_fields:
        if f.primary_key and f.column not in exprs:
            continue
        columns.append(connection.ops.quote_name(f.column))
        expr = exprs.get(f.column)
        if expr is None:
            values.append("%s")
            args.append(_literal_default(f, connection))
        elif isinstance(expr, tuple):
            values.append(expr[0])
            args.extend(expr[1])
        else:
            values.append(expr)
    sql = (
        f"{with_sql} INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} {tail}"
    )
    cursor.execute(sql, args + tail_params)
    return cursor.rowcount


def _campaign_insert(
    *, campaign: ReviewCampaign, chosen: QuerySet[Recipient], on: datetime.date, actor: User
) -> int:
    """The review cases of a campaign in three INSERT … SELECT statements whatever the
    number of recipients (cases pointing to the policy in force per township, stored once
    as a ``PolicySnapshot``; their clocks to the due date; the review rows), then the cases
    counted into the summary tables. The same rows ``_bulk_open`` builds one by one for the
    daily scan's few."""
    from django.db import connection

    due_on = campaign.due_on
    townships = sorted(set(chosen.order_by().values_list("township_id", flat=True).distinct()))
    if not townships:
        return 0
    limit = max(1, workdays_between(on, due_on))
    rows = [
        (township_id, snapshot.pk, add_workdays(on, max(0, limit - int(policy.due_soon_wd))))
        for township_id, policy, snapshot in _township_policies(townships, on)
    ]
    values = ", ".join("(CAST(%s AS bigint), CAST(%s AS bigint), CAST(%s AS date))" for _ in rows)
    tw_params = [v for row in rows for v in row]
    tw = f"WITH tw(township_id, snapshot_id, soon) AS (VALUES {values})"
    prefix = f"JZ{campaign.pk}-"
    chosen_sql, chosen_params = chosen.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {Case._meta.db_table}")
        floor = cursor.fetchone()[0]
        _insert_select(
            cursor,
            Case,
            {
                "number": ("CAST(%s AS text) || CAST(r.id AS text)", [prefix]),
                "household_id": "r.household_id",
                "assistance_type_id": "r.assistance_type_id",
                "township_id": "r.township_id",
                "village_id": "r.village_id",
                "state": ("%s", [CaseState.ACCEPTED]),
                "source": ("%s", [Case.Source.DISCOVERED]),
                "purpose": ("%s", [Case.Purpose.REVIEW]),
                "applicant_id": "r.applicant_id",
                "created_by_id": ("%s", [actor.pk]),
                "accepted_on": ("%s", [on]),
                "accepted_by_id": ("%s", [actor.pk]),
                "policy_shared_id": "tw.snapshot_id",
                "documents_complete": ("%s", [True]),
                "monthly_amount": "r.monthly_amount",
            },
            (
                "FROM (SELECT r.id, r.household_id, r.assistance_type_id, r.township_id, "
                "r.village_id, r.monthly_amount, rc.applicant_id "
                f"FROM {Recipient._meta.db_table} r "
                f"JOIN {Case._meta.db_table} rc ON rc.id = r.case_id "
                f"WHERE r.id IN ({chosen_sql}) ORDER BY r.id) r "
                "JOIN tw ON tw.township_id = r.township_id"
            ),
            list(chosen_params),
            with_sql=tw,
            with_params=tw_params,
        )
        new = f"FROM {Case._meta.db_table} c WHERE c.id > %s AND c.number LIKE %s"
        _insert_select(
            cursor,
            CaseClock,
            {
                "case_id": "c.id",
                "started_on": ("%s", [on]),
                "limit_wd": ("%s", [limit]),
                "limit_max_wd": ("%s", [limit]),
                "overall_due": ("%s", [due_on]),
                "due_soon_from": "tw.soon",
            },
            new.replace("WHERE", "JOIN tw ON tw.township_id = c.township_id WHERE"),
            [floor, f"{prefix}%"],
            with_sql=tw,
            with_params=tw_params,
        )
        _insert_select(
            cursor,
            ReviewCase,
            {
                "case_id": "c.id",
                "recipient_id": ("CAST(substr(c.number, %s) AS bigint)", [len(prefix) + 1]),
                "trigger": ("%s", [ReviewTrigger.CAMPAIGN]),
                "due_on": ("%s", [due_on]),
                "campaign_id": ("%s", [campaign.pk]),
            },
            new,
            [floor, f"{prefix}%"],
        )
        cursor.execute(f"SELECT c.id {new}", [floor, f"{prefix}%"])
        ids = [row[0] for row in cursor.fetchall()]
    count_new_cases(ids)
    return len(ids)


@transaction.atomic
def review_scheduled_open(*, today: datetime.date | None = None) -> int:
    """定期复核 (A Art.31), run by the daily deadline scan: a review case for every schedule
    falling due within its township's ``review_open_ahead_days``, unless the recipient is
    stopped, has a review under way, or had one opened for this very due date (so a second
    run the same day opens nothing). Set-based: one read, then the bulk inserts."""
    today = today or timezone.localdate()
    # Only the townships with a schedule inside the longest window the setting allows ask
    # for their policy (one query when nothing falls due: the scan's fixed cost stays).
    longest = int(KEY_BY_NAME["review_open_ahead_days"].maximum or 0)
    candidates = (
        ReviewSchedule.objects.filter(next_due__lte=today + datetime.timedelta(days=longest))
        .order_by()
        .values_list("recipient__township_id", flat=True)
        .distinct()
    )
    by_ahead: dict[int, list[int]] = {}
    for township in Region.objects.filter(pk__in=list(candidates)).select_related("parent"):
        ahead = int(policy_for(township, today).review_open_ahead_days)
        by_ahead.setdefault(ahead, []).append(township.pk)
    if not by_ahead:
        return 0
    window = Q()
    for ahead, township_ids in by_ahead.items():
        window |= Q(
            recipient__township_id__in=township_ids,
            next_due__lte=today + datetime.timedelta(days=ahead),
        )
    opened_for_due = ReviewCase.objects.filter(
        recipient_id=OuterRef("recipient_id"),
        trigger=ReviewTrigger.SCHEDULED,
        due_on=OuterRef("next_due"),
    )
    schedules = list(
        ReviewSchedule.objects.filter(window)
        .exclude(recipient__status=RecipientStatus.STOPPED)
        .exclude(recipient_id__in=open_review_recipient_ids())
        .exclude(Exists(opened_for_due))
        .select_related("recipient", "recipient__case")
        .only("next_due", *(f"recipient__{f}" for f in _BULK_FIELDS if f != "pk"))
        .order_by("pk")
    )
    cases = _bulk_open(
        [(s.recipient, s.next_due) for s in schedules],
        on=today,
        actor=None,
        number=lambda r, due: f"DQ{due:%y%m%d}-{r.pk}",
        trigger=ReviewTrigger.SCHEDULED,
    )
    return len(cases)


def on_deadline_scan(sender: object, *, today: datetime.date, **kwargs: Any) -> int:
    """Receiver of ``cases.clocks.hooks.deadline_scan_started``: the scheduled reviews open
    inside the one daily scan, whose marking then flags their clocks like any case's; the
    特困 termination postings whose days are over end there too (the stop is written)."""
    postings_end_due(today=today)
    return review_scheduled_open(today=today)


@transaction.atomic
def review_decide(
    *,
    review: ReviewCase,
    outcome: str,
    reasons: str,
    effective_month: datetime.date | None = None,
    new_amount: Decimal | None = None,
    phase_out_months: int | None = None,
    dishonesty_note: str = "",
    recovery_amount: Decimal | str | None = None,
    recovery_from: datetime.date | None = None,
    recovery_to: datetime.date | None = None,
) -> ReviewCase:
    """The conclusion the approver (or the county) then confirms on the case page. A 渐退
    longer than the policy allows, a suspension or stop without reasons, an amount change
    without an amount: refused with a Chinese message, nothing saved. ``dishonesty_note``
    (查实提供虚假信息) becomes a 失信记录 on confirmation; a 追缴 (amount and months, checked
    against what the register paid) goes to the roster then as a recovery order."""
    case = review.case
    policy = case.policy
    errors: dict[str, str] = {}
    reasons = (reasons or "").strip()
    if outcome not in ReviewOutcome.values:
        errors["outcome"] = "请选择复核结论"
    if (
        outcome in (ReviewOutcome.SUSPEND, ReviewOutcome.STOP, ReviewOutcome.PHASE_OUT)
        and not reasons
    ):
        errors["reasons"] = "暂停、停保或渐退须写明理由（A第29条）"
    if outcome == ReviewOutcome.AMOUNT and new_amount is None:
        errors["new_amount"] = "请填写调整后的月发放额"
    if outcome == ReviewOutcome.PHASE_OUT:
        limit = int(policy.phase_out_max_months)
        if phase_out_months is None or phase_out_months < 1:
            errors["phase_out_months"] = "请填写渐退月数"
        elif phase_out_months > limit:
            errors["phase_out_months"] = f"渐退期不能超过{limit}个月（F §1(3)）"
    dishonesty_note = (dishonesty_note or "").strip()
    amount, recovery_errors = recovery_check(
        recipient=review.recipient, amount=recovery_amount, start=recovery_from, end=recovery_to
    )
    errors.update(recovery_errors)
    if errors:
        raise ValidationError(errors)
    review.outcome = outcome
    review.reasons = reasons
    review.new_amount = new_amount
    review.phase_out_months = phase_out_months
    review.effective_month = first_of_month(effective_month) if effective_month else None
    review.dishonesty_note = dishonesty_note
    review.recovery_amount = amount
    review.recovery_from = (
        first_of_month(recovery_from) if amount is not None and recovery_from else None
    )
    review.recovery_to = first_of_month(recovery_to) if amount is not None and recovery_to else None
    review.save(
        update_fields=[
            "outcome",
            "reasons",
            "new_amount",
            "phase_out_months",
            "effective_month",
            "dishonesty_note",
            "recovery_amount",
            "recovery_from",
            "recovery_to",
        ]
    )
    return review


def _decision_day(event: CaseEvent) -> datetime.date:
    raw = (event.data or {}).get("on")
    return (
        datetime.date.fromisoformat(str(raw)[:10]) if raw else timezone.localdate(event.created_at)
    )


def review_apply(*, review: ReviewCase, event: CaseEvent) -> None:
    """The confirmed review changes the register from its month (the month after the
    decision unless a later one was chosen): 渐退 pays on for N months and stops itself."""
    if review.applied_at is not None:
        return
    if not review.outcome:
        # TransitionRefused: the case page shows it as a refusal, not a server error.
        raise TransitionRefused("复核案件尚未填写复核结论，请先在“复核结论”页填写后再作出决定")
    recipient = review.recipient
    day = _decision_day(event)
    month = max(review.effective_month or next_month(day), next_month(day), recipient.first_month)
    month, _locked = first_open_month(recipient=recipient, month=month)
    label = f"复核案件 {review.case.number} {review.get_outcome_display()}"
    # recipient_change signs a None actor as the system (a decision logged without a user).
    actor = cast(User, event.actor)
    reason = review.reasons or review.get_outcome_display()
    if review.outcome == ReviewOutcome.AMOUNT:
        recipient_change(
            recipient=recipient,
            actor=actor,
            effective_month=month,
            reason=reason,
            kind=ChangeKind.AMOUNT,
            source_label=label,
            monthly_amount=review.new_amount,
            status=RecipientStatus.ACTIVE,
        )
    elif review.outcome == ReviewOutcome.PHASE_OUT:
        months = int(review.phase_out_months or 0)
        stop = add_months(month, months)
        recipient_change(
            recipient=recipient,
            actor=actor,
            effective_month=month,
            reason=f"{reason}；渐退{months}个月，自{stop:%Y年%m月}起停保",
            kind=ChangeKind.STATUS,
            source_label=label,
            status=RecipientStatus.PHASING_OUT,
        )
        recipient_change(
            recipient=recipient,
            actor=actor,
            effective_month=stop,
            reason=f"渐退期满停保（{reason}）",
            kind=ChangeKind.STATUS,
            source_label=label,
            status=RecipientStatus.STOPPED,
        )
        PhaseOut.objects.create(
            recipient=recipient,
            review=review,
            start_month=month,
            stop_month=stop,
            monthly_amount=recipient.monthly_amount,
        )
    elif review.outcome == ReviewOutcome.STOP and posting_days(review) > 0:
        # C Art.25: a 特困 stop is posted first; the scan writes it when the posting ends.
        days = posting_days(review)
        TerminationPosting.objects.create(
            review=review,
            recipient=recipient,
            starts_on=day,
            days=days,
            ends_on=day + datetime.timedelta(days=days - 1),
            requested_month=review.effective_month,
        )
        review.applied_at = timezone.now()
        review.effective_month = None
        review.save(update_fields=["applied_at", "effective_month"])
        ReviewSchedule.objects.filter(recipient=recipient).delete()
        dishonesty_from_review(review=review, actor=event.actor, on=day)
        return
    elif review.outcome in (ReviewOutcome.SUSPEND, ReviewOutcome.STOP):
        status = (
            RecipientStatus.SUSPENDED
            if review.outcome == ReviewOutcome.SUSPEND
            else RecipientStatus.STOPPED
        )
        recipient_change(
            recipient=recipient,
            actor=actor,
            effective_month=month,
            reason=reason,
            kind=ChangeKind.STATUS,
            source_label=label,
            status=status,
        )
    review.applied_at = timezone.now()
    review.effective_month = month
    review.save(update_fields=["applied_at", "effective_month"])
    dishonesty_from_review(review=review, actor=event.actor, on=day)
    if review.outcome in (ReviewOutcome.CONTINUE, ReviewOutcome.AMOUNT):
        review_schedule_refresh(recipient=recipient, from_day=day)
    else:
        ReviewSchedule.objects.filter(recipient=recipient).delete()


def posting_days(review: ReviewCase) -> int:
    """C Art.25: the days a 特困 stop is posted before it takes effect (0: not 特困)."""
    if review.recipient.assistance_type.workflow != AssistanceType.Workflow.TEKUN:
        return 0
    return int(review.case.policy.tekun_termination_notice_days)


def postings_end_due(*, today: datetime.date | None = None) -> int:
    """End the 特困 termination postings whose last day is before ``today`` and that no open
    objection holds (funds/dynamic/objections.py): the stop is
    written (signed by the system, the decision's reasons) from the later of the month the
    decision named and the month after the posting, the next open month when that roster
    is locked. Each posting in its own savepoint: one that fails is logged and tried again
    on the next scan, the others end. Safe to run twice (one read when nothing is due)."""
    today = today or timezone.localdate()
    held = PostingObjection.objects.filter(
        posting=OuterRef("pk"), status=PostingObjectionStatus.OPEN
    )
    due = list(
        TerminationPosting.objects.filter(ended_at__isnull=True, ends_on__lt=today)
        .exclude(Exists(held))  # an open objection holds the termination
        .select_related("review__case", "recipient")
        .order_by("pk")
    )
    ended = 0
    for posting in due:
        try:
            with transaction.atomic():
                _posting_end(posting)
        except Exception:  # logged; the scan goes on and retries it on its next run
            logger.exception("termination posting %s could not end", posting.pk)
        else:
            ended += 1
    return ended


def _posting_end(posting: TerminationPosting) -> None:
    review, recipient = posting.review, posting.recipient
    # A termination held by an objection takes effect from the month after the last
    # dismissal at the earliest: the months paid while it was held stay paid.
    dismissed = (
        PostingObjection.objects.filter(
            posting=posting, status=PostingObjectionStatus.DISMISSED, handled_at__isnull=False
        )
        .order_by("-handled_at")
        .values_list("handled_at", flat=True)
        .first()
    )
    last_day = max(posting.ends_on, timezone.localdate(dismissed)) if dismissed else posting.ends_on
    after = next_month(last_day)
    month = max(posting.requested_month or after, after, recipient.first_month)
    month, _locked = first_open_month(recipient=recipient, month=month)
    if recipient.status != RecipientStatus.STOPPED:
        recipient_change(
            recipient=recipient,
            actor=cast(User, None),  # the system: the posting's end, decided before
            effective_month=month,
            reason=(
                f"{review.reasons or review.get_outcome_display()}（特困终止公示"
                f"{posting.starts_on:%Y年%m月%d日}至{posting.ends_on:%Y年%m月%d日}期满）"
            ),
            kind=ChangeKind.STATUS,
            source_label=f"复核案件 {review.case.number} 停保",
            status=RecipientStatus.STOPPED,
        )
    now = timezone.now()
    TerminationPosting.objects.filter(pk=posting.pk).update(ended_at=now, effective_month=month)
    ReviewCase.objects.filter(pk=review.pk).update(effective_month=month)
    posting.ended_at, posting.effective_month = now, month


#: Who records a review's conclusion: the township's clerk proposes it, the approver (or,
#: on the county route, the county supervisor) takes it with the decision.
CONCLUDE_ROLES = (Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER, Role.COUNTY_SUPERVISOR)
#: States in which a conclusion may be recorded (the home visit under way or done).
CONCLUDE_STATES = (
    CaseState.VISITING,
    CaseState.INVESTIGATING,
    CaseState.REVIEW,
    CaseState.COUNTY_REVIEW,
)
#: The decision transition of each state: the township's confirmation where it holds the
#: power on the decision date (the guard asks ``holds_power``), else the county's approval.
DECISION_TRANSITIONS = {CaseState.REVIEW: "confirm", CaseState.COUNTY_REVIEW: "county_approve"}


@dataclass
class ReviewConclusion:
    review: ReviewCase
    event: CaseEvent | None
    #: The month asked for, when a locked roster moved the change to a later month.
    moved_from: datetime.date | None = None


@transaction.atomic
def review_conclude(
    *,
    review: ReviewCase,
    actor: User,
    outcome: str,
    reasons: str,
    effective_month: datetime.date | None = None,
    new_amount: Decimal | None = None,
    phase_out_months: int | None = None,
    dishonesty_note: str = "",
    recovery_amount: Decimal | str | None = None,
    recovery_from: datetime.date | None = None,
    recovery_to: datetime.date | None = None,
    then: str = "",
    opinion: str = "",
    client_address: str | None = None,
    on: datetime.date | None = None,
) -> ReviewConclusion:
    """Record a review's conclusion (``review_decide``) and, with ``then`` "decide", take
    the decision (审核确认 by the township, or 县级审批同意 on the county route) or, with
    "refer", send it to the county (报县审批). One transaction: a refused decision (no
    power on the decision date, four eyes, a missing opinion) saves no conclusion either;
    the refusal's Chinese reasons are the error's messages."""
    case = Case.objects.select_related("township", "assistance_type").get(pk=review.case_id)
    review.case = case
    if review.applied_at is not None:
        raise ValidationError({"__all__": "本次复核已作出决定，不能再修改复核结论"})
    if case.state not in CONCLUDE_STATES:
        raise ValidationError(
            {"__all__": f"案件当前状态为“{case.get_state_display()}”，不能填写复核结论"}
        )
    case_require_actor(case=case, actor=actor, roles=CONCLUDE_ROLES)
    if case.state == CaseState.COUNTY_REVIEW and not actor.has_role(Role.COUNTY_SUPERVISOR):
        raise AccessRefused(["本案已报县审批，复核结论由县民政局作出"])
    if then not in ("", "decide", "refer"):
        raise ValidationError({"then": "操作无效"})
    review_decide(
        review=review,
        outcome=outcome,
        reasons=reasons,
        effective_month=effective_month,
        new_amount=new_amount,
        phase_out_months=phase_out_months,
        dishonesty_note=dishonesty_note,
        recovery_amount=recovery_amount,
        recovery_from=recovery_from,
        recovery_to=recovery_to,
    )
    asked = review.effective_month
    if not then:
        return ReviewConclusion(review=review, event=None)
    name = DECISION_TRANSITIONS.get(case.state) if then == "decide" else "refer_to_county"
    if name is None or (then == "refer" and case.state != CaseState.REVIEW):
        raise TransitionRefused("入户调查完成（调查完成）后方可作出复核决定或报县审批")
    text = (opinion or "").strip() or f"复核结论：{review.get_outcome_display()}" + (
        f"。{review.reasons}" if review.reasons else ""
    )
    event = case_transition(
        case=case, name=name, actor=actor, opinion=text, client_address=client_address, on=on
    )
    review.refresh_from_db()
    moved = None
    if review.applied_at is not None and review.effective_month is not None:
        day = _decision_day(event)
        wanted = max(asked or next_month(day), next_month(day), review.recipient.first_month)
        moved = wanted if review.effective_month > wanted else None
    return ReviewConclusion(review=review, event=event, moved_from=moved)


def on_review_transitioned(sender: object, *, case: Case, event: CaseEvent, **kwargs: Any) -> None:
    """Receiver of ``case_transitioned``: a confirmed review applies its decision, inside
    the transition's transaction (a missing conclusion rolls the decision back)."""
    if case.purpose != Case.Purpose.REVIEW:
        if event.target_state == CaseState.PAYING and event.source_state != CaseState.PAYING:
            recipient = Recipient.objects.filter(case=case).first()
            if recipient is not None:
                review_schedule_refresh(recipient=recipient, from_day=_decision_day(event))
        return
    if event.target_state != CaseState.CONFIRMED:
        return
    review = ReviewCase.objects.select_related("recipient", "case").filter(case=case).first()
    if review is not None:
        review_apply(review=review, event=event)


TERMINATION_NOTICE_TEMPLATE = "funds/dynamic/termination_notice_pdf.html"


def termination_notice_context(
    *, review: ReviewCase, issued_on: datetime.date | None = None
) -> tuple[str, dict]:
    """The template and context of the written notice of a suspension or stop, with its
    reasons and the right to ask for re-examination within the review's snapshot's
    ``review_reexamination_days`` (A Art.29, C Art.26); for 特困 it states the 7-day posting."""
    if review.outcome not in (ReviewOutcome.SUSPEND, ReviewOutcome.STOP, ReviewOutcome.PHASE_OUT):
        raise ValidationError("只有暂停、停保或渐退的复核结论需要出具书面通知")
    recipient = review.recipient
    stop = review.outcome != ReviewOutcome.SUSPEND
    tekun = recipient.assistance_type.workflow == AssistanceType.Workflow.TEKUN
    posting = int(review.case.policy.tekun_termination_notice_days) if tekun and stop else 0
    return TERMINATION_NOTICE_TEMPLATE, {
        "title": "停止救助通知书" if stop else "暂停救助通知书",
        "page_title": "停止救助通知书" if stop else "暂停救助通知书",
        "verb": {"suspend": "暂停发放", "stop": "停止发放", "phase_out": "渐退并到期停止发放"}[
            review.outcome
        ],
        "review": review,
        "recipient": recipient,
        "posting_days": posting,
        "reexamination_days": int(review.case.policy.review_reexamination_days),
        "posting": TerminationPosting.objects.filter(review=review).first(),
        "issued_on": issued_on or timezone.localdate(),
    }


def termination_notice_pdf(*, review: ReviewCase, issued_on: datetime.date | None = None) -> bytes:
    """The notice (``termination_notice_context``) as a PDF (WeasyPrint, CJK)."""
    template, context = termination_notice_context(review=review, issued_on=issued_on)
    return render_pdf(template, context)

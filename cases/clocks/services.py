"""Case clocks (DOMAIN §5): services that start, pause, resume, extend and stop them, and
the daily set-based scan that marks cases due-soon / overdue and notifies once.

Dates are computed here, with relief.workdays only, when a transition happens, and
stored on ``CaseClock``; pages and the scan only compare stored dates.

Rules encoded (every number from the case's policy snapshot, taken at 受理):
- overall limit from 受理 to the decision: 低保 ``dibao_limit_delegated_wd`` when the
  township holds the power to confirm on the 受理 date, else ``dibao_limit_county_wd``
  [F §4(1), A Art.22]; 特困 ``tekun_township_wd + tekun_county_wd`` [C Art.13, 16];
  other (non-急难型) 临时救助 ``temp_other_limit_wd`` (12, seed 002); 急难型 and the simple
  types ``temporary_limit_wd``;
- step limits: investigation starts within ``investigation_start_wd`` of 受理 [A Art.15],
  the check within ``check_start_wd`` of the request [A Art.17], the written refusal
  within ``refusal_notice_wd`` of the decision [A Art.21, C Art.18];
- the notice period does not count unless ``notice_counts_in_limit`` ("不含公示期",
  seed 000): the clock pauses on entering 公示 (with a notice batch: from the batch's first
  day, ``clock_notice_starts``) and the due date moves by the working days paused when it
  leaves;
- an approver may extend up to ``limit_max_extended_wd`` in total, with a reason [A Art.22].
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cases.access import case_require_actor
from cases.clocks.hooks import deadline_scan_started
from cases.models import Case, CaseClock, CaseEvent, CaseState, StepKind
from cases.states import CHECK_STATES, ENDED_STATES, NOTICE_STATES, WorkflowKind
from cases.stats.services import refresh_running_flags
from cases.workflow import services as workflow
from relief.delegation import holds_power
from relief.models import Notification, Role, User
from relief.policy import Policy
from relief.tasks import send_notification_emails
from relief.workdays import add_workdays_info, workdays_between

#: Who is told about a case's deadline: the township's clerks and approvers.
RESPONSIBLE_ROLES = (Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER)
#: Who may extend a limit: the township approver, or the county for county-route cases.
EXTEND_ROLES = (Role.TOWNSHIP_APPROVER, Role.COUNTY_SUPERVISOR)


# --- computing limits -------------------------------------------------------------------


def overall_limit_wd(case: Case, accepted_on: datetime.date) -> int:
    """The statutory limit in working days for ``case``, from its policy snapshot."""
    policy = case.policy
    workflow_kind = case.assistance_type.workflow
    if workflow_kind == WorkflowKind.TEKUN:
        return int(policy.tekun_township_wd) + int(policy.tekun_county_wd)
    if workflow_kind == WorkflowKind.TEMPORARY and not case.is_emergency:
        return int(policy.temp_other_limit_wd)
    if workflow_kind in (WorkflowKind.TEMPORARY, WorkflowKind.SIMPLE):
        return int(policy.temporary_limit_wd)
    if holds_power(case.township, case.assistance_type, accepted_on):
        return int(policy.dibao_limit_delegated_wd)
    return int(policy.dibao_limit_county_wd)


def _recompute_overall(clock: CaseClock, policy: Policy, today: datetime.date) -> None:
    """Due date = 受理 date + (limit + extension + paused notice days) working days."""
    result = add_workdays_info(clock.started_on, clock.total_wd)
    clock.overall_due = result.date
    clock.overall_confirmed = result.confirmed
    soon_wd = max(0, clock.total_wd - int(policy.due_soon_wd))
    clock.due_soon_from = add_workdays_info(clock.started_on, soon_wd).date
    clock.extended_to = clock.overall_due if clock.extended_wd else None
    _refresh_flags(clock, today)


def _refresh_flags(clock: CaseClock, today: datetime.date) -> None:
    """Flags as of ``today`` right after a change (the scan keeps them current later)."""
    if clock.stopped_on is not None:
        clock.due_soon = clock.overdue = False
    elif clock.paused_at is None:
        clock.overdue = today > clock.overall_due
        clock.due_soon = not clock.overdue and today >= clock.due_soon_from
    if clock.step_due_at is not None:
        now = timezone.now()
        clock.step_overdue = now > clock.step_due_at
        clock.step_due_soon = not clock.step_overdue and bool(
            clock.step_soon_at and now >= clock.step_soon_at
        )
    else:
        clock.step_overdue = bool(clock.step_due and today > clock.step_due)
        clock.step_due_soon = False
    clock.unconfirmed = not (clock.overall_confirmed and clock.step_confirmed)


def _set_step(clock: CaseClock, kind: str, start: datetime.date, n: int) -> None:
    result = add_workdays_info(start, n)
    clock.step_kind, clock.step_started_on, clock.step_due = kind, start, result.date
    clock.step_due_at = clock.step_soon_at = None
    clock.step_confirmed = result.confirmed
    clock.notified_step_for = clock.notified_step_soon_for = None


def clock_set_step(
    clock: CaseClock, *, kind: str, start: datetime.date, workdays: int, today: datetime.date
) -> None:
    """Start a step limit of ``workdays`` working days from ``start`` (the day itself not
    counted); the caller saves the clock."""
    _set_step(clock, kind, start, workdays)
    _refresh_flags(clock, today)


def clock_set_step_hours(
    clock: CaseClock,
    *,
    kind: str,
    start_at: datetime.datetime,
    hours: int,
    soon_hours: int = 0,
) -> None:
    """Start a step limit counted in hours of the clock, nights and weekends included
    (急难型临时救助: help within 24 hours of registration, seed 002). ``step_due`` holds the
    due moment's Beijing date; the scan compares ``step_due_at`` with the time of the run.
    The caller saves the clock."""
    due_at = start_at + datetime.timedelta(hours=hours)
    clock.step_kind = kind
    clock.step_started_on = timezone.localdate(start_at)
    clock.step_due_at = due_at
    clock.step_soon_at = due_at - datetime.timedelta(hours=max(0, min(soon_hours, hours)))
    clock.step_due = timezone.localdate(due_at)
    clock.step_confirmed = True
    clock.notified_step_for = clock.notified_step_soon_for = None
    _refresh_flags(clock, timezone.localdate())


def _clear_step(clock: CaseClock) -> None:
    clock.step_kind, clock.step_started_on, clock.step_due = StepKind.NONE, None, None
    clock.step_due_at = clock.step_soon_at = None
    clock.step_confirmed = True
    clock.step_overdue = clock.step_due_soon = False


def clock_clear_step(clock: CaseClock) -> None:
    """The current step is done; the caller saves the clock."""
    _clear_step(clock)


def _event_day(case: Case, event: CaseEvent) -> datetime.date:
    """The business date of a transition: ``data["on"]`` (case_transition records it), else
    the day the event was written (events written outside case_transition)."""
    raw = (event.data or {}).get("on")
    if raw:
        return datetime.date.fromisoformat(str(raw)[:10])
    return timezone.localdate(event.created_at)


#: The 急难型 steps (cases.temporary) start before 受理; accepting the case keeps them.
EMERGENCY_STEPS = (StepKind.EMERGENCY_HELP, StepKind.EMERGENCY_FILE)
EMERGENCY_STEP_FIELDS = (
    "step_kind",
    "step_started_on",
    "step_due",
    "step_due_at",
    "step_soon_at",
    "step_confirmed",
    "step_due_soon",
    "step_overdue",
    "notified_step_for",
    "notified_step_soon_for",
)


# --- the workflow callback --------------------------------------------------------------


def clock_start(
    *, case: Case, accepted_on: datetime.date, today: datetime.date | None = None
) -> CaseClock:
    """受理: the overall limit and the investigation-start step begin (A Art.15)."""
    policy = case.policy
    limit = overall_limit_wd(case, accepted_on)
    clock = CaseClock(
        case=case,
        started_on=accepted_on,
        limit_wd=limit,
        limit_max_wd=max(limit, int(policy.limit_max_extended_wd)),
    )
    _set_step(clock, StepKind.INVESTIGATION_START, accepted_on, int(policy.investigation_start_wd))
    previous = CaseClock.objects.filter(case=case).first()
    if previous is not None and previous.step_kind in EMERGENCY_STEPS:
        # 急难型: the help / paperwork clock started at registration runs on through 受理.
        for name in EMERGENCY_STEP_FIELDS:
            setattr(clock, name, getattr(previous, name))
    _recompute_overall(clock, policy, today or accepted_on)
    clock.updated_at = timezone.now()
    CaseClock.objects.filter(case=case).delete()
    clock.save(force_insert=True)
    return clock


def clock_pause(clock: CaseClock, on: datetime.date) -> None:
    if clock.stopped_on is None and clock.paused_at is None:
        clock.paused_at = on
        clock.due_soon = clock.overdue = False


def clock_resume(clock: CaseClock, on: datetime.date, policy: Policy, today: datetime.date) -> int:
    """Leaving the notice period: the working days after the pause day up to and including
    the resume day do not count (``workdays_between``), so the due date moves by them."""
    if clock.paused_at is None:
        return 0
    paused = workdays_between(clock.paused_at, on)
    clock.paused_workdays += paused
    clock.paused_at = None
    _recompute_overall(clock, policy, today)
    return paused


def clock_stop(clock: CaseClock, on: datetime.date, *, decided: bool) -> None:
    """The decision stops the clock (or withdrawal/termination ends it without one)."""
    if clock.stopped_on is not None:
        return
    if clock.paused_at is not None:
        clock.paused_workdays += workdays_between(clock.paused_at, on)
        clock.paused_at = None
    clock.stopped_on = on
    clock.elapsed_wd = max(0, workdays_between(clock.started_on, on) - clock.paused_workdays)
    clock.on_time = (on <= clock.overall_due) if decided else None
    clock.due_soon = clock.overdue = False


def clock_notice_starts(
    *, case: Case, starts_on: datetime.date, today: datetime.date | None = None
) -> CaseClock | None:
    """The case's notice goes up on ``starts_on`` (a published notice batch,
    cases.notices): when the snapshot leaves the notice period out of the limit
    (``notice_counts_in_limit`` false, "不含公示期"), the clock is paused from that day, not
    from the day the case became ready for notice nor from the day the batch was published;
    the days it waited for its batch count. A start still ahead lets the clock run (flags
    and due date as of ``today``); the notice's daily task calls this again on the first
    day. Idempotent; the clock is saved here."""
    if bool(case.policy.notice_counts_in_limit):
        return None
    clock = CaseClock.objects.select_for_update().filter(case=case).first()
    if clock is None or clock.stopped_on is not None:
        return clock
    today = today or timezone.localdate()
    if starts_on <= today:
        if clock.paused_at == starts_on:
            return clock
        clock.paused_at = starts_on
        clock.due_soon = clock.overdue = False
    else:
        if clock.paused_at is None:
            return clock
        clock.paused_at = None
        _recompute_overall(clock, case.policy, today)
    clock.updated_at = timezone.now()
    clock.save()
    return clock


def clock_on_transition(*, case: Case, event: CaseEvent, **kwargs: object) -> None:
    """Receiver of ``case_transitioned``: keeps the case's clock in step with the
    transition just performed, inside the same transaction."""
    name, source, target = event.transition, event.source_state, case.state
    if name == "accept":
        clock_start(case=case, accepted_on=case.accepted_on or _event_day(case, event))
        return
    clock = CaseClock.objects.select_for_update().filter(case=case).first()
    if clock is None:
        return
    day = _event_day(case, event)
    today = timezone.localdate()
    policy = case.policy
    counts_notice = bool(policy.notice_counts_in_limit)

    if clock.paused_at is not None and target not in NOTICE_STATES:
        clock_resume(clock, day, policy, today)

    if clock.step_kind == StepKind.INVESTIGATION_START and name == "start_investigation":
        _clear_step(clock)
    if (
        clock.step_kind == StepKind.CHECK_START
        and source in CHECK_STATES
        and target not in CHECK_STATES
    ):
        _clear_step(clock)
    if name == "start_investigation" and target in CHECK_STATES:
        _set_step(clock, StepKind.CHECK_START, day, int(policy.check_start_wd))

    if target in NOTICE_STATES and not counts_notice and clock.stopped_on is None:
        clock_pause(clock, case.notice_started_on or day)

    if (
        name == "refer_to_county"
        and case.assistance_type.workflow == WorkflowKind.DIBAO
        and clock.stopped_on is None
    ):
        # The county decides after all (the township lost the power meanwhile): A Art.22's 30 wd.
        county_limit = int(policy.dibao_limit_county_wd)
        if clock.limit_wd < county_limit:
            clock.limit_wd = county_limit
            clock.limit_max_wd = max(clock.limit_max_wd, county_limit)
            if clock.paused_at is None:
                _recompute_overall(clock, policy, today)

    if target == CaseState.REFUSED:
        decided_on = case.decided_on or day
        clock_stop(clock, decided_on, decided=True)
        _set_step(clock, StepKind.REFUSAL_NOTICE, decided_on, int(policy.refusal_notice_wd))
    elif case.decided_on and clock.stopped_on is None:
        clock_stop(clock, case.decided_on, decided=True)
    elif target in ENDED_STATES:
        clock_stop(clock, day, decided=False)
        if clock.step_kind != StepKind.REFUSAL_NOTICE:
            _clear_step(clock)

    _refresh_flags(clock, today)
    clock.updated_at = timezone.now()
    clock.save()


# --- extension and the refusal notice ---------------------------------------------------


def clock_extend(
    *,
    case: Case,
    actor: User,
    extra_wd: int | str,
    reason: str,
    client_address: str | None = None,
    today: datetime.date | None = None,
) -> CaseClock:
    """Extend the limit by ``extra_wd`` working days (A Art.22: up to ``limit_max_extended_wd``
    in total), with a reason, logged as a CaseEvent ``extend_deadline``. Raises
    ValidationError in Chinese, keyed by field, and saves nothing on refusal."""
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    try:
        extra = int(str(extra_wd).strip())
    except (TypeError, ValueError):
        extra = 0
        errors["extra_wd"] = "请输入延长的工作日数（整数）"
    if not errors.get("extra_wd") and extra < 1:
        errors["extra_wd"] = "延长天数至少为 1 个工作日"
    if not reason:
        errors["reason"] = "请填写延长理由"
    case_require_actor(
        case=case,
        actor=actor,
        roles=EXTEND_ROLES,
        role_message="延长办理时限须由乡镇审核确认人（报县审批的案件由县民政局）办理",
    )
    with transaction.atomic():
        clock = CaseClock.objects.select_for_update().filter(case=case).first()
        if clock is None:
            raise ValidationError("案件尚未受理，没有办理时限")
        if clock.stopped_on is not None:
            raise ValidationError("案件已作出决定，办理时限已停止，不能延长")
        if "extra_wd" not in errors and extra > clock.can_extend_by:
            used = clock.limit_wd + clock.extended_wd
            errors["extra_wd"] = (
                f"延长后办理时限不能超过 {clock.limit_max_wd} 个工作日"
                f"（当前 {used} 个工作日，最多还可延长 {clock.can_extend_by} 个工作日）"
            )
        if errors:
            raise ValidationError(errors)
        old_due = clock.overall_due
        clock.extended_wd += extra
        _recompute_overall(clock, case.policy, today)
        clock.updated_at = timezone.now()
        clock.save()
        workflow.case_log_event(
            case=case,
            name="extend_deadline",
            label="延长办理时限",
            actor=actor,
            roles=EXTEND_ROLES,
            opinion=reason,
            client_address=client_address,
            data={
                "extra_wd": extra,
                "extended_wd": clock.extended_wd,
                "from": old_due.isoformat(),
                "to": clock.overall_due.isoformat(),
                "confirmed": clock.overall_confirmed,
            },
        )
    return clock


def clock_refusal_notice_served(
    *,
    case: Case,
    actor: User,
    served_on: datetime.date | None = None,
    client_address: str | None = None,
) -> CaseClock:
    """The written refusal was served (A Art.21): the refusal-notice step stops."""
    served_on = served_on or timezone.localdate()
    case_require_actor(
        case=case,
        actor=actor,
        roles=(Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER, Role.COUNTY_SUPERVISOR),
        role_message="须由乡镇经办人、审核确认人或县民政局登记",
    )
    with transaction.atomic():
        clock = CaseClock.objects.select_for_update().filter(case=case).first()
        if clock is None or clock.step_kind != StepKind.REFUSAL_NOTICE:
            raise ValidationError("该案件没有待送达的不予确认通知书")
        if clock.stopped_on and served_on < clock.stopped_on:
            raise ValidationError({"served_on": "送达日期不能早于决定日期"})
        due = clock.step_due
        _clear_step(clock)
        _refresh_flags(clock, timezone.localdate())
        clock.updated_at = timezone.now()
        clock.save()
        workflow.case_log_event(
            case=case,
            name="serve_refusal_notice",
            label="不予确认通知书已送达",
            actor=actor,
            roles=(actor.role,),
            opinion="",
            client_address=client_address,
            data={
                "served_on": served_on.isoformat(),
                "due": due.isoformat() if due else None,
                "late": bool(due and served_on > due),
            },
        )
    return clock


# --- the daily scan ---------------------------------------------------------------------


@dataclass
class ScanResult:
    today: str
    overdue_marked: int = 0
    due_soon_marked: int = 0
    flags_cleared: int = 0
    step_overdue_marked: int = 0
    step_due_soon_marked: int = 0
    notifications: int = 0
    #: Cases the scan's receivers opened (cases.clocks.hooks.deadline_scan_started).
    cases_opened: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def _case_url_sql() -> tuple[str, str]:
    """Prefix and suffix of a case's clock page URL, to build links inside SQL."""
    url = reverse("cases:clock", kwargs={"pk": 987654321})
    prefix, _, suffix = url.partition("987654321")
    return prefix, suffix


@dataclass(frozen=True)
class _Threshold:
    """One threshold of the scan (see ``_thresholds``)."""

    flag: str
    marker: str
    due: str
    crosses: str
    crosses_params: list
    clears: str
    clears_params: list

    @property
    def unnotified(self) -> str:
        """The marker does not name the current due date (no parameters)."""
        return f"(c.{self.marker} IS NULL OR c.{self.marker} <> c.{self.due})"

    def marks(self) -> tuple[str, list]:
        """Clocks past the threshold whose flag or marker is still to be set."""
        sql = f"({self.crosses} AND (NOT c.{self.flag} OR {self.unnotified}))"
        return sql, list(self.crosses_params)

    def notifies(self) -> tuple[str, list]:
        """Clocks past the threshold not yet notified for their current due date."""
        return f"({self.crosses} AND {self.unnotified})", list(self.crosses_params)


def _thresholds(today: datetime.date, now: datetime.datetime) -> dict[str, _Threshold]:
    """Per threshold, as of ``today`` (and the time of the run ``now``): the flag it raises,
    the marker naming the due date last notified, the due column, and the crossing and
    clearing conditions (SQL on the clock ``c``, with their parameters). Paused and stopped
    clocks never cross nor clear the overall thresholds; the step clock (e.g. the refusal
    notice) runs after the decision too. A step counted in hours (``step_due_at``) crosses by
    the time of the run, not by the date. Crossing and clearing are disjoint for each flag."""
    day = connection.ops.adapt_datefield_value(today)
    moment = connection.ops.adapt_datetimefield_value(now)
    running = "c.stopped_on IS NULL AND c.paused_at IS NULL"
    return {
        "overdue": _Threshold(
            "overdue",
            "notified_overdue_for",
            "overall_due",
            f"({running} AND c.overall_due < %s)",
            [day],
            # An extension (or a calendar correction) may have moved a due date back out.
            f"({running} AND c.overdue AND c.overall_due >= %s)",
            [day],
        ),
        "due_soon": _Threshold(
            "due_soon",
            "notified_due_soon_for",
            "overall_due",
            f"({running} AND c.overall_due >= %s AND c.due_soon_from <= %s)",
            [day, day],
            f"({running} AND c.due_soon AND (c.due_soon_from > %s OR c.overall_due < %s))",
            [day, day],
        ),
        "step": _Threshold(
            "step_overdue",
            "notified_step_for",
            "step_due",
            "(c.step_due < %s AND c.step_due_at IS NULL)",
            [day],
            "(c.step_overdue AND c.step_due_at IS NULL "
            "AND (c.step_due IS NULL OR c.step_due >= %s))",
            [day],
        ),
        "step_hours": _Threshold(
            "step_overdue",
            "notified_step_for",
            "step_due",
            "(c.step_due_at < %s)",
            [moment],
            "(c.step_overdue AND c.step_due_at IS NOT NULL AND c.step_due_at >= %s)",
            [moment],
        ),
        "step_soon": _Threshold(
            "step_due_soon",
            "notified_step_soon_for",
            "step_due",
            "(c.step_due_at >= %s AND c.step_soon_at <= %s)",
            [moment, moment],
            "(c.step_due_soon AND (c.step_due_at IS NULL OR c.step_due_at < %s "
            "OR c.step_soon_at > %s))",
            [moment, moment],
        ),
    }


def _verb_sql(kind: str) -> tuple[str, list]:
    """SQL text expression (and its parameters) for the notification's message."""
    if kind == "overdue":
        return "%s || k.number || %s || CAST(c.overall_due AS TEXT) || %s", [
            "案件",
            "已超过办理时限（截止",
            "），请尽快办理",
        ]
    if kind == "due_soon":
        return "%s || k.number || %s || CAST(c.overall_due AS TEXT) || %s", [
            "案件",
            "即将到期（办理截止",
            "）",
        ]
    steps = [(value, label) for value, label in StepKind.choices if value]
    whens = " ".join("WHEN %s THEN %s" for _ in steps)
    said = "时限即将到期（截止" if kind == "step_soon" else "时限已超期（截止"
    params = ["案件"] + [x for pair in steps for x in pair] + ["环节", said, "）"]
    return (
        f"%s || k.number || (CASE c.step_kind {whens} ELSE '' END) || %s || %s "
        "|| CAST(c.step_due AS TEXT) || %s",
        params,
    )


#: A township whose clocks cross one threshold more than this many at once (the backlog
#: when the scan is first switched on, or after days without a scan) gets one digest per
#: responsible person and threshold instead of one message per case.
DIGEST_ABOVE = 20

#: Per threshold: the digest's message (after the number of cases) and its list filter.
DIGESTS = {
    "overdue": ("件案件已超过办理时限，请在案件列表按“超期”筛选后尽快办理", "overdue=yes"),
    "due_soon": ("件案件即将到期，请在案件列表按“临期”筛选后及时办理", "overdue=soon"),
    "step": ("件案件的环节时限已超期，请在案件列表按“超期”筛选查看", "overdue=yes"),
    "step_hours": ("件案件的环节时限已超期，请在案件列表按“超期”筛选查看", "overdue=yes"),
    "step_soon": ("件案件的环节时限即将到期，请及时办理", "overdue=soon"),
}


def _send_digests(
    kind: str, counts: dict[int, int], today: datetime.date, now: datetime.datetime
) -> int:
    """One notification per responsible person of each township in ``counts`` (township
    id → clocks crossing now), linking to the case list filtered on the threshold."""
    text, query = DIGESTS[kind]
    url = f"{reverse('cases:list')}?{query}"
    users = User.objects.filter(is_active=True, region_id__in=counts).filter(
        Q(role__in=RESPONSIBLE_ROLES) | Q(extra_role__in=RESPONSIBLE_ROLES)
    )
    rows = [
        Notification(
            recipient_id=user_id,
            verb=f"您辖区有 {counts[region_id]} {text}"[:200],
            url=url,
            dedupe_key=f"clock:digest:{kind}:{today.isoformat()}",
            created_at=now,
        )
        for user_id, region_id in users.values_list("pk", "region_id")
    ]
    return len(Notification.objects.bulk_create(rows, ignore_conflicts=True))


def _notify(
    kind: str,
    threshold: _Threshold,
    counts: dict[int, int],
    today: datetime.date,
    now: datetime.datetime,
) -> int:
    """Notifications for one threshold, given the clocks crossing it now and not yet notified
    for their due date, counted per township (``counts``): one INSERT … SELECT of a
    notification per responsible user and clock for the townships with DIGEST_ABOVE
    crossings or fewer, one digest per person for the others. The unique
    (recipient, dedupe_key) constraint makes any repeat a no-op. Returns the rows inserted."""
    counts = {township: n for township, n in counts.items() if n}
    if not counts:
        return 0
    backlog = {t: n for t, n in counts.items() if n > DIGEST_ABOVE}
    clock_t, case_t = CaseClock._meta.db_table, Case._meta.db_table
    user_t, note_t = User._meta.db_table, Notification._meta.db_table
    prefix, suffix = _case_url_sql()
    verb_sql, verb_params = _verb_sql(kind)
    notifies_sql, notifies_params = threshold.notifies()
    roles = [str(r) for r in RESPONSIBLE_ROLES]
    not_backlog = (
        f"AND k.township_id NOT IN ({', '.join(['%s'] * len(backlog))})" if backlog else ""
    )
    sql = f"""
        INSERT INTO {note_t} (recipient_id, verb, url, dedupe_key, created_at, read_at)
        SELECT u.id,
               {verb_sql},
               %s || CAST(k.id AS TEXT) || %s,
               %s || CAST(c.case_id AS TEXT) || %s || CAST(c.{threshold.due} AS TEXT),
               %s, NULL
          FROM {clock_t} c
          JOIN {case_t} k ON k.id = c.case_id
          JOIN {user_t} u ON u.region_id = k.township_id
         WHERE {notifies_sql}
           AND u.is_active = %s
           AND (u.role IN (%s, %s) OR u.extra_role IN (%s, %s))
           {not_backlog}
        ON CONFLICT DO NOTHING
    """
    params = [
        *verb_params,
        prefix,
        suffix,
        "clock:",
        f":{kind}:",
        connection.ops.adapt_datetimefield_value(now),
        *notifies_params,
        True,
        *roles,
        *roles,
        *backlog,
    ]
    inserted = 0
    if len(backlog) < len(counts):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            inserted = max(cursor.rowcount, 0)
    if backlog:
        inserted += _send_digests(kind, backlog, today, now)
    return inserted


def _changes(thresholds: dict[str, _Threshold]) -> tuple[str, list]:
    """The clocks the scan changes: past a threshold with the flag or marker still to set,
    or flagged while the condition no longer holds."""
    parts, params = [], []
    for threshold in thresholds.values():
        sql, args = threshold.marks()
        parts += [sql, threshold.clears]
        params += [*args, *threshold.clears_params]
    return "(" + " OR ".join(parts) + ")", params


def _scan_counts(
    thresholds: dict[str, _Threshold],
) -> tuple[dict[str, dict[int, int]], dict[str, int], int]:
    """One read of the clocks the scan changes, grouped by township: per threshold the
    clocks to notify (per township) and the clocks to mark, and the flags to clear."""
    select, params = [], []
    for threshold in thresholds.values():
        sql, args = threshold.notifies()
        select.append(f"SUM(CASE WHEN {sql} THEN 1 ELSE 0 END)")
        params += args
    for threshold in thresholds.values():
        sql, args = threshold.marks()
        select.append(f"SUM(CASE WHEN {sql} THEN 1 ELSE 0 END)")
        params += args
    for threshold in thresholds.values():
        select.append(f"SUM(CASE WHEN {threshold.clears} THEN 1 ELSE 0 END)")
        params += threshold.clears_params
    where, where_params = _changes(thresholds)
    sql = (
        f"SELECT k.township_id, {', '.join(select)} "
        f"FROM {CaseClock._meta.db_table} c JOIN {Case._meta.db_table} k ON k.id = c.case_id "
        f"WHERE {where} GROUP BY k.township_id"
    )
    kinds = list(thresholds)
    notify: dict[str, dict[int, int]] = {kind: {} for kind in kinds}
    marked = dict.fromkeys(kinds, 0)
    cleared = 0
    with connection.cursor() as cursor:
        cursor.execute(sql, params + where_params)
        for township, *sums in cursor.fetchall():
            values = [int(v or 0) for v in sums]
            for i, kind in enumerate(kinds):
                notify[kind][township] = values[i]
                marked[kind] += values[len(kinds) + i]
            cleared += sum(values[2 * len(kinds) :])
    return notify, marked, cleared


def _scan_update(thresholds: dict[str, _Threshold], now: datetime.datetime) -> int:
    """One UPDATE of every clock the scan changes, each row written once whatever the
    thresholds it crosses or leaves: a flag is raised where its condition holds (its marker
    takes the due date), dropped where its clearing condition holds, kept otherwise."""
    assignments: list[str] = []
    params: list = []
    by_flag: dict[str, list[_Threshold]] = {}
    for threshold in thresholds.values():
        by_flag.setdefault(threshold.flag, []).append(threshold)
    for flag, group in by_flag.items():
        crosses = " OR ".join(t.crosses for t in group)
        clears = " OR ".join(t.clears for t in group)
        crosses_params = [p for t in group for p in t.crosses_params]
        assignments.append(
            f"{flag} = CASE WHEN {crosses} THEN %s WHEN {clears} THEN %s ELSE c.{flag} END"
        )
        params += [*crosses_params, True, *(p for t in group for p in t.clears_params), False]
        # The thresholds of one flag share its marker and due column (step, step_hours).
        marker, due = group[0].marker, group[0].due
        assignments.append(f"{marker} = CASE WHEN {crosses} THEN c.{due} ELSE c.{marker} END")
        params += crosses_params
    assignments.append("updated_at = %s")
    params.append(connection.ops.adapt_datetimefield_value(now))
    where, where_params = _changes(thresholds)
    sql = f"UPDATE {CaseClock._meta.db_table} AS c SET {', '.join(assignments)} WHERE {where}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params + where_params)
        return max(cursor.rowcount, 0)


def scan_deadlines(
    *, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> ScanResult:
    """Mark due-soon and overdue clocks and notify, set-based whatever the number of cases:
    one grouped read of the clocks that change (per threshold and township: to notify, to
    mark, to clear), the notifications (INSERT … SELECT, or digests for a backlog), then one
    UPDATE writing each changed clock once. Idempotent: a second run on the same day changes
    nothing and sends nothing."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    result = ScanResult(today=today.isoformat())
    with transaction.atomic():
        # Work folded into the scan by the apps above (funds: the scheduled reviews).
        for _receiver, opened in deadline_scan_started.send(sender=CaseClock, today=today, now=now):
            result.cases_opened += int(opened or 0)
        thresholds = _thresholds(today, now)
        notify, marked, result.flags_cleared = _scan_counts(thresholds)
        # Before the UPDATE: the notifications read the markers it then sets.
        for kind, threshold in thresholds.items():
            result.notifications += _notify(kind, threshold, notify[kind], today, now)
        if result.flags_cleared or any(marked.values()):
            _scan_update(thresholds, now)
        result.overdue_marked = marked["overdue"]
        result.due_soon_marked = marked["due_soon"]
        result.step_overdue_marked = marked["step"] + marked["step_hours"]
        result.step_due_soon_marked = marked["step_soon"]
        # The flags moved by set-based updates (no signal): the dashboards' open-clock
        # summary follows, reading the running clocks only.
        refresh_running_flags()
        if settings.EMAIL_ENABLED and result.notifications:
            ids = list(
                Notification.objects.filter(created_at=now, dedupe_key__startswith="clock:")
                .exclude(recipient__email="")
                .values_list("pk", flat=True)
            )
            if ids:
                transaction.on_commit(lambda: send_notification_emails.delay(ids))
    return result

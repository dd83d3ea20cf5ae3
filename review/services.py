"""Writes of the county supervision app (STYLE §2: keyword-only, atomic, audit inside the
transaction, notifications after commit). Views, API views and commands call these."""

from __future__ import annotations

import datetime
import math
import random
import secrets
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from archive.models import Document
from archive.services import document_upload, read_checked_upload
from archive.sniff import EXTENSIONS, JPEG, PDF, PNG
from cases.access import case_require_actor
from cases.models import Case, CaseEvent, CaseState
from cases.notices.models import Objection
from cases.notices.services import OBJECTION_ROLES, system_actor
from cases.states import CONFIRMED_STATES, PRE_DECISION_STATES
from cases.workflow.hooks import case_amount_changed
from cases.workflow.services import case_log_event, case_transition
from relief.delegation import delegation_change_status
from relief.models import Delegation, DelegationEvent, Notification, Region, Role, User
from relief.notifications import notify, users_with_role
from relief.policy import Policy, policy_for
from relief.workdays import add_workdays
from review import sampling
from review.models import (
    AmountChange,
    Complaint,
    ComplaintNote,
    Filing,
    ProblemKind,
    Query,
    QueryMessage,
    RectificationOrder,
    RectificationResponse,
    SpotCheckCampaign,
    SpotCheckItem,
    VisitPhoto,
)

#: Target states whose arrival is a decision the township files to the county.
FILING_KIND_BY_STATE = {
    CaseState.CONFIRMED: Filing.Kind.CONFIRMATION,
    CaseState.REFUSED: Filing.Kind.REFUSAL,
    CaseState.TERMINATED: Filing.Kind.TERMINATION,
    CaseState.REVOKED: Filing.Kind.REVOCATION,
}
#: Policy key of the spot-check ratio per assistance-type category; others are only
#: sampled when mandatory (near-relative, complaint).
RATIO_KEY_BY_CATEGORY = {
    "dibao": "spot_check_ratio_dibao",
    "tekun": "spot_check_ratio_tekun",
    "temporary": "spot_check_ratio_temporary",
}
#: C Art.16: 特困 new cases are spot-checked at no less than 30%, whatever the setting.
TEKUN_MIN_RATIO = Decimal("0.30")
TOWNSHIP_ROLES = (Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER)


# --- permissions ------------------------------------------------------------------------
def is_supervisor(user: User) -> bool:
    return bool(
        user
        and user.is_authenticated
        and user.has_role(Role.COUNTY_SUPERVISOR)
        and user.is_county_level
    )


def is_county_staff(user: User) -> bool:
    return bool(
        user
        and user.is_authenticated
        and user.is_county_level
        and user.has_role(Role.COUNTY_SUPERVISOR, Role.COUNTY_VERIFIER)
    )


def is_township_user(user: User) -> bool:
    return bool(
        user
        and user.is_authenticated
        and user.has_role(*TOWNSHIP_ROLES)
        and user.region is not None
        and user.region.level == Region.Level.TOWNSHIP
    )


def _require_supervisor(user: User) -> None:
    if not is_supervisor(user):
        raise PermissionDenied("此操作须由县民政局监管人员办理")


def _require_county_of(user: User, township_id: int | None) -> None:
    """The supervisor acts on the townships of his or her own county only."""
    if (
        township_id is None
        or not Region.objects.filter(pk=township_id, parent_id=user.region_id).exists()
    ):
        raise PermissionDenied("只能办理本县(区)的事项")


def _require_township_of(user: User, township_id: int) -> None:
    if not (is_township_user(user) and user.region_id == township_id):
        raise PermissionDenied("只能办理本乡镇的事项")


def _required(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


# --- notifications (after commit) ---------------------------------------------------------
def _township_users(township_ids: int | Iterable[int]) -> QuerySet[User]:
    return users_with_role(TOWNSHIP_ROLES, township_ids)


def notify_township(township_id: int, *, verb: str, url: str, dedupe_key: str = "") -> None:
    notify(_township_users(township_id), verb=verb, url=url, dedupe_key=dedupe_key)


# --- filing (备案) ------------------------------------------------------------------------
def filing_create_for_event(*, case: Case, event: CaseEvent, **kwargs: object) -> Filing | None:
    """Receiver of ``cases.workflow.hooks.case_transitioned``: file a decision (备案,
    seeds 000, 003) with its key figures. Runs inside the transition's transaction, so the
    decision and its filing commit or roll back together."""
    # CaseState is a str enum, so the str target_state finds its member.
    kind = FILING_KIND_BY_STATE.get(event.target_state)  # type: ignore[call-overload]
    if kind is None:
        return None
    household_size = case.household.members.count()
    amount = case.monthly_amount
    snapshot = {
        "type_code": case.assistance_type.code,
        "type_name": case.assistance_type.name,
        "household_size": household_size,
        "monthly_amount": str(amount) if amount is not None else None,
        "route": case.route,
        "near_relative": case.near_relative_flag,
        "complaint": case.complaint_flag,
        "state": event.target_state,
        "transition": event.transition,
        "actor": event.actor_name,
        "opinion": event.opinion,
    }
    return Filing.objects.create(
        case=case,
        event=event,
        kind=kind,
        township_id=case.township_id,
        assistance_type_id=case.assistance_type_id,
        decided_on=case.decided_on or timezone.localdate(),
        snapshot=snapshot,
        household_size=household_size,
        monthly_amount=amount,
        route=case.route,
        near_relative_flag=case.near_relative_flag,
        complaint_flag=case.complaint_flag,
    )


@transaction.atomic
def filing_acknowledge(*, filing: Filing, actor: User) -> Filing:
    _require_supervisor(actor)
    _require_county_of(actor, filing.township_id)
    filing = Filing.objects.select_for_update().get(pk=filing.pk)
    if filing.status == Filing.Status.NEW:
        filing.status = Filing.Status.ACKNOWLEDGED
    filing.acknowledged_by = actor
    filing.acknowledged_at = timezone.now()
    filing.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
    return filing


@transaction.atomic
def query_open(*, filing: Filing, actor: User, subject: str, body: str) -> Query:
    """The county asks the township about a filed decision; the township answers in a thread."""
    _require_supervisor(actor)
    _require_county_of(actor, filing.township_id)
    subject = _required(subject, "subject", "请填写质询事项")
    body = _required(body, "body", "请填写质询内容")
    query = Query.objects.create(
        filing=filing,
        case_id=filing.case_id,
        township_id=filing.township_id,
        subject=subject,
        created_by=actor,
    )
    QueryMessage.objects.create(query=query, author=actor, from_county=True, body=body)
    Filing.objects.filter(pk=filing.pk).update(
        status=Filing.Status.QUERIED, acknowledged_by=actor, acknowledged_at=timezone.now()
    )
    notify_township(
        filing.township_id,
        verb=f"县民政局就案件{filing.case.number}提出质询：{subject}",
        url=reverse("review:query_detail", args=[query.pk]),
        dedupe_key=f"review-query-{query.pk}",
    )
    return query


@transaction.atomic
def query_reply(*, query: Query, actor: User, body: str) -> QueryMessage:
    body = _required(body, "body", "请填写答复内容")
    query = Query.objects.select_for_update().get(pk=query.pk)
    if query.status == Query.Status.CLOSED:
        raise ValidationError("该质询已办结，不能再答复")
    if is_supervisor(actor):
        _require_county_of(actor, query.township_id)
        from_county, status = True, Query.Status.OPEN
    else:
        _require_township_of(actor, query.township_id)
        from_county, status = False, Query.Status.ANSWERED
    message = QueryMessage.objects.create(
        query=query, author=actor, from_county=from_county, body=body
    )
    query.status = status
    query.save(update_fields=["status"])
    url = reverse("review:query_detail", args=[query.pk])
    if from_county:
        notify_township(query.township_id, verb=f"县民政局质询有新消息：{query.subject}", url=url)
    else:
        notify(
            User.objects.filter(pk=query.created_by_id),
            verb=f"乡镇已答复质询：{query.subject}",
            url=url,
        )
    return message


@transaction.atomic
def query_close(*, query: Query, actor: User) -> Query:
    _require_supervisor(actor)
    _require_county_of(actor, query.township_id)
    query = Query.objects.select_for_update().get(pk=query.pk)
    query.status = Query.Status.CLOSED
    query.closed_at = timezone.now()
    query.save(update_fields=["status", "closed_at"])
    return query


# --- spot checks (入户抽查) ----------------------------------------------------------------
def stratum_ratio(policy: Policy, category: str) -> Decimal:
    """The sampling ratio for one assistance-type category under ``policy``; 特困 is never
    below 30% (C Art.16) even if a setting says less."""
    key = RATIO_KEY_BY_CATEGORY.get(category)
    ratio = Decimal(str(policy[key])) if key else Decimal("0")
    if category == "tekun":
        ratio = max(ratio, TEKUN_MIN_RATIO)
    return ratio


def stratum_quota(population: int, ratio: Decimal) -> int:
    """Cases to visit in a stratum: population × ratio rounded up (Decimal, so that
    10 × 0.30 is 3 and not 4 as binary floating point would make it)."""
    return min(population, math.ceil(Decimal(population) * ratio))


def _mandatory_reason(near_relative: bool, complaint: bool) -> str:
    if near_relative:
        return SpotCheckItem.Reason.NEAR_RELATIVE
    if complaint:
        return SpotCheckItem.Reason.COMPLAINT
    return ""


def _frame_policies(
    county: Region, period_end: datetime.date
) -> tuple[dict[int, tuple[Region, Policy]], list[int]]:
    """The county's townships with the policy in force at the period's end, and those whose
    ``spot_check_include_reviews`` is off (their review (复核) decisions are not sampled)."""
    townships: dict[int, tuple[Region, Policy]] = {
        township.pk: (township, policy_for(township, period_end))
        for township in Region.objects.filter(parent=county)
    }
    no_reviews = [
        pk for pk, (_, policy) in townships.items() if not policy.spot_check_include_reviews
    ]
    return townships, no_reviews


def _frame_queryset(campaign: SpotCheckCampaign) -> QuerySet[Case]:
    _, no_reviews = _frame_policies(campaign.county, campaign.period_end)
    return sampling.frame_queryset(
        county_id=campaign.county_id,
        period_start=campaign.period_start,
        period_end=campaign.period_end,
        no_review_townships=no_reviews,
    )


def spot_check_frame(
    *, county: Region, period_start: datetime.date, period_end: datetime.date
) -> dict:
    """The sampling frame (see _spot_check_frame)."""
    frame, _, _ = _spot_check_frame(county=county, period_start=period_start, period_end=period_end)
    return frame


def _spot_check_frame(
    *, county: Region, period_start: datetime.date, period_end: datetime.date
) -> tuple[dict, QuerySet[Case], list[tuple[int, str, int, str, bool, bool]]]:
    """The sampling frame, its query and its mandatory cases' rows. The frame: the county's
    cases newly confirmed (decided_on) in the period and still standing, stratified by
    township × category, with each stratum's ratio (policy in force at the period's end),
    population, quota and mandatory cases (near-relative, complaint). Stored on the
    campaign, with what the draw took.

    Set-based (review/sampling.py): one grouped count and one read of the few mandatory
    cases, whatever the length of the period (plus one query per township of the county
    for its policy); no row per case of the frame. Review (复核) decisions are in the frame
    unless the township's ``spot_check_include_reviews`` is off."""
    townships, no_reviews = _frame_policies(county, period_end)
    rows = sampling.frame_queryset(
        county_id=county.pk,
        period_start=period_start,
        period_end=period_end,
        no_review_townships=no_reviews,
    )
    frame: dict[str, dict] = {}

    def stratum_of(township_id: int, category: str) -> dict:
        township, policy = townships[township_id]
        key = f"{township.code}:{category}"
        stratum = frame.get(key)
        if stratum is None:
            stratum = frame[key] = {
                "township_id": township_id,
                "township": township.name,
                "category": category,
                "ratio": str(stratum_ratio(policy, category)),
                "population": 0,
                "mandatory": {},
                "method": sampling.METHOD,
            }
        return stratum

    for (township_id, category), n in sampling.stratum_counts(rows).items():
        stratum_of(township_id, category)["population"] = n
    mandatory = sampling.mandatory_rows(rows)
    for _, number, township_id, category, near_relative, complaint in mandatory:
        reason = _mandatory_reason(near_relative, complaint)
        stratum_of(township_id, category)["mandatory"][number] = reason
    for stratum in frame.values():
        stratum["quota"] = stratum_quota(stratum["population"], Decimal(stratum["ratio"]))
    return dict(sorted(frame.items())), rows, mandatory


def random_quota(stratum: dict) -> int:
    """How many of a stratum's non-mandatory cases the draw takes at random: what the
    quota leaves after the mandatory cases (all of which are visited, even beyond it)."""
    candidates = stratum["population"] - len(stratum["mandatory"])
    return min(candidates, max(0, stratum["quota"] - len(stratum["mandatory"])))


def draw_from_frame(frame: dict, seed: int) -> dict[str, dict[str, str]]:
    """The sample of a frame stored with its candidates (campaigns drawn before the draw
    was set-based): for each stratum, every mandatory case (near-relative, complaint: A
    Art.20) plus a simple random sample of the others that fills the quota. Pure function
    of (frame, seed) (random.Random seeded with a string uses SHA-512, not Python's hash)."""
    sample: dict[str, dict[str, str]] = {}
    for key in sorted(frame):
        stratum = frame[key]
        picked = dict(stratum["mandatory"])
        candidates = sorted(stratum["candidates"])
        k = min(len(candidates), max(0, stratum["quota"] - len(picked)))
        rng = random.Random(f"{seed}:{key}")
        for number in rng.sample(candidates, k):
            picked[number] = SpotCheckItem.Reason.RANDOM
        sample[key] = picked
    return sample


def _is_legacy(frame: dict) -> bool:
    return any("candidates" in stratum for stratum in frame.values())


@transaction.atomic
def spot_check_campaign_create(
    *,
    actor: User,
    name: str,
    period_start: datetime.date,
    period_end: datetime.date,
    seed: int | None = None,
) -> SpotCheckCampaign:
    """Create a campaign and draw its sample (DOMAIN §6): in each stratum every mandatory
    case plus the non-mandatory cases of smallest draw key under the seed
    (review/sampling.py) up to the quota. The seed is stored (or given, to re-run an
    auditor's draw) with the frame: each stratum's counts, mandatory cases, and how many
    the random part took up to which key (``drawn``, ``cutoff``)."""
    _require_supervisor(actor)
    name = _required(name, "name", "请填写抽查名称")
    if period_end < period_start:
        raise ValidationError({"period_end": "截止日期不能早于开始日期"})
    county = actor.region
    if county is None:
        raise PermissionDenied("此操作须由县民政局监管人员办理")
    if seed is None:
        seed = secrets.randbelow(2**53)
    frame, rows, mandatory_rows = _spot_check_frame(
        county=county, period_start=period_start, period_end=period_end
    )
    campaign = SpotCheckCampaign.objects.create(
        county=county,
        name=name,
        period_start=period_start,
        period_end=period_end,
        seed=seed,
        frame=frame,
        created_by=actor,
    )
    mandatory = [
        SpotCheckItem(
            campaign=campaign,
            case_id=case_id,
            township_id=township_id,
            category=category,
            reason=_mandatory_reason(near_relative, complaint),
        )
        for case_id, _, township_id, category, near_relative, complaint in mandatory_rows
    ]
    SpotCheckItem.objects.bulk_create(mandatory)
    drawn = sampling.draw_random(
        campaign_id=campaign.pk,
        frame=rows,
        seed=seed,
        quotas={
            (s["township_id"], s["category"]): (
                random_quota(s),
                s["population"] - len(s["mandatory"]),
            )
            for s in frame.values()
        },
    )
    for stratum in frame.values():
        took = drawn.get((stratum["township_id"], stratum["category"]))
        stratum["drawn"] = took.count if took else 0
        stratum["cutoff"] = format(took.cutoff, "x") if took and took.cutoff is not None else ""
    campaign.frame = frame
    campaign.save(update_fields=["frame"])
    return campaign


def _cutoffs(frame: dict) -> dict[tuple[int, str], int]:
    return {
        (s["township_id"], s["category"]): int(s["cutoff"], 16)
        for s in frame.values()
        if s.get("cutoff")
    }


def spot_check_redraw(campaign: SpotCheckCampaign) -> set[str]:
    """The case numbers the stored seed selects (for an auditor): from a frame stored with
    its candidates, the draw re-run on it; otherwise the stored mandatory cases and the
    cases of the period's frame as it stands whose draw key is within their stratum's
    stored cutoff (a drawn case that has since left the frame, e.g. revoked after a
    finding, is not in it; spot_check_verify proves it from its key)."""
    if _is_legacy(campaign.frame):
        return {
            n for picked in draw_from_frame(campaign.frame, campaign.seed).values() for n in picked
        }
    ids = sampling.under_cutoff(
        frame=_frame_queryset(campaign), seed=campaign.seed, cutoffs=_cutoffs(campaign.frame)
    )
    numbers = set(Case.objects.filter(pk__in=ids).values_list("number", flat=True))
    return numbers | {n for s in campaign.frame.values() for n in s["mandatory"]}


def spot_check_verify(campaign: SpotCheckCampaign) -> bool:
    """Whether the stored sample is exactly what the stored seed and frame produce: every
    mandatory case of the frame and no other with its reason; in each stratum as many
    random items as the draw took, each with a draw key within the stratum's cutoff (from
    the seed and the case's id alone); and no case of the frame as it stands whose key is
    within the cutoff left out."""
    frame = campaign.frame
    items = campaign.items.values_list(
        "case_id", "case__number", "township_id", "category", "reason"
    )
    if _is_legacy(frame):
        return {number for _, number, _, _, _ in items} == spot_check_redraw(campaign)
    strata = {(s["township_id"], s["category"]): s for s in frame.values()}
    cutoffs = _cutoffs(frame)
    mandatory_seen: set[str] = set()
    random_ids: set[int] = set()
    random_count: dict[tuple[int, str], int] = {}
    for case_id, number, township_id, category, reason in items:
        stratum = strata.get((township_id, category))
        if stratum is None:
            return False
        if reason == SpotCheckItem.Reason.RANDOM:
            cutoff = cutoffs.get((township_id, category))
            if cutoff is None or sampling.draw_key(campaign.seed, case_id) > cutoff:
                return False
            random_ids.add(case_id)
            random_count[(township_id, category)] = random_count.get((township_id, category), 0) + 1
        elif stratum["mandatory"].get(number) == reason:
            mandatory_seen.add(number)
        else:
            return False
    if mandatory_seen != {n for s in frame.values() for n in s["mandatory"]}:
        return False
    if any(random_count.get(key, 0) != s.get("drawn", 0) for key, s in strata.items()):
        return False
    selected_now = sampling.under_cutoff(
        frame=_frame_queryset(campaign), seed=campaign.seed, cutoffs=cutoffs
    )
    return selected_now <= random_ids


@transaction.atomic
def spot_check_assign(*, items: Iterable[SpotCheckItem], assignee: User | None, actor: User) -> int:
    _require_supervisor(actor)
    if assignee is not None and not (
        is_county_staff(assignee) and assignee.region_id == actor.region_id
    ):
        raise ValidationError({"assignee": "核查人须为本县民政局工作人员"})
    ids = [i.pk for i in items]
    return SpotCheckItem.objects.filter(pk__in=ids, campaign__county_id=actor.region_id).update(
        assignee=assignee
    )


def sniff_upload(upload: UploadedFile, *, allow_pdf: bool = False) -> tuple[str, str]:
    """(content type, extension) from the file's content, by the archive app's checks (size,
    magic bytes, name that lies about the type); raises ValidationError in Chinese."""

    upload.seek(0)
    try:
        _, content_type = read_checked_upload(
            upload, allowed=(JPEG, PNG, PDF) if allow_pdf else (JPEG, PNG)
        )
    finally:
        upload.seek(0)
    return content_type, EXTENSIONS[content_type].lstrip(".")


@transaction.atomic
def spot_check_record_visit(
    *,
    item: SpotCheckItem,
    actor: User,
    visit_date: datetime.date,
    people_met: str,
    findings: str,
    outcome: str,
    problem_kind: str = "",
    photos: Iterable[UploadedFile] = (),
) -> SpotCheckItem:
    """The county's home visit of a sampled case: who was met, what was found, correct or a
    problem of a listed kind, photos. Only the assignee or a supervisor records it."""
    if not (is_supervisor(actor) or (is_county_staff(actor) and item.assignee_id == actor.pk)):
        raise PermissionDenied("只有核查人或县民政局监管人员可以记录核查结果")
    if item.campaign.county_id != actor.region_id:
        raise PermissionDenied("只能办理本县(区)的事项")
    case_require_actor(case=item.case, actor=actor, roles=())
    errors = {}
    if visit_date is None:
        errors["visit_date"] = "请填写核查日期"
    elif visit_date > timezone.localdate():
        errors["visit_date"] = "核查日期不能晚于今天"
    if not (people_met or "").strip():
        errors["people_met"] = "请填写见到的家庭成员或知情人"
    if not (findings or "").strip():
        errors["findings"] = "请填写核查情况"
    if outcome not in (SpotCheckItem.Outcome.CORRECT, SpotCheckItem.Outcome.PROBLEM):
        errors["outcome"] = "请选择核查结论"
    elif outcome == SpotCheckItem.Outcome.PROBLEM and problem_kind not in ProblemKind.values:
        errors["problem_kind"] = "发现问题时请选择问题类型"
    for photo in photos:
        try:
            sniff_upload(photo)
        except ValidationError as exc:
            errors["photos"] = f"{photo.name}：{exc.messages[0]}"
    if errors:
        raise ValidationError(errors)
    item.visit_date = visit_date
    item.people_met = people_met.strip()
    item.findings = findings.strip()
    item.outcome = outcome
    item.problem_kind = problem_kind if outcome == SpotCheckItem.Outcome.PROBLEM else ""
    item.recorded_by = actor
    item.recorded_at = timezone.now()
    item.save()

    for photo in photos:
        document = document_upload(
            case=item.case,
            kind=Document.Kind.SURVEY_PHOTO,
            uploaded_file=photo,
            actor=actor,
            title=f"县级入户抽查照片（{item.campaign.name}）",
            allowed=("image/jpeg", "image/png"),
        )
        VisitPhoto.objects.create(item=item, document=document)
    return item


# --- rectification (整改通知) --------------------------------------------------------------
@transaction.atomic
def rectification_issue(
    *,
    actor: User,
    township: Region,
    problem_kind: str,
    description: str,
    case: Case | None = None,
    spot_check_item: SpotCheckItem | None = None,
    complaint: Complaint | None = None,
    due_workdays: int | None = None,
) -> RectificationOrder:
    """整改通知 to the township, due ``due_workdays`` working days from today (default the
    policy setting rectification_due_wd, seeds 000, 003)."""
    _require_supervisor(actor)
    if township.level != Region.Level.TOWNSHIP or township.parent_id != actor.region_id:
        raise ValidationError({"township": "请选择本县的乡镇(街道)"})
    if problem_kind not in ProblemKind.values:
        raise ValidationError({"problem_kind": "请选择问题类型"})
    if case is not None and case.township_id != township.pk:
        raise ValidationError({"township": "整改通知须下发给案件所在乡镇"})
    if spot_check_item is not None and spot_check_item.township_id != township.pk:
        raise ValidationError({"township": "整改通知须下发给抽查案件所在乡镇"})
    if complaint is not None and complaint.county_id != actor.region_id:
        raise PermissionDenied("只能办理本县(区)的事项")
    description = _required(description, "description", "请填写问题及整改要求")
    today = timezone.localdate()
    if due_workdays is None:
        due_workdays = policy_for(township, today).rectification_due_wd
    if not 1 <= int(due_workdays) <= 90:
        raise ValidationError({"due_workdays": "整改期限须为1至90个工作日"})
    order = RectificationOrder.objects.create(
        township=township,
        case=case,
        spot_check_item=spot_check_item,
        complaint=complaint,
        problem_kind=problem_kind,
        description=description,
        due_date=add_workdays(today, int(due_workdays)),
        issued_by=actor,
    )
    notify_township(
        township.pk,
        verb=f"县民政局下发整改通知（{order.get_problem_kind_display()}），请于{order.due_date:%Y-%m-%d}前反馈",
        url=reverse("review:rectification_detail", args=[order.pk]),
        dedupe_key=f"review-rect-{order.pk}",
    )
    return order


@transaction.atomic
def rectification_respond(
    *, order: RectificationOrder, actor: User, body: str, evidence: UploadedFile | None = None
) -> RectificationResponse:
    """The township reports what it did, with evidence (image or PDF, sniffed)."""
    order = RectificationOrder.objects.select_for_update().get(pk=order.pk)
    _require_township_of(actor, order.township_id)
    if order.status not in RectificationOrder.AWAITING_TOWNSHIP:
        raise ValidationError(f"整改通知当前状态为“{order.get_status_display()}”，不能反馈")
    body = _required(body, "body", "请填写整改情况")
    content_type = ext = ""
    if evidence:
        try:
            content_type, ext = sniff_upload(evidence, allow_pdf=True)
        except ValidationError as exc:
            raise ValidationError({"evidence": exc.messages[0]})
    response = RectificationResponse(
        order=order,
        author=actor,
        body=body,
        evidence_content_type=content_type,
        evidence_extension=ext,
    )
    if evidence:
        response.evidence = evidence
    response.save()
    order.status = RectificationOrder.Status.RESPONDED
    order.save(update_fields=["status"])
    notify(
        User.objects.filter(pk=order.issued_by_id),
        verb=f"{order.township.name}已反馈整改通知#{order.pk}",
        url=reverse("review:rectification_detail", args=[order.pk]),
    )
    return response


@transaction.atomic
def rectification_review(
    *,
    order: RectificationOrder,
    actor: User,
    accept: bool,
    comment: str = "",
    due_workdays: int | None = None,
) -> RectificationOrder:
    """The county accepts the township's response (closing the order) or sends it back
    with a comment and a new due date."""
    _require_supervisor(actor)
    _require_county_of(actor, order.township_id)
    order = RectificationOrder.objects.select_for_update().get(pk=order.pk)
    if order.status != RectificationOrder.Status.RESPONDED:
        raise ValidationError("只有乡镇已反馈的整改通知可以审查")
    response = order.responses.order_by("-created_at", "-pk").first()
    if response is None:
        raise ValidationError("只有乡镇已反馈的整改通知可以审查")
    comment = (comment or "").strip()
    now = timezone.now()
    if accept:
        order.status = RectificationOrder.Status.ACCEPTED
        order.closed_by, order.closed_at = actor, now
    else:
        if not comment:
            raise ValidationError({"comment": "退回时请写明理由"})
        today = timezone.localdate()
        if due_workdays is None:
            due_workdays = policy_for(order.township, today).rectification_due_wd
        order.status = RectificationOrder.Status.RETURNED
        order.due_date = add_workdays(today, int(due_workdays))
        order.overdue = False
    order.save()
    RectificationResponse.objects.filter(pk=response.pk).update(
        decision=RectificationResponse.Decision.ACCEPTED
        if accept
        else RectificationResponse.Decision.RETURNED,
        review_comment=comment,
        reviewed_by=actor,
        reviewed_at=now,
    )
    notify_township(
        order.township_id,
        verb=f"整改通知#{order.pk}" + ("已验收通过" if accept else f"被退回：{comment}"),
        url=reverse("review:rectification_detail", args=[order.pk]),
    )
    return order


def rectification_mark_overdue(*, today: datetime.date | None = None) -> int:
    """Flag every order whose due date has passed while the township still owes an answer.
    Set-based and idempotent: the clocks' daily job (and `manage.py rectification_overdue`)
    call it."""
    today = today or timezone.localdate()
    with transaction.atomic():
        due = list(
            RectificationOrder.objects.select_for_update()
            .filter(
                status__in=RectificationOrder.AWAITING_TOWNSHIP, due_date__lt=today, overdue=False
            )
            .values_list("pk", "township_id", "due_date")
        )
        if not due:
            return 0
        n = RectificationOrder.objects.filter(pk__in=[pk for pk, _, _ in due]).update(overdue=True)
        users_by_township: dict[int | None, list] = {}
        for user in _township_users({t for _, t, _ in due}):
            users_by_township.setdefault(user.region_id, []).append(user)
        notifications = [
            Notification(
                recipient=user,
                verb=f"整改通知#{pk}已逾期（期限{due_date:%Y-%m-%d}），请尽快反馈整改情况",
                url=reverse("review:rectification_detail", args=[pk]),
                dedupe_key=f"review-rect-overdue-{pk}",
            )
            for pk, township_id, due_date in due
            for user in users_by_township.get(township_id, [])
        ]
        Notification.objects.bulk_create(notifications, ignore_conflicts=True)
    return n


# --- correction (依法纠正) ----------------------------------------------------------------
def _correction_opinion(reasons: str, legal_basis: str) -> str:
    return f"{reasons}\n法律依据：{legal_basis}"


def correction_revoke(
    *, case: Case, actor: User, reasons: str, legal_basis: str, client_address: str | None = None
) -> CaseEvent:
    """依法纠正: revoke a confirmed decision through the workflow (transition county_revoke);
    the revocation is filed, the township notified, the household receives the written
    notice (review:correction_notice)."""

    _require_supervisor(actor)
    _require_county_of(actor, case.township_id)
    reasons = _required(reasons, "reasons", "请填写纠正理由")
    legal_basis = _required(legal_basis, "legal_basis", "请填写法律依据")
    with transaction.atomic():
        event = case_transition(
            case=case,
            name="county_revoke",
            actor=actor,
            opinion=_correction_opinion(reasons, legal_basis),
            client_address=client_address,
            data={"reasons": reasons, "legal_basis": legal_basis, "household_notice": True},
        )
        notify_township(
            case.township_id,
            verb=f"县民政局依法撤销了案件{case.number}的确认决定",
            url=reverse("review:correction_notice", args=[event.pk]),
            dedupe_key=f"review-revoke-{event.pk}",
        )
    return event


@transaction.atomic
def correction_change_amount(
    *,
    case: Case,
    actor: User,
    new_amount: Decimal | str,
    effective_from: datetime.date,
    reasons: str,
    legal_basis: str,
    client_address: str | None = None,
) -> AmountChange:
    """依法纠正 of the monthly amount from a date: an AmountChange record, the case's amount,
    a CaseEvent in the case's log and (through ``cases.workflow.hooks.case_amount_changed``)
    the recipient register's signed change, in one transaction."""
    _require_supervisor(actor)
    _require_county_of(actor, case.township_id)
    errors = {}
    try:
        new_amount = Decimal(str(new_amount).strip())
        if (
            not new_amount.is_finite()
            or new_amount < 0
            or new_amount != new_amount.quantize(Decimal("0.01"))
        ):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["new_amount"] = "请输入不小于0、最多两位小数的金额"
    if effective_from is None:
        errors["effective_from"] = "请填写生效日期"
    if not (reasons or "").strip():
        errors["reasons"] = "请填写纠正理由"
    if not (legal_basis or "").strip():
        errors["legal_basis"] = "请填写法律依据"
    if errors:
        raise ValidationError(errors)
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.state not in CONFIRMED_STATES:
        raise ValidationError(
            f"案件当前状态为“{locked.get_state_display()}”，只能纠正已确认案件的金额"
        )
    if locked.decided_on and effective_from < locked.decided_on:
        raise ValidationError({"effective_from": "生效日期不能早于确认日期"})
    old = locked.monthly_amount
    reasons, legal_basis = reasons.strip(), legal_basis.strip()
    event = case_log_event(
        case=locked,
        name="county_amount_change",
        label="依法纠正救助金额",
        actor=actor,
        roles=(Role.COUNTY_SUPERVISOR,),
        opinion=_correction_opinion(reasons, legal_basis),
        client_address=client_address,
        data={
            "old_amount": str(old) if old is not None else None,
            "new_amount": str(new_amount),
            "effective_from": effective_from.isoformat(),
            "reasons": reasons,
            "legal_basis": legal_basis,
            "household_notice": True,
        },
    )
    change = AmountChange.objects.create(
        case=locked,
        old_amount=old,
        new_amount=new_amount,
        effective_from=effective_from,
        reasons=reasons,
        legal_basis=legal_basis,
        event=event,
        actor=actor,
    )
    Case.objects.filter(pk=locked.pk).update(monthly_amount=new_amount, updated_at=timezone.now())
    case.monthly_amount = new_amount
    locked.monthly_amount = new_amount
    # The register of recipients (funds) records the new amount as a signed change in this
    # transaction; a refusal there rolls the correction back with its message.
    case_amount_changed.send(
        sender=AmountChange,
        case=locked,
        event=event,
        actor=actor,
        old_amount=old,
        new_amount=new_amount,
        effective_from=effective_from,
        reason=f"县级依法纠正救助金额：{reasons}（法律依据：{legal_basis}）",
    )
    notify_township(
        locked.township_id,
        verb=f"县民政局依法纠正案件{locked.number}的救助金额为{new_amount}元（自{effective_from:%Y-%m-%d}起）",
        url=reverse("review:correction_notice", args=[event.pk]),
        dedupe_key=f"review-amount-{event.pk}",
    )
    return change


# --- complaints (举报投诉) -----------------------------------------------------------------
@transaction.atomic
def complaint_register(
    *,
    actor: User,
    channel: str,
    named: bool,
    content: str,
    reporter_name: str = "",
    reporter_phone: str = "",
    subject_name: str = "",
    case: Case | None = None,
    township: Region | None = None,
    received_on: datetime.date | None = None,
) -> Complaint:
    """Register a report. A report about a case still being handled flags it
    (complaint_flag): the county must visit the household before confirmation (A Art.20)."""
    _require_supervisor(actor)
    errors = {}
    if channel not in Complaint.Channel.values:
        errors["channel"] = "请选择举报渠道"
    if not (content or "").strip():
        errors["content"] = "请填写举报内容"
    if named and not (reporter_name or "").strip():
        errors["reporter_name"] = "实名举报请填写举报人姓名"
    if named and not (reporter_phone or "").strip():
        errors["reporter_phone"] = "实名举报请填写联系方式，以便反馈核查结果"
    if case is None and township is None and not (subject_name or "").strip():
        errors["subject_name"] = "请填写被举报人，或选择涉及的案件或乡镇"
    if errors:
        raise ValidationError(errors)
    if case is not None:
        township = case.township
    if township is not None:
        _require_county_of(actor, township.pk)
    county = actor.region
    if county is None:
        raise PermissionDenied("此操作须由县民政局监管人员办理")
    complaint, _ = _complaint_save(
        county=county,
        received_by=actor,
        flag_roles=(Role.COUNTY_SUPERVISOR,),
        channel=channel,
        named=named,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        subject_name=subject_name,
        case=case,
        township=township,
        content=content,
        received_on=received_on or timezone.localdate(),
    )
    return complaint


#: Complaint numbers of late notice objections: the prefix and the objection's pk, so the
#: objection is registered once however often its hook fires.
OBJECTION_COMPLAINT_PREFIX = "GSYY-"
#: The complaint channel of each objection channel: at the township the person came or
#: called in (来访 is the nearest of the county's channels); from the QR page, online.
CHANNEL_OF_OBJECTION: dict[str, str] = {
    Objection.Channel.TOWNSHIP: Complaint.Channel.VISIT,
    Objection.Channel.ONLINE: Complaint.Channel.ONLINE,
}


def objection_complaint_number(objection: Objection) -> str:
    return f"{OBJECTION_COMPLAINT_PREFIX}{objection.pk:06d}"


@transaction.atomic
def complaint_from_objection(objection: Objection, *, received_by: User | None = None) -> Complaint:
    """Register a notice objection raised after the period (or with no open notice) as a
    complaint of the county (issue 11; A Art.19–20): no supervisor registers it, the
    township clerk who recorded the objection (or the township's system account, for the
    public page) is its 登记人. Idempotent: the number is derived from the objection, so a
    second call answers the same row. The reporter is the objector when named; the content
    names the batch and the objection text."""
    case = Case.objects.select_related("township").get(pk=objection.case_id)
    township = case.township
    if township.parent_id is None:
        raise ValidationError("案件所属乡镇未设上级县(区)，无法按投诉登记")
    if received_by is None:
        received_by = objection.recorded_by or system_actor(township)
    raised_by = (objection.raised_by or "").strip()
    contact = (objection.contact or "").strip()
    named = not objection.anonymous and bool(raised_by) and bool(contact)
    batch = objection.batch
    channel = objection.get_channel_display()
    if batch is not None:
        first = f"公示批次{batch.number}公示期外收到的异议（{channel}，案件{case.number}）"
    else:
        first = f"对未在公示中的案件{case.number}的异议（{channel}）"
    lines = [f"{first}，按投诉举报登记。", f"异议内容：{objection.text}"]
    if not named and raised_by:
        lines.append(f"异议人：{raised_by}（未留联系方式）")
    elif not named and contact:
        lines.append(f"匿名异议，留有联系方式：{contact}")
    complaint, created = _complaint_save(
        county=township.parent,
        received_by=received_by,
        flag_roles=OBJECTION_ROLES,
        channel=CHANNEL_OF_OBJECTION.get(objection.channel, Complaint.Channel.OTHER),
        named=named,
        reporter_name=raised_by,
        reporter_phone=contact,
        subject_name="",
        case=case,
        township=township,
        content="\n".join(lines),
        received_on=timezone.localtime(objection.received_at).date(),
        number=objection_complaint_number(objection),
    )
    if created:
        notify(
            users_with_role(Role.COUNTY_SUPERVISOR, township.parent_id),
            verb=f"{township.name}登记公示期外异议，已转为举报{complaint.number}，请核查",
            url=reverse("review:complaint_detail", args=[complaint.pk]),
            dedupe_key=f"review-complaint-{complaint.pk}",
        )
    return complaint


def on_late_objection_recorded(
    sender: object, *, objection: Objection, actor: User, **kwargs: object
) -> str:
    """Receiver of ``cases.workflow.hooks.late_objection_recorded`` (inside the objection's
    transaction): answers the complaint's number, which the notice service shows."""
    return complaint_from_objection(objection, received_by=actor).number


def _complaint_save(
    *,
    county: Region,
    received_by: User,
    flag_roles: tuple[str, ...],
    channel: str,
    named: bool,
    content: str,
    reporter_name: str,
    reporter_phone: str,
    subject_name: str,
    case: Case | None,
    township: Region | None,
    received_on: datetime.date,
    number: str | None = None,
) -> tuple[Complaint, bool]:
    """The body every registration shares, on checked input: the row, its number, and the
    complaint flag of a case still being handled (A Art.20). With ``number`` the row is
    found or created under it (a report derived from another record, registered once
    however often that record is replayed); without, the number is JB<date>-<pk>.
    Answers (complaint, created)."""
    values = {
        "county": county,
        "channel": channel,
        "named": named,
        "reporter_name": (reporter_name or "").strip() if named else "",
        "reporter_phone": (reporter_phone or "").strip() if named else "",
        "subject_name": (subject_name or "").strip(),
        "case": case,
        "township": township,
        "content": content.strip(),
        "received_on": received_on,
        "received_by": received_by,
    }
    if number is None:
        complaint = Complaint.objects.create(number=f"tmp-{secrets.token_hex(8)}", **values)
        complaint.number = f"JB{complaint.received_on:%Y%m%d}-{complaint.pk:05d}"
        complaint.save(update_fields=["number"])
    else:
        complaint, created = Complaint.objects.get_or_create(number=number, defaults=values)
        if not created:
            return complaint, False
    if case is not None and case.state in PRE_DECISION_STATES and not case.complaint_flag:
        Case.objects.filter(pk=case.pk).update(complaint_flag=True, updated_at=timezone.now())
        case_log_event(
            case=case,
            name="complaint_flag",
            label="登记投诉举报(须县级入户核查)",
            actor=received_by,
            roles=flag_roles,
            opinion=f"举报登记号 {complaint.number}",
            data={"complaint_id": complaint.pk},
        )
        case.complaint_flag = True
    return complaint, True


def _complaint_locked(complaint: Complaint, actor: User) -> Complaint:
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if locked.county_id != actor.region_id:
        raise PermissionDenied("只能办理本县(区)的事项")
    return locked


@transaction.atomic
def complaint_assign(*, complaint: Complaint, actor: User, assignee: User) -> Complaint:
    _require_supervisor(actor)
    complaint = _complaint_locked(complaint, actor)
    if complaint.status == Complaint.Status.CLOSED:
        raise ValidationError("该举报已办结")
    if not (is_county_staff(assignee) and assignee.region_id == actor.region_id):
        raise ValidationError({"assignee": "承办人须为本县民政局工作人员"})
    complaint.assignee = assignee
    complaint.status = Complaint.Status.INVESTIGATING
    complaint.save(update_fields=["assignee", "status"])
    notify(
        User.objects.filter(pk=assignee.pk),
        verb=f"您承办举报{complaint.number}",
        url=reverse("review:complaint_detail", args=[complaint.pk]),
    )
    return complaint


@transaction.atomic
def complaint_add_note(*, complaint: Complaint, actor: User, body: str) -> ComplaintNote:
    if not is_county_staff(actor):
        raise PermissionDenied("只有县民政局工作人员可以记录核查情况")
    if complaint.county_id != actor.region_id:
        raise PermissionDenied("只能办理本县(区)的事项")
    body = _required(body, "body", "请填写核查记录")
    if complaint.status == Complaint.Status.CLOSED:
        raise ValidationError("该举报已办结")
    return ComplaintNote.objects.create(complaint=complaint, author=actor, body=body)


@transaction.atomic
def complaint_conclude(
    *, complaint: Complaint, actor: User, result: str, result_text: str, problem_kind: str = ""
) -> Complaint:
    _require_supervisor(actor)
    complaint = _complaint_locked(complaint, actor)
    if complaint.status == Complaint.Status.CLOSED:
        raise ValidationError("该举报已办结")
    errors = {}
    if result not in (
        Complaint.Result.SUBSTANTIATED,
        Complaint.Result.PARTLY,
        Complaint.Result.UNFOUNDED,
    ):
        errors["result"] = "请选择核查结果"
    if not (result_text or "").strip():
        errors["result_text"] = "请填写处理结果"
    if (
        result in (Complaint.Result.SUBSTANTIATED, Complaint.Result.PARTLY)
        and problem_kind not in ProblemKind.values
    ):
        errors["problem_kind"] = "举报属实时请选择问题类型"
    if errors:
        raise ValidationError(errors)
    complaint.result = result
    complaint.result_text = result_text.strip()
    complaint.problem_kind = problem_kind if result != Complaint.Result.UNFOUNDED else ""
    complaint.status = Complaint.Status.CONCLUDED
    complaint.save()
    return complaint


@transaction.atomic
def complaint_record_feedback(
    *, complaint: Complaint, actor: User, feedback_text: str, feedback_on: datetime.date
) -> Complaint:
    """A Art.36–37: the result of a named report is fed back to the reporter."""
    _require_supervisor(actor)
    complaint = _complaint_locked(complaint, actor)
    if not complaint.named:
        raise ValidationError("匿名举报无需反馈")
    if complaint.status != Complaint.Status.CONCLUDED:
        raise ValidationError("核查出结果后才能向举报人反馈")
    errors = {}
    if not (feedback_text or "").strip():
        errors["feedback_text"] = "请填写向举报人反馈的内容"
    if feedback_on is None:
        errors["feedback_on"] = "请填写反馈日期"
    elif feedback_on > timezone.localdate():
        errors["feedback_on"] = "反馈日期不能晚于今天"
    if errors:
        raise ValidationError(errors)
    complaint.feedback_text = feedback_text.strip()
    complaint.feedback_on = feedback_on
    complaint.feedback_by = actor
    complaint.save(update_fields=["feedback_text", "feedback_on", "feedback_by"])
    return complaint


@transaction.atomic
def complaint_close(*, complaint: Complaint, actor: User) -> Complaint:
    """Close a concluded report; a named report only after the feedback (A Art.36–37)."""
    _require_supervisor(actor)
    complaint = _complaint_locked(complaint, actor)
    if complaint.status != Complaint.Status.CONCLUDED:
        raise ValidationError("核查出结果后才能办结")
    if complaint.named and not (complaint.feedback_text and complaint.feedback_on):
        raise ValidationError(
            "实名举报须先向举报人反馈核查结果（《最低生活保障审核确认办法》第三十六、三十七条）"
        )
    complaint.status = Complaint.Status.CLOSED
    complaint.closed_at = timezone.now()
    complaint.save(update_fields=["status", "closed_at"])
    return complaint


# --- delegation control -------------------------------------------------------------------
def delegation_supervise(
    *, delegation: Delegation, actor: User, status: str, effective_date: datetime.date, reason: str
) -> DelegationEvent:
    """Suspend, resume or revoke a township's power (seed 004 "防止一放就乱"). The rules
    live in relief.delegation; this only checks that the supervisor's county owns it."""

    _require_supervisor(actor)
    if delegation.township.parent_id != actor.region_id:
        raise PermissionDenied("只能变更本县乡镇的委托")
    return delegation_change_status(
        delegation=delegation,
        status=status,
        effective_date=effective_date,
        reason=reason,
        actor=actor,
    )

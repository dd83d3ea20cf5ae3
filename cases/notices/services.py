"""Writes of the public notice: batches (create, remove a case, publish, withdraw, the
posting photo, the daily close) and objections (recorded at the township or sent from the
public page, then answered). Every state change of a case goes through
``cases.workflow.services.case_transition``, the same transitions a clerk uses."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone

from archive.models import Document
from archive.services import document_upload, read_checked_upload
from archive.sniff import JPEG, PNG
from cases.access import case_require_actor
from cases.clocks.services import clock_notice_starts
from cases.models import Case, CaseState
from cases.notices.models import BatchState, NoticeBatch, NoticeEntry, NoticeKind, Objection
from cases.notices.rules import PhotoCheck
from cases.states import NOTICE_STATES
from cases.workflow import guards
from cases.workflow.hooks import late_objection_recorded
from cases.workflow.services import case_log_event, case_transition
from relief.masking import mask_name
from relief.models import Region, Role, User
from relief.notifications import notify
from relief.policy import policy_for
from relief.scoping import villages_for_user

BATCH_ROLES = (Role.TOWNSHIP_CLERK, Role.VILLAGE_ASSISTANT)
OBJECTION_ROLES = (Role.TOWNSHIP_CLERK,)
#: Who may read the batches, on the pages and through the API (writes are checked again by
#: each service).
READ_ROLES = (*BATCH_ROLES, Role.TOWNSHIP_APPROVER, Role.COUNTY_SUPERVISOR)
#: Who reads objections: the person who objected and their contact are there, so not the
#: village (the assistant lives beside both) nor the check agency.
OBJECTION_READ_ROLES = (*OBJECTION_ROLES, Role.TOWNSHIP_APPROVER, Role.COUNTY_SUPERVISOR)
#: The longest objection text accepted (characters): a notice objection is a short statement.
OBJECTION_MAX_CHARS = 1000
#: The social-assistance hotline printed on every notice (E item 22).
HOTLINE = "12349"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WORDS = re.compile(r"[\w\u4e00-\u9fff]")


# --- helpers -------------------------------------------------------------------------------
def system_actor(township: Region) -> User:
    """The account that signs what the system does by itself in ``township`` (the daily
    close, objections sent from the public page): a township clerk that cannot log in."""
    user, created = User.objects.get_or_create(
        username=f"system-{township.code}",
        defaults={
            "role": Role.TOWNSHIP_CLERK,
            "region": township,
            "first_name": "系统自动",
            "is_active": False,
        },
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def notice_kind_of(case: Case) -> str | None:
    """Which notice the case waits for (its policy snapshot decides), or None."""
    if case.state == CaseState.PRE_NOTICE:
        return NoticeKind.PRE
    if case.state == CaseState.RESULT_NOTICE:
        return NoticeKind.RESULT
    if case.state == CaseState.CONFIRMED and guards.notice_after_confirmation(case):
        return NoticeKind.RESULT
    return None


def _in_active_batch(case: Case, *, exclude: NoticeBatch | None = None) -> NoticeBatch | None:
    qs = NoticeEntry.objects.filter(
        case=case,
        outcome="",
        batch__state__in=(BatchState.DRAFT, BatchState.PUBLISHED),
    ).select_related("batch")
    if exclude is not None:
        qs = qs.exclude(batch=exclude)
    entry = qs.first()
    return entry.batch if entry else None


def _amount_text(case: Case, kind: str) -> str:
    """The amount column: the monthly amount after confirmation; before it 拟保障, with the
    computed amount when there is one."""
    if case.monthly_amount is None:
        return "拟保障"
    amount = f"{Decimal(case.monthly_amount):.2f}"
    return f"拟保障{amount}" if kind == NoticeKind.PRE else amount


#: The entry's columns that ``notice_row_values`` fills (frozen at publication).
NOTICE_ROW_FIELDS = ("masked_name", "village_group", "household_size", "amount_text")


def notice_row_values(case: Case, *, kind: str, rule: str) -> dict:
    """What one household's row on the paper shows (frozen on the entry at publication):
    the masked name, the village group (村民小组), the household size, the amount; never an
    ID number or address."""
    return {
        "masked_name": mask_name(case.applicant.name if case.applicant else "", rule),
        "village_group": case.household.village_group,
        "household_size": case.household.members.count(),
        "amount_text": _amount_text(case, kind),
    }


def _next_number(village: Region, starts_on: datetime.date) -> str:
    prefix = f"GS{village.code}-{starts_on:%Y%m%d}-"
    taken = NoticeBatch.objects.filter(number__startswith=prefix).count()
    return f"{prefix}{taken + 1:02d}"


def _require_village_actor(actor: User, village: Region) -> None:
    """The township's clerk or the village's assistant (relief.scoping: 404 outside)."""
    if not actor.has_role(*BATCH_ROLES):
        raise PermissionDenied("公示批次须由乡镇民政经办人或本村协理员办理")
    if not villages_for_user(actor).filter(pk=village.pk).exists():
        raise Http404("该村(社区)不在您的管辖范围内")


def _check_case(case: Case, *, village: Region, kind: str, actor: User) -> str | None:
    if case.village_id != village.pk:
        return f"案件{case.number}不属于{village.name}，不能列入本村公示"
    if notice_kind_of(case) != kind:
        return (
            f"案件{case.number}当前为“{case.get_state_display()}”，不是待{NoticeKind(kind).label}"
        )
    other = _in_active_batch(case)
    if other is not None:
        return f"案件{case.number}已在公示批次{other.number}中"
    case_require_actor(case=case, actor=actor, roles=BATCH_ROLES)
    return None


# --- batches -------------------------------------------------------------------------------
@transaction.atomic
def batch_create(
    *,
    actor: User,
    village: Region,
    kind: str,
    cases: Iterable[Case],
    starts_on: datetime.date,
    place: str,
    phone: str,
    days: int | None = None,
    on: datetime.date | None = None,
) -> NoticeBatch:
    """A draft batch of the village's cases waiting for the same notice. The period is
    calendar days (A Art.19, C Art.15), never shorter than the policy of the township or of
    any case's snapshot. Nothing is saved when one case is refused. ``on``: the business
    date of the act when it is recorded afterwards (the living demo), like a transition's."""
    _require_village_actor(actor, village)
    errors: dict[str, list[str]] = {}
    if kind not in NoticeKind.values:
        errors["kind"] = ["请选择公示类别"]
    cases = list(cases)
    if not cases:
        errors["cases"] = ["请至少选择一户"]
    checked = [_check_case(c, village=village, kind=kind, actor=actor) for c in cases]
    problems = [p for p in checked if p]
    if problems:
        errors["cases"] = problems
    minimum = max(
        [policy_for(village, starts_on).notice_days] + [c.policy.notice_days for c in cases]
    )
    days = minimum if days is None else days
    if days < minimum:
        errors["days"] = [f"公示期不得少于{minimum}天"]
    if starts_on < (on or timezone.localdate()):
        errors["starts_on"] = ["公示开始日期不能早于今天"]
    place = (place or "").strip()
    phone = (phone or "").strip()
    if not place:
        errors["place"] = ["请填写张贴地点"]
    if not phone:
        errors["phone"] = ["请填写乡镇异议受理电话"]
    if village.parent is None:
        errors["village"] = ["该村(社区)未归属乡镇(街道)"]
    if errors:
        raise ValidationError(errors)
    assert village.parent is not None  # checked above; tells the type checker
    batch = NoticeBatch.objects.create(
        number=_next_number(village, starts_on),
        kind=kind,
        township=village.parent,
        village=village,
        starts_on=starts_on,
        days=days,
        place=place[:100],
        phone=phone[:40],
        created_by=actor,
    )
    NoticeEntry.objects.bulk_create(
        NoticeEntry(batch=batch, case=c, position=i + 1) for i, c in enumerate(cases)
    )
    return batch


def _locked(batch: NoticeBatch) -> NoticeBatch:
    return (
        NoticeBatch.objects.select_for_update()
        .select_related("village", "township")
        .get(pk=batch.pk)
    )


@transaction.atomic
def batch_remove_case(*, batch: NoticeBatch, case: Case, actor: User) -> None:
    """Before publication only: after it the paper is on the wall."""
    batch = _locked(batch)
    _require_village_actor(actor, batch.village)
    if batch.state != BatchState.DRAFT:
        raise ValidationError("公示已发布，不能再移出案件")
    deleted, _ = NoticeEntry.objects.filter(batch=batch, case=case).delete()
    if not deleted:
        raise ValidationError("该户不在本批公示名单中")


@transaction.atomic
def batch_publish(
    *,
    batch: NoticeBatch,
    actor: User,
    client_address: str | None = None,
    starts_on: datetime.date | None = None,
    place: str | None = None,
    on: datetime.date | None = None,
) -> NoticeBatch:
    """Publish: freeze what the paper shows (masked name, household size, amount), start the
    notice of every case on the batch's first day (cases confirmed under a post-confirmation
    policy enter 结果公示 by the clerk's own transition), signed by the publisher.
    ``starts_on`` / ``place`` replace the draft's (the day and board it is really posted on);
    the period never starts before today (``on``, the business date, as in ``batch_create``)
    and never falls short of the policy."""
    batch = _locked(batch)
    _require_village_actor(actor, batch.village)
    if batch.state != BatchState.DRAFT:
        raise ValidationError(f"公示批次当前为“{batch.get_state_display()}”，不能发布")
    entries = list(batch.entries.select_related("case", "case__applicant", "case__assistance_type"))
    if not entries:
        raise ValidationError("公示批次中没有案件")
    _set_period(batch, entries, starts_on=starts_on, place=place, today=on)
    rule = policy_for(batch.village, batch.starts_on).notice_mask_rule
    problems = []
    for entry in entries:
        case = entry.case
        if notice_kind_of(case) != batch.kind:
            problems.append(
                f"案件{case.number}已不是待公示状态（当前为“{case.get_state_display()}”）"
            )
        elif _in_active_batch(case, exclude=batch) is not None:
            problems.append(f"案件{case.number}已在另一公示批次中")
    if problems:
        raise ValidationError({"cases": problems})
    for entry in entries:
        case = entry.case
        if case.state == CaseState.CONFIRMED:
            case_transition(
                case=case,
                name="publish_result",
                actor=actor,
                client_address=client_address,
                on=batch.starts_on,
                data={"notice_batch": batch.number},
            )
        Case.objects.filter(pk=case.pk).update(notice_started_on=batch.starts_on)
        case.notice_started_on = batch.starts_on
        # The clock's notice pause begins on the batch's first day (still ahead: it runs
        # until then, and batches_start_due pauses it that day).
        clock_notice_starts(case=case, starts_on=batch.starts_on, today=on)
        case_log_event(
            case=case,
            name="notice_published",
            label="张贴公示",
            actor=actor,
            roles=BATCH_ROLES,
            opinion=f"公示批次{batch.number}，{batch.starts_on:%Y年%m月%d日}起{batch.days}天",
            client_address=client_address,
            data={"notice_batch": batch.number, "starts_on": batch.starts_on.isoformat()},
        )
        for name, value in notice_row_values(case, kind=batch.kind, rule=rule).items():
            setattr(entry, name, value)
    NoticeEntry.objects.bulk_update(entries, [*NOTICE_ROW_FIELDS])
    batch.state = BatchState.PUBLISHED
    batch.published_by = actor
    batch.published_at = timezone.now()
    batch.save(update_fields=["state", "published_by", "published_at"])
    return batch


def _set_period(
    batch: NoticeBatch,
    entries: list[NoticeEntry],
    *,
    starts_on: datetime.date | None,
    place: str | None,
    today: datetime.date | None = None,
) -> None:
    errors: dict[str, list[str]] = {}
    if starts_on is not None:
        batch.starts_on = starts_on
    if place is not None:
        place = place.strip()
        if not place:
            errors["place"] = ["请填写张贴地点"]
        batch.place = place[:100]
    if batch.starts_on < (today or timezone.localdate()):
        errors["starts_on"] = ["公示开始日期不能早于今天"]
    minimum = max(
        [policy_for(batch.village, batch.starts_on).notice_days]
        + [e.case.policy.notice_days for e in entries]
    )
    if errors:
        raise ValidationError(errors)
    batch.days = max(batch.days, minimum)
    batch.save(update_fields=["starts_on", "place", "days"])


@transaction.atomic
def batch_withdraw(*, batch: NoticeBatch, actor: User, reason: str) -> NoticeBatch:
    """Withdraw a batch before its first day, with a reason; its cases may join another."""
    batch = _locked(batch)
    _require_village_actor(actor, batch.village)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["请填写撤回理由"]})
    if batch.state not in (BatchState.DRAFT, BatchState.PUBLISHED):
        raise ValidationError(f"公示批次当前为“{batch.get_state_display()}”，不能撤回")
    if batch.state == BatchState.PUBLISHED and timezone.localdate() >= batch.starts_on:
        raise ValidationError("公示已开始，不能撤回；如有问题请登记异议")
    if batch.state == BatchState.PUBLISHED:
        # Publication dated each case's notice from the batch's first day; withdrawn before
        # it, that notice never ran, so no period may be counted from it (the case guard
        # ``notice_period_over``) until a new batch is published. Signed on each case.
        for entry in batch.entries.select_related("case").filter(outcome=""):
            case = entry.case
            if case.notice_started_on == batch.starts_on:
                Case.objects.filter(pk=case.pk).update(notice_started_on=None)
                case.notice_started_on = None
            case_log_event(
                case=case,
                name="notice_withdrawn",
                label="撤回公示",
                actor=actor,
                roles=BATCH_ROLES,
                opinion=f"公示批次{batch.number}在公示开始前撤回：{reason[:200]}",
                data={"notice_batch": batch.number},
            )
    batch.state = BatchState.WITHDRAWN
    batch.withdrawn_reason = reason[:200]
    batch.save(update_fields=["state", "withdrawn_reason"])
    return batch


@transaction.atomic
def batch_upload_photo(*, batch: NoticeBatch, actor: User, uploaded_file: UploadedFile) -> int:
    """The photo of the posted notice (JPEG or PNG by content) goes into every case's file;
    answers how many files were stored."""
    batch = _locked(batch)
    _require_village_actor(actor, batch.village)
    if batch.state != BatchState.PUBLISHED:
        raise ValidationError("公示发布后才能上传张贴照片")
    try:
        content, content_type = read_checked_upload(uploaded_file, allowed=(JPEG, PNG))
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages})
    name = getattr(uploaded_file, "name", "") or "photo"
    stored = 0
    for entry in batch.entries.select_related("case"):
        document_upload(
            case=entry.case,
            kind=Document.Kind.OTHER,
            uploaded_file=SimpleUploadedFile(name, content, content_type=content_type),
            actor=actor,
            title=f"公示张贴照片（{batch.number}）",
            allowed=(JPEG, PNG),
        )
        stored += 1
    batch.photo_uploaded_at = timezone.now()
    # The digest of the stored bytes: the batch page shows it, so the paper's photo in each
    # case's file can be checked against the one the batch recorded.
    batch.photo_sha256 = hashlib.sha256(content).hexdigest()
    batch.save(update_fields=["photo_uploaded_at", "photo_sha256"])
    return stored


@dataclass
class CloseResult:
    batches: list[str] = field(default_factory=list)
    closed_cases: int = 0
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "batches": self.batches,
            "closed_cases": self.closed_cases,
            "skipped": self.skipped,
        }


def batches_start_due(*, today: datetime.date | None = None) -> list[str]:
    """Daily (before the deadline scan): the clocks of the cases of every published batch
    whose first day has come pause from that day (``clock_notice_starts``), the ones
    published ahead of their start included. Safe to run twice; answers the numbers of the
    cases whose clock paused now."""
    today = today or timezone.localdate()
    entries = (
        NoticeEntry.objects.filter(
            batch__state=BatchState.PUBLISHED,
            batch__starts_on__lte=today,
            outcome="",
            case__state__in=NOTICE_STATES,
            case__clock__stopped_on__isnull=True,
        )
        .filter(
            Q(case__clock__paused_at__isnull=True)
            | ~Q(case__clock__paused_at=F("batch__starts_on"))
        )
        .select_related("batch", "case")
        .order_by("batch__starts_on", "pk")
    )
    paused = []
    for entry in entries:  # a period already over too: the close that follows resumes it
        with transaction.atomic():
            clock = clock_notice_starts(
                case=entry.case, starts_on=entry.batch.starts_on, today=today
            )
        if clock is not None and clock.paused_at == entry.batch.starts_on:
            paused.append(entry.case.number)
    return paused


_CLOSE_TRANSITION = {
    CaseState.PRE_NOTICE: "close_notice",
    CaseState.RESULT_NOTICE: "close_result_notice",
}


def batches_close_due(*, today: datetime.date | None = None) -> CloseResult:
    """Daily: close every published batch whose period is over and move each case still on
    notice to its next state with the clerk's own transition, signed by the system with the
    batch number as the reason. A closed batch is never touched again (safe to run twice)."""
    today = today or timezone.localdate()
    result = CloseResult()
    due = NoticeBatch.objects.filter(
        state=BatchState.PUBLISHED,
        starts_on__lte=today - datetime.timedelta(days=1),
    ).order_by("starts_on", "pk")
    for batch in due:
        if batch.closes_on > today:
            continue
        _close_one(batch, today=today, result=result)
    return result


@transaction.atomic
def _close_one(batch: NoticeBatch, *, today: datetime.date, result: CloseResult) -> None:
    batch = _locked(batch)
    if batch.state != BatchState.PUBLISHED:
        return
    actor = system_actor(batch.township)
    reason = f"公示批次{batch.number}期满无异议"
    closed = 0
    for entry in batch.entries.select_related("case").filter(outcome=""):
        case = entry.case
        name = _CLOSE_TRANSITION.get(case.state)
        if name is None or not guards.notice_period_over(case):
            result.skipped.append(case.number)
            continue
        case_transition(
            case=case,
            name=name,
            actor=actor,
            opinion=reason,
            on=today,
            data={"notice_batch": batch.number},
        )
        entry.outcome = "closed"
        entry.save(update_fields=["outcome"])
        closed += 1
    batch.state = BatchState.CLOSED
    batch.closed_at = timezone.now()
    batch.save(update_fields=["state", "closed_at"])
    result.batches.append(batch.number)
    result.closed_cases += closed
    clerks = User.objects.filter(region=batch.township, role=Role.TOWNSHIP_CLERK, is_active=True)
    notify(
        clerks,
        verb=f"{batch.village.name}公示批次{batch.number}已期满结束，{closed}户转入下一步",
        url=f"/cases/notices/{batch.pk}/",
        dedupe_key=f"notice-closed-{batch.pk}",
    )


def batches_warn_missing_photo(*, today: datetime.date | None = None) -> list[str]:
    """Daily: tell the township's clerks (and the village's assistants, who post the paper)
    of every published batch still without its posting photo the policy's working days after
    publication. Once per batch and person (the notification's dedupe key); answers the
    numbers of the batches flagged."""
    check = PhotoCheck(today)
    flagged = []
    batches = NoticeBatch.objects.filter(
        state=BatchState.PUBLISHED, photo_uploaded_at__isnull=True
    ).select_related("township", "village")
    for batch in batches:
        if not check.missing(batch):
            continue
        people = User.objects.filter(is_active=True).filter(
            Q(region=batch.township, role=Role.TOWNSHIP_CLERK)
            | Q(region=batch.village, role=Role.VILLAGE_ASSISTANT)
        )
        notify(
            people,
            verb=f"{batch.village.name}公示批次{batch.number}已发布，仍未上传张贴照片，请尽快张贴并拍照上传",
            url=f"/cases/notices/{batch.pk}/",
            dedupe_key=f"notice-photo-{batch.pk}",
        )
        flagged.append(batch.number)
    return flagged


# --- objections ----------------------------------------------------------------------------
def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": ["请填写异议内容"]})
    if len(text) > OBJECTION_MAX_CHARS:
        raise ValidationError({"text": [f"异议内容不能超过{OBJECTION_MAX_CHARS}字"]})
    if _CONTROL.search(text) or not _WORDS.search(text):
        raise ValidationError({"text": ["异议内容须为文字，不能包含控制字符或文件内容"]})
    return text


@dataclass
class ObjectionOutcome:
    objection: Objection
    message: str


#: What the person who raises an objection after the period (or for a household with no
#: open notice) is told, on the township's page, in the API and on the public page.
LATE_OBJECTION_MESSAGE = "该户公示期已结束或未在公示中，已按投诉举报登记并转县级核查"


def not_started_message(batch: NoticeBatch) -> str:
    """What a person objecting to a batch published ahead of its first day is told."""
    return (
        f"本批公示尚未开始：公示期为{batch.starts_on:%Y年%m月%d日}至{batch.ends_on:%Y年%m月%d日}，"
        f"请在公示期内提出异议；如有紧急情况，可致电乡镇民政办{batch.phone}或{HOTLINE}反映"
    )


def _repeat_message(objection: Objection) -> str:
    if objection.is_complaint:
        return "该异议今天已登记，已按投诉举报登记并转县级核查，无需重复提交"
    return "该异议今天已登记，案件已在异议复查中，无需重复提交"


@transaction.atomic
def objection_record(
    *,
    case: Case,
    text: str,
    actor: User | None,
    batch: NoticeBatch | None = None,
    channel: str = Objection.Channel.TOWNSHIP,
    raised_by: str = "",
    contact: str = "",
    anonymous: bool = False,
    client_address: str | None = None,
) -> ObjectionOutcome:
    """An objection to one household (A Art.19, C Art.15). During the period it moves the
    case into 异议复查 (re-investigation, then a new notice, or refusal / revocation); after
    it, or with no open notice, it is recorded and handled as a complaint (A Art.20: the
    county visits). ``actor`` None: sent from the public page, signed by the system."""
    text = _clean_text(text)
    raised_by = "" if anonymous else (raised_by or "").strip()[:40]
    contact = (contact or "").strip()[:60]
    if actor is not None:
        case_require_actor(case=case, actor=actor, roles=OBJECTION_ROLES)
    case = Case.objects.select_for_update().get(pk=case.pk)
    entry = None
    if batch is not None:
        entry = NoticeEntry.objects.filter(batch=batch, case=case).first()
        if entry is None or batch.state in (BatchState.DRAFT, BatchState.WITHDRAWN):
            raise ValidationError({"case": ["该户不在本批公示名单中"]})
    today = timezone.localdate()
    if batch is not None and batch.state == BatchState.PUBLISHED and today < batch.starts_on:
        # Published ahead of its first day: the period has not begun, so this is neither an
        # objection during the notice nor a complaint after it (A Art.19: during the period).
        raise ValidationError(not_started_message(batch))
    open_now = entry is not None and batch is not None and batch.is_open_on(today)
    during = (
        open_now and entry is not None and entry.outcome == "" and case.state in _CLOSE_TRANSITION
    )
    # A second objection to a household already in 异议复查 from this batch, while the
    # batch is still on the wall, joins that re-investigation: it is no complaint.
    joined = (
        open_now
        and entry is not None
        and entry.outcome == "objection"
        and case.state == CaseState.OBJECTION
    )
    # The same objection sent twice (a double click, a retried request) the same day is
    # recorded once: the case row is locked above, so the second waits and finds the first.
    same = Objection.objects.filter(
        batch=batch,
        case=case,
        channel=channel,
        anonymous=anonymous,
        raised_by=raised_by,
        contact=contact,
        text=text,
        recorded_by=actor,
        client_address=client_address,
        received_at__gte=timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0),
    ).first()
    if same is not None:
        return ObjectionOutcome(objection=same, message=_repeat_message(same))
    signer = actor or system_actor(case.township)
    objection = Objection.objects.create(
        batch=batch,
        case=case,
        channel=channel,
        is_complaint=not (during or joined),
        anonymous=anonymous,
        raised_by=raised_by,
        contact=contact,
        text=text,
        recorded_by=actor,
        client_address=client_address,
    )
    data = {"objection": objection.pk, **({"notice_batch": batch.number} if batch else {})}
    if during:
        assert entry is not None and batch is not None
        case_transition(
            case=case,
            name="raise_objection",
            actor=signer,
            opinion=f"公示批次{batch.number}收到异议（{objection.get_channel_display()}）：{text[:200]}",
            client_address=client_address,
            data=data,
        )
        entry.outcome = "objection"
        entry.save(update_fields=["outcome"])
        message = "异议已登记，案件转入异议复查"
    elif joined:
        assert batch is not None
        case_log_event(
            case=case,
            name="objection_joined",
            label="公示期内又收到异议(并入异议复查)",
            actor=signer,
            roles=OBJECTION_ROLES,
            opinion=f"公示批次{batch.number}收到异议（{objection.get_channel_display()}）：{text[:200]}",
            client_address=client_address,
            data=data,
        )
        message = "异议已登记，该户已在异议复查中，将一并复查"
    else:
        Case.objects.filter(pk=case.pk).update(complaint_flag=True)
        case.complaint_flag = True
        # The county's complaint register (review, connected in its AppConfig.ready())
        # registers it in this transaction and answers the complaint's number.
        numbers = [
            number
            for _, number in late_objection_recorded.send(
                sender=Objection, objection=objection, actor=signer
            )
            if isinstance(number, str) and number
        ]
        if numbers:
            data["complaints"] = numbers
        case_log_event(
            case=case,
            name="late_objection",
            label="公示期外异议按投诉登记",
            actor=signer,
            roles=OBJECTION_ROLES,
            opinion=text[:200],
            client_address=client_address,
            data=data,
        )
        message = LATE_OBJECTION_MESSAGE + (
            f"（投诉登记号{'、'.join(numbers)}）" if numbers else ""
        )
    clerks = User.objects.filter(region=case.township, role=Role.TOWNSHIP_CLERK, is_active=True)
    notify(
        clerks,
        verb=f"案件{case.number}收到{'投诉' if objection.is_complaint else '公示异议'}",
        url=f"/cases/{case.pk}/",
        dedupe_key=f"objection-{objection.pk}",
    )
    return ObjectionOutcome(objection=objection, message=message)


def objection_rate_limited(*, client_address: str | None, township: Region) -> bool:
    """Captcha-free limit on the public form: at most the policy's number per client
    address and hour; counts the attempt."""
    limit = policy_for(township, timezone.localdate()).objection_rate_limit
    key = f"objection-rate:{client_address or 'unknown'}:{timezone.now():%Y%m%d%H}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > limit


def objection_submit_public(
    *,
    batch: NoticeBatch,
    case_id: int,
    text: str,
    contact: str = "",
    raised_by: str = "",
    client_address: str | None = None,
) -> ObjectionOutcome:
    """From the QR page, no login: the household is chosen among the batch's entries."""
    if objection_rate_limited(client_address=client_address, township=batch.township):
        raise ValidationError("提交过于频繁，请一小时后再试，或致电乡镇民政办、12349反映")
    case = Case.objects.filter(pk=case_id, notice_entries__batch=batch).first()
    if case is None:
        raise ValidationError({"case": ["该户不在本批公示名单中"]})
    return objection_record(
        case=case,
        batch=batch,
        text=text,
        actor=None,
        channel=Objection.Channel.ONLINE,
        raised_by=raised_by,
        contact=contact,
        anonymous=not raised_by.strip(),
        client_address=client_address,
    )


@transaction.atomic
def objection_feedback(*, objection: Objection, actor: User, feedback: str) -> Objection:
    """The handling ends with feedback to the person who objected, where they left a way to
    reach them (A Art.36–37)."""
    case_require_actor(case=objection.case, actor=actor, roles=OBJECTION_ROLES)
    feedback = (feedback or "").strip()
    if not feedback:
        raise ValidationError({"feedback": ["请填写处理结果与反馈内容"]})
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.status != Objection.Status.OPEN:
        raise ValidationError("该异议已办结")
    objection.feedback = feedback
    objection.feedback_by = actor
    objection.feedback_at = timezone.now()
    objection.status = Objection.Status.ANSWERED if objection.contact else Objection.Status.CLOSED
    objection.save(update_fields=["feedback", "feedback_by", "feedback_at", "status"])
    return objection

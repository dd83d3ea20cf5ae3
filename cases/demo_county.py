"""The living demo county: cases registered and worked through the real services (intake,
checklist, 受理, check request and report, survey, transitions), with business dates in the
past passed as ``on`` to the transitions (the signed log keeps the real signing time and
records the business date). The amounts are computed as the facts come in (the county's
standards are seeded first), so cases reach 发放中 (the register, funds/demo.py) and, in
石桥镇 (notice after confirmation), 结果公示 batches closed by the daily task; an objection
leads one to 民主评议; one running clock is extended and the deadline scan marks due-soon and
overdue clocks; a near-relative entry flags an open case; an emergency gets a grant.
Idempotent: a county that already has demo cases is left as is."""

from __future__ import annotations

import datetime
import io
import logging
import time
from collections import Counter

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter

from cases.clocks.services import clock_extend, scan_deadlines
from cases.intake.services.amounts import tekun_assessment_save
from cases.intake.services.application import application_create, checklist_update
from cases.intake.services.checks import check_request, check_return
from cases.intake.services.near_relatives import near_relative_register
from cases.intake.services.survey import survey_save
from cases.models import Case, CaseClock, CaseState, EconomicCheck, Member, NearRelative
from cases.notices.models import NoticeKind
from cases.notices.services import (
    batch_create,
    batch_publish,
    batch_upload_photo,
    batches_close_due,
    notice_kind_of,
    objection_record,
)
from cases.notices.tasks import close_due_batches
from cases.rules import checklist_for_case
from cases.states import WorkflowKind
from cases.temporary.models import GrantBody, GrantKind
from cases.temporary.services import (
    emergency_causes,
    emergency_grant_create,
    emergency_register,
    policy_for_village,
)
from cases.workflow.services import TransitionRefused, case_transition
from funds.standards.demo import seed_standards
from relief.models import AssistanceType, Region, Role, User
from relief.workdays import workdays_between

DEMO_MARK = "演示"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = ["德福", "秀兰", "建国", "桂英", "长青", "玉梅", "志强", "春花", "海波", "丽华"]
TYPE_CODES = [
    "dibao_rural",
    "dibao_urban",
    "tekun_dispersed",
    "tekun_centralized",
    "temp_expense",
    "orphan",
    "elderly_subsidy",
    "disability_subsidy",
]
logger = logging.getLogger(__name__)

#: How far each demo case goes; spread over townships and types by position.
TARGETS = [
    CaseState.DRAFT,
    CaseState.AWAITING_DOCUMENTS,
    CaseState.RETURNED_TO_VILLAGE,
    CaseState.ACCEPTED,
    CaseState.CHECKING,
    CaseState.VISITING,
    CaseState.INVESTIGATING,
    CaseState.EVALUATING,
    CaseState.PRE_NOTICE,
    CaseState.OBJECTION,
    CaseState.REVIEW,
    CaseState.COUNTY_REVIEW,
    CaseState.CONFIRMED,
    CaseState.RESULT_NOTICE,
    CaseState.PAYING,
    CaseState.PAYING,
    CaseState.REFUSED,
    CaseState.WITHDRAWN,
    CaseState.TERMINATED,
    CaseState.REVOKED,
]
#: Transitions tried in this order to move a case forward along its route.
FORWARD = [
    "accept",
    "start_investigation",
    "finish_check",
    "finish_investigation",
    "finish_evaluation",
    "close_notice",
    "finish_reinvestigation",
    "confirm",
    "refer_to_county",
    "county_approve",
    "publish_result",
    "start_payment",
    "close_result_notice",
]
EXITS = {
    CaseState.REFUSED: "refuse",
    CaseState.WITHDRAWN: "withdraw",
    CaseState.TERMINATED: "terminate",
    CaseState.REVOKED: "county_revoke",
    CaseState.OBJECTION: "raise_objection",
}


def _pdf() -> SimpleUploadedFile:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile("report.pdf", buffer.getvalue(), content_type="application/pdf")


def _jpeg(seed: int) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (90 + seed % 120, 140, 160)).save(buffer, format="JPEG")
    return SimpleUploadedFile(f"photo{seed}.jpg", buffer.getvalue(), content_type="image/jpeg")


def _id_number(birth: datetime.date, male: bool, seq: int) -> str:
    from stdnum.cn import ric

    body = f"340521{birth:%Y%m%d}{(seq % 100) * 10 + (1 if male else 2):03d}"
    return body + ric.calc_check_digit(body + "0")


def _household(village: Region, n: int, type_code: str) -> dict:
    """The household as stated at intake, with the account its payments go to (the register
    checks the number's digit when the clerk enters it: funds/recipients/demo.py)."""
    return {
        "address": f"{DEMO_MARK}·{village.name}{n + 1}号",
        "village_group": f"第{n % 6 + 1}村民小组",
        "hukou_type": "urban" if type_code == "dibao_urban" else "rural",
        "phone": f"1390555{n:04d}",
        "bank_name": "安徽当涂农村商业银行",
        "bank_account": f"6228480555{n:08d}0",
    }


def _members(n: int, type_code: str) -> list[dict]:
    surname = SURNAMES[n % len(SURNAMES)]
    if type_code in ("orphan",):
        birth = datetime.date(2012 + n % 6, 1 + n % 12, 1 + n % 27)
    elif type_code == "elderly_subsidy" or type_code.startswith("tekun"):
        birth = datetime.date(1938 + n % 15, 1 + n % 12, 1 + n % 27)
    else:
        birth = datetime.date(1960 + n % 25, 1 + n % 12, 1 + n % 27)
    hukou = "urban" if type_code == "dibao_urban" else "rural"
    rows = [
        {
            "name": surname + GIVEN[n % len(GIVEN)],
            "id_number": _id_number(birth, n % 2 == 0, n),
            "relation": Member.Relation.SELF,
            "hukou_type": hukou,
        }
    ]
    if type_code.startswith("dibao") and n % 3:
        spouse_birth = birth.replace(year=birth.year + 2)
        rows.append(
            {
                "name": SURNAMES[(n + 7) % len(SURNAMES)] + GIVEN[(n + 3) % len(GIVEN)],
                "id_number": _id_number(spouse_birth, n % 2 == 1, n + 50),
                "relation": Member.Relation.SPOUSE,
                "hukou_type": hukou,
            }
        )
    return rows


class _Actors:
    def __init__(self) -> None:
        users = list(User.objects.filter(is_active=True).select_related("region"))
        self.by_role: dict[tuple[str, int], User] = {}
        for u in users:
            for role in (u.role, u.extra_role):
                if role:
                    self.by_role.setdefault((role, u.region_id), u)
        self.county_roles = {
            u.role: u for u in users if u.region.level == Region.Level.COUNTY and u.role
        }

    def of(self, role: str, case: Case) -> User | None:
        if role in (Role.COUNTY_VERIFIER, Role.COUNTY_SUPERVISOR):
            return self.county_roles.get(role)
        if role == Role.VILLAGE_ASSISTANT:
            return self.by_role.get((role, case.village_id))
        return self.by_role.get((role, case.township_id))


def _try(case: Case, name: str, actors: _Actors, on: datetime.date, opinion: str) -> bool:
    specs = [
        t for t in case.get_all_state_transitions() if t.name == name and t.source == case.state
    ]
    if not specs:
        return False
    for role in specs[0].custom.get("roles", ()):
        actor = actors.of(role, case)
        if actor is None:
            continue
        try:
            case_transition(case=case, name=name, actor=actor, opinion=opinion, on=on)
            return True
        except (TransitionRefused, ValidationError) as exc:
            logger.debug("demo: %s refused for %s: %s", name, case.number, exc)
            case.refresh_from_db()
            continue
    return False


def _facts(
    case: Case, actors: _Actors, on: datetime.date, n: int, target: str | None = None
) -> None:
    """The work a case waits for: the county's check report and the village survey (and,
    for 特困, the clerk's self-care assessment), after which the amount is computed."""
    clerk = actors.of(Role.TOWNSHIP_CLERK, case)
    if (
        case.assistance_type.workflow == WorkflowKind.TEKUN
        and clerk is not None
        and not hasattr(case, "tekun_assessment")
    ):
        tekun_assessment_save(
            case=case,
            actor=clerk,
            data={
                "can_eat": True,
                "can_dress": n % 2 == 0,
                "can_transfer": True,
                "can_toilet": n % 3 != 0,
                "can_walk_indoors": True,
                "can_bathe": False,
                "has_able_supporter": False,
                "supporter_note": "无法定赡养人，子女均已去世",
            },
        )
    if case.check_status in ("", "none", None) and case.state in (
        CaseState.CHECKING,
        CaseState.INVESTIGATING,
    ):
        check_request(case=case, actor=clerk)
    verifier = actors.of(Role.COUNTY_VERIFIER, case)
    pending = case.economic_checks.filter(status=EconomicCheck.Status.REQUESTED).first()
    if pending is not None and verifier is not None:
        check_return(
            check=pending,
            actor=verifier,
            conclusion=EconomicCheck.Conclusion.MEETS,
            conclusion_note="收入、存款、车辆、房产均在认定标准以内",
            member_results=[
                {"id_number": m.id_number, "monthly_income": "300", "deposits": "2000"}
                for m in case.household.members.all()
            ],
            report_file=_pdf(),
        )
        case.refresh_from_db()
    if (
        case.state in (CaseState.VISITING, CaseState.INVESTIGATING)
        and case.state != target
        and case.survey_status != "complete"
    ):
        surveyor = actors.of(Role.VILLAGE_ASSISTANT, case) or clerk
        survey_save(
            case=case,
            actor=surveyor,
            data={
                "visit_date": on.isoformat(),
                "investigators": ["陈晓燕", "张秀英"],
                "housing": "own",
                "living_conditions": "家中无大件家电，主要劳动力患慢性病，靠零工维持生活",
                "findings": "家庭收入低于当地低保标准，情况属实",
            },
            finish=True,
            photos=[_jpeg(n)],
        )
        case.refresh_from_db()


def _drive(case: Case, target: str, actors: _Actors, start: datetime.date, n: int) -> None:
    day = start
    clerk = actors.of(Role.TOWNSHIP_CLERK, case)
    if target == CaseState.DRAFT:
        return
    if target == CaseState.RETURNED_TO_VILLAGE:
        _try(case, "return_to_village", actors, day, "户籍证明复印件不清晰，请补充")
        return
    if target == CaseState.AWAITING_DOCUMENTS:
        from cases.intake.services.application import case_issue_document_notice

        case_issue_document_notice(case=case, actor=clerk)
        return
    exit_name = EXITS.get(target)
    for _step in range(14):
        if case.state == target:
            if target in (CaseState.CHECKING, CaseState.INVESTIGATING) and (
                case.check_status in ("", "none", None)
            ):
                check_request(case=case, actor=clerk)
            return
        if exit_name and _try(case, exit_name, actors, day, _exit_opinion(target)):
            if case.state == target:
                return
        if case.state == CaseState.ACCEPTED and target == CaseState.ACCEPTED:
            return
        if case.state == CaseState.CHECKING and target == CaseState.CHECKING:
            if case.check_status in ("", "none", None):
                check_request(case=case, actor=clerk)
            return
        if case.state in (CaseState.CHECKING, CaseState.VISITING, CaseState.INVESTIGATING):
            if case.state == target:
                return
            _facts(case, actors, day, n, target)
        moved = False
        if target == CaseState.EVALUATING and case.state == CaseState.PRE_NOTICE:
            # 民主评议 is held when a notice meets an objection (policy on_objection): the
            # objection is registered, the re-investigation finds it unfounded.
            moved = _try(case, "raise_objection", actors, day, _exit_opinion(CaseState.OBJECTION))
            if moved:
                moved = _try(case, "finish_reinvestigation", actors, day, "复查核实，异议不成立")
            if case.state == target:
                return
        if case.state in _NOTICE and clerk is not None:
            _post_notice(case, clerk, day)
            if case.state == target:
                return
        for name in FORWARD:
            if _try(case, name, actors, day, "情况属实，同意"):
                moved = True
                break
        if not moved:
            return
        day += datetime.timedelta(days=2 if case.state not in _NOTICE else 1)
        if case.state in _NOTICE:
            # the notice ran its period (the policy's days): it has ended
            day += datetime.timedelta(days=int(case.policy.notice_days) + 1)
        day = min(day, timezone.localdate())


_NOTICE = (CaseState.PRE_NOTICE, CaseState.RESULT_NOTICE)


def _post_notice(case: Case, clerk: User, day: datetime.date) -> None:
    """The notice really posted (guards.notice_ran_in_batch): a batch of the case's village
    from the day it entered the notice, published then; the daily task closes it on ``day``
    when its period is over, moving the case on as the system with the batch number."""
    kind = notice_kind_of(case)
    began = case.notice_started_on or day
    if kind is None or began > day:
        return
    village = Region.objects.get(pk=case.village_id)
    batch = batch_create(
        actor=clerk,
        village=village,
        kind=kind,
        cases=[case],
        starts_on=began,
        place=f"{village.name}村务公开栏",
        phone="0555-6812345",
        on=began,
    )
    batch_publish(batch=batch, actor=clerk, on=began)
    batches_close_due(today=day)
    case.refresh_from_db()


_PAID = (CaseState.PAYING, CaseState.RESULT_NOTICE, CaseState.REVOKED, CaseState.CONFIRMED)


def _exit_opinion(target: str) -> str:
    return {
        CaseState.REFUSED: "核对发现家庭存款超过认定标准",
        CaseState.WITHDRAWN: "申请人书面申请撤回",
        CaseState.TERMINATED: "申请人拒不配合入户调查",
        CaseState.REVOKED: "抽查发现隐瞒收入，依法撤销",
        CaseState.OBJECTION: "村民反映申请人有经营性收入",
    }.get(target, "同意")


def seed_demo_county(*, count: int = 80, stdout=None) -> int:
    """Register and work ``count`` demo cases; nothing happens when they exist already."""
    began = time.monotonic()
    townships = list(Region.objects.filter(level=Region.Level.TOWNSHIP).order_by("code"))
    actors = _Actors()
    if Case.objects.filter(household__address__startswith=DEMO_MARK).exists():
        return 0
    county = Region.objects.filter(level=Region.Level.COUNTY).order_by("code").first()
    if county is not None:
        # the amounts are computed as the facts come in: the standards must be there first
        seed_standards(county)
    types = {t.code: t for t in AssistanceType.objects.filter(code__in=TYPE_CODES)}
    today = timezone.localdate()
    reached: Counter[str] = Counter()
    failed = 0
    for n in range(count):
        township = townships[n % len(townships)]
        clerk = actors.by_role.get((Role.TOWNSHIP_CLERK, township.pk))
        if clerk is None:
            continue
        villages = list(township.children.order_by("code"))
        village = villages[n % len(villages)]
        type_code = TYPE_CODES[(n // len(townships)) % len(TYPE_CODES)]
        target = TARGETS[(n + n // len(TARGETS)) % len(TARGETS)]
        if target in _PAID and not type_code.startswith(("dibao", "tekun")):
            # payment needs a computed monthly amount: 低保 and 特困 compute it from the facts
            type_code = "dibao_urban" if n % 2 else "dibao_rural"
        start = today - datetime.timedelta(days=25 + (n * 7) % 50)
        if target in _PAID:
            # decided two or three months ago: on last month's roster too
            start = today - datetime.timedelta(days=80 + (n * 7) % 30)
        try:
            case = application_create(
                actor=clerk,
                village=village,
                assistance_type=types[type_code],
                household=_household(village, n, type_code),
                members=_members(n, type_code),
            )
            if target not in (CaseState.DRAFT, CaseState.AWAITING_DOCUMENTS):
                codes = [r["code"] for r in checklist_for_case(case) if r["required"]]
                checklist_update(
                    case=case,
                    actor=clerk,
                    provided=codes,
                    notes=dict.fromkeys(codes, "原件已核验，复印件存档"),
                )
            _drive(case, target, actors, start, n)
        except (ValidationError, TransitionRefused) as exc:
            failed += 1
            if stdout is not None:
                stdout.write(f"  演示案件 {n + 1} 未到达{target}：{exc}")
            continue
        case.refresh_from_db()
        reached[case.state] += 1
    for case in _seed_notices(actors, first=count, stdout=stdout):
        case.refresh_from_db()
        reached[case.state] += 1
    for case in _seed_result_notices(actors, first=count + NOTICE_HOUSEHOLDS, stdout=stdout):
        case.refresh_from_db()
        reached[case.state] += 1
    emergency = _seed_emergency(actors, n=count + NOTICE_HOUSEHOLDS + RESULT_HOUSEHOLDS + 1)
    if emergency is not None:
        emergency.refresh_from_db()
        reached[emergency.state] += 1
    _seed_clocks(actors, stdout=stdout)
    _seed_near_relative(actors, first=count + NOTICE_HOUSEHOLDS + RESULT_HOUSEHOLDS, stdout=stdout)
    if stdout is not None:
        summary = "，".join(f"{CaseState(s).label}{k}" for s, k in sorted(reached.items()))
        stdout.write(
            f"演示案件：{sum(reached.values())} 件（{summary}），"
            f"耗时 {time.monotonic() - began:.1f} 秒" + (f"，{failed} 件失败" if failed else "")
        )
    return sum(reached.values())


#: The living demo's notice batches (公示): households of the village assistant's village
#: brought to 确认前公示, one batch that ran its period and was closed by the daily task, one
#: on the wall with an objection recorded at the township.
NOTICE_VILLAGE = "340521100201"
NOTICE_HOUSEHOLDS = 5


def _seed_notices(actors: _Actors, *, first: int, stdout=None) -> list[Case]:
    """Through the notice services and the daily task, as a clerk and an assistant would."""
    village = Region.objects.filter(code=NOTICE_VILLAGE).select_related("parent").first()
    if village is None or village.parent is None:
        return []
    clerk = actors.by_role.get((Role.TOWNSHIP_CLERK, village.parent.pk))
    assistant = actors.by_role.get((Role.VILLAGE_ASSISTANT, village.pk))
    if clerk is None or assistant is None:
        return []
    today = timezone.localdate()
    dibao = AssistanceType.objects.get(code="dibao_rural")
    ready = []
    for i in range(NOTICE_HOUSEHOLDS):
        n = first + i
        case = application_create(
            actor=clerk,
            village=village,
            assistance_type=dibao,
            household=_household(village, n, "dibao_rural"),
            members=_members(n, "dibao_rural"),
        )
        codes = [r["code"] for r in checklist_for_case(case) if r["required"]]
        checklist_update(
            case=case,
            actor=clerk,
            provided=codes,
            notes=dict.fromkeys(codes, "原件已核验，复印件存档"),
        )
        _drive(case, CaseState.PRE_NOTICE, actors, today - datetime.timedelta(days=40), n)
        case.refresh_from_db()
        if notice_kind_of(case) is not None:
            ready.append(case)
    if len(ready) < 3:
        return ready
    kind = notice_kind_of(ready[0])
    days = int(ready[0].policy.notice_days)
    # Ended: posted long enough ago to have run its period; the daily task closes it.
    began = today - datetime.timedelta(days=days + 3)
    ended = batch_create(
        actor=assistant,
        village=village,
        kind=kind,
        cases=ready[:2],
        starts_on=began,
        place=f"{village.name}村务公开栏",
        phone="0555-6812345",
        on=began,
    )
    ended = batch_publish(batch=ended, actor=assistant, on=began)
    batch_upload_photo(batch=ended, actor=assistant, uploaded_file=_jpeg(first))
    close_due_batches()
    # On the wall: the rest, posted today; one household meets an objection at the township.
    rest = ready[2:]
    open_batch = batch_create(
        actor=clerk,
        village=village,
        kind=kind,
        cases=rest,
        starts_on=today,
        place=f"{village.name}党群服务中心公示栏",
        phone="0555-6812345",
    )
    open_batch = batch_publish(batch=open_batch, actor=clerk)
    objection_record(
        case=rest[0],
        batch=open_batch,
        text="该户家中有一辆营运货车，收入未如实申报",
        actor=clerk,
        raised_by="本村村民",
        contact="13905550000",
    )
    if stdout is not None:
        stdout.write(
            f"演示公示：{village.name} 2 个批次（1 个期满由每日任务结束，1 个公示中），"
            f"{len(ready)} 户"
        )
    return ready


#: 结果公示 (石桥镇: notice after confirmation, seed 002): households confirmed there, one
#: batch that ran its period and was closed by the daily task (to 发放中), one on the wall.
RESULT_VILLAGE = "340521103201"
RESULT_HOUSEHOLDS = 4


def _register(actors: _Actors, village: Region, n: int, type_code: str) -> Case | None:
    """A demo household of ``village`` registered with its documents checked by the clerk."""
    clerk = actors.by_role.get((Role.TOWNSHIP_CLERK, village.parent_id))
    if clerk is None:
        return None
    case = application_create(
        actor=clerk,
        village=village,
        assistance_type=AssistanceType.objects.get(code=type_code),
        household=_household(village, n, type_code),
        members=_members(n, type_code),
    )
    codes = [r["code"] for r in checklist_for_case(case) if r["required"]]
    checklist_update(
        case=case, actor=clerk, provided=codes, notes=dict.fromkeys(codes, "原件已核验，复印件存档")
    )
    return case


def _seed_result_notices(actors: _Actors, *, first: int, stdout=None) -> list[Case]:
    village = Region.objects.filter(code=RESULT_VILLAGE).select_related("parent").first()
    if village is None or village.parent is None:
        return []
    clerk = actors.by_role.get((Role.TOWNSHIP_CLERK, village.parent_id))
    if clerk is None:
        return []
    today = timezone.localdate()
    confirmed = []
    for i in range(RESULT_HOUSEHOLDS):
        case = _register(actors, village, first + i, "dibao_rural")
        if case is None:
            continue
        _drive(case, CaseState.CONFIRMED, actors, today - datetime.timedelta(days=45), first + i)
        case.refresh_from_db()
        if notice_kind_of(case) == NoticeKind.RESULT and case.state == CaseState.CONFIRMED:
            confirmed.append(case)
    if len(confirmed) < 2:
        return confirmed
    days = int(confirmed[0].policy.notice_days)
    began = today - datetime.timedelta(days=days + 2)
    ended = batch_create(
        actor=clerk,
        village=village,
        kind=NoticeKind.RESULT,
        cases=confirmed[:-1],
        starts_on=began,
        place=f"{village.name}村务公开栏",
        phone="0555-6823456",
        on=began,
    )
    ended = batch_publish(batch=ended, actor=clerk, on=began)
    batch_upload_photo(batch=ended, actor=clerk, uploaded_file=_jpeg(first))
    close_due_batches()
    on_wall = batch_create(
        actor=clerk,
        village=village,
        kind=NoticeKind.RESULT,
        cases=confirmed[-1:],
        starts_on=today,
        place=f"{village.name}党群服务中心公示栏",
        phone="0555-6823456",
    )
    batch_publish(batch=on_wall, actor=clerk)
    if stdout is not None:
        stdout.write(
            f"演示结果公示：{village.name} 2 个批次（1 个期满转入发放，1 个公示中），"
            f"{len(confirmed)} 户"
        )
    return confirmed


def _seed_clocks(actors: _Actors, *, stdout=None) -> None:
    """The township's approver extends (A Art.22) the clock that ran out most recently, by
    enough to bring its due date a couple of working days ahead; then the daily deadline
    scan marks the due-soon and overdue clocks and notifies."""
    today = timezone.localdate()
    running = (
        CaseClock.objects.filter(
            stopped_on__isnull=True,
            paused_at__isnull=True,
            extended_wd=0,
            overall_due__lt=today,
            case__household__address__startswith=DEMO_MARK,
            case__state__in=(CaseState.REVIEW, CaseState.VISITING, CaseState.CHECKING),
        )
        .select_related("case")
        .order_by("-overall_due", "case_id")
    )
    for clock in running:
        approver = actors.of(Role.TOWNSHIP_APPROVER, clock.case)
        extra = workdays_between(clock.overall_due, today) + 2
        if approver is None or extra > clock.can_extend_by:
            continue
        try:
            clock_extend(
                case=clock.case,
                actor=approver,
                extra_wd=extra,
                reason="申请人家庭成员在外地务工，收入证明需异地协查，延长办理时限",
            )
        except (ValidationError, TransitionRefused) as exc:
            logger.debug("demo: no extension for %s: %s", clock.case.number, exc)
            continue
        break
    scan_deadlines()
    if stdout is not None:
        clocks = CaseClock.objects.filter(case__household__address__startswith=DEMO_MARK)
        stdout.write(
            f"演示时限：临期 {clocks.filter(due_soon=True).count()} 件，"
            f"超期 {clocks.filter(overdue=True).count()} 件，"
            f"已延长 {clocks.filter(extended_wd__gt=0).count()} 件"
        )


def _seed_near_relative(actors: _Actors, *, first: int, stdout=None) -> Case | None:
    """A Art.11: a village committee member's sister applies; the clerk registers the near
    relative, and her open case is flagged at once (the county visits before confirmation)."""
    village = Region.objects.filter(code=NOTICE_VILLAGE).select_related("parent").first()
    if village is None or village.parent is None:
        return None
    clerk = actors.by_role.get((Role.TOWNSHIP_CLERK, village.parent_id))
    if clerk is None:
        return None
    case = _register(actors, village, first, "dibao_rural")
    if case is None:
        return None
    start = timezone.localdate() - datetime.timedelta(days=12)
    _drive(case, CaseState.VISITING, actors, start, first)
    applicant = case.household.members.order_by("pk").first()
    if (
        applicant is None
        or NearRelative.objects.filter(relative_id_number=applicant.id_number).exists()
    ):
        return None
    near_relative_register(
        actor=clerk,
        data={
            "township": village.parent,
            "village": village,
            "worker_name": "周建华",
            "worker_position": NearRelative.Position.VILLAGE_COMMITTEE,
            "relative_name": applicant.name,
            "relative_id_number": applicant.id_number,
            "relation": "姐妹",
        },
    )
    case.refresh_from_db()
    if stdout is not None:
        stdout.write(
            f"演示近亲属备案：{village.name}村委会成员周建华之姐妹 {applicant.name}，"
            f"案件{case.number}" + ("已标记" if case.near_relative_flag else "未标记")
        )
    return case


def _seed_emergency(actors: _Actors, *, n: int) -> Case | None:
    """急难型临时救助: a fire victim registered by the township clerk, helped at once with a
    township cash grant (the help clock stops, the paperwork clock runs on)."""
    village = Region.objects.filter(code=NOTICE_VILLAGE).select_related("parent").first()
    if village is None or village.parent is None:
        return None
    clerk = actors.by_role.get((Role.TOWNSHIP_CLERK, village.parent.pk))
    causes = emergency_causes(policy_for_village(village))
    if clerk is None or not causes:
        return None
    cause = next((c for c in causes if "火" in c), causes[0])
    birth = datetime.date(1971, 3, 15)
    case = emergency_register(
        actor=clerk,
        village=village,
        person_name="钱德胜",
        id_number=_id_number(birth, True, n),
        cause=cause,
        needs="住房失火，急需临时生活费和衣被",
        address=f"{DEMO_MARK}·{village.name}{n + 1}号",
        hukou_type="rural",
        phone=f"1390555{n:04d}",
    )
    emergency_grant_create(
        case=case,
        actor=clerk,
        body=GrantBody.TOWNSHIP,
        kind=GrantKind.CASH,
        description="临时生活费，当日发放",
        amount="1500",
    )
    return case

"""One object of every kind the object-bearing URLs name, built for a given township and
village (the permission matrix's fixture factory, ``tests/security/matrix.py``).

Built straight with the ORM (and the shared factories), not through services: the matrix asks
who may reach an object, not how it came to be, and a service's own rules (deadlines, four
eyes, policies) would only make the set-up depend on the state of the demo county."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.base import ContentFile

from archive.models import ArchiveExport, Document
from cases.models import (
    CaseEvent,
    CaseState,
    Department,
    EconomicCheck,
    Emergency,
    IncomeItem,
    NearRelative,
    Referral,
)
from cases.notices.models import NoticeBatch, NoticeEntry, NoticeKind, Objection
from cases.panel.models import PanelMeeting
from funds.dynamic.models import (
    DishonestyRecord,
    FindingSource,
    PostingObjection,
    ReviewCase,
    TerminationPosting,
)
from funds.publicity.models import StandingList
from funds.recipients.models import (
    Bank,
    BankAccount,
    Recipient,
    RecipientStatus,
    StandardAdjustmentRun,
)
from funds.rosters.models import RosterExport, RosterRun
from relief.models import AssistanceType, Delegation, Job, Region, Role, User, WorkdayOverride
from review.models import (
    Complaint,
    Filing,
    Query,
    RectificationOrder,
    RectificationResponse,
    SpotCheckCampaign,
    SpotCheckItem,
    VisitPhoto,
)
from tests.factories import CaseFactory, HouseholdFactory, MemberFactory

_seq = itertools.count(1)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _luhn(seed: int) -> str:
    body = f"621700{seed:012d}"
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def _document(case, kind: str = "evidence") -> Document:
    n = next(_seq)
    return Document.objects.create(
        case=case,
        kind=kind,
        file=ContentFile(PNG, name=f"matrix-{n}.png"),
        original_name=f"matrix-{n}.png",
        content_type="image/png",
        size=len(PNG),
        sha256=f"{n:064x}",
    )


def build_objects(*, township: Region, village: Region, owner: User) -> SimpleNamespace:
    """Every kind of object for ``township`` / ``village``; ``owner`` is a user of that
    township (the clerk), who is named as the author where a model needs one."""
    n = next(_seq)
    county = township.parent
    dibao = AssistanceType.objects.get(code="dibao_rural")
    household = HouseholdFactory(village=village, township=township)
    case = CaseFactory(
        household=household, assistance_type=dibao, force_state=CaseState.INVESTIGATING
    )
    paying = CaseFactory(
        household=HouseholdFactory(village=village, township=township),
        assistance_type=dibao,
        force_state=CaseState.PAYING,
    )
    member = MemberFactory(household=household, relation="spouse", name="李秀兰")
    income = IncomeItem.objects.create(
        household=household, member=member, category="wage", monthly_amount=Decimal("300")
    )
    check = EconomicCheck.objects.create(case=case)
    near_relative = NearRelative.objects.create(
        worker_name=owner.full_name or owner.username,
        worker_position=NearRelative._meta.get_field("worker_position").choices[0][0],
        township=township,
        village=village,
        relative_name="王五",
        relative_id_number=case.applicant.id_number,
        relation="兄弟",
    )
    meeting = PanelMeeting.objects.create(
        township=township, held_on=datetime.date(2026, 10, 9), minutes="评审小组会议记录"
    )
    job = Job.objects.create(kind="matrix", owner=owner)
    notice_batch = NoticeBatch.objects.create(
        number=f"GS-MATRIX-{n:05d}",
        kind=NoticeKind.choices[0][0],
        township=township,
        village=village,
        starts_on=datetime.date(2026, 10, 9),
        days=7,
        place="村务公开栏",
        phone="0555-6666666",
        created_by=owner,
    )
    NoticeEntry.objects.create(batch=notice_batch, case=case)
    objection = Objection.objects.create(
        case=case, channel=Objection._meta.get_field("channel").choices[0][0], text="有异议"
    )
    account = BankAccount.objects.create(
        household=paying.household,
        holder_name=paying.applicant.name,
        holder_member=paying.applicant,
        bank=Bank.RCC,
        account_number=_luhn(n),
    )
    recipient = Recipient.objects.create(
        case=paying,
        household=paying.household,
        assistance_type=dibao,
        township=township,
        village=village,
        area="rural",
        status=RecipientStatus.ACTIVE,
        monthly_amount=Decimal("500"),
        covered_count=1,
        first_month=datetime.date(2026, 1, 1),
        head_name=paying.applicant.name,
        head_id_number=paying.applicant.id_number,
        bank_account=account,
    )
    review_case = ReviewCase.objects.create(
        case=CaseFactory(
            household=paying.household, assistance_type=dibao, force_state=CaseState.INVESTIGATING
        ),
        recipient=recipient,
        trigger=ReviewCase._meta.get_field("trigger").choices[0][0],
        due_on=datetime.date(2026, 12, 31),
    )
    posting = TerminationPosting.objects.create(
        review=review_case,
        recipient=recipient,
        starts_on=datetime.date(2026, 11, 1),
        days=7,
        ends_on=datetime.date(2026, 11, 7),
    )
    posting_objection = PostingObjection.objects.create(
        posting=posting,
        raised_by="矩阵",
        text="矩阵异议",
        recorded_by=owner,
        recorded_by_name="矩阵",
    )
    dishonesty = DishonestyRecord.objects.create(
        recipient=recipient,
        household=paying.household,
        county=county,
        source=FindingSource.SPOT_CHECK,
        reference="矩阵抽查",
        what="隐瞒收入",
        found_on=datetime.date(2026, 6, 1),
        recorded_by_name="矩阵",
        expires_on=datetime.date(2029, 6, 1),
    )
    standing_list = StandingList.objects.create(
        township=township,
        village=village,
        as_of=datetime.date(2026, 11, 1),
        trigger=StandingList._meta.get_field("trigger").choices[0][0],
        monthly_total=Decimal("500"),
        file=ContentFile(b"%PDF-1.4 matrix", name=f"standing-{n}.pdf"),
        sha256=f"{n:064x}",
    )
    adjustment = StandardAdjustmentRun.objects.create(
        county=county,
        assistance_type=dibao,
        area="rural",
        effective_month=datetime.date(2027, 1, 1),
        standard_label="农村低保标准 800 元/月",
        created_by=owner,
    )
    # one open run per township and type: a second set in the same township takes another type
    roster_type = (
        AssistanceType.objects.exclude(
            pk__in=RosterRun.objects.filter(township=township).values("assistance_type")
        )
        .order_by("pk")
        .first()
    )
    roster = RosterRun.objects.create(
        township=township, month=datetime.date(2026, 11, 1), assistance_type=roster_type
    )
    roster_job = Job.objects.create(kind="roster_export", owner=owner, params={"run": roster.pk})
    roster_export = RosterExport.objects.create(
        run=roster,
        file=ContentFile(b"matrix", name=f"roster-{n}.csv"),
        filename=f"roster-{n}.csv",
        format="csv",
        sha256=f"{n:064x}",
        exported_by=owner,
    )
    event = CaseEvent.objects.create(
        case=paying, transition="county_revoke", label="县级撤销", actor=owner
    )
    supervisor = User.objects.filter(role=Role.COUNTY_SUPERVISOR).first() or owner
    filing = Filing.objects.create(
        case=paying, kind=Filing.Kind.CONFIRMATION, township=township, assistance_type=dibao
    )
    query = Query.objects.create(
        case=paying, township=township, subject="备案质询", created_by=supervisor
    )
    campaign = SpotCheckCampaign.objects.create(
        county=county,
        name=f"抽查{n}",
        period_start=datetime.date(2026, 10, 1),
        period_end=datetime.date(2026, 10, 31),
        seed=n,
        created_by=supervisor,
    )
    spot_item = SpotCheckItem.objects.create(
        campaign=campaign, case=paying, township=township, category="dibao"
    )
    photo = VisitPhoto.objects.create(item=spot_item, document=_document(paying, "visit_photo"))
    rectification = RectificationOrder.objects.create(
        township=township,
        problem_kind=RectificationOrder._meta.get_field("problem_kind").choices[0][0],
        description="整改事项",
        due_date=datetime.date(2026, 12, 31),
        issued_by=supervisor,
    )
    response = RectificationResponse.objects.create(
        order=rectification,
        author=owner,
        body="已整改",
        evidence=ContentFile(PNG, name=f"evidence-{n}.png"),
        evidence_content_type="image/png",
    )
    complaint = Complaint.objects.create(
        county=county,
        number=f"JB-MATRIX-{n:05d}",
        channel=Complaint._meta.get_field("channel").choices[0][0],
        content="举报内容",
        case=paying,
        township=township,
        received_by=supervisor,
    )
    emergency = Emergency.objects.create(
        case=CaseFactory(
            household=HouseholdFactory(village=village, township=township),
            assistance_type=AssistanceType.objects.get(code="temp_emergency"),
        ),
        person_name="王大山",
        identity_pending=True,
        identity_note="约60岁男性",
        cause="火灾",
        needs="临时住所",
        registered_by=owner,
    )
    department = Department.objects.create(
        county=county, name=f"县医疗保障局{n}", need_kind="医疗救助"
    )
    referral = Referral.objects.create(
        case=case, need_kind="医疗救助", need="住院", department=department, referred_by=owner
    )
    document = _document(case)
    export_job = Job.objects.create(kind="archive_export", owner=owner)
    archive_export = ArchiveExport.objects.create(job=export_job, requested_by=owner)
    delegation = Delegation.objects.filter(township=township).first() or Delegation.objects.create(
        township=township,
        assistance_type=dibao,
        document_no=f"当政委〔2026〕{n}号",
        document_date=datetime.date(2026, 1, 1),
        effective_from=datetime.date(2026, 1, 1),
    )
    override = WorkdayOverride.objects.create(
        date=datetime.date(2030, 1, 1) + datetime.timedelta(days=n), is_workday=True
    )
    return SimpleNamespace(
        township=township,
        village=village,
        owner=owner,
        case=case,
        paying=paying,
        member=member,
        income=income,
        check=check,
        near_relative=near_relative,
        meeting=meeting,
        job=job,
        notice_batch=notice_batch,
        objection=objection,
        account=account,
        recipient=recipient,
        adjustment=adjustment,
        review_case=review_case,
        dishonesty=dishonesty,
        posting_objection=posting_objection,
        standing_list=standing_list,
        roster=roster,
        roster_job=roster_job,
        roster_export=roster_export,
        event=event,
        filing=filing,
        query=query,
        campaign=campaign,
        spot_item=spot_item,
        photo=photo,
        rectification=rectification,
        response=response,
        complaint=complaint,
        document=document,
        archive_export=archive_export,
        delegation=delegation,
        override=override,
        emergency=emergency,
        department=department,
        referral=referral,
        type=dibao,
    )

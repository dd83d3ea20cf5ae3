"""A case walked through the whole route with every part of the file filled in."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from archive.services import document_upload
from cases.intake.tests.helpers import accepted, application, member
from cases.models import (
    Asset,
    CaseState,
    CheckMemberResult,
    EconomicCheck,
    IncomeItem,
    Spending,
    Survey,
)
from cases.workflow.services import case_transition
from cases.workflow.tests.helpers import post_notice
from tests.factories import CaseFactory, HouseholdFactory, MemberFactory, make_id_number

LONG_AGO = timezone.localdate() - datetime.timedelta(days=20)
DECIDED = datetime.date(2026, 10, 15)

#: (transition, persona, opinion): the signed steps in their order.
STEPS = (
    ("start_investigation", "clerk", ""),
    ("finish_check", "verifier", ""),
    ("finish_investigation", "clerk", "入户调查属实，家庭收入低于标准，建议纳入"),
    ("close_notice", "clerk", ""),
    ("confirm", "approver", "经审核，符合城乡低保条件，同意确认"),
)


def png_bytes(color=(200, 30, 30), size=(120, 80)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_bytes(text: str, pages: int = 1) -> bytes:
    from weasyprint import HTML

    body = "".join(
        f"<section style='break-before: page'><p>{text} 第{n}页</p></section>"
        for n in range(1, pages + 1)
    )
    return HTML(
        string=f"<html><body style='font-family: Noto Sans CJK SC'>{body}</body></html>"
    ).write_pdf()


def upload(case, user, name: str, content: bytes, kind: str = "evidence", title: str = ""):
    return document_upload(
        case=case,
        kind=kind,
        uploaded_file=SimpleUploadedFile(name, content),
        actor=user,
        title=title,
    )


_households = itertools.count(1)


def full_case(demo, *, scans: bool = True, village=None, name: str = "王德福"):
    """A 低保 case of 姑孰镇 confirmed by the township, with members, income (one excluded
    kind), spending, assets, a survey, a returned check, a notice and signed opinions."""
    clerk, approver, verifier = demo.user("clerk"), demo.user("approver"), demo.user("verifier")
    n = next(_households)
    birth = datetime.date(1950 + n % 40, 1 + n % 12, 1 + n % 28)
    area = f"34{n:04d}"
    case = application(
        clerk,
        village=village or demo.village,
        members=[
            member(name, make_id_number(birth=birth, male=True, seq=1, area=area)),
            member("李秀兰", make_id_number(birth=birth, male=False, seq=2, area=area), "spouse"),
        ],
    )
    members = list(case.household.members.order_by("pk"))
    household = case.household
    IncomeItem.objects.create(
        household=household, member=members[0], category="wage", monthly_amount=Decimal("300")
    )
    IncomeItem.objects.create(
        household=household,
        member=members[1],
        category="transfer",
        kind="basic_pension",
        description="基础养老金",
        monthly_amount=Decimal("150"),
    )
    Spending.objects.create(
        household=household, member=members[0], category="medical", monthly_amount=Decimal("80")
    )
    Asset.objects.create(household=household, kind="housing", description="自建房一处", value=0)
    accepted(case, clerk)
    case_transition(case=case, name="start_investigation", actor=clerk)
    check = EconomicCheck.objects.create(
        case=case,
        status="returned",
        requested_by=clerk,
        returned_by=verifier,
        returned_at=timezone.now(),
        conclusion="meets",
        conclusion_note="未发现不符合条件的财产",
    )
    CheckMemberResult.objects.create(
        economic_check=check, name=members[0].name, id_number=members[0].id_number
    )
    Survey.objects.create(
        case=case,
        visit_date=timezone.localdate(),
        investigators=["周明", "吴芳"],
        housing="own",
        living_conditions="家中陈设简陋",
        findings="与申报一致",
        status="complete",
        recorded_by=clerk,
    )
    type(case).objects.filter(pk=case.pk).update(check_status="returned", survey_status="complete")
    case.refresh_from_db()
    if scans:
        upload(case, clerk, "photo.png", png_bytes(), kind="survey_photo", title="住房外景")
        upload(case, verifier, "report.pdf", pdf_bytes("核对报告原件", 2), kind="check_report")
    case_transition(case=case, name="finish_check", actor=verifier)
    case_transition(
        case=case,
        name="finish_investigation",
        actor=clerk,
        opinion="入户调查属实，家庭收入低于标准，建议纳入",
        on=LONG_AGO,
    )
    assert case.state == CaseState.PRE_NOTICE, case.state
    post_notice(case, actor=clerk)  # posted in a batch whose period is over
    case_transition(case=case, name="close_notice", actor=clerk)
    from cases.intake.services.amounts import case_compute_amount

    case_compute_amount(case=case, actor=clerk)
    case.refresh_from_db()
    case_transition(
        case=case, name="confirm", actor=approver, opinion="经审核，符合城乡低保条件，同意确认"
    )
    assert case.state == CaseState.CONFIRMED
    return case


def decided_case(village, *, name="张三丰", state=CaseState.PAYING, decided_on=DECIDED):
    """A decided case made directly (no route walked): enough for exports."""
    household = HouseholdFactory(village=village)
    applicant = MemberFactory(household=household, name=name)
    return CaseFactory(
        household=household,
        applicant=applicant,
        force_state=state,
        decided_on=decided_on,
        accepted_on=decided_on - datetime.timedelta(days=20),
        route="township",
    )

"""``manage.py seed_demo`` step of review (county supervision), run after the living demo
county's cases: a spot-check campaign over the last months' confirmations with its drawn
sample and recorded findings, a rectification order to the township of a problem found, a
complaint whose handling has started, and a query on a filed decision — each through
review's services, as the county supervisor. Idempotent: a county that already has the demo
campaign is left as it is."""

from __future__ import annotations

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from cases.models import Case, CaseState
from relief.demo import COUNTY
from relief.models import Region, User
from review import services
from review.models import Filing, ProblemKind, SpotCheckCampaign, SpotCheckItem

CAMPAIGN_NAME = "演示·近三个月新增保障对象入户抽查"
DEMO_MARK = "演示"  # the living demo's household addresses (cases/demo_county.py)


def _jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (120, 150, 110)).save(buffer, format="JPEG")
    return SimpleUploadedFile("visit.jpg", buffer.getvalue(), content_type="image/jpeg")


def seed_demo(*, households: int = 0, stdout=None) -> None:
    if households:
        return
    county = Region.objects.filter(code=COUNTY[0]).first()
    supervisor = User.objects.filter(username="supervisor", is_active=True).first()
    verifier = User.objects.filter(username="verifier", is_active=True).first()
    if county is None or supervisor is None:
        return
    if SpotCheckCampaign.objects.filter(county=county, name=CAMPAIGN_NAME).exists():
        return
    if not Case.objects.filter(household__address__startswith=DEMO_MARK).exists():
        return
    today = timezone.localdate()
    campaign = seed_campaign(supervisor, today=today)
    complaint = seed_complaint(supervisor, verifier)
    query = seed_query(supervisor)
    if stdout is not None:
        found = campaign.items.exclude(outcome="").count() if campaign else 0
        stdout.write(
            f"演示县级监督：抽查 {campaign.items.count() if campaign else 0} 户"
            f"（已记录 {found} 户），整改通知 {1 if campaign else 0} 份，"
            f"举报 {complaint.number if complaint else '—'}，"
            f"备案质询 {1 if query else 0} 件"
        )


def seed_campaign(supervisor: User, *, today: datetime.date) -> SpotCheckCampaign | None:
    """The campaign's sample is drawn from the stored frame; two visits are recorded (one
    correct, one with a problem) and the problem gets a rectification order."""
    campaign = services.spot_check_campaign_create(
        actor=supervisor,
        name=CAMPAIGN_NAME,
        period_start=today - datetime.timedelta(days=120),
        period_end=today,
        seed=20261201,
    )
    items = list(campaign.items.select_related("case", "township").order_by("case__number"))
    if not items:
        return campaign
    services.spot_check_assign(items=items, assignee=supervisor, actor=supervisor)
    visit = today - datetime.timedelta(days=3)
    services.spot_check_record_visit(
        item=items[0],
        actor=supervisor,
        visit_date=visit,
        people_met="申请人本人及其配偶",
        findings="家庭成员、收入与档案一致，居住条件与调查记录相符",
        outcome=SpotCheckItem.Outcome.CORRECT,
        photos=[_jpeg()],
    )
    if len(items) < 2:
        return campaign
    problem = services.spot_check_record_visit(
        item=items[1],
        actor=supervisor,
        visit_date=visit,
        people_met="申请人本人、村委会主任",
        findings="申请人之子在县城务工，月收入约3000元，未在调查中申报",
        outcome=SpotCheckItem.Outcome.PROBLEM,
        problem_kind=ProblemKind.INCOME,
    )
    services.rectification_issue(
        actor=supervisor,
        township=problem.township,
        problem_kind=ProblemKind.INCOME,
        description="抽查发现家庭成员务工收入未核算，请重新核算该户家庭收入并报送整改情况",
        case=problem.case,
        spot_check_item=problem,
    )
    return campaign


def seed_complaint(supervisor: User, verifier: User | None):
    """A named 12349 report about a household still being investigated: the case is flagged
    (the county visits before confirmation); assigned and its first check noted."""
    case = (
        Case.objects.filter(
            household__address__startswith=DEMO_MARK,
            state__in=(CaseState.VISITING, CaseState.CHECKING, CaseState.INVESTIGATING),
            complaint_flag=False,
            near_relative_flag=False,
        )
        .select_related("township", "applicant")
        .order_by("number")
        .first()
    )
    if case is None:
        return None
    complaint = services.complaint_register(
        actor=supervisor,
        channel="hotline_12349",
        named=True,
        reporter_name="王先生",
        reporter_phone="13905551234",
        content="反映该户家中有门面房出租，租金收入未申报",
        case=case,
        received_on=timezone.localdate() - datetime.timedelta(days=2),
    )
    assignee = verifier if verifier is not None else supervisor
    complaint = services.complaint_assign(complaint=complaint, actor=supervisor, assignee=assignee)
    services.complaint_add_note(
        complaint=complaint,
        actor=supervisor,
        body="已调取不动产登记信息，约定下周入户核查",
    )
    return complaint


def seed_query(supervisor: User):
    """The county asks about one filed township decision (备案质询)."""
    filing = (
        Filing.objects.filter(
            township__parent=supervisor.region,
            status=Filing.Status.NEW,
            case__household__address__startswith=DEMO_MARK,
        )
        .select_related("case")
        .order_by("pk")
        .first()
    )
    if filing is None:
        return None
    return services.query_open(
        filing=filing,
        actor=supervisor,
        subject="核对报告与入户调查记录的收入不一致",
        body="请说明该户家庭月收入的认定依据，并补充上传务工收入证明。",
    )

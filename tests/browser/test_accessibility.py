"""Accessibility of the main pages: axe-core (vendored from the npm registry, see
static/vendor/package.json) runs in Debian chromium on every page of ``PAGES`` at a desktop
(1366×768) and a phone (390×844) size; any critical or serious violation of the WCAG 2 A/AA
rules fails the test with its rule, impact and the elements' selectors. The pages show the
living demo county's cases (seeded through the services) plus a register, a roster, a review
falling due and a spot-check campaign, so that tables, badges and forms are on the page.

A second test registers an application with the keyboard alone (Tab, arrow keys, typing,
Enter; no clicks): from the login form through the menu to the form, a refusal whose error
summary takes the focus and leads to the field (axe runs on that state too), and the save.

axe is injected only here (``page.evaluate`` of the vendored file: the DevTools protocol is
not subject to the page's Content-Security-Policy, and no page ever links the file)."""

from __future__ import annotations

import datetime
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.browser_support import PHONE, _page, assert_no_csp_violations, submit_login

pytestmark = pytest.mark.browser

AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1366, "height": 768}
VIEWPORTS = {"1366×768": DESKTOP, "390×844": PHONE}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: Reported (printed, and in the A11Y_REPORT file) but never failing: heading order, empty
#: table headers, landmarks …
ADVISORY_TAGS = ["best-practice"]
FAILING_IMPACTS = ("critical", "serious")


@dataclass(frozen=True)
class A11yPage:
    label: str
    user: str | None  # the demo account that opens it; None: signed out
    url_name: str
    obj: str | None = None  # key of ``world`` holding the URL's arguments
    query: str = ""
    status: int = 200


#: Every main page, in one place. Add a page here when it becomes part of someone's day.
PAGES = [
    A11yPage("登录", None, "login"),
    A11yPage("首页·系统管理员", "admin", "home"),
    A11yPage("首页·县级监管", "supervisor", "home"),
    A11yPage("首页·县核对机构", "verifier", "home"),
    A11yPage("首页·乡镇经办", "clerk", "home"),
    A11yPage("首页·乡镇审核确认", "approver", "home"),
    A11yPage("首页·村级协理", "assistant", "home"),
    A11yPage("案件列表", "clerk", "cases:list"),
    A11yPage("案件列表·筛选", "clerk", "cases:list", query="?state=review&sort=-accepted_at"),
    A11yPage("案件办理页", "clerk", "cases:detail", "case"),
    A11yPage("案件办理页·待受理", "clerk", "cases:detail", "draft"),
    A11yPage("案件办理页·审核确认", "approver", "cases:detail", "review_case"),
    A11yPage("申请登记", "clerk", "cases:application_new"),
    A11yPage("受理材料与家庭信息", "clerk", "cases:intake", "draft"),
    A11yPage("家庭基本信息", "clerk", "cases:household_edit", "draft"),
    A11yPage("家庭成员", "clerk", "cases:member_edit", "member"),
    A11yPage("收入明细", "clerk", "cases:items_edit", "income"),
    A11yPage("入户调查", "assistant", "cases:survey", "survey_case"),
    A11yPage("核对队列", "verifier", "cases:check_queue"),
    A11yPage("核对报告", "verifier", "cases:check_return", "check"),
    A11yPage("公示批次", "clerk", "cases:notice_batches"),
    A11yPage("公示批次详情", "clerk", "cases:notice_batch", "batch"),
    A11yPage("备案收件箱", "supervisor", "review:inbox"),
    A11yPage("抽查", "supervisor", "review:campaigns"),
    A11yPage("抽查批次", "supervisor", "review:campaign_detail", "campaign"),
    A11yPage("抽查入户记录", "supervisor", "review:item_detail", "campaign_item"),
    A11yPage("时限看板", "supervisor", "cases:dashboard"),
    A11yPage("统计", "supervisor", "review:stats"),
    A11yPage("在册对象", "clerk", "recipients:list"),
    A11yPage("发放花名册", "clerk", "rosters:list"),
    A11yPage("花名册", "clerk", "rosters:detail", "roster"),
    A11yPage("动态管理·到期复核", "clerk", "dynamic:due"),
    A11yPage("在册对象详情", "clerk", "recipients:detail", "recipient"),
    A11yPage("急难救助", "clerk", "cases:emergency_list"),
    A11yPage("急难救助·登记", "assistant", "cases:emergency_new"),
    A11yPage("异议处理", "clerk", "cases:notice_objections"),
    A11yPage("近亲属备案", "clerk", "cases:near_relatives"),
    A11yPage("民主评议", "clerk", "cases:panel_meetings"),
    A11yPage("办理时限", "clerk", "cases:clock", "case"),
    A11yPage("乡镇监管事项", "clerk", "review:township"),
    A11yPage("通知", "clerk", "notifications"),
    A11yPage("整改", "supervisor", "review:rectifications"),
    A11yPage("投诉举报", "supervisor", "review:complaints"),
    A11yPage("系统管理", "admin", "manage:index"),
    A11yPage("用户管理", "admin", "manage:users"),
    A11yPage("工作日历", "admin", "manage:calendar"),
    A11yPage("长期公示", "clerk", "publicity:villages"),
    A11yPage("404 页面", "clerk", "cases:detail", "missing", status=404),
    A11yPage("403 页面", "clerk", "manage:index", status=403),
]


@pytest.fixture(scope="module")
def _world_store(tmp_path_factory) -> dict:
    """What ``world`` seeded first in this module: its rows, its URL arguments and the
    media directory its files went to."""
    return {"media": tmp_path_factory.mktemp("a11y-media")}


@pytest.fixture
def world(demo, settings, _world_store):
    """The living demo county plus the funds and supervision objects the pages above show;
    returns each page's URL arguments by key.

    Seeded through the services once per module (~30 s): every test here runs against
    ``live_server``, whose flush at the end of each test empties the database, so the next
    test inserts the seed's rows again, with their keys, in a few bulk statements
    (tests/dbsnapshot.py, as ``demo`` does for the demo county). RELIEF_TEST_RESEED=1 seeds
    each test through the services instead."""
    from tests.dbsnapshot import refers_to_post_migrate_rows, restore_rows, rows_added_by

    settings.MEDIA_ROOT = _world_store["media"]  # the files of the first seed stay there
    if "rows" in _world_store:
        restore_rows(_world_store["rows"])
        return _world_store["args"]
    args, rows = rows_added_by(lambda: _seed_world(demo))
    if not os.environ.get("RELIEF_TEST_RESEED") and not refers_to_post_migrate_rows(rows):
        _world_store.update(rows=rows, args=args)
    return args


def _seed_world(demo) -> dict:
    from cases.demo_county import seed_demo_county
    from cases.models import Case, CaseState, EconomicCheck
    from cases.notices.models import NoticeBatch
    from funds.dynamic.services import review_schedule_refresh
    from funds.recipients.tests.support import registered
    from funds.rosters.services import roster_compute, roster_run_start
    from review.services import spot_check_campaign_create

    seed_demo_county()  # what `make run` loads
    today = timezone.localdate()
    recipients = [
        registered(demo, confirmed_on=today - datetime.timedelta(days=40 + i)) for i in range(3)
    ]
    for recipient in recipients:
        review_schedule_refresh(recipient=recipient, from_day=recipient.first_month)
    first = recipients[0]
    run = roster_run_start(
        township=first.township,
        month=today.replace(day=1),
        assistance_type=first.assistance_type,
        actor=demo.user("clerk"),
    )
    roster_compute(run_id=run.pk)
    campaign = spot_check_campaign_create(
        actor=demo.user("supervisor"),
        name="本季度新增对象抽查",
        period_start=today - datetime.timedelta(days=120),
        period_end=today,
        seed=20261202,
    )

    gushu = Case.objects.filter(township=demo.gushu)

    def one(qs, what):
        obj = qs.order_by("pk").first()
        assert obj is not None, f"the accessibility world has no {what}"
        return obj

    def pick(qs, states, what):
        """The first case in the first of ``states`` that has one (the demo spreads its
        cases over states by position, so no one state is promised)."""
        for state in states:
            case = qs.filter(state=state).order_by("pk").first()
            if case is not None:
                return case
        raise AssertionError(f"the accessibility world has no {what} in {states}")

    S = CaseState
    worked = pick(
        gushu, [S.VISITING, S.INVESTIGATING, S.CHECKING, S.PRE_NOTICE, S.REVIEW], "worked case"
    )
    # registered, not yet accepted: every intake form is open
    draft = pick(gushu, [S.DRAFT, S.AWAITING_DOCUMENTS, S.RETURNED_TO_VILLAGE], "new case")
    member = draft.household.members.order_by("pk").first()
    surveyed = pick(
        Case.objects.filter(village=demo.village),
        [S.VISITING, S.INVESTIGATING, S.CHECKING, S.ACCEPTED, S.DRAFT],
        "case of the assistant's village",
    )
    checks = EconomicCheck.objects.filter(status=EconomicCheck.Status.REQUESTED)
    if not checks.exists():
        checks = EconomicCheck.objects.all()
    return {
        "case": [worked.pk],
        "draft": [draft.pk],
        "member": [draft.pk, member.pk],
        "income": [draft.pk, "income"],
        "review_case": [pick(gushu, [S.REVIEW], "case awaiting review").pk],
        "survey_case": [surveyed.pk],
        "check": [one(checks, "economic check").pk],
        "batch": [one(NoticeBatch.objects.filter(township=demo.gushu), "notice batch").pk],
        "campaign": [campaign.pk],
        "campaign_item": [one(campaign.items.all(), "spot-check item").pk],
        "roster": [run.pk],
        "recipient": [first.pk],
        "missing": [Case.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000],
    }


def axe_violations(page, *, advisory: bool = True) -> list[dict]:
    """axe's violations on the page as it stands. ``advisory``: also the best-practice rules
    (reported, never failing)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                               resultTypes: ["violations"]});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                tags: v.tags,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), impact: n.impact,
                                          summary: n.failureSummary}))}));
        }""",
        AXE_TAGS + (ADVISORY_TAGS if advisory else []),
    )
    return result


def readable(found: list[tuple[str, str, str, dict]]) -> str:
    lines = []
    for label, size, url, v in found:
        lines.append(f"{label} [{size}] {url}: {v['id']} ({v['impact']}) {v['help']}")
        for node in v["nodes"][:12]:
            lines.append(f"    {node['target']}")
        if len(v["nodes"]) > 12:
            lines.append(f"    … {len(v['nodes']) - 12} more")
    return "\n".join(lines)


def test_main_pages_have_no_critical_or_serious_axe_violations(world, live_server, browser):
    from relief.demo import DEMO_PASSWORD

    found = []
    minor = []
    by_user: dict[str | None, list[A11yPage]] = {}
    for p in PAGES:
        by_user.setdefault(p.user, []).append(p)
    for size, viewport in VIEWPORTS.items():
        for user, pages in by_user.items():
            context, page = _page(browser, viewport)
            # axe on every page of the context before the page's own scripts (DevTools, so
            # the Content-Security-Policy does not apply): one compile per page instead of
            # sending the 500 kB file over the protocol on each navigation.
            context.add_init_script(path=str(AXE))
            try:
                if user is not None:
                    submit_login(page, live_server.url, user, DEMO_PASSWORD)
                    page.wait_for_selector("[data-testid=whoami]", state="attached")
                for p in pages:
                    args = world[p.obj] if p.obj else []
                    url = reverse(p.url_name, args=args) + p.query
                    response = page.goto(live_server.url + url)
                    assert response is not None and response.status == p.status, (p.label, url)
                    page.wait_for_load_state("load")
                    # The advisory rules once, at the desktop size: they do not depend on it.
                    for v in axe_violations(page, advisory=viewport is DESKTOP):
                        entry = (p.label, size, url, v)
                        failing = v["impact"] in FAILING_IMPACTS and set(v["tags"]) & set(AXE_TAGS)
                        (found if failing else minor).append(entry)
            finally:
                context.close()
            assert_no_csp_violations(page)
    if minor:
        print("moderate/minor and best-practice axe findings (not failing):\n" + readable(minor))
    if os.environ.get("A11Y_REPORT"):  # every finding as JSON, e.g. for a CI artifact
        Path(os.environ["A11Y_REPORT"]).write_text(
            json.dumps(
                [
                    {"page": label, "viewport": size, "url": url, **v}
                    for label, size, url, v in found + minor
                ],
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
    assert not found, "critical or serious axe-core violations:\n" + readable(found)


#: The pages a village assistant or clerk works on a phone: at 360 px wide nothing may run off
#: the screen (the household, case list and queue tables turn into stacked cards under 576 px).
NARROW = {"width": 360, "height": 740}
NARROW_PAGES = (
    "首页·乡镇经办",
    "首页·村级协理",
    "案件列表",
    "案件办理页",
    "案件办理页·待受理",
    "受理材料与家庭信息",
    "入户调查",
    "核对队列",
    "公示批次",
)


def test_nothing_runs_off_a_360px_phone_screen(world, live_server, browser):
    from relief.demo import DEMO_PASSWORD

    wide = []
    by_user: dict[str | None, list[A11yPage]] = {}
    for p in PAGES:
        if p.label in NARROW_PAGES:
            by_user.setdefault(p.user, []).append(p)
    assert sum(len(v) for v in by_user.values()) == len(NARROW_PAGES)
    for user, pages in by_user.items():
        context, page = _page(browser, NARROW)
        try:
            submit_login(page, live_server.url, user, DEMO_PASSWORD)
            page.wait_for_selector("[data-testid=whoami]", state="attached")
            for p in pages:
                url = reverse(p.url_name, args=world[p.obj] if p.obj else []) + p.query
                page.goto(live_server.url + url)
                page.wait_for_load_state("load")
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > NARROW["width"] + 1:
                    wide.append(f"{p.label} {url}: {width}px")
        finally:
            context.close()
        assert_no_csp_violations(page)
    assert not wide, "pages wider than a 360 px phone:\n" + "\n".join(wide)


# --- Keyboard alone completes an intake -------------------------------------------------


def _id_number(body17: str) -> str:
    """``body17`` + its GB 11643 check character (ISO 7064 MOD 11-2)."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c) * w for c, w in zip(body17, weights, strict=True))
    return body17 + "10X98765432"[total % 11]


def tab_to(page, selector: str, *, limit: int = 400) -> None:
    """Press Tab (only Tab) until the focused element matches ``selector``."""
    for _ in range(limit):
        if page.evaluate("(s) => !!document.activeElement?.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def choose(page, selector: str, value: str, *, limit: int = 80) -> None:
    """On the focused (closed) select, ArrowDown until ``value`` is chosen."""
    for _ in range(limit):
        if page.input_value(selector) == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{selector} never offered {value}")


def test_keyboard_alone_registers_an_application(demo, live_server, browser):
    from cases.models import Case
    from relief.demo import DEMO_PASSWORD
    from relief.models import AssistanceType

    dibao = AssistanceType.objects.get(code="dibao_rural")
    id_number = _id_number("34052119750308003")
    context, page = _page(browser, DESKTOP)
    try:
        page.goto(f"{live_server.url}/login/")
        assert page.evaluate("document.activeElement.id") == "id_username"  # autofocus
        page.keyboard.type("clerk")
        page.keyboard.press("Tab")
        page.keyboard.type(DEMO_PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_selector("[data-testid=whoami]", state="attached")
        # the menu leads to the form: Tab to its entry, Enter
        tab_to(page, f"#mainnav a[href='{reverse('cases:application_new')}']")
        page.keyboard.press("Enter")
        page.wait_for_selector("#id_assistance_type")

        tab_to(page, "#id_assistance_type")
        choose(page, "#id_assistance_type", str(dibao.pk))
        tab_to(page, "#id_address")
        page.keyboard.type("城东社区健康路8号")
        tab_to(page, "#id_members-0-name")
        page.keyboard.type("王德福")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "id_members-0-id_number"
        page.keyboard.type(id_number)
        tab_to(page, "#id_members-0-relation")
        choose(page, "#id_members-0-relation", "self")
        # the village is left out: refused, the summary takes the focus, its link the field
        tab_to(page, "form button[type=submit]")
        page.keyboard.press("Enter")
        # The summary is in the page as soon as it is parsed; it takes the focus at
        # DOMContentLoaded (error_summary.js): wait for the focus, not the element.
        # (A CSS selector: wait_for_function would evaluate a string, which the CSP forbids.)
        page.wait_for_selector("[data-error-summary]:focus")
        assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
        assert page.input_value("#id_members-0-name") == "王德福"  # what was typed stays
        serious = [v for v in axe_violations(page) if v["impact"] in FAILING_IMPACTS]
        assert not serious, readable([("申请登记·退回", "1366×768", page.url, v) for v in serious])
        tab_to(page, "[data-error-summary] a[href='#id_village']")
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "id_village"
        choose(page, "#id_village", str(demo.village.pk))
        tab_to(page, "form button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_selector("text=已登记申请")
    finally:
        context.close()
    assert_no_csp_violations(page)
    case = Case.objects.get(household__address="城东社区健康路8号")
    assert case.village == demo.village and case.assistance_type == dibao
    assert case.applicant.name == "王德福" and case.applicant.id_number == id_number

"""Page benchmark side by side: every key page and API at 100,000 and 1,000,000 cases.

Usage (PostgreSQL only; use a database of its own, it is rebuilt)::

    DATABASE_URL=postgres://relief:relief@127.0.0.1:55432/relief_pagebench \\
        SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))') \\
        .venv/bin/python bench/bench_pages.py [--sizes 100000,1000000] [--repeat 7] \\
        [--pages list_first_clerk,case_page] [--json var/bench_pages.json]
    .venv/bin/python bench/bench_pages.py --combine a_100k.json,a_1m.json,b_100k.json,…

The schema is rebuilt from the models (with pg_trgm) and the demo county's regions and
accounts are seeded. Rows are made with INSERT … SELECT generate_series,
no Python loop: per case one household with two members (names drawn from common surnames
and given names, 18-character ID numbers), its clock (every case is accepted), two log rows
(受理 and, when decided, the decision), a filing for each decision, and one notification per
four cases spread over the demo accounts (a third unread). Each case carries the township's
real policy snapshot (the wide JSON column of the case row). 20 % of the cases are open,
the rest decided within the last two years; dates are relative to today.

For each size every page is requested once to warm up, then ``--repeat`` times (once when
the warm-up took over 10 s, which then is the sample) through
Django's test client in-process (logged in as the demo account); the table gives median,
p95, query count and the growth ratio p95(largest) / p95(smallest) with its target. The
case list's first page is printed beside the hand-written index-backed query returning
the same rows. The spot-check draw stores a share of its frame (the county's ratios), so
its items grow with the cases: its growth is judged per drawn case (p95 / items drawn).

On a shared machine run the sizes in turns (one database each, ``--sizes N --reuse --json``
per run, 100k, 1M, 100k, 1M, …) and report with ``--combine`` over the files: each page's
samples of a size are pooled, so a burst of load elsewhere falls on both sides of the ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import datetime
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relief.settings")

from bench_scan import (  # noqa: E402  (same directory)
    SEARCH_MIGRATION,
    add_search_indexes,
    ensure_database,
    insert_select,
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN_FIRST = "建国明华秀玉桂德志海春文丽英红军平云永金"
GIVEN_SECOND = "军华英明芳强敏静丽伟勇杰娟涛霞斌波辉刚"
OPEN_STATES = ["draft", "accepted", "checking", "visiting", "evaluating", "pre_notice", "review"]
TYPES = ["dibao_rural", "dibao_urban", "tekun_dispersed", "temp_expense"]
SEARCH = "王建"
#: A page slower than this (seconds) is timed once, not repeated.
SLOW = 10.0


def rebuild_schema() -> None:
    """Empty public schema built from the models (as pytest --nomigrations: every index
    declared on a model, none of the migrations' triggers), pg_trgm first for the trigram
    indexes, then the demo county and its accounts."""
    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from relief.demo import seed_regions_and_accounts

    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
    call_command("migrate", run_syncdb=True, verbosity=0)
    add_search_indexes()
    seed_regions_and_accounts()


def add_missing_indexes() -> int:
    """With --reuse: the tables the models have and the database lacks, the columns of
    fields added to a model since the rows were built (their default, as a migration would
    add them), and every index declared on a model that the database lacks."""
    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
    call_command("migrate", run_syncdb=True, verbosity=0)
    added = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
        present = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public'"
        )
        columns = set(cursor.fetchall())
    with connection.schema_editor() as editor:
        for model in apps.get_models():
            for field in model._meta.local_concrete_fields:
                if (model._meta.db_table, field.column) not in columns:
                    if not field.null and not field.has_default():
                        # filled by what fills its table (rebuild_summaries for the marks'
                        # created_at), as the field's migration fills it
                        field = copy.copy(field)
                        field.null = True
                    editor.add_field(model, field)
                    added += 1
            for index in model._meta.indexes:
                if index.name not in present:
                    editor.add_index(model, index)
                    added += 1
        for model_name, index in SEARCH_MIGRATION.SEARCH_INDEXES:
            if index.name not in present:
                editor.add_index(apps.get_model("cases", model_name), index)
                added += 1
    return added


def _sql(sql: str, params: list | None = None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


def _array(values) -> str:
    return "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]"


def _chars(text: str) -> str:
    return _array(list(text))


def _snapshots_by_township(today: datetime.date) -> str:
    """A CASE expression giving each township's real policy snapshot as jsonb."""
    from relief.models import Region
    from relief.policy import policy_for

    parts = []
    for township in Region.objects.filter(level=Region.Level.TOWNSHIP).order_by("pk"):
        snapshot = json.dumps(policy_for(township, today).as_snapshot(), ensure_ascii=False)
        quoted = snapshot.replace("'", "''")
        parts.append(f"WHEN {township.pk} THEN '{quoted}'::jsonb")
    return "CASE vil.tws[1 + mod(g, vil.n)] " + " ".join(parts) + " END"


def add_cases(start: int, end: int, *, today: datetime.date) -> None:
    """Cases start..end (inclusive; ids equal to g) with everything that hangs off them."""
    from cases.models import Case, CaseClock, CaseEvent, Household, Member
    from relief.models import AssistanceType, Notification, User
    from review.models import Filing

    types = list(
        AssistanceType.objects.filter(code__in=TYPES).order_by("code").values_list("pk", flat=True)
    )
    users = list(User.objects.order_by("pk").values_list("pk", flat=True))
    villages = (
        "(SELECT array_agg(id ORDER BY id) ids, array_agg(parent_id ORDER BY id) tws, "
        "count(*) n FROM relief_region WHERE level = 'village') vil"
    )
    span = [start, end]
    insert_select(
        Household,
        {
            "id": "g",
            "township_id": "vil.tws[1 + mod(g, vil.n)]",
            "village_id": "vil.ids[1 + mod(g, vil.n)]",
            "address": "'幸福路' || g::text || '号'",
            "hukou_type": "CASE WHEN mod(g, 4) = 0 THEN 'urban' ELSE 'rural' END",
            "created_at": "now()",
        },
        f"generate_series(%s, %s) g, {villages}",
        span,
    )
    name = (
        f"({_chars(SURNAMES)})[1 + mod(m / 2, {len(SURNAMES)})] || "
        f"({_chars(GIVEN_FIRST)})[1 + mod(m / 40, {len(GIVEN_FIRST)})] || "
        f"({_chars(GIVEN_SECOND)})[1 + mod(m / 800, {len(GIVEN_SECOND)})]"
    )
    insert_select(
        Member,
        {
            "id": "m",
            "household_id": "g",
            "name": name,
            "id_number": "'340521' || to_char(DATE '1950-01-01' + mod(m * 37, 20000), 'YYYYMMDD')"
            " || lpad(mod(m, 10000)::text, 4, '0')",
            "relation": "CASE WHEN r = 1 THEN 'self' ELSE 'spouse' END",
            "hukou_type": "'rural'",
            "sex": "CASE WHEN mod(m, 2) = 0 THEN 'F' ELSE 'M' END",
            "birth_date": "DATE '1950-01-01' + mod(m * 37, 20000)",
        },
        "generate_series(%s, %s) g, generate_series(1, 2) r, LATERAL (SELECT 2 * g - 2 + r m) mm",
        span,
    )
    is_open = "(mod(g, 5) = 0)"
    accepted = (
        f"(DATE '{today.isoformat()}' - CASE WHEN {is_open} THEN mod(g / 5, 90) "
        "ELSE 30 + mod(g, 700) END)"
    )
    decided_state = (
        "CASE WHEN mod(g, 9) = 1 THEN 'refused' WHEN mod(g, 11) = 2 THEN 'confirmed' "
        "ELSE 'paying' END"
    )
    insert_select(
        Case,
        {
            "id": "g",
            "number": "'C' || lpad(g::text, 9, '0')",
            "household_id": "g",
            "applicant_id": "2 * g - 1",
            "assistance_type_id": f"(ARRAY{types}::bigint[])[1 + mod(g / 3, {len(types)})]",
            "township_id": "vil.tws[1 + mod(g, vil.n)]",
            "village_id": "vil.ids[1 + mod(g, vil.n)]",
            "state": f"CASE WHEN {is_open} THEN ({_array(OPEN_STATES)})"
            f"[1 + mod(g / 5, {len(OPEN_STATES)})] ELSE {decided_state} END",
            "created_at": f"(({accepted} - 2)::timestamp "
            "+ make_interval(secs => mod(g::bigint * 7919, 36000)))"
            " AT TIME ZONE 'Asia/Shanghai'",
            "accepted_on": accepted,
            "decided_on": f"CASE WHEN {is_open} THEN NULL ELSE {accepted} + mod(g, 40) END",
            "monthly_amount": f"CASE WHEN {is_open} OR mod(g, 9) = 1 THEN NULL "
            "ELSE 300 + mod(g, 500) END",
            "policy_snapshot": _snapshots_by_township(today),
            "route": "'township'",
            "near_relative_flag": "mod(g, 97) = 0",
            "complaint_flag": "mod(g, 89) = 0",
            "documents_complete": "true",
            "updated_at": "now()",
        },
        f"generate_series(%s, %s) g, {villages}",
        span,
    )
    insert_select(
        CaseClock,
        {
            "case_id": "k.id",
            "started_on": "k.accepted_on",
            "limit_wd": "20",
            "limit_max_wd": "45",
            "overall_due": "k.accepted_on + 28",
            "due_soon_from": "k.accepted_on + 24",
            "stopped_on": "k.decided_on",
            "elapsed_wd": "CASE WHEN k.decided_on IS NULL THEN NULL "
            "ELSE (k.decided_on - k.accepted_on) * 5 / 7 END",
            "on_time": "CASE WHEN k.decided_on IS NULL THEN NULL "
            "ELSE k.decided_on <= k.accepted_on + 28 END",
            "overdue": "k.decided_on IS NULL AND k.accepted_on + 28 < CURRENT_DATE",
            "due_soon": "k.decided_on IS NULL AND k.accepted_on + 24 <= CURRENT_DATE",
        },
        "cases_case k WHERE k.id BETWEEN %s AND %s AND k.accepted_on IS NOT NULL",
        span,
    )
    insert_select(
        CaseEvent,
        {
            "case_id": "k.id",
            "transition": "CASE WHEN e = 1 THEN 'accept' ELSE 'decide' END",
            "label": "CASE WHEN e = 1 THEN '受理' ELSE '审核确认' END",
            "source_state": "CASE WHEN e = 1 THEN 'draft' ELSE 'review' END",
            "target_state": "CASE WHEN e = 1 THEN 'accepted' ELSE k.state END",
            "actor_name": "'经办人'",
            "created_at": "(CASE WHEN e = 1 THEN k.accepted_on ELSE k.decided_on END)::timestamp"
            " AT TIME ZONE 'Asia/Shanghai' + interval '9 hours'",
        },
        "cases_case k, generate_series(1, 2) e WHERE k.id BETWEEN %s AND %s "
        "AND k.accepted_on IS NOT NULL AND (e = 1 OR k.decided_on IS NOT NULL)",
        span,
    )
    insert_select(
        Filing,
        {
            "case_id": "k.id",
            "kind": "CASE WHEN k.state = 'refused' THEN 'refusal' ELSE 'confirmation' END",
            "township_id": "k.township_id",
            "assistance_type_id": "k.assistance_type_id",
            "decided_on": "k.decided_on",
            "household_size": "2",
            "monthly_amount": "k.monthly_amount",
            "route": "'township'",
            "near_relative_flag": "k.near_relative_flag",
            "complaint_flag": "k.complaint_flag",
            # received during the decision day's office hours (08:00 + up to 10 h, by the ms)
            "filed_at": "k.decided_on::timestamp AT TIME ZONE 'Asia/Shanghai' "
            "+ interval '8 hours' "
            "+ make_interval(secs => mod(k.id::bigint * 7919, 36000000) / 1000.0)",
            "status": f"CASE WHEN k.decided_on > DATE '{today.isoformat()}' - 60 THEN 'new' "
            "ELSE 'acknowledged' END",
        },
        "cases_case k WHERE k.id BETWEEN %s AND %s AND k.decided_on IS NOT NULL",
        span,
    )
    insert_select(
        Notification,
        {
            "recipient_id": f"(ARRAY{users}::bigint[])[1 + mod(g / 4, {len(users)})]",
            "verb": "'案件 C' || lpad(g::text, 9, '0') || ' 待办理'",
            "url": "'/cases/' || g::text || '/'",
            "dedupe_key": "'bench:' || g::text",
            "created_at": f"(DATE '{today.isoformat()}' - mod(g, 700))::timestamp"
            " AT TIME ZONE 'Asia/Shanghai'",
            "read_at": "CASE WHEN mod(g / 4, 3) = 0 THEN NULL ELSE now() END",
        },
        "generate_series(%s, %s) g WHERE mod(g, 4) = 0",
        span,
    )
    for model in (Household, Member, Case, CaseEvent, Filing, Notification):
        table = model._meta.db_table
        _sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


# --- the pages ------------------------------------------------------------------------


class Page:
    """One request (or service call) to time: a name, the account and what to do."""

    def __init__(
        self,
        name,
        user,
        *,
        url=None,
        method="get",
        call=None,
        target=1.3,
        data=None,
        per_item_target=None,
    ):
        self.name, self.user, self.url, self.method = name, user, url, method
        self.call, self.target, self.data = call, target, data
        #: For a call whose work is a share of the data (it returns how many items it
        #: made, e.g. the cases a spot-check draws): the growth target of its time per item.
        self.per_item_target = per_item_target


def _draw(months: int):
    def run(user):
        from django.db import transaction

        from review.services import spot_check_campaign_create

        today = datetime.date.today()
        with transaction.atomic():
            campaign = spot_check_campaign_create(
                actor=user,
                name="基准测试抽查",
                period_start=today - datetime.timedelta(days=30 * months),
                period_end=today,
                seed=20261202,
            )
            drawn = campaign.items.count()
            transaction.set_rollback(True)
        return drawn

    return run


def pages(context: dict) -> list[Page]:
    deep = context["deep_query"]
    case = context["clerk_case"]
    year = datetime.date.today().year
    return [
        Page("list_first_clerk", "clerk", url="/cases/"),
        Page("list_first_supervisor", "supervisor", url="/cases/"),
        Page("list_deep_clerk", "clerk", url=f"/cases/?after={deep['clerk']}"),
        Page("list_deep_supervisor", "supervisor", url=f"/cases/?after={deep['supervisor']}"),
        Page("list_filtered_clerk", "clerk", url="/cases/?state=review"),
        Page("list_filtered_supervisor", "supervisor", url="/cases/?state=review&overdue=yes"),
        Page("list_search_clerk", "clerk", url=f"/cases/?q={SEARCH}"),
        Page("list_search_supervisor", "supervisor", url=f"/cases/?q={SEARCH}"),
        Page("list_search_number", "supervisor", url=f"/cases/?q={case.number[-6:]}"),
        Page("api_list_clerk", "clerk", url="/api/cases/"),
        Page("api_list_supervisor", "supervisor", url="/api/cases/"),
        Page(
            "api_list_deep_supervisor",
            "supervisor",
            url=f"/api/cases/?cursor={api_cursor(deep['api'])}",
        ),
        Page(
            "api_list_filtered_supervisor",
            "supervisor",
            url="/api/cases/?state=review&overdue=yes",
        ),
        Page("case_page_clerk", "clerk", url=f"/cases/{case.pk}/"),
        Page("api_case_clerk", "clerk", url=f"/api/cases/{case.pk}/"),
        Page("home_clerk", "clerk", url="/"),
        Page("home_supervisor", "supervisor", url="/"),
        Page("inbox_clerk", "clerk", url="/notifications/"),
        Page("inbox_supervisor", "supervisor", url="/notifications/"),
        Page("filings_supervisor", "supervisor", url="/review/"),
        Page("filings_deep_supervisor", "supervisor", url=f"/review/?after={deep['filings']}"),
        Page("filings_filtered_supervisor", "supervisor", url="/review/?status=new&kind=refusal"),
        Page("filings_flag_supervisor", "supervisor", url="/review/?near_relative=on"),
        Page("api_filings_supervisor", "supervisor", url="/api/review/filings/"),
        Page(
            "api_filings_deep_supervisor",
            "supervisor",
            url="/api/review/filings/?cursor="
            + api_cursor(deep["api_filings"], model="filing", base_url="/api/review/filings/"),
        ),
        Page("dashboard_supervisor", "supervisor", url=f"/cases/dashboard/?year={year}", target=2),
        Page("stats_supervisor", "supervisor", url="/review/stats/", target=2),
        Page("stats_xlsx_supervisor", "supervisor", url="/review/stats/export.xlsx", target=2),
        Page(
            "dashboard_export_supervisor",
            "supervisor",
            url="/cases/dashboard/export/",
            method="post",
            data={"year": year},
            target=2,
        ),
        # The draw stores a share of its frame (the county's ratios, e.g. 30% of 特困), so
        # ten times the cases draw ten times the items: its whole time has no growth target;
        # its time per drawn case must not grow (set-based, no model instance per case).
        Page("spot_check_month", "supervisor", call=_draw(1), target=None, per_item_target=1.3),
        Page(
            "spot_check_two_years", "supervisor", call=_draw(24), target=None, per_item_target=1.3
        ),
    ]


def api_cursor(keyset_cursor: str, *, model: str = "case", base_url: str = "/api/cases/") -> str:
    """The list API's cursor (DRF CursorPagination) at the row a page cursor names (a case,
    or with ``model="filing"`` a filing, positioned on its filed_at)."""
    from rest_framework.pagination import Cursor, CursorPagination

    from cases.models import Case
    from relief.paging import decode_cursor
    from review.models import Filing

    _, _moment, pk = decode_cursor(keyset_cursor)
    if model == "filing":
        position = str(Filing.objects.get(pk=pk).filed_at)
    else:
        position = str(Case.objects.get(pk=pk).created_at)
    paginator = CursorPagination()
    paginator.base_url = base_url
    link = paginator.encode_cursor(Cursor(offset=0, reverse=False, position=position))
    return link.split("cursor=", 1)[1].split("&", 1)[0]  # already URL-encoded


class QueryCounter:
    """Counts statements and keeps the slowest one that reads the case rows of a list."""

    def __init__(self):
        self.n = 0
        self.rows_seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            head = sql.lstrip()
            # the row query, not the capped count (SELECT COUNT(*) FROM (… LIMIT 10001))
            rows = head.startswith("SELECT") and not head.startswith("SELECT COUNT(")
            if rows and 'FROM "cases_case"' in sql and "LIMIT" in sql:
                self.rows_seconds = max(self.rows_seconds, time.perf_counter() - t0)


def run_page(page: Page, clients: dict, users: dict) -> tuple[float, int, float, int | None]:
    from django.db import connection

    counter = QueryCounter()
    items = None
    with quiet_gc(), connection.execute_wrapper(counter):
        t0 = time.perf_counter()
        if page.call:
            items = page.call(users[page.user])
        else:
            client = clients[page.user]
            response = getattr(client, page.method)(page.url, page.data or {})
            if response.status_code not in (200, 302):
                raise SystemExit(f"bench: {page.name} {page.url} answered {response.status_code}")
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
        elapsed = time.perf_counter() - t0
    return elapsed, counter.n, counter.rows_seconds, items


@contextlib.contextmanager
def quiet_gc() -> Iterator[None]:
    """One sample without the benchmark process's own garbage collection, as ``timeit``
    times (the heap collected before, the collector off during the sample). The process's
    heap grows by ~4 live objects a request because of Django's test client, not the
    application: ``ClientHandler`` disconnects and reconnects ``close_old_connections`` around
    each request and each ``Signal.connect`` registers a ``weakref.finalize`` that
    ``disconnect`` leaves in place. A gen-2 collection over that heap paused single samples
    by 40–260 ms (2026-12-03, gc.callbacks). Through the WSGI handler, as gunicorn calls it,
    the application's live objects do not grow (2026-12-04: 0 per request after warm-up for
    the case list, case page, search, list API and home)."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def hand_written_list(township_id: int) -> float:
    """The case list's first page for one township as one index-backed statement, with
    the columns the page shows (the yardstick for the ORM page)."""
    from django.db import connection

    sql = """
        SELECT c.id, c.number, c.state, c.created_at, c.accepted_on, c.decided_on,
               c.near_relative_flag, c.complaint_flag, t.name, v.name, a.name, m.name,
               k.overdue, k.due_soon, k.overall_due
          FROM cases_case c
          JOIN relief_region t ON t.id = c.township_id
          JOIN relief_region v ON v.id = c.village_id
          JOIN relief_assistancetype a ON a.id = c.assistance_type_id
          LEFT JOIN cases_member m ON m.id = c.applicant_id
          LEFT JOIN cases_caseclock k ON k.case_id = c.id
         WHERE c.township_id = %s
         ORDER BY c.created_at DESC, c.id DESC
         LIMIT 20"""
    with quiet_gc(), connection.cursor() as cursor:
        t0 = time.perf_counter()
        cursor.execute(sql, [township_id])
        cursor.fetchall()
        return time.perf_counter() - t0


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(size: int, *, repeat: int, only: set[str] | None) -> dict:
    from django.test import Client

    from cases.models import Case
    from cases.workflow.selectors import case_list_for_user
    from relief.models import User
    from relief.paging import encode_cursor
    from review.selectors import INBOX_ORDER, filing_list_for_user

    users = {u.username: u for u in User.objects.filter(username__in=["clerk", "supervisor"])}
    clients = {}
    for username, user in users.items():
        clients[username] = Client()
        clients[username].force_login(user)
    clerk_case = (
        Case.objects.filter(township_id=users["clerk"].region_id, decided_on__isnull=False)
        .order_by("-pk")
        .first()
    )
    # Page 250 (rows 5,000 to 12,500 deep) where the size allows it, reached as a user
    # clicking 下一页 reaches it: by keyset, after the last row of page 249.
    deep = max(2, min(250, size // 400))
    context = {"deep_page": deep, "clerk_case": clerk_case, "deep_query": {}}
    for username, per_page in (("clerk", 20), ("supervisor", 20), ("api", 50)):
        user = users["supervisor" if username == "api" else username]
        last = case_list_for_user(user=user).order_by("-created_at", "-id")[
            (deep - 1) * per_page - 1
        ]
        context["deep_query"][username] = encode_cursor(deep, last)
    # The filings inbox (30 a page) and its API (50), at the same depth, by keyset / cursor.
    for key, per_page in (("filings", 30), ("api_filings", 50)):
        last = filing_list_for_user(user=users["supervisor"]).order_by(*INBOX_ORDER)[
            (deep - 1) * per_page - 1
        ]
        context["deep_query"][key] = encode_cursor(deep, last, "filed_at")
    results = {}
    for page in pages(context):
        if only and page.name not in only:
            continue
        seconds, queries, rows_seconds, items = run_page(page, clients, users)
        samples, rows_samples = [], []
        if seconds > SLOW:
            samples.append(seconds)  # too slow to repeat: the warm-up is the one sample
            rows_samples.append(rows_seconds)
        for _ in range(repeat if seconds <= SLOW else 0):
            seconds, queries, rows_seconds, items = run_page(page, clients, users)
            samples.append(seconds)
            rows_samples.append(rows_seconds)
        results[page.name] = {
            "median": statistics.median(samples),
            "p95": p95(samples),
            "queries": queries,
            "rows_statement": statistics.median(rows_samples),
            "target": page.target,
            "samples": samples,
        }
        if page.per_item_target is not None and items:
            results[page.name] |= {"items": items, "per_item_target": page.per_item_target}
        print(
            f"  {page.name:30s} median {results[page.name]['median'] * 1000:8.1f} ms  "
            f"p95 {results[page.name]['p95'] * 1000:8.1f} ms  queries {queries}",
            flush=True,
        )
    if not only or "list_first_clerk" in only:
        hand_written_list(users["clerk"].region_id)
        samples = [hand_written_list(users["clerk"].region_id) for _ in range(repeat)]
        results["hand_written_list_clerk"] = {
            "median": statistics.median(samples),
            "p95": p95(samples),
            "queries": 1,
            "target": None,
            "samples": samples,
        }
        print(
            f"  {'hand_written_list_clerk':30s} median {statistics.median(samples) * 1000:8.1f} ms",
            flush=True,
        )
    return results


def report(results: dict[int, dict]) -> bool:
    sizes = sorted(results)
    small, large = sizes[0], sizes[-1]
    head = " | ".join(f"{label} {s:,}" for s in sizes for label in ("median", "p95", "q"))
    print(f"\n| page | {head} | growth p95 | target | met |")
    print("|---|" + "---:|" * (3 * len(sizes)) + "---:|---:|:-:|")
    all_met = True
    for name in results[small]:
        cells = []
        for s in sizes:
            r = results[s].get(name)
            cells += (
                [f"{r['median'] * 1000:.0f} ms", f"{r['p95'] * 1000:.0f} ms", str(r["queries"])]
                if r
                else ["–"] * 3
            )
        target = results[small][name]["target"]
        growth = met = ""
        if large != small and name in results[large]:
            ratio = results[large][name]["p95"] / max(results[small][name]["p95"], 1e-9)
            growth = f"{ratio:.2f}"
            if target is not None:
                ok = ratio <= target
                all_met &= ok
                met = "yes" if ok else "**no**"
        print(f"| {name} | {' | '.join(cells)} | {growth} | {target or ''} | {met} |")
    for name in results[small]:
        first, last = results[small][name], results[large].get(name) or {}
        if large == small or "items" not in first or "items" not in last:
            continue
        per_item = [r["p95"] / r["items"] * 1e6 for r in (first, last)]
        ratio = per_item[1] / max(per_item[0], 1e-9)
        ok = ratio <= first["per_item_target"]
        all_met &= ok
        print(
            f"\n{name}: {first['items']:,} items drawn at {small:,} cases, {last['items']:,} at "
            f"{large:,}; p95 per item {per_item[0]:.0f} µs → {per_item[1]:.0f} µs: growth "
            f"{ratio:.2f} (target ≤ {first['per_item_target']}: {'met' if ok else 'NOT met'})"
        )
    for s in sizes:
        page = results[s].get("list_first_clerk")
        hand = results[s].get("hand_written_list_clerk")
        if page and hand:
            ratio = page.get("rows_statement", 0) / max(hand["median"], 1e-9)
            ok = ratio <= 3
            all_met &= ok
            print(
                f"\n{s:,} cases, case list page 1 (clerk): the page's row query "
                f"{page.get('rows_statement', 0) * 1000:.1f} ms vs the hand-written query "
                f"{hand['median'] * 1000:.1f} ms: {ratio:.1f}× (target ≤ 3×: "
                f"{'met' if ok else 'NOT met'}); the whole page (rendering included) "
                f"{page['median'] * 1000:.1f} ms"
            )
    return all_met


def combine(paths: list[str]) -> dict[int, dict]:
    """The results of several runs (``--json`` files, e.g. 100k and 1M taken in turns), each
    page's samples of a size pooled, its median and p95 taken again over them all: rounds
    alternated between the sizes see the same machine, so a burst of load elsewhere weighs
    on both sides of the growth ratio instead of on one."""
    pooled: dict[int, dict] = {}
    for path in paths:
        for size, pages_ in json.loads(Path(path).read_text())["results"].items():
            for name, r in pages_.items():
                into = pooled.setdefault(int(size), {}).setdefault(name, {**r, "samples": []})
                into["samples"] += r.get("samples") or [r["p95"]]
                into.setdefault("rows", []).append(r.get("rows_statement"))
    for pages_ in pooled.values():
        for r in pages_.values():
            r["median"], r["p95"] = statistics.median(r["samples"]), p95(r["samples"])
            rows = [x for x in r.pop("rows") if x is not None]
            if rows:
                r["rows_statement"] = statistics.median(rows)
    return pooled


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--pages", default="", help="comma-separated page names (default all)")
    parser.add_argument("--json", default="", help="also write the figures to this file")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the rows already built, add the tables and indexes the models gained",
    )
    parser.add_argument(
        "--force", action="store_true", help="allow a database whose name lacks 'bench'"
    )
    parser.add_argument(
        "--combine",
        default="",
        help="comma-separated --json files of earlier runs: report on their samples pooled",
    )
    args = parser.parse_args()
    if args.combine:
        results = combine([p for p in args.combine.split(",") if p])
        ok = report(results)
        print(verdict(results, ok))
        return 0 if ok else 1

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("bench_pages: set DATABASE_URL=postgres://…/relief_pagebench", file=sys.stderr)
        return 2
    if "bench" not in url.rsplit("/", 1)[-1] and not args.force:
        print("bench_pages: the database is rebuilt; use one named *bench*", file=sys.stderr)
        return 2
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "b" * 50)
    ensure_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from cases.models import Case
    from cases.stats.services import rebuild_summaries

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    only = {p for p in args.pages.split(",") if p} or None
    sizes = sorted(int(s) for s in args.sizes.split(","))
    today = datetime.date.today()
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(
        f"PostgreSQL {connection.cursor().connection.info.server_version}, {today}, "
        f"repeat {args.repeat}; uptime: {uptime}"
    )
    t0 = time.perf_counter()
    if args.reuse:
        added = add_missing_indexes()
        rebuild_summaries()
        vacuum()
        print(f"reusing the rows built; {added} new indexes in {time.perf_counter() - t0:.1f}s")
    else:
        rebuild_schema()
        print(f"schema rebuilt in {time.perf_counter() - t0:.1f}s")
    results: dict[int, dict] = {}
    for size in sizes:
        built = Case.objects.count()
        if built < size:
            t0 = time.perf_counter()
            add_cases(built + 1, size, today=today)
            rebuild_summaries()  # the rows went in by SQL: the summaries are refilled
            vacuum()
            print(f"\n{size:,} cases built in {time.perf_counter() - t0:.1f}s")
        elif built > size:
            print(
                f"bench_pages: {built:,} cases already built, more than {size:,}", file=sys.stderr
            )
            return 2
        print(f"\n{size:,} cases")
        results[size] = measure(size, repeat=args.repeat, only=only)
    ok = report(results)
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"\nuptime at the end: {uptime}")
    if args.json:
        Path(args.json).write_text(
            json.dumps({"date": str(today), "uptime": uptime, "results": results}, indent=1)
        )
    print(verdict(results, ok))
    return 0 if ok else 1


def verdict(results: dict[int, dict], ok: bool) -> str:
    if len(results) < 2:
        # One size judges no growth (e.g. a run of one database, to be pooled by --combine).
        return "one size measured: no growth ratio to judge (pool the runs with --combine)"
    return "every target met" if ok else "some targets NOT met"


if __name__ == "__main__":
    sys.exit(main())

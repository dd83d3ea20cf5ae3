"""Bulk demo data for benchmarks: ``seed_demo --households N``.

Realistic households (Chinese names, valid 18-character ID numbers, addresses) spread over
every demo village, 1–5 members each, and one case per household spread over every
``CaseState`` with plausible dates, amounts and the township's policy snapshot.

Rows are inserted in batches of 5,000, one transaction per batch, straight into their
final state (the protected FSM field only guards assignment on saved objects): with
``bulk_create`` on SQLite, and on PostgreSQL with ``COPY`` after taking the primary keys
from the table's sequence — Django's bulk insert spends most of its time adapting
parameter arrays in Python, and 100,000 households must load in under two minutes. The
policy is read once per township and delegation once per (township, type) — never per case.
Running it again adds more households: case numbers carry a run prefix and ID numbers are
checked against those already in the database.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import connection, models, transaction
from django.utils import timezone
from stdnum.cn import ric

from cases.models import Case, CaseState, Household, HukouType, Member
from cases.stats.services import rebuild_summaries
from relief.delegation import holds_power_map, power_from_map
from relief.models import AssistanceType, Region, Role, User
from relief.policy import policy_for

BATCH = 5_000
STATES = list(CaseState)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_MALE = (
    "建国军伟强磊洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳晨德海峰文忠"
    "志永祥春生荣福安胜发兴贵"
)
GIVEN_FEMALE = "秀英芳娟敏静丽艳娜霞玲桂兰红梅琴云莲珍凤洁萍燕雪慧巧美娇婷颖倩玉翠菊花月香琳丹蓉群"
STREETS = [
    "幸福路",
    "人民路",
    "团结路",
    "建设路",
    "解放路",
    "和平街",
    "新华路",
    "朝阳路",
    "康乐路",
    "太白路",
]
# Birth places for ID numbers: the demo county and its neighbours (马鞍山市, 芜湖市).
AREAS = [
    "340521",
    "340521",
    "340521",
    "340503",
    "340504",
    "340506",
    "340522",
    "340523",
    "340207",
    "340223",
]
REFUSAL_REASONS = [
    "家庭人均收入高于当地低保标准",
    "家庭财产状况不符合规定（名下有非生活必需机动车辆）",
    "共同生活家庭成员有劳动能力且未就业，未履行就业义务",
    "申请人拒不配合入户调查",
]
#: Types that go through 核对/评议/公示 (short-route types skip those states).
FULL_ROUTE = ("dibao_rural", "dibao_urban", "tekun_dispersed", "tekun_centralized")
#: Mix of assistance types for the other states (codes from relief/assistance_types.py).
TYPE_WEIGHTS = {
    "dibao_rural": 40,
    "dibao_urban": 15,
    "tekun_dispersed": 10,
    "tekun_centralized": 3,
    "temp_emergency": 10,
    "temp_expense": 10,
    "orphan": 2,
    "de_facto_orphan": 2,
    "child_in_distress": 2,
    "elderly_subsidy": 3,
    "disability_subsidy": 3,
}
FULL_ROUTE_STATES = {
    CaseState.CHECKING,
    CaseState.INVESTIGATING,
    CaseState.EVALUATING,
    CaseState.PRE_NOTICE,
    CaseState.OBJECTION,
    CaseState.RESULT_NOTICE,
}
ACCEPTED_STATES = set(CaseState) - {
    CaseState.DRAFT,
    CaseState.RETURNED_TO_VILLAGE,
    CaseState.AWAITING_DOCUMENTS,
}
DECIDED = {
    CaseState.CONFIRMED,
    CaseState.RESULT_NOTICE,
    CaseState.PAYING,
    CaseState.REFUSED,
    CaseState.REVOKED,
}
PAID = {CaseState.CONFIRMED, CaseState.RESULT_NOTICE, CaseState.PAYING, CaseState.REVOKED}
CHECK_RETURNED = ACCEPTED_STATES - {
    CaseState.ACCEPTED,
    CaseState.CHECKING,
    CaseState.INVESTIGATING,
    CaseState.WITHDRAWN,
}
SURVEY_DONE = CHECK_RETURNED - {CaseState.VISITING}


class _Township:
    """What the generator needs to know about one township, read once."""

    def __init__(
        self,
        township: Region,
        villages: list[Region],
        snapshot: dict,
        delegated: set[int],
        clerk: User | None,
        types: dict[str, AssistanceType],
    ):
        self.township = township
        self.villages = villages
        self.villages_by_id = {v.pk: v for v in villages}
        self.snapshot = snapshot
        self.clerk = clerk
        self.states = self._possible_states(snapshot, delegated, types)
        self.delegated = delegated
        self.counter = 0

    @staticmethod
    def _possible_states(
        snapshot: dict, delegated: set[int], types: dict[str, AssistanceType]
    ) -> list[str]:
        """The states a case of this township can be in under its policy and delegation."""
        states = list(CaseState)
        if snapshot["parallel_check_visit"]:
            states.remove(CaseState.CHECKING)
        else:
            states.remove(CaseState.INVESTIGATING)
        if snapshot["evaluation_mode"] == "never":
            states.remove(CaseState.EVALUATING)
        if snapshot["notice_timing"] == "after":
            states.remove(CaseState.PRE_NOTICE)
        if all(t.pk in delegated for t in types.values()):
            states.remove(CaseState.COUNTY_REVIEW)  # nothing to refer to the county
        return states


def _name(rng: random.Random, male: bool, surname: str | None = None) -> str:
    pool = GIVEN_MALE if male else GIVEN_FEMALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return (surname or rng.choice(SURNAMES)) + given


def _id_number(rng: random.Random, birth: datetime.date, male: bool, used: set[str]) -> str:
    while True:
        order = rng.randrange(0, 500) * 2 + (1 if male else 0)  # odd: male, even: female
        body = f"{rng.choice(AREAS)}{birth:%Y%m%d}{order:03d}"
        number = body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit
        if number not in used:
            used.add(number)
            return number


def _birth(rng: random.Random, today: datetime.date, age_from: int, age_to: int) -> datetime.date:
    age_days = rng.randint(age_from * 365 + 1, age_to * 365 + 300)
    return today - datetime.timedelta(days=age_days)


def _address(rng: random.Random, village: Region) -> str:
    if village.name.endswith("社区"):
        return (
            f"{village.parent.name}{village.name}{rng.choice(STREETS)}{rng.randint(1, 300)}号"
            f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}0{rng.randint(1, 4)}室"
        )
    return f"{village.parent.name}{village.name}{rng.randint(1, 15)}组{rng.randint(1, 120)}号"


def _members(
    rng: random.Random, household: Household, village: Region, today: datetime.date, used: set[str]
) -> list[Member]:
    size = rng.choices((1, 2, 3, 4, 5), weights=(25, 25, 25, 15, 10))[0]
    head_male = rng.random() < 0.6
    head_age = rng.randint(22, 88) if size > 1 else rng.randint(45, 92)
    surname = rng.choice(SURNAMES)
    plan = [(Member.Relation.SELF, head_male, head_age, head_age, surname)]
    if size >= 2:
        spouse_age = max(20, min(95, head_age + rng.randint(-5, 5)))
        plan.append((Member.Relation.SPOUSE, not head_male, spouse_age, spouse_age, None))
    for _ in range(size - len(plan)):
        if head_age >= 40 and rng.random() < 0.8:
            plan.append(
                (
                    Member.Relation.CHILD,
                    rng.random() < 0.5,
                    1,
                    max(1, min(head_age - 20, 40)),
                    surname,
                )
            )
        elif head_age <= 60:
            plan.append(
                (
                    Member.Relation.PARENT,
                    rng.random() < 0.5,
                    head_age + 20,
                    min(head_age + 35, 98),
                    None,
                )
            )
        else:
            plan.append((Member.Relation.GRANDCHILD, rng.random() < 0.5, 1, 16, surname))
    members = []
    for relation, male, age_from, age_to, family in plan:
        birth = _birth(rng, today, age_from, age_to)
        age = (today - birth).days // 365
        capacity = (
            Member.WorkCapacity.NONE
            if age >= 70 or age < 16
            else rng.choices(
                [Member.WorkCapacity.FULL, Member.WorkCapacity.PARTIAL, Member.WorkCapacity.NONE],
                weights=(60, 25, 15),
            )[0]
        )
        disabled = rng.random() < 0.12
        members.append(
            Member(
                household_id=household.pk,
                name=_name(rng, male, family),
                id_number=_id_number(rng, birth, male, used),
                relation=relation,
                hukou_type=household.hukou_type,
                hukou_place=village.name,
                residence=household.address,
                sex=Member.Sex.MALE if male else Member.Sex.FEMALE,
                birth_date=birth,
                disability_type=rng.choice(["肢体", "视力", "智力", "精神", "听力"])
                if disabled
                else "",
                disability_grade=rng.randint(1, 4) if disabled else None,
                serious_illness=rng.choice(["", "", "", "高血压", "糖尿病", "尿毒症", "恶性肿瘤"])
                if age >= 40
                else "",
                work_capacity=capacity,
                is_student=6 <= age <= 22 and rng.random() < 0.9,
                employment=""
                if capacity == Member.WorkCapacity.NONE
                else rng.choice(["务农", "灵活就业", "无业", "务工"]),
            )
        )
    return members


def _amount(rng: random.Random, atype: AssistanceType, persons: int) -> Decimal:
    if atype.category == "dibao":  # 补差: (standard − income per person) × persons, whole yuan
        return Decimal(rng.randint(150, 780) * persons)
    if atype.category == "tekun":
        return Decimal(rng.choice([1100, 1150, 1200, 1430]))
    if atype.category == "temporary":
        return Decimal(rng.randrange(500, 3001, 100))
    return Decimal(rng.choice([80, 100, 150, 200, 1350]))


def _case(
    rng: random.Random,
    t: _Township,
    state: str,
    household: Household,
    members: list[Member],
    number: str,
    types: dict[str, AssistanceType],
    today: datetime.date,
    tz,
) -> Case:
    if state == CaseState.COUNTY_REVIEW:
        codes = [c for c, a in types.items() if a.pk not in t.delegated]
    elif state in FULL_ROUTE_STATES:
        codes = list(FULL_ROUTE)
    else:
        codes = list(TYPE_WEIGHTS)
    atype = types[rng.choices(codes, weights=[TYPE_WEIGHTS[c] for c in codes])[0]]

    created = today - datetime.timedelta(days=rng.randint(0, 700))
    case = Case(
        number=number,
        household_id=household.pk,
        assistance_type_id=atype.pk,
        township_id=t.township.pk,
        village_id=household.village_id,
        state=state,
        source=rng.choices(list(Case.Source), weights=(80, 12, 8))[0],
        applicant_id=members[0].pk,
        created_by_id=t.clerk.pk if t.clerk else None,
        created_at=datetime.datetime.combine(
            created, datetime.time(rng.randint(8, 17), rng.randint(0, 59)), tz
        ),
    )
    if case.source == Case.Source.PROXY:
        case.proxy_name = _name(rng, rng.random() < 0.5)
        case.proxy_relation = rng.choice(["子女", "亲属", "村(居)委会工作人员"])
    if state in ACCEPTED_STATES:
        case.documents_complete = True
        case.accepted_on = min(today, created + datetime.timedelta(days=rng.randint(0, 3)))
        case.accepted_by_id = t.clerk.pk if t.clerk else None
        case.policy_snapshot = t.snapshot
        case.check_status = (
            "returned"
            if state in CHECK_RETURNED
            else ("requested" if state in (CaseState.CHECKING, CaseState.INVESTIGATING) else "")
        )
        case.survey_status = (
            "complete"
            if state in SURVEY_DONE
            else ("draft" if state in (CaseState.VISITING, CaseState.INVESTIGATING) else "")
        )
        case.route = Case.Route.TOWNSHIP if atype.pk in t.delegated else Case.Route.COUNTY
    if state in (CaseState.PRE_NOTICE, CaseState.OBJECTION, CaseState.RESULT_NOTICE):
        case.notice_started_on = min(
            today, case.accepted_on + datetime.timedelta(days=rng.randint(8, 20))
        )
    if state in DECIDED:
        case.decided_on = min(today, case.accepted_on + datetime.timedelta(days=rng.randint(8, 28)))
    if state in PAID:
        case.monthly_amount = _amount(rng, atype, len(members))
        case.amount_from = (case.decided_on.replace(day=1) + datetime.timedelta(days=32)).replace(
            day=1
        )
    if state == CaseState.REFUSED:
        case.refusal_reasons = rng.choice(REFUSAL_REASONS)
    if state == CaseState.COUNTY_REVIEW:
        case.route = Case.Route.COUNTY
    return case


def insert_rows(model, objs: list) -> None:
    """Insert ``objs`` and set their primary keys: ``COPY`` on PostgreSQL, else ``bulk_create``.

    Values go through each field's ``pre_save``/``get_db_prep_save`` exactly as Django's own
    insert does, so defaults, ``auto_now`` and JSON fields behave the same; signals are not
    sent (as with ``bulk_create``)."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=BATCH)
        return
    opts = model._meta
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [opts.db_table, opts.pk.column, len(objs)],
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias
        fields = opts.concrete_fields
        columns = ", ".join(qn(f.column) for f in fields)
        plain = [_is_plain(f) for f in fields]
        with cursor.cursor.copy(f"COPY {qn(opts.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row(
                    [
                        getattr(obj, f.attname)
                        if is_plain
                        else f.get_db_prep_save(f.pre_save(obj, True), connection)
                        for f, is_plain in zip(fields, plain, strict=True)
                    ]
                )


def _is_plain(field) -> bool:
    """Fields whose Python value psycopg can take as it is (no pre_save, no adaptation)."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return False
    if isinstance(field, models.DateTimeField):
        return False  # naive/aware handling stays Django's
    return isinstance(
        field,
        (
            models.CharField,
            models.TextField,
            models.BooleanField,
            models.IntegerField,
            models.ForeignKey,
            models.DecimalField,
            models.DateField,
        ),
    )


def _townships(today: datetime.date, types: dict[str, AssistanceType]) -> list[_Township]:
    townships = list(
        Region.objects.filter(level=Region.Level.TOWNSHIP, active=True).order_by("code")
    )
    villages: dict[int, list[Region]] = {}
    for v in Region.objects.filter(
        level=Region.Level.VILLAGE, active=True, parent__in=townships
    ).select_related("parent"):
        villages.setdefault(v.parent_id, []).append(v)
    power = holds_power_map(townships, list(types.values()), today)
    users = {}
    for u in User.objects.filter(region__in=townships, role=Role.TOWNSHIP_CLERK).order_by("pk"):
        users.setdefault((u.region_id, u.role), u)
    result = []
    for township in townships:
        if not villages.get(township.pk):
            continue
        delegated = {
            a.pk for a in types.values() if power_from_map(power[(township.pk, a.pk)], today)
        }
        result.append(
            _Township(
                township,
                villages[township.pk],
                policy_for(township, today).as_snapshot(),
                delegated,
                users.get((township.pk, Role.TOWNSHIP_CLERK)),
                types,
            )
        )
    return result


def bulk_create_households(
    n: int, stdout=None, *, seed: int | None = None, batch_size: int = BATCH
) -> int:
    """Create ``n`` households with members and one case each; returns ``n``."""
    if n <= 0:
        return 0
    rng = random.Random(seed)
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    types = {a.code: a for a in AssistanceType.objects.filter(code__in=TYPE_WEIGHTS)}
    missing = set(TYPE_WEIGHTS) - set(types)
    if missing:
        raise RuntimeError(
            f"assistance types missing (run migrate / seed_demo first): {sorted(missing)}"
        )
    townships = _townships(today, types)
    if not townships:
        raise RuntimeError("no township with villages: run `manage.py seed_demo` first")
    by_state = {state: [t for t in townships if state in t.states] for state in STATES}
    impossible = [state for state, ts in by_state.items() if not ts]
    if impossible:
        raise RuntimeError(f"no demo township can hold a case in {impossible}")
    run = timezone.localtime().strftime("%y%m%d%H%M%S")
    while Case.objects.filter(number__startswith=f"BK{run}").exists():  # two runs in one second
        run = str(int(run) + 1)
    used = set(Member.objects.values_list("id_number", flat=True))

    done = 0
    while done < n:
        size = min(batch_size, n - done)
        with transaction.atomic():
            households, plans = [], []
            for i in range(done, done + size):
                # States in turn (every state once in any 19 households), each in a township
                # where it can happen; villages of that township in turn.
                state = STATES[i % len(STATES)]
                candidates = by_state[state]
                t = candidates[(i + i // len(STATES)) % len(candidates)]
                village = t.villages[t.counter % len(t.villages)]
                t.counter += 1
                household = Household(
                    township_id=t.township.pk,
                    village_id=village.pk,
                    address=_address(rng, village),
                    # (no draw from rng here: the rest of the seeded data stays the same)
                    village_group=f"第{i % 9 + 1}村民小组",
                    hukou_type=HukouType.URBAN
                    if village.name.endswith("社区") and rng.random() < 0.7
                    else HukouType.RURAL,
                    phone=f"1{rng.choice('35789')}{rng.randint(0, 999999999):09d}",
                    bank_name=rng.choice(
                        ["当涂农商银行", "中国农业银行当涂支行", "中国邮政储蓄银行当涂县支行"]
                    ),
                    bank_account=f"6228{rng.randint(0, 10**15 - 1):015d}",
                    created_by_id=t.clerk.pk if t.clerk else None,
                )
                households.append(household)
                plans.append((t, state))
            insert_rows(Household, households)
            member_lists = [
                _members(rng, h, t.villages_by_id[h.village_id], today, used)
                for h, (t, _) in zip(households, plans, strict=True)
            ]
            insert_rows(Member, [m for ms in member_lists for m in ms])
            cases = [
                _case(rng, t, state, h, ms, f"BK{run}{i:07d}", types, today, tz)
                for i, ((t, state), h, ms) in enumerate(
                    zip(plans, households, member_lists, strict=True), start=done
                )
            ]
            insert_rows(Case, cases)
        done += size
        if stdout is not None:
            stdout.write(f"  {done}/{n} households")
    # Bulk inserts send no signal: the dashboards' summaries are refilled from the tables.
    rebuild_summaries()
    return n

"""`seed_demo --households N` (cases/bulk.py): realistic households and cases in every state."""

from io import StringIO

from django.core.management import call_command
from stdnum.cn import ric

from cases.models import Case, CaseState, Household, Member
from relief.models import Region


def test_fifty_households_cover_every_case_state_with_valid_members(db):
    out = StringIO()
    call_command("seed_demo", "--households", "50", "--quiet", stdout=out)
    assert "created 50 households" in out.getvalue()

    assert Household.objects.count() == 50
    assert Case.objects.count() == 50
    assert set(Case.objects.values_list("state", flat=True)) == set(CaseState.values)

    members = list(Member.objects.all())
    assert 50 <= len(members) <= 250
    for household in Household.objects.prefetch_related("members"):
        assert 1 <= household.members.count() <= 5
        assert household.village.parent_id == household.township_id
        assert household.address.startswith(household.township.name)
    for member in members:
        # stdnum's place table fails on current 安徽 codes (cases/intake/idnumbers.py explains), so
        # the check digit (ISO 7064 MOD 11-2) and the birth date are checked here.
        assert len(member.id_number) == 18 and member.id_number[:17].isdigit()
        assert ric.calc_check_digit(member.id_number) == member.id_number[17], member.id_number
        assert ric.get_birth_date(member.id_number) == member.birth_date
        assert (int(member.id_number[16]) % 2 == 1) == (member.sex == Member.Sex.MALE)
        assert 2 <= len(member.name) <= 3
    assert len({m.id_number for m in members}) == len(members)


def test_bulk_cases_are_plausible_for_their_state(db):
    call_command("seed_demo", "--households", "60", "--quiet", stdout=StringIO())
    for case in Case.objects.select_related("applicant", "household", "assistance_type"):
        assert case.applicant.household_id == case.household_id
        assert case.applicant.relation == Member.Relation.SELF
        assert case.village_id == case.household.village_id
        if case.state in (
            CaseState.DRAFT,
            CaseState.RETURNED_TO_VILLAGE,
            CaseState.AWAITING_DOCUMENTS,
        ):
            assert case.accepted_on is None and case.policy_snapshot == {}
        else:
            assert case.accepted_on >= case.created_at.date()
            assert case.policy_snapshot["notice_days"] >= 1  # the township's policy, frozen
        if case.state in (CaseState.CONFIRMED, CaseState.PAYING, CaseState.REFUSED):
            assert case.decided_on >= case.accepted_on
        if case.state in (CaseState.CONFIRMED, CaseState.PAYING):
            assert case.monthly_amount > 0
        if case.state == CaseState.REFUSED:
            assert case.refusal_reasons
        if case.state == CaseState.COUNTY_REVIEW:
            assert case.route == Case.Route.COUNTY
    # every demo village gets households once there are enough of them
    villages = Region.objects.filter(level=Region.Level.VILLAGE).count()
    assert Household.objects.values("village").distinct().count() == min(villages, 60)


def test_the_policy_snapshot_is_each_townships_own(db):
    call_command("seed_demo", "--households", "40", "--quiet", stdout=StringIO())
    shiqiao = Case.objects.filter(township__code="340521103000").exclude(policy_snapshot={}).first()
    gushu = Case.objects.filter(township__code="340521100000").exclude(policy_snapshot={}).first()
    assert shiqiao.policy_snapshot["dibao_limit_delegated_wd"] == 12  # 石桥镇's override
    assert gushu.policy_snapshot["dibao_limit_delegated_wd"] == 20


def test_running_twice_adds_more_with_unique_numbers(db):
    call_command("seed_demo", "--households", "20", "--quiet", stdout=StringIO())
    call_command("seed_demo", "--households", "20", "--quiet", stdout=StringIO())
    assert Household.objects.count() == 40
    numbers = list(Case.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 40
    ids = list(Member.objects.values_list("id_number", flat=True))
    assert len(set(ids)) == len(ids)

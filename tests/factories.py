"""factory_boy factories shared by every app's tests. Personas come from the demo county
(conftest.py ``demo`` fixture); these build households, members and cases inside it."""

from __future__ import annotations

import datetime
import random

import factory
from stdnum.cn import ric

from cases.models import Case, Household, HukouType, Member
from relief.models import AssistanceType, Region


def make_id_number(
    *, birth: datetime.date, male: bool = True, area: str = "340521", seq: int | None = None
) -> str:
    """A valid 18-character resident ID number (GB 11643, ISO 7064 MOD 11-2)."""
    if seq is None:
        seq = random.randint(0, 99)
    order = seq * 10 + (1 if male else 2) % 10
    body = f"{area}{birth:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects the check position present


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    village = factory.LazyFunction(lambda: Region.objects.get(code="340521100201"))
    township = factory.LazyAttribute(lambda o: o.village.parent)
    address = factory.Sequence(lambda n: f"城东社区幸福路{n + 1}号")
    hukou_type = HukouType.RURAL


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Iterator(["王桂芳", "李长青", "张小军", "陈玉兰", "刘建华", "赵德胜"])
    birth_date = datetime.date(1960, 5, 17)
    sex = Member.Sex.MALE
    id_number = factory.LazyAttributeSequence(
        lambda o, n: make_id_number(
            birth=o.birth_date,
            male=o.sex == Member.Sex.MALE,
            seq=n % 100,
            area=f"34{(n // 100) % 10000:04d}",
        )
    )
    relation = Member.Relation.SELF
    hukou_type = HukouType.RURAL


class CaseFactory(factory.django.DjangoModelFactory):
    """A case in DRAFT with a household of one applicant; pass state via ``force_state``."""

    class Meta:
        model = Case

    household = factory.SubFactory(HouseholdFactory)
    township = factory.LazyAttribute(lambda o: o.household.township)
    village = factory.LazyAttribute(lambda o: o.household.village)
    assistance_type = factory.LazyFunction(lambda: AssistanceType.objects.get(code="dibao_rural"))
    number = factory.Sequence(lambda n: f"T{n:08d}")
    applicant = factory.LazyAttribute(lambda o: MemberFactory(household=o.household))

    @classmethod
    def _create(cls, model_class, *args, force_state: str | None = None, **kwargs):
        case = super()._create(model_class, *args, **kwargs)
        if force_state:
            # Test set-up only: bypass the protected FSM field with a queryset update.
            model_class.objects.filter(pk=case.pk).update(state=force_state)
            case.refresh_from_db()
            # A queryset update sends no signal: the dashboards' summaries follow by hand.
            from cases.stats.services import retally_case

            retally_case(case.pk)
        return case

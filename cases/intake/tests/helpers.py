"""Helpers for the intake tests: member data, a filled application, standards."""

from __future__ import annotations

import datetime

from cases.intake.services.application import application_create, case_accept, checklist_update
from cases.models import Case, CaseState
from cases.rules import checklist_for_case
from relief.models import AssistanceType, Region, User
from tests.factories import make_id_number

APPLICANT_ID = make_id_number(birth=datetime.date(1958, 3, 9), male=True, seq=11)
SPOUSE_ID = make_id_number(birth=datetime.date(1961, 8, 2), male=False, seq=12)
CHILD_ID = make_id_number(birth=datetime.date(2012, 1, 20), male=True, seq=13)


def member(name="王德福", id_number=APPLICANT_ID, relation="self", **extra) -> dict:
    return {
        "name": name,
        "id_number": id_number,
        "relation": relation,
        "hukou_type": "rural",
        **extra,
    }


def application(
    actor: User, *, village: Region | None = None, members=None, type_code="dibao_rural", **kw
) -> Case:
    village = village or (
        actor.region
        if actor.region.level == "village"
        else actor.region.children.order_by("code").first()
    )
    return application_create(
        actor=actor,
        village=village,
        assistance_type=AssistanceType.objects.get(code=type_code),
        household={"address": "城东社区幸福路8号", "hukou_type": "rural"},
        members=members
        if members is not None
        else [member(), member("李秀兰", SPOUSE_ID, "spouse")],
        **kw,
    )


def force(case: Case, state: str, **fields) -> Case:
    Case.objects.filter(pk=case.pk).update(state=state, **fields)
    case.refresh_from_db()
    return case


def originals_seen(case: Case) -> dict:
    """The checklist form's input recording every required original as seen, with notes."""
    codes = [r["code"] for r in checklist_for_case(case) if r["required"]]
    return {"provided": codes, "notes": dict.fromkeys(codes, "原件已核验，复印件存档")}


def accepted(case: Case, clerk: User) -> Case:
    checklist_update(case=case, actor=clerk, **originals_seen(case))
    case_accept(case=case, actor=clerk)
    assert case.state == CaseState.ACCEPTED
    return case

"""Demo data of 一门受理、协同办理: the demo county's contact list (the 8+1 departments that
answer a referred need, seed 004) and its 医疗保障局 user (relief/demo.py ``dept_yibao``)."""

from __future__ import annotations

from django.db import transaction

from cases.models import Department
from relief.demo import COUNTY
from relief.models import Region, Role, User

DEPARTMENTS = (
    ("县医疗保障局", "医疗救助", "医疗救助科", "0555-6711001"),
    ("县教育局", "教育救助", "学生资助中心", "0555-6711002"),
    ("县住房和城乡建设局", "住房救助", "住房保障股", "0555-6711003"),
    ("县人力资源和社会保障局", "就业救助", "就业服务中心", "0555-6711004"),
    ("县应急管理局", "受灾人员救助", "救灾股", "0555-6711005"),
)


@transaction.atomic
def seed_referral_departments() -> None:
    county = Region.objects.filter(code=COUNTY[0]).first()
    if county is None:
        return
    for name, kind, contact, phone in DEPARTMENTS:
        dept, _ = Department.objects.get_or_create(
            county=county,
            name=name,
            need_kind=kind,
            defaults={"contact_person": contact, "phone": phone},
        )
        if kind == "医疗救助":
            officer = User.objects.filter(
                username="dept_yibao", role=Role.DEPARTMENT_OFFICER
            ).first()
            if officer is not None:
                dept.members.add(officer)

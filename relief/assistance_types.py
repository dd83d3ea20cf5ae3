"""The assistance types of DOMAIN §3 and seed 002, loaded as data (migration 0002 and
the demo seed both call ``ensure_assistance_types``)."""

TYPES = [
    # code, name, category, subtype, workflow
    ("dibao_urban", "城市最低生活保障", "dibao", "城市", "dibao"),
    ("dibao_rural", "农村最低生活保障", "dibao", "农村", "dibao"),
    ("tekun_dispersed", "特困人员救助供养(分散供养)", "tekun", "分散供养", "tekun"),
    ("tekun_centralized", "特困人员救助供养(集中供养)", "tekun", "集中供养", "tekun"),
    ("temp_emergency", "临时救助(急难型)", "temporary", "急难型", "temporary"),
    ("temp_expense", "临时救助(支出型)", "temporary", "支出型", "temporary"),
    ("orphan", "孤儿基本生活保障", "other", "孤儿", "simple"),
    ("de_facto_orphan", "事实无人抚养儿童", "other", "事实无人抚养儿童", "simple"),
    ("child_in_distress", "困境儿童", "other", "困境儿童", "simple"),
    ("elderly_subsidy", "经济困难老年人补贴", "other", "经济困难老年人", "simple"),
    (
        "disability_subsidy",
        "残疾人两项补贴",
        "other",
        "困难残疾人生活补贴和重度残疾人护理补贴",
        "simple",
    ),
]


def ensure_assistance_types(model) -> None:
    """Create missing types; never overwrite what an administrator changed."""
    for order, (code, name, category, subtype, workflow) in enumerate(TYPES):
        model.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "category": category,
                "subtype": subtype,
                "workflow": workflow,
                "sort_order": order,
            },
        )

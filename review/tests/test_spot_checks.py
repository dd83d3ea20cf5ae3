import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Case, CaseState
from relief.models import PolicySetting, Region
from relief.policy import Policy, policy_set
from review import sampling
from review.models import SpotCheckItem
from review.sampling import draw_key
from review.services import (
    draw_from_frame,
    spot_check_assign,
    spot_check_campaign_create,
    spot_check_frame,
    spot_check_record_visit,
    spot_check_redraw,
    spot_check_verify,
    stratum_quota,
    stratum_ratio,
)
from review.tests.conftest import PERIOD
from tests.uploads import png_bytes


def _campaign(demo, seed=None):
    return spot_check_campaign_create(
        actor=demo.user("supervisor"),
        name="十月抽查",
        period_start=PERIOD[0],
        period_end=PERIOD[1],
        seed=seed,
    )


def test_quota_is_rounded_up_with_decimal_arithmetic():
    # 10 × 0.30 must be exactly 3 (binary floats would make it 3.0000000000000004 → 4)
    assert stratum_quota(10, Decimal("0.30")) == 3
    assert stratum_quota(7, Decimal("0.30")) == 3  # 2.1 → 3
    assert stratum_quota(1, Decimal("0.10")) == 1  # 0.1 → 1
    assert stratum_quota(0, Decimal("0.30")) == 0
    assert stratum_quota(3, Decimal("1")) == 3


def test_tekun_ratio_never_falls_below_thirty_percent_whatever_the_setting():
    low = Policy.from_snapshot({"spot_check_ratio_tekun": "0.05", "spot_check_ratio_dibao": "0.05"})
    assert stratum_ratio(low, "tekun") == Decimal("0.30")
    assert stratum_ratio(low, "dibao") == Decimal("0.05")
    high = Policy.from_snapshot({"spot_check_ratio_tekun": "0.50"})
    assert stratum_ratio(high, "tekun") == Decimal("0.50")
    assert stratum_ratio(high, "other") == Decimal("0")


def test_sample_is_stratified_by_township_and_type_at_the_policy_ratio(demo, confirmed_case):
    huangchi_village = Region.objects.get(code="340521101201")
    for _ in range(10):
        confirmed_case()  # 姑孰镇 低保: 10 × 0.30 → 3
    for _ in range(4):
        confirmed_case(village=huangchi_village)  # 黄池镇 低保: 4 × 0.30 = 1.2 → 2
    for _ in range(5):
        confirmed_case(type_code="tekun_dispersed")  # 姑孰镇 特困: 5 × 0.30 = 1.5 → 2
    for _ in range(3):
        confirmed_case(type_code="temp_expense")  # 姑孰镇 临时: 3 × 0.10 = 0.3 → 1
    confirmed_case(decided_on=datetime.date(2026, 9, 30))  # outside the period
    confirmed_case(state=CaseState.REFUSED)  # not a confirmation
    confirmed_case(state=CaseState.REVOKED)  # no longer standing

    campaign = _campaign(demo)
    frame = campaign.frame
    assert frame["340521100000:dibao"]["population"] == 10
    assert frame["340521100000:dibao"]["quota"] == 3
    assert frame["340521101000:dibao"]["quota"] == 2
    assert frame["340521100000:tekun"]["quota"] == 2
    assert frame["340521100000:temporary"]["quota"] == 1
    counts = {}
    for item in campaign.items.all():
        counts[(item.township_id, item.category)] = (
            counts.get((item.township_id, item.category), 0) + 1
        )
    assert counts == {
        (demo.gushu.pk, "dibao"): 3,
        (demo.huangchi.pk, "dibao"): 2,
        (demo.gushu.pk, "tekun"): 2,
        (demo.gushu.pk, "temporary"): 1,
    }


def test_township_override_of_the_ratio_applies_to_its_stratum(demo, confirmed_case):
    policy_set(
        region=demo.gushu,
        key="spot_check_ratio_dibao",
        raw_value="0.5",
        effective_from=datetime.date(2026, 1, 1),
        actor=demo.user("admin"),
    )
    for _ in range(5):
        confirmed_case()
    assert _campaign(demo).frame["340521100000:dibao"]["quota"] == 3  # 2.5 → 3


def test_a_tekun_setting_below_the_floor_is_still_sampled_at_thirty_percent(demo, confirmed_case):
    # A stored value below the minimum (e.g. from before validation existed) must not lower
    # the floor.
    PolicySetting.objects.create(
        region=demo.county,
        key="spot_check_ratio_tekun",
        value="0.10",
        effective_from=datetime.date(2026, 1, 1),
    )
    for _ in range(10):
        confirmed_case(type_code="tekun_centralized")
    campaign = _campaign(demo)
    assert campaign.frame["340521100000:tekun"]["ratio"] == "0.30"
    assert campaign.items.count() == 3


def test_near_relative_and_complaint_cases_are_always_included(demo, confirmed_case):
    for _ in range(20):
        confirmed_case()
    relative = confirmed_case(near_relative_flag=True)
    complained = confirmed_case(complaint_flag=True)
    for seed in (1, 2, 3, 4, 5):
        campaign = _campaign(demo, seed=seed)
        reasons = dict(campaign.items.values_list("case_id", "reason"))
        assert reasons[relative.pk] == SpotCheckItem.Reason.NEAR_RELATIVE
        assert reasons[complained.pk] == SpotCheckItem.Reason.COMPLAINT
        # 22 × 0.30 = 6.6 → 7: the two mandatory cases plus 5 random ones
        assert len(reasons) == 7
        assert sum(1 for r in reasons.values() if r == SpotCheckItem.Reason.RANDOM) == 5


def test_mandatory_cases_beyond_the_quota_are_all_included(demo, confirmed_case):
    confirmed_case()
    for _ in range(3):
        confirmed_case(near_relative_flag=True)
    campaign = _campaign(demo)
    assert (
        campaign.items.count() == 3
    )  # quota 4 × 0.3 → 2, but the three near-relative cases are all visited


def test_the_draw_is_reproducible_from_the_seed(demo, confirmed_case):
    for _ in range(30):
        confirmed_case()
    first = _campaign(demo, seed=20261031)
    again = _campaign(demo, seed=20261031)
    other = _campaign(demo, seed=7)
    numbers = lambda c: set(c.items.values_list("case__number", flat=True))  # noqa: E731
    assert numbers(first) == numbers(again)
    assert numbers(first) != numbers(other)  # 30 choose 9: a different seed draws differently
    assert first.frame == again.frame
    assert spot_check_verify(first)
    assert spot_check_redraw(first) == numbers(first)
    # The frame is rebuilt identically from the database (what the draw took is added).
    frame = spot_check_frame(county=demo.county, period_start=PERIOD[0], period_end=PERIOD[1])
    stored = {
        key: {k: v for k, v in s.items() if k not in ("drawn", "cutoff")}
        for key, s in first.frame.items()
    }
    assert frame == stored


def test_the_random_part_is_the_smallest_draw_keys_of_each_stratum(demo, confirmed_case):
    cases = [confirmed_case() for _ in range(12)]  # 12 × 0.30 → 4
    campaign = _campaign(demo, seed=99)
    by_key = sorted(cases, key=lambda c: (draw_key(99, c.pk), c.pk))
    assert set(campaign.items.values_list("case_id", flat=True)) == {c.pk for c in by_key[:4]}
    stratum = campaign.frame["340521100000:dibao"]
    assert stratum["drawn"] == 4
    assert int(stratum["cutoff"], 16) == draw_key(99, by_key[3].pk)
    assert stratum["method"] == "md5-bottom-k"
    assert "candidates" not in stratum  # the frame is not stored case by case


def test_each_case_is_drawn_about_as_often_as_the_ratio():
    ids = range(1001, 1011)  # ten consecutive ids, 3 drawn each time
    hits = dict.fromkeys(ids, 0)
    for seed in range(400):
        for pk in sorted(ids, key=lambda pk: (draw_key(seed, pk), pk))[:3]:
            hits[pk] += 1
    # 400 draws × 3 / 10 = 120 expected per case; a biased key would pile up on some ids
    assert all(80 <= n <= 160 for n in hits.values()), hits


def test_verify_fails_when_the_sample_is_edited(demo, confirmed_case):
    cases = [confirmed_case() for _ in range(10)]
    campaign = _campaign(demo, seed=5)
    drawn = set(campaign.items.values_list("case_id", flat=True))
    left_out = next(c for c in cases if c.pk not in drawn)
    item = campaign.items.first()
    item.case = left_out
    item.save()
    assert not spot_check_verify(campaign)
    item.delete()
    assert not spot_check_verify(campaign)


def test_verify_still_holds_after_a_drawn_case_leaves_the_frame(demo, confirmed_case):
    for _ in range(10):
        confirmed_case()
    campaign = _campaign(demo, seed=5)
    revoked = campaign.items.first().case
    Case.objects.filter(pk=revoked.pk).update(state=CaseState.REVOKED)  # after a finding
    assert spot_check_verify(campaign)
    assert revoked.number not in spot_check_redraw(campaign)


def test_a_frame_stored_with_its_candidates_is_still_verified(demo, confirmed_case):
    cases = [confirmed_case() for _ in range(6)]
    campaign = _campaign(demo, seed=3)
    SpotCheckItem.objects.filter(campaign=campaign).delete()
    numbers = sorted(c.number for c in cases)
    legacy = {
        "340521100000:dibao": {
            "township_id": demo.gushu.pk,
            "township": demo.gushu.name,
            "category": "dibao",
            "ratio": "0.30",
            "candidates": numbers,
            "mandatory": {},
            "population": 6,
            "quota": 2,
        }
    }
    campaign.frame = legacy
    campaign.save()
    picked = draw_from_frame(legacy, 3)["340521100000:dibao"]
    for number in picked:
        case = Case.objects.get(number=number)
        SpotCheckItem.objects.create(
            campaign=campaign, case=case, township=demo.gushu, category="dibao"
        )
    assert spot_check_verify(campaign)
    assert spot_check_redraw(campaign) == set(picked)


def test_a_generated_seed_is_stored(demo, confirmed_case):
    for _ in range(5):
        confirmed_case()
    campaign = _campaign(demo)
    assert campaign.seed is not None
    assert spot_check_verify(campaign)


def test_only_a_supervisor_creates_a_campaign(demo):
    with pytest.raises(PermissionDenied):
        spot_check_campaign_create(
            actor=demo.user("clerk"), name="x", period_start=PERIOD[0], period_end=PERIOD[1]
        )


def test_recording_a_visit_requires_a_problem_kind_and_sniffs_photos(
    demo, confirmed_case, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path

    confirmed_case()
    campaign = _campaign(demo)
    item = campaign.items.get()
    verifier = demo.user("verifier")
    spot_check_assign(items=[item], assignee=verifier, actor=demo.user("supervisor"))
    item.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        spot_check_record_visit(
            item=item,
            actor=verifier,
            visit_date=datetime.date(2026, 11, 2),
            people_met="户主",
            findings="收入未申报",
            outcome="problem",
            problem_kind="",
        )
    assert "发现问题时请选择问题类型" in exc.value.message_dict["problem_kind"]
    fake = SimpleUploadedFile("photo.jpg", b"<html>not an image</html>", content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        spot_check_record_visit(
            item=item,
            actor=verifier,
            visit_date=datetime.date(2026, 11, 2),
            people_met="户主",
            findings="收入未申报",
            outcome="problem",
            problem_kind="income",
            photos=[fake],
        )
    assert "不是" in exc.value.message_dict["photos"][0]
    png = SimpleUploadedFile("p.png", png_bytes(), content_type="text/plain")
    spot_check_record_visit(
        item=item,
        actor=verifier,
        visit_date=datetime.date(2026, 11, 2),
        people_met="户主",
        findings="收入未申报",
        outcome="problem",
        problem_kind="income",
        photos=[png],
    )
    item.refresh_from_db()
    assert item.outcome == "problem" and item.problem_kind == "income"
    photo = item.photos.get()
    assert photo.document.content_type == "image/png" and photo.document.case == item.case
    assert photo.document.kind == "survey_photo"


def test_review_decisions_are_sampled_unless_the_policy_leaves_them_out(demo, confirmed_case):
    review = confirmed_case(purpose=Case.Purpose.REVIEW)
    application = confirmed_case()
    frame = spot_check_frame(county=demo.county, period_start=PERIOD[0], period_end=PERIOD[1])
    assert frame["340521100000:dibao"]["population"] == 2
    drawn = {seed: numbers_drawn(demo, seed) for seed in range(8)}
    assert any(review.number in numbers for numbers in drawn.values())

    policy_set(
        region=demo.county,
        key="spot_check_include_reviews",
        raw_value=False,
        effective_from=datetime.date(2020, 1, 1),
        actor=None,
    )
    frame = spot_check_frame(county=demo.county, period_start=PERIOD[0], period_end=PERIOD[1])
    assert frame["340521100000:dibao"]["population"] == 1
    for seed in range(8):
        assert numbers_drawn(demo, seed) == {application.number}


def numbers_drawn(demo, seed):
    campaign = _campaign(demo, seed=seed)
    return set(campaign.items.values_list("case__number", flat=True))


def test_the_key_bound_never_changes_the_sample(demo, confirmed_case, monkeypatch):
    # PostgreSQL sorts only the keys under a bound per stratum; with a bound too low for
    # the quota the stratum is drawn again over all its keys (elsewhere there is no bound)
    for _ in range(12):
        confirmed_case()
    plain = numbers_drawn(demo, 11)
    monkeypatch.setattr(sampling, "key_bound", lambda k, candidates: 1)
    assert numbers_drawn(demo, 11) == plain
    assert len(plain) == 4

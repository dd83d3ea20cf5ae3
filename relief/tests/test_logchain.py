"""Hash-chained logs: each delegation event is sealed with the previous event's hash;
verify_log recomputes every chain and names the first row that was changed, removed or
inserted; the nightly task tells the county supervisors."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from relief.delegation import delegation_change_status, delegation_create
from relief.logchain import GENESIS, canonical_bytes, row_hash
from relief.logverify import verify_all, verify_model
from relief.models import AssistanceType, Delegation, DelegationEvent, Notification
from relief.tasks import verify_log
from tests.tampering import tampering

D = datetime.date


@pytest.fixture
def delegation(demo):
    return delegation_create(
        actor=demo.user("admin"),
        township=demo.wuxi,
        assistance_type=AssistanceType.objects.get(code="dibao_rural"),
        document_no="当政委〔2026〕1号",
        document_date=D(2026, 1, 1),
        effective_from=D(2026, 1, 10),
        effective_until=None,
        phase=Delegation.Phase.PILOT,
    )


def _events(delegation, demo, n=3):
    admin = demo.user("admin")
    statuses = ["suspended", "active", "suspended", "active"]
    for i in range(n):
        delegation_change_status(
            delegation=delegation,
            status=statuses[i],
            effective_date=D(2026, 2, 1 + i),
            reason=f"第{i + 1}次变更",
            actor=admin,
        )
    return list(DelegationEvent.objects.filter(delegation=delegation).order_by("pk"))


def _report():
    return next(r for r in verify_all() if r.model == "relief.DelegationEvent")


def test_each_event_is_sealed_with_the_hash_of_the_one_before(demo, delegation):
    events = _events(delegation, demo)
    assert events[0].prev_hash == GENESIS
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    for event in events:
        values = {f.attname: getattr(event, f.attname) for f in DelegationEvent._meta.fields}
        assert event.hash == row_hash(DelegationEvent, values, event.prev_hash)
        assert len(event.hash) == 64
    payload = canonical_bytes(DelegationEvent, values, events[-1].prev_hash).decode()
    assert '"reason":"第3次变更"' in payload and '"effective_date":"2026-02-03"' in payload
    report = _report()
    assert report.breaks == [] and report.rows == 3 and report.chains == 1


def test_an_edited_row_is_named_and_the_rows_after_it_are_not_blamed(demo, delegation):
    events = _events(delegation, demo)
    with tampering("relief_delegationevent"):
        DelegationEvent.objects.filter(pk=events[1].pk).update(reason="改写后的原因")
    (bad,) = _report().breaks
    assert (bad.pk, bad.chain) == (events[1].pk, delegation.pk)
    assert "内容与哈希不符" in bad.reason


def test_a_removed_row_breaks_the_chain_at_the_next_row(demo, delegation):
    events = _events(delegation, demo)
    with tampering("relief_delegationevent"):
        DelegationEvent.objects.filter(pk=events[1].pk).delete()
    (bad,) = _report().breaks
    assert bad.pk == events[2].pk and "前一条哈希不符" in bad.reason


def test_a_row_rewritten_with_a_fresh_hash_still_breaks_the_next_link(demo, delegation):
    events = _events(delegation, demo)
    forged = DelegationEvent.objects.get(pk=events[0].pk)
    forged.reason = "伪造"
    values = {f.attname: getattr(forged, f.attname) for f in DelegationEvent._meta.fields}
    with tampering("relief_delegationevent"):
        DelegationEvent.objects.filter(pk=forged.pk).update(
            reason="伪造", hash=row_hash(DelegationEvent, values, GENESIS)
        )
    (bad,) = _report().breaks
    assert bad.pk == events[1].pk


def test_chains_are_independent(demo, delegation):
    other = delegation_create(
        actor=demo.user("admin"),
        township=demo.wuxi,
        assistance_type=AssistanceType.objects.get(code="tekun_dispersed"),
        document_no="当政委〔2026〕2号",
        document_date=D(2026, 1, 1),
        effective_from=D(2026, 1, 10),
        effective_until=None,
        phase=Delegation.Phase.PILOT,
    )
    _events(delegation, demo, n=2)
    _events(other, demo, n=2)
    first_of_other = DelegationEvent.objects.filter(delegation=other).order_by("pk").first()
    assert first_of_other.prev_hash == GENESIS
    with tampering("relief_delegationevent"):
        DelegationEvent.objects.filter(pk=first_of_other.pk).update(reason="x")
    report = verify_model(DelegationEvent)
    assert report.chains == 2 and [b.chain for b in report.breaks] == [other.pk]


def test_bulk_create_is_refused_because_it_would_skip_the_seal(demo, delegation):
    with pytest.raises(TypeError, match="hash-chained"):
        DelegationEvent.objects.bulk_create(
            [
                DelegationEvent(
                    delegation=delegation, status="suspended", effective_date=D(2026, 3, 1)
                )
            ]
        )


def test_verify_log_command_names_the_first_bad_row_and_fails(demo, delegation, capsys):
    events = _events(delegation, demo)
    call_command("verify_log")
    assert "relief.DelegationEvent: 1 chains, 3 rows, intact" in capsys.readouterr().out
    with tampering("relief_delegationevent"):
        DelegationEvent.objects.filter(pk=events[2].pk).update(effective_date=D(2026, 2, 20))
    with pytest.raises(
        CommandError, match=f"first bad row: relief.DelegationEvent #{events[2].pk}"
    ):
        call_command("verify_log")


def test_the_nightly_task_alerts_county_supervisors_once(demo, delegation):
    events = _events(delegation, demo)
    assert (
        verify_log() == 0 and not Notification.objects.filter(verb__contains="日志完整性").exists()
    )
    with tampering("relief_delegationevent"):
        DelegationEvent.objects.filter(pk=events[0].pk).update(reason="改写")
    assert verify_log() == 1
    assert verify_log() == 1  # the same break is not sent twice
    alerts = Notification.objects.filter(verb__contains="日志完整性校验发现异常")
    assert {n.recipient.username for n in alerts} == {"supervisor"}
    assert alerts.count() == 1 and str(events[0].pk) in alerts.get().verb

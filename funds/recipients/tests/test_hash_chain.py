"""The register's change log is hash-chained per recipient (relief/logchain.py, issue 16):
every way a change is written seals it (the change service, registration, account changes,
a bulk 调标 batch sealed before its insert), an edit behind the application's back is named
by ``manage.py verify_log``, and rows written without a hash (from before the chain, or a
loader's raw insert) are sealed by the owner's ``seal_unsealed``."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, models

from funds.recipients.models import ChangeKind, RecipientChange, RecipientStatus
from funds.recipients.services import recipient_change
from funds.recipients.tests.support import registered
from relief.logchain import GENESIS, bulk_create_sealed, seal_unsealed
from relief.logverify import verify_model
from relief.tests.test_dbroles import roles  # noqa: F401  (fixture)
from tests.tampering import tampering

pytestmark = pytest.mark.django_db
DEC = datetime.date(2026, 12, 1)


def _changes(recipient):
    return list(RecipientChange.objects.filter(recipient=recipient).order_by("pk"))


def test_each_change_is_chained_to_the_recipients_previous_one(demo):
    recipient = registered(demo)
    other = registered(demo)
    recipient_change(
        recipient=recipient,
        actor=demo.user("clerk"),
        effective_month=DEC,
        reason="收入减少",
        kind=ChangeKind.AMOUNT,
        source_label="测试",
        monthly_amount=Decimal("612.30"),
    )
    first, second = _changes(recipient)
    assert first.prev_hash == GENESIS and len(first.hash) == 64
    assert second.prev_hash == first.hash
    assert _changes(other)[0].prev_hash == GENESIS  # a chain per recipient
    report = verify_model(RecipientChange)
    assert (report.chains, report.rows, report.breaks) == (2, 3, [])


def test_an_edited_amount_is_named_by_verify_log(demo):
    recipient = registered(demo)
    for amount in ("612.30", "700.00"):
        recipient_change(
            recipient=recipient,
            actor=demo.user("clerk"),
            effective_month=DEC,
            reason="调整",
            kind=ChangeKind.AMOUNT,
            source_label="测试",
            monthly_amount=Decimal(amount),
        )
    _first, edited, _third = _changes(recipient)
    with tampering("funds_recipientchange"):
        RecipientChange.objects.filter(pk=edited.pk).update(monthly_amount=Decimal("6123.00"))
    (bad,) = verify_model(RecipientChange).breaks
    assert (bad.pk, bad.chain) == (edited.pk, recipient.pk)
    assert bad.reason == "内容与哈希不符：该行被改写"
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("verify_log", stdout=out, stderr=err)
    assert f"BROKEN funds.RecipientChange row {edited.pk} (chain {recipient.pk})" in err.getvalue()
    assert f"first bad row: funds.RecipientChange #{edited.pk}" in str(exc.value)


def test_a_deleted_row_breaks_the_next_one(demo):
    recipient = registered(demo)
    recipient_change(
        recipient=recipient,
        actor=demo.user("clerk"),
        effective_month=DEC,
        reason="暂停",
        kind=ChangeKind.STATUS,
        source_label="测试",
        status=RecipientStatus.SUSPENDED,
    )
    first, second = _changes(recipient)
    with tampering("funds_recipientchange"):
        RecipientChange.objects.filter(pk=first.pk).delete()
    (bad,) = verify_model(RecipientChange).breaks
    assert (bad.pk, bad.reason) == (second.pk, "前一条哈希不符：其前有行被删除、插入或改写")


def _like(change, **fields):
    values = {
        f.attname: getattr(change, f.attname)
        for f in RecipientChange._meta.concrete_fields
        if f.attname not in ("id", "hash", "prev_hash")
    }
    return RecipientChange(**{**values, **fields})


def test_a_bulk_batch_is_sealed_before_its_insert_in_order(demo):
    a, b = registered(demo), registered(demo)
    base_a, base_b = _changes(a)[0], _changes(b)[0]
    rows = bulk_create_sealed(
        [
            _like(base_a, kind=ChangeKind.STANDARD, monthly_amount=Decimal("800.00")),
            _like(base_b, kind=ChangeKind.STANDARD, monthly_amount=Decimal("810.00")),
            _like(base_a, kind=ChangeKind.STANDARD, monthly_amount=Decimal("820.00")),
        ],
        batch_size=2,  # the third row's chain continues across batches
    )
    assert [r.prev_hash for r in rows] == [base_a.hash, base_b.hash, rows[0].hash]
    assert verify_model(RecipientChange).breaks == []
    with pytest.raises(TypeError):
        RecipientChange.objects.bulk_create([_like(base_a)])


def test_rows_written_without_a_hash_are_sealed_by_the_owner_in_chain_order(demo):
    a = registered(demo)
    base = _changes(a)[0]
    # a loader's raw insert (as bench/bench_roster.py does): no hash, after a sealed row
    models.QuerySet(RecipientChange).bulk_create(
        [_like(base, monthly_amount=Decimal(x)) for x in ("1.00", "2.00")]
    )
    (bad,) = verify_model(RecipientChange).breaks
    assert bad.reason == "哈希为空：该行在链开始后被改写或插入"
    assert seal_unsealed(RecipientChange) == 2
    first, second, third = _changes(a)
    assert (second.prev_hash, third.prev_hash) == (first.hash, second.hash)
    assert verify_model(RecipientChange).breaks == []
    assert seal_unsealed(RecipientChange) == 0


@pytest.mark.postgres
def test_the_application_role_appends_sealed_rows_and_can_neither_update_nor_seal(
    roles,  # noqa: F811  (the fixture imported above)
    demo,
):
    # The guarantee bulk writers keep: the application role only INSERTs rows whose hash
    # was computed first; rewriting the log (an UPDATE, or the owner's seal) is refused.
    from relief.tests.test_dbroles import acting_as, refused

    _, app = roles
    recipient = registered(demo)
    base = _changes(recipient)[0]
    assert "permission denied" in refused(app, "UPDATE funds_recipientchange SET hash = ''")
    assert "permission denied" in refused(app, "DELETE FROM funds_recipientchange")
    with acting_as(app):
        bulk_create_sealed([_like(base, kind=ChangeKind.STANDARD, monthly_amount=Decimal("9"))])
    with pytest.raises(DatabaseError) as exc, acting_as(app):
        seal_unsealed(RecipientChange)
    assert "must be owner" in str(exc.value)
    assert verify_model(RecipientChange).breaks == []

"""case_transition: the signature in the same transaction, callbacks in and after the
transaction, optimistic locking, notifications to whoever acts next."""

import pytest
from django.db import transaction
from django.urls import reverse

from cases.models import Case, CaseEvent, CaseState
from cases.workflow.hooks import case_transition_committed, case_transitioned
from cases.workflow.notifications import notify_next_actors
from cases.workflow.services import CaseChanged, case_transition
from cases.workflow.tests.helpers import (  # noqa: F401
    LONG_AGO,
    fast_passwords,
    go,
    make_case,
    make_user,
    post_notice,
)
from relief.logverify import verify_model
from relief.models import Notification
from tests.tampering import tampering


def test_signature_records_who_role_time_opinion_and_address(demo):
    case = make_case(demo.gushu)
    event = case_transition(
        case=case,
        name="accept",
        actor=demo.user("clerk"),
        opinion="材料齐全，予以受理",
        client_address="192.168.1.20",
    )
    event.refresh_from_db()
    assert (event.actor.username, event.actor_role, event.actor_name) == (
        "clerk",
        "township_clerk",
        "陈晓燕",
    )
    assert (event.source_state, event.target_state) == (CaseState.DRAFT, CaseState.ACCEPTED)
    assert event.opinion == "材料齐全，予以受理" and event.client_address == "192.168.1.20"
    assert event.created_at is not None and event.label == "受理"


def test_acting_role_is_the_one_the_transition_needs_for_a_double_role_user(demo):
    case = make_case(demo.wuxi, force_state=CaseState.REVIEW)
    event = case_transition(
        case=case, name="terminate", actor=demo.user("clerk_wuxi"), opinion="不配合"
    )
    assert event.actor_role == "township_clerk"


def test_in_transaction_callback_sees_the_event_and_its_failure_rolls_everything_back(
    demo, monkeypatch
):
    seen = []

    def callback(sender, *, case, event, **kwargs):
        seen.append(
            (
                case.state,
                CaseEvent.objects.filter(pk=event.pk).exists(),
                transaction.get_connection().in_atomic_block,
            )
        )
        raise RuntimeError("filing failed")

    case_transitioned.connect(callback, dispatch_uid="test.failing_callback")
    case = make_case(demo.gushu)
    try:
        with pytest.raises(RuntimeError):
            case_transition(case=case, name="accept", actor=demo.user("clerk"))
    finally:
        case_transitioned.disconnect(dispatch_uid="test.failing_callback")
    assert seen == [(CaseState.ACCEPTED, True, True)]
    assert Case.objects.get(pk=case.pk).state == CaseState.DRAFT
    assert not CaseEvent.objects.filter(case_id=case.pk).exists()


def test_after_commit_callbacks_run_only_after_commit(
    demo, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []

    def callback(sender, *, case_id, event_id, **kwargs):
        calls.append((case_id, event_id))

    case_transition_committed.connect(callback, dispatch_uid="test.after_commit")
    try:
        case = make_case(demo.gushu)
        with django_capture_on_commit_callbacks(execute=False) as pending:
            event = case_transition(case=case, name="accept", actor=demo.user("clerk"))
            assert calls == []
        assert len(pending) == 1
        pending[0]()
        assert calls == [(case.pk, event.pk)]
    finally:
        case_transition_committed.disconnect(dispatch_uid="test.after_commit")


def test_stale_copy_gets_case_changed_with_the_new_state(demo):
    case = make_case(demo.gushu, force_state=CaseState.ACCEPTED)
    first, second = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    case_transition(case=first, name="start_investigation", actor=demo.user("clerk"))
    with pytest.raises(CaseChanged) as exc:
        case_transition(case=second, name="withdraw", actor=demo.user("clerk"), opinion="撤回")
    assert exc.value.case.state == CaseState.CHECKING
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_stale_copy_taking_the_same_transition_gets_case_changed(demo):
    case = make_case(demo.gushu, force_state=CaseState.ACCEPTED)
    first, second = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    case_transition(case=first, name="start_investigation", actor=demo.user("clerk"))
    with pytest.raises(CaseChanged):
        case_transition(case=second, name="start_investigation", actor=demo.user("clerk"))
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_reaching_review_notifies_the_township_approver_once(
    demo, django_capture_on_commit_callbacks
):
    case = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE, notice_started_on=LONG_AGO)
    post_notice(case)
    with django_capture_on_commit_callbacks(execute=True):
        event = case_transition(case=case, name="close_notice", actor=demo.user("clerk"))
    approver = demo.user("approver")
    notes = Notification.objects.filter(recipient=approver)
    assert notes.count() == 1
    note = notes.get()
    assert case.number in note.verb and "待审核确认" in note.verb
    assert note.url == reverse("cases:detail", args=[case.pk])
    assert not Notification.objects.filter(recipient=demo.user("clerk")).exists()  # not the actor
    assert not Notification.objects.filter(recipient=demo.user("approver_huangchi")).exists()
    notify_next_actors(case.pk, event.pk)  # a second run sends nothing new
    assert Notification.objects.filter(recipient=approver).count() == 1


def test_referral_notifies_county_supervisor_and_visiting_notifies_village_and_other_clerks(
    demo, django_capture_on_commit_callbacks
):
    case = make_case(demo.wuxi, force_state=CaseState.REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        go(case, "refer_to_county", "clerk_wuxi")
    assert (
        Notification.objects.filter(
            recipient=demo.user("supervisor"), verb__contains="报县审批"
        ).count()
        == 1
    )
    second_clerk = make_user("clerk2", "township_clerk", demo.gushu)
    visiting = make_case(demo.gushu, force_state=CaseState.CHECKING, check_status="returned")
    with django_capture_on_commit_callbacks(execute=True):
        go(visiting, "finish_check", "verifier")
    for user in (demo.user("assistant"), second_clerk, demo.user("clerk")):
        assert (
            Notification.objects.filter(recipient=user, verb__contains=visiting.number).count() == 1
        )
    assert not Notification.objects.filter(recipient=demo.user("assistant_wuxi")).exists()


def test_flagged_case_reaching_review_asks_the_county_for_its_visit(
    demo, django_capture_on_commit_callbacks
):
    case = make_case(
        demo.gushu,
        force_state=CaseState.PRE_NOTICE,
        notice_started_on=LONG_AGO,
        near_relative_flag=True,
    )
    post_notice(case)
    with django_capture_on_commit_callbacks(execute=True):
        go(case, "close_notice", "clerk")
    note = Notification.objects.get(recipient=demo.user("supervisor"))
    assert "县级入户核查" in note.verb


def test_unread_count_appears_in_the_navigation(demo, client, django_capture_on_commit_callbacks):
    case = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE, notice_started_on=LONG_AGO)
    post_notice(case)
    with django_capture_on_commit_callbacks(execute=True):
        go(case, "close_notice", "clerk")
    client.force_login(demo.user("approver"))
    html = client.get(reverse("notifications")).content.decode()
    assert 'data-testid="unread-count">1<' in html
    assert case.number in html


def test_the_case_log_is_hash_chained_and_verify_log_names_an_edited_row(demo):
    case = make_case(demo.gushu)
    first = case_transition(case=case, name="accept", actor=demo.user("clerk"), opinion="予以受理")
    second = case_transition(case=case, name="start_investigation", actor=demo.user("clerk"))
    assert first.prev_hash == "" and second.prev_hash == first.hash and len(second.hash) == 64
    assert verify_model(CaseEvent).breaks == []
    with tampering("cases_caseevent"):
        CaseEvent.objects.filter(pk=first.pk).update(opinion="改过的意见")
    (bad,) = verify_model(CaseEvent).breaks
    assert (bad.pk, bad.chain) == (first.pk, case.pk) and "内容与哈希不符" in bad.reason

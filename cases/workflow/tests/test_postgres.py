"""PostgreSQL-only guarantees: the case log is append-only in the database, and two users
acting on the same case at once cannot both succeed (optimistic locking)."""

import threading

import pytest
from django.db import DatabaseError, connection, connections, transaction

from cases.models import Case, CaseEvent, CaseState
from cases.workflow.services import CaseChanged, case_transition
from cases.workflow.tests.helpers import fast_passwords, make_case  # noqa: F401
from relief.dbroles import install_append_only_triggers
from relief.models import User

pytestmark = pytest.mark.postgres


def _trigger_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger "
            "WHERE tgrelid = 'cases_caseevent'::regclass AND NOT tgisinternal"
        )
        return cursor.fetchone()[0]


def test_trigger_is_installed_by_migrate_and_reinstalling_is_idempotent(db):
    assert _trigger_count() == 1
    assert "cases_caseevent" in install_append_only_triggers(connection)
    assert "cases_caseevent" in install_append_only_triggers(connection)
    assert _trigger_count() == 1


def test_database_refuses_to_update_or_delete_the_case_log(demo):
    case = make_case(demo.gushu)
    event = case_transition(case=case, name="accept", actor=demo.user("clerk"), opinion="予以受理")
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic():
            CaseEvent.objects.filter(pk=event.pk).update(opinion="改过的意见")
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM cases_caseevent WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.opinion == "予以受理"
    # Appending still works.
    case_transition(case=case, name="start_investigation", actor=demo.user("clerk"))
    assert CaseEvent.objects.filter(case=case).count() == 2


def _race(case_pk: int, moves: list[tuple[str, str, str]]):
    """Run each (username, transition, opinion) in its own thread, released together."""
    barrier = threading.Barrier(len(moves))
    results: list = [None] * len(moves)

    def worker(i, username, name, opinion):
        try:
            user = User.objects.get(username=username)
            case = Case.objects.get(pk=case_pk)
            barrier.wait(timeout=10)
            case_transition(case=case, name=name, actor=user, opinion=opinion)
            results[i] = ("ok", case.state)
        except CaseChanged as exc:
            results[i] = ("changed", exc.case.state)
        except Exception as exc:  # pragma: no cover - reported by the assertion
            results[i] = ("error", repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, *move)) for i, move in enumerate(moves)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_two_users_taking_different_transitions_at_once_exactly_one_wins(transactional_db, demo):
    case = make_case(demo.gushu, force_state=CaseState.ACCEPTED)
    results = _race(
        case.pk, [("clerk", "start_investigation", ""), ("clerk", "withdraw", "申请人撤回")]
    )
    outcomes = sorted(r[0] for r in results)
    assert outcomes == ["changed", "ok"], results
    winner_state = next(r[1] for r in results if r[0] == "ok")
    loser_sees = next(r[1] for r in results if r[0] == "changed")
    assert loser_sees == winner_state == Case.objects.get(pk=case.pk).state
    assert CaseEvent.objects.filter(case_id=case.pk).count() == 1


def test_two_users_taking_the_same_transition_at_once_sign_it_once(transactional_db, demo):
    case = make_case(demo.gushu, force_state=CaseState.ACCEPTED)
    results = _race(
        case.pk, [("clerk", "start_investigation", ""), ("clerk", "start_investigation", "")]
    )
    assert sorted(r[0] for r in results) == ["changed", "ok"], results
    assert Case.objects.get(pk=case.pk).state == CaseState.CHECKING
    assert CaseEvent.objects.filter(case_id=case.pk).count() == 1

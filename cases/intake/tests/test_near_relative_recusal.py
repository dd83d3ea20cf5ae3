"""The recused cannot lift their own recusal: the worker a near-relative entry recuses may not
deactivate it (service, page, API); another worker of the township or the county may, with a
reason, and every case the entry flagged gets a signed log row. Refusals change nothing."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cases.access import AccessRefused
from cases.intake.services.near_relatives import near_relative_deactivate, near_relative_register
from cases.intake.tests.helpers import SPOUSE_ID, application, member
from cases.models import CaseEvent, NearRelative
from cases.workflow.services import TransitionRefused, case_transition

SELF_REFUSAL = "您是该备案登记的工作人员本人，须回避，不能修改或撤销此备案"


@pytest.fixture
def recusing_entry(demo):
    """The approver registers that 李秀兰 (a member of a 姑孰镇 case and of a 黄池镇 case) is
    the 姑孰镇 clerk's sister: both cases are flagged and the clerk is recused."""
    clerk, approver = demo.user("clerk"), demo.user("approver")
    case = application(clerk)
    other = application(demo.user("clerk_huangchi"), members=[member("李秀兰", SPOUSE_ID, "self")])
    entry = near_relative_register(
        actor=approver,
        data={
            "worker_name": clerk.full_name,
            "worker_position": "civil_affairs",
            "worker_user": clerk.pk,
            "relative_name": "李秀兰",
            "relative_id_number": SPOUSE_ID,
            "relation": "姐姐",
        },
    )
    case.refresh_from_db()
    other.refresh_from_db()
    assert case.near_relative_flag and other.near_relative_flag
    return entry, case, other


def state_of(entry, *cases) -> tuple:
    entry.refresh_from_db()
    rows = []
    for case in cases:
        case.refresh_from_db()
        rows.append(
            (case.state, case.near_relative_flag, CaseEvent.objects.filter(case=case).count())
        )
    return (entry.active, entry.deactivated_by_id, entry.deactivation_reason, rows)


def test_the_recused_worker_cannot_deactivate_the_entry(demo, recusing_entry):
    entry, case, other = recusing_entry
    before = state_of(entry, case, other)
    with pytest.raises(AccessRefused) as exc:
        near_relative_deactivate(actor=demo.user("clerk"), entry=entry, reason="登记有误")
    assert exc.value.messages == [SELF_REFUSAL]
    assert state_of(entry, case, other) == before
    # and stays out of the case it flags
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, name="return_to_village", actor=demo.user("clerk"), opinion="x")
    assert "须回避" in " ".join(exc.value.messages)


def test_another_worker_deactivates_with_a_reason_and_every_case_is_logged(demo, recusing_entry):
    entry, case, other = recusing_entry
    approver = demo.user("approver")
    before = state_of(entry, case, other)
    with pytest.raises(Exception) as exc:
        near_relative_deactivate(actor=approver, entry=entry, reason="  ")
    assert exc.value.message_dict == {"reason": ["请填写撤销理由"]}
    assert state_of(entry, case, other) == before

    near_relative_deactivate(
        actor=approver, entry=entry, reason="经核实并非近亲属", client_address="10.0.0.9"
    )
    entry.refresh_from_db()
    assert not entry.active and entry.deactivated_by == approver
    assert entry.deactivation_reason == "经核实并非近亲属"
    for c in (case, other):
        c.refresh_from_db()
        assert not c.near_relative_flag
        row = CaseEvent.objects.get(case=c, transition="deactivate_near_relative")
        assert row.actor == approver and row.opinion == "经核实并非近亲属"
        assert row.client_address == "10.0.0.9"
        assert row.data["flag_before"] is True and row.data["flag_after"] is False
        assert row.data["county_visit_required"] is False
    with pytest.raises(Exception) as exc:
        near_relative_deactivate(actor=approver, entry=entry, reason="再次")
    assert "已撤销" in " ".join(exc.value.messages)


def test_a_county_supervisor_may_deactivate(demo, recusing_entry):
    entry, case, _ = recusing_entry
    near_relative_deactivate(actor=demo.user("supervisor"), entry=entry, reason="县级复核")
    case.refresh_from_db()
    assert not case.near_relative_flag


def test_api_refuses_the_recused_clerk_and_changes_nothing(demo, recusing_entry):
    entry, case, other = recusing_entry
    url = f"/api/intake/near-relatives/{entry.pk}/deactivate/"
    api = APIClient()
    api.force_authenticate(demo.user("clerk"))
    before = state_of(entry, case, other)
    response = api.post(url, {"reason": "登记有误"}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == SELF_REFUSAL
    assert state_of(entry, case, other) == before

    api.force_authenticate(demo.user("approver"))
    response = api.post(url, {}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"reason": ["请填写撤销理由"]}
    assert state_of(entry, case, other) == before
    response = api.post(url, [1, 2], format="json")
    assert response.status_code == 400
    assert state_of(entry, case, other) == before

    response = api.post(url, {"reason": "经核实并非近亲属"}, format="json")
    assert response.status_code == 200 and response.json() == {"id": entry.pk, "active": False}
    case.refresh_from_db()
    assert not case.near_relative_flag
    assert CaseEvent.objects.filter(case=case, transition="deactivate_near_relative").count() == 1


def test_page_shows_the_refusal_and_refuses_the_post(demo, recusing_entry, client):
    entry, case, other = recusing_entry
    client.force_login(demo.user("clerk"))
    page = client.get(reverse("cases:near_relatives")).content.decode()
    assert SELF_REFUSAL in page
    before = state_of(entry, case, other)
    response = client.post(
        reverse("cases:near_relative_deactivate", args=[entry.pk]),
        {"reason": "登记有误"},
        follow=True,
    )
    assert SELF_REFUSAL in response.content.decode()
    assert state_of(entry, case, other) == before

    client.force_login(demo.user("approver"))
    page = client.get(reverse("cases:near_relatives")).content.decode()
    assert SELF_REFUSAL not in page and 'name="reason"' in page
    response = client.post(
        reverse("cases:near_relative_deactivate", args=[entry.pk]),
        {"reason": "经核实并非近亲属"},
        follow=True,
    )
    assert "已撤销该备案" in response.content.decode()
    assert not NearRelative.objects.get(pk=entry.pk).active
    case.refresh_from_db()
    assert not case.near_relative_flag

"""The admin shows the case log but cannot add, change or delete it."""

from django.urls import reverse

from cases.models import CaseEvent
from cases.workflow.tests.helpers import fast_passwords, go, make_case  # noqa: F401


def test_admin_lists_the_log_but_cannot_change_or_delete_it(demo, client):
    case = make_case(demo.gushu)
    go(case, "accept", "clerk", opinion="予以受理")
    event = CaseEvent.objects.get(case=case)
    before = _unchanged(case)
    client.force_login(demo.user("admin"))
    assert client.get(reverse("admin:cases_caseevent_changelist")).status_code == 200
    assert client.get(reverse("admin:cases_caseevent_add")).status_code == 403
    response = client.post(
        reverse("admin:cases_caseevent_change", args=[event.pk]), {"opinion": "改"}
    )
    assert response.status_code == 403
    assert (
        client.post(
            reverse("admin:cases_caseevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    event.refresh_from_db()
    assert event.opinion == "予以受理"
    assert _unchanged(case) == before


def test_admin_cannot_change_a_case_state_behind_the_workflow(demo, client):
    case = make_case(demo.gushu)
    client.force_login(demo.user("admin"))
    before = _unchanged(case)
    response = client.post(reverse("admin:cases_case_change", args=[case.pk]), {"state": "paying"})
    assert response.status_code == 403
    assert _unchanged(case) == before


def _unchanged(case) -> tuple:
    """What a refused write must leave as it was: the state, the flags, the log."""
    case.refresh_from_db()
    return (
        case.state,
        case.near_relative_flag,
        case.complaint_flag,
        case.county_visit_done,
        case.updated_at,
        list(CaseEvent.objects.filter(case=case).values_list("pk", "opinion")),
    )

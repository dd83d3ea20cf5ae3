"""A backlog crossing a threshold at once (the scan first switched on over open cases) sends
one digest per responsible person and threshold, not one message per case; flags are still
raised on every clock (one UPDATE); a normal day still notifies case by case."""

import datetime

from cases.clocks import services as clocks
from cases.clocks.services import scan_deadlines
from cases.clocks.tests.test_clocks import _open_case, clock_of
from relief.models import Notification

D = datetime.date


def test_a_backlog_sends_one_digest_per_person_and_threshold(demo, monkeypatch):
    monkeypatch.setattr(clocks, "DIGEST_ABOVE", 3)
    late = [_open_case(demo, D(2026, 3, 2)) for _ in range(5)]
    result = scan_deadlines(today=D(2026, 4, 30))
    assert result.overdue_marked == 5 and all(clock_of(c).overdue for c in late)
    digests = Notification.objects.filter(dedupe_key="clock:digest:overdue:2026-04-30")
    recipients = sorted(digests.values_list("recipient__username", flat=True))
    assert recipients == ["approver", "clerk"]
    assert "5 件案件已超过办理时限" in digests.first().verb
    assert digests.first().url.endswith("?overdue=yes")
    assert not Notification.objects.filter(dedupe_key__startswith=f"clock:{late[0].pk}:overdue")
    again = scan_deadlines(today=D(2026, 4, 30))
    assert again.notifications == 0 and again.overdue_marked == 0


def test_a_few_crossings_are_notified_case_by_case(demo, monkeypatch):
    monkeypatch.setattr(clocks, "DIGEST_ABOVE", 3)
    late = [_open_case(demo, D(2026, 3, 2)) for _ in range(2)]
    scan_deadlines(today=D(2026, 4, 30))
    for case in late:
        assert Notification.objects.filter(
            dedupe_key__startswith=f"clock:{case.pk}:overdue:"
        ).exists()
    assert not Notification.objects.filter(dedupe_key__startswith="clock:digest:").exists()

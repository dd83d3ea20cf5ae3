"""The daily beat task: it closes a batch whose period is over once however often it runs,
moves its cases on signed by the system, tells the clerk, and warns once of a batch still
without its posting photo one working day after publication."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from cases.models import CaseState
from cases.notices.models import BatchState, NoticeKind
from cases.notices.services import batch_create, batch_publish, batch_upload_photo
from cases.notices.tasks import close_due_batches
from cases.workflow.tests.helpers import make_case
from relief.celery import app
from relief.models import Notification, Region

#: Monday 2 March 2026, 09:00 in Shanghai (a working week without holidays).
MONDAY = datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, format="PNG")
    return buf.getvalue()


def _published(demo, cases):
    batch = batch_create(
        actor=demo.user("clerk"),
        village=Region.objects.get(pk=cases[0].village_id),
        kind=NoticeKind.PRE,
        cases=cases,
        starts_on=timezone.localdate(),
        place="城东社区公示栏",
        phone="0555-6661234",
    )
    return batch_publish(batch=batch, actor=demo.user("clerk"))


def test_the_task_is_registered_and_scheduled_daily():
    app.loader.import_default_modules()
    assert "cases.notices.tasks.close_due_batches" in app.tasks
    entries = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == close_due_batches.name
    ]
    assert len(entries) == 1


@pytest.mark.django_db
def test_run_twice_the_task_closes_a_due_batch_once_and_tells_the_clerk_once(
    demo, django_capture_on_commit_callbacks
):
    with time_machine.travel(MONDAY, tick=False):
        case = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
        batch = _published(demo, [case])
        assert close_due_batches.delay().get()["batches"] == []  # still on the wall

    with (
        time_machine.travel(MONDAY + datetime.timedelta(days=batch.days), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = close_due_batches.delay().get()
        second = close_due_batches.delay().get()

    assert (first["batches"], first["closed_cases"]) == ([batch.number], 1)
    assert (second["batches"], second["closed_cases"]) == ([], 0)
    batch.refresh_from_db()
    case.refresh_from_db()
    assert batch.state == BatchState.CLOSED
    assert case.state == CaseState.REVIEW
    closing = case.events.filter(transition="close_notice")
    assert closing.count() == 1
    assert batch.number in closing.get().opinion and closing.get().actor.username.startswith(
        "system-"
    )
    told = Notification.objects.filter(dedupe_key=f"notice-closed-{batch.pk}")
    assert list(told.values_list("recipient__username", flat=True)) == ["clerk"]


@pytest.mark.django_db
def test_a_missing_posting_photo_is_flagged_once_after_one_working_day(
    demo, django_capture_on_commit_callbacks
):
    with time_machine.travel(MONDAY, tick=False):
        case = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
        batch = _published(demo, [case])
        other = _published(demo, [make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)])
        assert close_due_batches.delay().get()["photo_missing"] == []
    with time_machine.travel(MONDAY, tick=False):
        batch_upload_photo(
            batch=other,
            actor=demo.user("assistant"),
            uploaded_file=SimpleUploadedFile("p.png", _png(), content_type="image/png"),
        )
    with (
        time_machine.travel(MONDAY + datetime.timedelta(days=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert close_due_batches.delay().get()["photo_missing"] == [batch.number]
        close_due_batches.delay().get()
    warned = Notification.objects.filter(dedupe_key=f"notice-photo-{batch.pk}")
    assert sorted(warned.values_list("recipient__username", flat=True)) == ["assistant", "clerk"]
    assert not Notification.objects.filter(dedupe_key=f"notice-photo-{other.pk}").exists()

"""The real Celery worker fixture (tests/worker.py): a task goes through Redis to a worker
process that reads the pytest test database."""

import pytest

from relief.celery import app
from relief.models import Region
from relief.tasks import count_regions, ping


@pytest.mark.celery_worker
def test_a_task_sent_through_the_broker_is_answered_by_the_worker(celery_worker_process):
    result = ping.delay()
    assert result.get(timeout=30) == "pong"
    assert result.successful()


@pytest.mark.celery_worker
def test_the_worker_reads_the_rows_the_test_committed_to_the_test_database(celery_worker_process):
    Region.objects.create(code="349999000000", name="测试县", level=Region.Level.COUNTY)
    assert count_regions.delay().get(timeout=30) == Region.objects.count() == 1


def test_tasks_run_eagerly_without_the_worker_fixture(db):
    assert app.conf.task_always_eager is True
    assert ping.delay().get(timeout=1) == "pong"

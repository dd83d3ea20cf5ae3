"""The read-replica router with two database aliases: reads inside ``reads_from_replica()``
run on the replica, everything else on the primary. (A module of its own: the second alias
lives as long as this module's tests.)"""

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from relief.db_router import REPLICA_ALIAS, ROUTER, reads_from_replica, replica_reads
from relief.models import Region


@pytest.fixture(scope="module")
def replica_alias(django_db_setup, django_db_blocker):
    """A second alias, ``replica``, on the test database itself (a streaming replica holds
    the same rows), with the router installed; set up before the test's database access
    so that the test may declare both aliases."""
    with django_db_blocker.unblock():
        primary = dict(connections["default"].settings_dict)
    connections.settings[REPLICA_ALIAS] = primary
    settings.DATABASES[REPLICA_ALIAS] = primary
    try:
        with override_settings(DATABASE_ROUTERS=[ROUTER]):
            yield
    finally:
        with django_db_blocker.unblock():
            conn = connections[REPLICA_ALIAS]
            conn.close()
            if hasattr(conn, "close_pool"):
                conn.close_pool()
        del connections[REPLICA_ALIAS]
        # connections.settings is settings.DATABASES itself once configured; pop from both
        settings.DATABASES.pop(REPLICA_ALIAS, None)
        connections.settings.pop(REPLICA_ALIAS, None)


two_aliases = pytest.mark.django_db(transaction=True, databases=["default", REPLICA_ALIAS])


@two_aliases
def test_reads_inside_the_block_run_on_the_replica_and_others_on_the_primary(replica_alias):
    Region.objects.create(code="340521999000", name="测试镇", level=Region.Level.TOWNSHIP)
    with CaptureQueriesContext(connections[REPLICA_ALIAS]) as on_replica:
        with CaptureQueriesContext(connections["default"]) as on_primary:
            with reads_from_replica():
                names = list(Region.objects.filter(code="340521999000").values_list("name"))
            outside = Region.objects.filter(code="340521999000").count()
    assert names == [("测试镇",)] and outside == 1
    assert len(on_replica.captured_queries) == 1
    assert "340521999000" in on_replica.captured_queries[0]["sql"]
    assert len(on_primary.captured_queries) == 1


@two_aliases
def test_an_object_read_from_the_replica_is_saved_on_the_primary(replica_alias):
    Region.objects.create(code="340521999000", name="测试镇", level=Region.Level.TOWNSHIP)
    with reads_from_replica():
        region = Region.objects.get(code="340521999000")
    assert region._state.db == REPLICA_ALIAS
    region.name = "改名镇"
    with CaptureQueriesContext(connections[REPLICA_ALIAS]) as on_replica:
        region.save()
    assert on_replica.captured_queries == []
    assert Region.objects.get(code="340521999000").name == "改名镇"


@two_aliases
def test_inside_a_transaction_on_the_primary_reads_stay_there(replica_alias):
    with transaction.atomic(), reads_from_replica():
        Region.objects.create(code="340521999000", name="测试镇", level=Region.Level.TOWNSHIP)
        assert Region.objects.filter(code="340521999000").db == "default"
        assert Region.objects.filter(code="340521999000").exists()


def test_the_decorator_routes_a_whole_view_to_the_replica(replica_alias):
    @replica_reads
    def view():
        return Region.objects.all().db

    assert view() == REPLICA_ALIAS
    assert Region.objects.all().db == "default"

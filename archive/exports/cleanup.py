"""Exports are kept for a number of days (policy ``archive_export_keep_days``), then their
files are deleted by a daily beat task (archive.tasks.delete_expired_exports)."""

from __future__ import annotations

import datetime
import os
import shutil

from django.conf import settings
from django.utils import timezone

from archive.exports.build import EXPORT_DIR
from archive.models import ArchiveExport
from relief.models import Region
from relief.policy import policy_for


def export_delete_expired(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of exports older than ``archive_export_keep_days`` (the county's
    setting in force today; default 7 days). The rows and the log stay."""
    now = now or timezone.now()
    deleted = 0
    finished = ArchiveExport.objects.filter(
        status__in=[
            ArchiveExport.Status.DONE,
            ArchiveExport.Status.FAILED,
            ArchiveExport.Status.CANCELLED,
        ]
    ).select_related("requested_by__region", "requested_by__region__parent")
    keep_by_county: dict[int, int] = {}
    for export in finished:
        county = _county_of(export.requested_by.region)
        if county is None:
            continue
        if county.pk not in keep_by_county:
            keep_by_county[county.pk] = policy_for(county, now.date()).archive_export_keep_days
        if export.requested_at > now - datetime.timedelta(days=keep_by_county[county.pk]):
            continue
        shutil.rmtree(os.path.join(settings.MEDIA_ROOT, EXPORT_DIR, str(export.pk)), True)
        ArchiveExport.objects.filter(pk=export.pk).update(
            status=ArchiveExport.Status.EXPIRED, file_path="", message="已过期删除"
        )
        deleted += 1
    return deleted


def _county_of(region):
    while region is not None and region.level != Region.Level.COUNTY:
        region = region.parent
    return region

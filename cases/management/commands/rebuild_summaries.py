"""``manage.py rebuild_summaries``: refill the dashboards' summary tables from the cases and
their clocks (after a bulk load, or when check_summaries finds a difference)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from cases.stats.models import TallyMark
from cases.stats.services import rebuild_summaries


class Command(BaseCommand):
    help = "从基础数据重建统计汇总表"

    def handle(self, *args, **options):
        rebuild_summaries()
        self.stdout.write(f"已重建统计汇总表（{TallyMark.objects.count()} 件案件）")

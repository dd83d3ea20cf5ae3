"""``manage.py check_summaries [--fix]``: recount the dashboards' summary tables from the
cases and their clocks and compare; exit 1 with the differences when they are not equal."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from cases.stats.services import compare, rebuild_summaries


class Command(BaseCommand):
    help = "核对统计汇总表与基础数据的重新计数是否一致（--fix 重建汇总表）"

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="不一致时从基础数据重建汇总表")

    def handle(self, *args, fix: bool = False, **options):
        differences = compare()
        if not differences:
            self.stdout.write("汇总表与重新计数一致")
            return
        for line in differences:
            self.stdout.write(line)
        if fix:
            rebuild_summaries()
            left = compare()
            if left:
                raise CommandError(f"重建后仍有 {len(left)} 处不一致")
            self.stdout.write(f"已重建汇总表（修正前 {len(differences)} 处不一致）")
            return
        raise CommandError(f"汇总表与重新计数有 {len(differences)} 处不一致")

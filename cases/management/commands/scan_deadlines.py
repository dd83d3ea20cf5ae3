"""`manage.py scan_deadlines [--date YYYY-MM-DD] [--queue]`: the daily deadline scan by hand."""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError

from cases.clocks import tasks
from cases.clocks.services import scan_deadlines


class Command(BaseCommand):
    help = "标记临期/超期案件并发送提醒（与每日定时任务相同，可重复运行）"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按指定日期扫描 (YYYY-MM-DD)，默认今天")
        parser.add_argument(
            "--queue", action="store_true", help="交给 Celery worker 执行，而不是在本进程执行"
        )

    def handle(self, *args, date=None, queue=False, **options):
        if date:
            try:
                datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date={date!r} 不是有效日期，格式应为 YYYY-MM-DD")
        if queue:
            result = tasks.scan_deadlines.delay(date)
            self.stdout.write(f"queued {result.id}")
            return

        day = datetime.date.fromisoformat(date) if date else None
        self.stdout.write(json.dumps(scan_deadlines(today=day).as_dict(), ensure_ascii=False))

from django.core.management.base import BaseCommand

from review.services import rectification_mark_overdue


class Command(BaseCommand):
    help = (
        "Flag rectification orders (整改通知) whose due date passed without the township's answer."
    )

    def handle(self, *args, **options):
        n = rectification_mark_overdue()
        self.stdout.write(f"{n} rectification order(s) newly flagged overdue")
